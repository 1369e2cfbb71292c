"""The bubblewrap command line that runs a grading kernel in its sandbox (see the package's
docstring): a read-only system, the kernel's Python, an empty /tmp and home, the notebook's folder
as a scratch copy, no network, the limits set with `prlimit`, and its own user id when grading
runs as root."""
import os
import shutil
from pathlib import Path

from .fonts import font_list
from .policy import DEFAULT_LIMITS, HOME, SYSTEM


def _python_paths(python):
    """The folders a Python interpreter needs: its environment and the installation under it."""
    python = Path(python)
    prefix = python.parent.parent
    paths = {prefix.resolve() if not (prefix / "pyvenv.cfg").exists() else prefix}
    config = prefix / "pyvenv.cfg"
    if config.exists():
        for line in config.read_text().splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "home":
                paths.add(Path(value.strip()).resolve().parent)
    paths.add(Path(os.path.realpath(python)).parent.parent)
    return sorted(str(p) for p in paths)


def _system():
    args = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


HOLDER = ["cat"]      # what keeps a sandbox alive for kernels that join it: ends with its input


def command(kernel_cmd, cwd, scratch, readonly=(), shared=(), uid=None, cgroups=(),
            limits=DEFAULT_LIMITS, info_fd=None):
    """The bubblewrap command line that runs `kernel_cmd` in the sandbox, in `cwd` (the folder
    `scratch` bound there), with the files `readonly` (a connection file) and the folders `shared`
    (where its sockets are made) at their own paths; first joining `cgroups`, before bubblewrap
    starts any process; with the `limits`.

    With `info_fd`, the sandbox is made for kernels that join it (`mdl_kernel.entering`, which
    sets their limits and user): bubblewrap writes its process ids to that descriptor, and runs
    HOLDER, not `kernel_cmd` (whose Python still decides what is bound)."""
    join = []
    if cgroups:
        targets = " ".join(f"'{g}/cgroup.procs'" for g in cgroups)
        join = ["/bin/sh", "-c",
                f'for g in {targets}; do echo $$ > "$g" || exit 125; done; exec "$@"', "sh"]
    args = join + [shutil.which("bwrap") or "bwrap", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try", "--die-with-parent"]
    if uid is None:
        args.append("--unshare-user")
    args += _system()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", HOME]
    fonts = font_list(kernel_cmd[0])
    if fonts:
        cache = f"{HOME}/.cache/matplotlib"
        args += ["--perms", "1777", "--dir", f"{HOME}/.cache", "--perms", "1777", "--dir", cache,
                 "--ro-bind", str(fonts), f"{cache}/{fonts.name}"]
    binds = [("--ro-bind", path, path) for path in _python_paths(kernel_cmd[0])]
    binds += [("--ro-bind", path, path) for path in readonly]
    binds += [("--bind", path, path) for path in shared] + [("--bind", scratch, cwd)]
    # the folders above what is bound, made traversable (bubblewrap makes them 0700)
    above = sorted({str(parent) for _, _, dest in binds for parent in Path(dest).parents
                    if str(parent) not in ("/", "/tmp", HOME)})
    for folder in above:
        args += ["--perms", "0755", "--dir", folder]
    for bind in binds:
        args += list(bind)
    # jupyter_client adds the parent's process id, which means nothing in the sandbox's process
    # namespace (the kernel would think nbgrader had exited); --die-with-parent does that job
    args += ["--unsetenv", "JPY_PARENT_PID", "--chdir", cwd]
    if info_fd is not None:
        return args + ["--info-fd", str(info_fd), "--"] + HOLDER
    args.append("--")
    limits = ["prlimit"] + [f"--{name}={value}" for name, value in limits.prlimit().items()] + ["--"]
    drop = [] if uid is None else ["setpriv", f"--reuid={uid}", f"--regid={uid}",
                                   "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                                   "--"]
    return args + limits + drop + list(kernel_cmd)
