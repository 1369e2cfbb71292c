"""A forked kernel's way into a student's sandbox, made by the tutor and already running.

The shared warm parent (`mdl_kernel.zygote --listen`) runs outside every sandbox, as root, and
forks each kernel from its imports.  The tutor's side has started the student's sandbox with
bubblewrap (a holder process keeps it alive: `autograder.grading.zygote`), exactly as it would
for a zygote of its own; the kernel then joins it, as `nsenter` joins a container:

* `Sandbox.open` (in the parent): descriptors of the holder's namespaces and of its root folder;
* `fork_inside` (in the parent): the child is forked into the sandbox's process namespace (the
  parent's own is restored at once), so the kernel sees only its sandbox's processes;
* `enter` (in the child): its control groups, then its inter-process, host name, network, control
  group and mount namespaces, its root folder (`chroot`) and working folder, the limits bubblewrap's
  `prlimit` would set, and the sandbox's user with no capabilities left (the bounding set
  emptied, no new privileges: what `setpriv` does for a zygote of its own);
* `sweep` (in the child, as that user): whatever an earlier notebook of the student left running
  there is killed first, as it would have died with a sandbox of its own.

Nothing of another student is reachable: each student's sandbox has its own namespaces, user id
and files, and the parent never runs a student's code.
"""
import ctypes
import os
import resource
import signal
import time

NAMESPACES = {"ipc": 0x08000000, "uts": 0x04000000, "net": 0x40000000, "cgroup": 0x02000000,
              "mnt": 0x00020000}                    # joined in this order (mnt last: it moves /)
CLONE_NEWPID = 0x20000000
LIMITS = {"as": resource.RLIMIT_AS, "nproc": resource.RLIMIT_NPROC,
          "fsize": resource.RLIMIT_FSIZE, "cpu": resource.RLIMIT_CPU,
          "nofile": resource.RLIMIT_NOFILE}       # prlimit's names (SandboxLimits.prlimit)
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _setns(fd, kind):
    _check(_libc.setns(fd, kind), "setns")


class Sandbox:
    """A student's sandbox as the tutor describes it: `holder` (its process id, as this process
    sees it), `uid`, `cgroups` (folders), `limits` (prlimit's names and values), `cwd`."""

    def __init__(self, holder, uid, cgroups, limits, cwd):
        self.holder, self.uid, self.cwd = int(holder), int(uid), str(cwd)
        self.cgroups, self.limits = [str(g) for g in cgroups], {k: int(v) for k, v in limits.items()}
        if not set(self.limits) <= set(LIMITS):
            raise ValueError(f"unknown limits {sorted(set(self.limits) - set(LIMITS))}")
        self.fds = {}

    @classmethod
    def of(cls, request):
        return cls(request["holder"], request["uid"], request.get("cgroups", ()),
                   request.get("limits", {}), request["cwd"])

    def open(self):
        """Descriptors of the holder's namespaces and root folder (closed by `close`)."""
        self.close()
        try:
            for kind in ("pid", *NAMESPACES):
                self.fds[kind] = os.open(self._of_holder("ns", kind), os.O_RDONLY)
            self.fds["root"] = os.open(self._of_holder("root"), os.O_RDONLY | os.O_DIRECTORY)
            for kind in ("pid", "mnt", "net", "ipc"):      # a sandbox has its own: never ours
                if os.fstat(self.fds[kind]).st_ino == os.stat(f"/proc/self/ns/{kind}").st_ino:
                    raise OSError(f"process {self.holder} is in no sandbox (its {kind} "
                                  "namespace is this process's)")
        except OSError:
            self.close()
            raise
        return self

    def _of_holder(self, *parts):
        """A path of the holder's in /proc."""
        return os.path.join("/proc", str(self.holder), *parts)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)
        self.fds = {}


def fork_inside(sandbox):
    """Fork a child in the sandbox's process namespace; its process id (0 in the child).  This
    process's own children are made in its own namespace again at once."""
    own = os.open("/proc/self/ns/pid", os.O_RDONLY)
    try:
        _setns(sandbox.fds["pid"], CLONE_NEWPID)      # for the children made from now on
        try:
            pid = os.fork()
        except OSError:
            _setns(own, CLONE_NEWPID)
            raise
        if pid:
            _setns(own, CLONE_NEWPID)
        return pid
    finally:
        os.close(own)


def enter(sandbox):
    """In the forked child: join the sandbox (see the module's docstring); raises OSError when
    any step fails, and the child must then end."""
    for group in sandbox.cgroups:                    # while the tutor's /sys is still in view
        with open(os.path.join(group, "cgroup.procs"), "w") as procs:
            procs.write("0")
    for kind, flag in NAMESPACES.items():
        _setns(sandbox.fds[kind], flag)
    os.fchdir(sandbox.fds["root"])
    os.chroot(".")
    os.chdir(sandbox.cwd)
    sandbox.close()
    for name, value in sandbox.limits.items():
        resource.setrlimit(LIMITS[name], (value, value))
    for cap in range(64):                            # the bounding set, as setpriv empties it
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
            _check(-1, "prctl(PR_CAPBSET_DROP)")
    os.setgroups([])
    os.setresgid(sandbox.uid, sandbox.uid, sandbox.uid)
    os.setresuid(sandbox.uid, sandbox.uid, sandbox.uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    if os.getuid() != sandbox.uid or os.geteuid() != sandbox.uid:
        raise OSError("the sandbox's user was not taken")


def sweep(seconds=5.0, spare=()):
    """As the sandbox's user, in its process namespace: kill every other process of that user
    (`kill(-1)` reaches only those, and never the namespace's init) and wait until they are gone,
    but for the process ids in `spare` (what remains then is the sandbox's init and holder, which
    are not the user's)."""
    me, uid = os.getpid(), os.getuid()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        others = []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) != me and int(name) not in spare:
                try:
                    if os.stat(f"/proc/{name}").st_uid == uid:
                        others.append(name)
                except OSError:
                    continue
        if not others:
            return
        time.sleep(0.01)
