"""The sandbox's policy: what a grading kernel gets (see the package's docstring).

`SandboxLimits` are the limits set on every sandbox; `SandboxProvisioner` takes them from its
traitlets (`c.SandboxProvisioner.memory_bytes = ...` in nbgrader_config.py), so a course sets them
where it sets the rest of nbgrader.  The tutor may choose to grade unsandboxed with
MATHS_OF_DL_UNSANDBOXED=1 (`maths-of-dl grade-class --unsandboxed`): logged, and shown in the
class report.
"""
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from .probe import UNSANDBOXED_VARIABLE, problem

MIB = 1 << 20
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# Not MPLBACKEND: a kernel draws with its own inline backend whatever the tutor's process uses
# (a headless server's Agg would leave every student's plot out of the autograded notebook).
ENVIRONMENT = ("LANG", "LC_ALL", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
               "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
HOME = "/home/student"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SandboxLimits:
    """The limits of one sandbox.  Each process of the kernel (`prlimit`): its address space in
    bytes (a memory bomb gets MemoryError), the processes and threads of the kernel's user (no
    fork bomb), the bytes of one file (no 10 GB file), the CPU seconds of the whole notebook and
    its open files; the bytes of its /tmp and of its home (tmpfs each); and, where grading may
    make control groups, the memory of all its processes together (the address-space limit is
    per process: without the group, `processes` processes could hold that many times as much)
    and its processes (`processes` again)."""
    address_space: int = 3072 * MIB
    processes: int = 128
    file_size: int = 256 * MIB
    cpu_seconds: int = 900
    open_files: int = 256
    tmp_bytes: int = 256 * MIB
    memory_bytes: int = 2048 * MIB

    def prlimit(self):
        """The limits as `prlimit`'s options, by its names."""
        return {"as": self.address_space, "nproc": self.processes, "fsize": self.file_size,
                "cpu": self.cpu_seconds, "nofile": self.open_files}


DEFAULT_LIMITS = SandboxLimits()


def unsandboxed():
    """The tutor chose to grade without the sandbox."""
    return os.environ.get(UNSANDBOXED_VARIABLE) == "1"


def refuse_without_sandbox():
    """Raise RuntimeError naming the fix when kernels cannot be sandboxed and the tutor did not
    choose to grade unsandboxed; log the choice when they did."""
    if unsandboxed():
        log.warning("GRADING UNSANDBOXED (%s=1): student code runs with the tutor's rights",
                    UNSANDBOXED_VARIABLE)
        return
    reason = problem()
    if reason:
        raise RuntimeError(f"Not grading: {reason}.")


def environment(env, kernel_cmd):
    """The kernel's environment: the allow-list, Jupyter's JPY_* variables, a PATH and a home."""
    kept = {k: v for k, v in env.items() if k in ENVIRONMENT or k.startswith("JPY_")}
    return dict(kept, HOME=HOME, PATH=f"{Path(kernel_cmd[0]).parent}:/usr/bin:/bin",
                LANG=env.get("LANG", "C.UTF-8"))


def enclosure_allowed(km):
    """Refuse (RuntimeError naming the fix) when a grading kernel cannot be sandboxed here, unless
    the tutor chose to grade unsandboxed; False when they did (logged), True otherwise."""
    if unsandboxed():
        km.log.warning("Kernel started UNSANDBOXED (%s=1)", UNSANDBOXED_VARIABLE)
        return False
    reason = problem()
    if reason:
        raise RuntimeError(f"Not starting the grading kernel: {reason}.")
    if km.transport != "ipc":
        raise RuntimeError("The sandboxed grading kernel has no network: set "
                           'c.KernelManager.transport = "ipc" (nbgrader_config.py does)')
    return True
