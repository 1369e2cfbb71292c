"""Whether bubblewrap can sandbox a grading kernel on this machine, and if not, the fix."""
import os
import shutil
import subprocess
import sys
from functools import lru_cache

UNSANDBOXED_VARIABLE = "MATHS_OF_DL_UNSANDBOXED"


@lru_cache(maxsize=1)
def problem():
    """Why bubblewrap cannot sandbox a kernel here, with the fix; None when it can."""
    if not sys.platform.startswith("linux"):
        return (f"grading kernels run under bubblewrap, which needs Linux (this is "
                f"{sys.platform}); grade on Linux, or set {UNSANDBOXED_VARIABLE}=1 to grade "
                "unsandboxed")
    if not shutil.which("bwrap"):
        return ("grading kernels run under bubblewrap, which is not installed: "
                "apt-get install bubblewrap (scripts/setup.sh does it as root), or set "
                f"{UNSANDBOXED_VARIABLE}=1 to grade unsandboxed")
    probe = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
             "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent", "true"]
    if os.geteuid() != 0:
        probe[1:1] = ["--unshare-user"]
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start ({error}); set {UNSANDBOXED_VARIABLE}=1 to grade unsandboxed"
    if done.returncode != 0:
        return ("bubblewrap cannot create a sandbox here "
                f"({done.stderr.strip()[:200] or 'exit ' + str(done.returncode)}): allow user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1 or "
                f"user.max_user_namespaces > 0), or set {UNSANDBOXED_VARIABLE}=1 to grade "
                "unsandboxed")
    return None
