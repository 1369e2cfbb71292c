"""The grading kernels' sandbox: every kernel of the grading kernel spec runs under bubblewrap.

`SandboxProvisioner` is a jupyter_client kernel provisioner, named in the grading kernel spec
(`metadata.kernel_provisioner`), so every kernel that `nbgrader autograde` or the class tool
starts from that spec is wrapped, whatever starts it.  The kernel gets

  * a read-only system: /usr (and /bin, /lib..., /etc), its own Python environment and the
    Python installation it is built on, and nothing else of the machine's files;
  * an empty private /tmp and home (tmpfs of TMP_BYTES each), where matplotlib finds the list
    of the system's fonts already made (`font_list`): otherwise every kernel that imports
    pyplot would spend about 1.7 s scanning every font on the machine;
  * the notebook's folder as a scratch copy, at its own path (what it writes there is thrown
    away), and its connection file and socket folder;
  * no network (a network namespace of its own, with loopback only; it talks to nbgrader over
    Unix sockets, `c.KernelManager.transport = "ipc"`);
  * an environment of ENVIRONMENT variables only (plus Jupyter's JPY_*);
  * limits set on the kernel itself with `prlimit`: LIMITS (address space, processes and threads,
    file size, CPU seconds, open files), and, when grading runs as root, a user id of its own
    (`setpriv`), so that the process limit counts its processes only;
  * where the machine lets grading make control groups (root, cgroup v1 or v2), a CPU group, a
    process group and a memory group of its own: a fork bomb's processes share one kernel's CPU
    weight instead of starving nbgrader and the rest of the class, and count against PIDS_MAX;
    all its processes together hold at most MEMORY_BYTES of memory (the address-space limit
    above is per process: without the group, 128 processes could hold 128 times as much);
  * standard streams of its own (`KernelOutput`): input /dev/null, output and errors an unnamed
    file, never nbgrader's (a kernel that inherited them could reopen the tutor's log through
    /proc/self/fd, or write into it), and no other descriptor of the grading process;
  * a scratch folder that does not outlive the grading (`Enclosure`, in MATHS_OF_DL_SCRATCH or
    the temporary folder): removed when the kernel ends, and, when the grading process was killed
    before it could do that, by the next one (`sweep_leftovers`; the class tool's workers put it
    in the student's grading folder, which they remove however the grading ends).

Where bubblewrap cannot run (not Linux, not installed, user namespaces disabled), `problem()`
says why and what to do; grading refuses (`refuse_without_sandbox`) unless the tutor chose to
grade unsandboxed with MATHS_OF_DL_UNSANDBOXED=1 (`maths-of-dl grade-class --unsandboxed`), which
is logged and shown in the class report.
"""
import fcntl
import glob
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool

UNSANDBOXED_VARIABLE = "MATHS_OF_DL_UNSANDBOXED"
MIB = 1 << 20
LIMITS = {"as": 3072 * MIB,        # bytes of address space: a memory bomb gets MemoryError
          "nproc": 128,            # processes and threads of the kernel's user: no fork bomb
          "fsize": 256 * MIB,      # bytes of one file: no 10 GB file
          "cpu": 900,              # CPU seconds of the whole notebook
          "nofile": 256}           # open files
TMP_BYTES = 256 * MIB
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# Not MPLBACKEND: a kernel draws with its own inline backend whatever the tutor's process uses
# (a headless server's Agg would leave every student's plot out of the autograded notebook).
ENVIRONMENT = ("LANG", "LC_ALL", "TZ", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
               "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
HOME = "/home/student"
CGROUPS = Path("/sys/fs/cgroup")
PIDS_MAX = LIMITS["nproc"]
MEMORY_BYTES = 2048 * MIB          # memory of all the sandbox's processes together
SCRATCH_PREFIX = "mdl-sandbox-"
SCRATCH_VARIABLE = "MATHS_OF_DL_SCRATCH"   # the scratch copies' folder (default: the temporary one)
OWNER = ".owner"                   # the scratch folder's lock, held by the process using it
CGROUP_PREFIX = "maths-of-dl-"     # then the process id of the grading process that made it
FIRST_UID = 200_000                # the sandboxes' user ids: FIRST_UID + 0 .. 49 999

log = logging.getLogger(__name__)


def unsandboxed():
    """The tutor chose to grade without the sandbox."""
    return os.environ.get(UNSANDBOXED_VARIABLE) == "1"


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


@lru_cache(maxsize=None)
def font_list(python):
    """matplotlib's list of the system's fonts (fontlist-v*.json) for the grading kernel run by
    `python` (a path, as a string): made once, by that Python with an empty home (so only the
    system's fonts, which the sandbox shows, are listed), and kept in its environment's
    share/maths-of-dl-fonts/ (or in ~/.cache/maths-of-dl/fonts/ when that is read-only).  None
    when that Python has no matplotlib."""
    places = [Path(python).parent.parent / "share" / "maths-of-dl-fonts",
              Path.home() / ".cache" / "maths-of-dl" / "fonts"
              / hashlib.sha256(python.encode()).hexdigest()[:12]]
    for folder in places:
        found = sorted(folder.glob("fontlist-v*.json"))
        if found:
            return found[-1]
    for folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as build:
                done = subprocess.run([python, "-c", "import matplotlib.font_manager"],
                                      env={"MPLCONFIGDIR": build, "HOME": build,
                                           "PATH": "/usr/bin:/bin"},
                                      capture_output=True, timeout=300)
                made = sorted(Path(build).glob("fontlist-v*.json"))
                if done.returncode != 0 or not made:
                    return None
                os.replace(made[-1], folder / made[-1].name)   # whole, even with others racing
                return folder / made[-1].name
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def _system():
    args = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def make_cgroups(name):
    """New control groups for one sandbox (a CPU group, a process group with PIDS_MAX, a memory
    group with MEMORY_BYTES and no swap), as the folders to put it in; none where they cannot be
    made (not root, no cgroup file system, the controller not enabled)."""
    made = []
    if (CGROUPS / "cgroup.controllers").exists():                   # cgroup v2: one tree
        enabled = _read(CGROUPS / "cgroup.subtree_control").split()
        limits = {"pids.max": PIDS_MAX}
        if "memory" in enabled:
            limits.update({"memory.max": MEMORY_BYTES, "memory.swap.max": 0})
        places = [(CGROUPS / name, limits)]
    else:                                                           # cgroup v1: one per controller
        places = [(CGROUPS / "cpu" / name, {}), (CGROUPS / "pids" / name, {"pids.max": PIDS_MAX}),
                  (CGROUPS / "memory" / name, {"memory.limit_in_bytes": MEMORY_BYTES,
                                               "memory.memsw.limit_in_bytes": MEMORY_BYTES})]
    for folder, limits in places:
        try:
            folder.mkdir()
        except OSError:
            continue
        for setting, value in limits.items():
            try:
                if (folder / setting).exists():
                    (folder / setting).write_text(str(value))
            except OSError:
                continue
        made.append(str(folder))
    return made


def _read(path):
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def remove_cgroups(folders):
    """Remove the kernel's control groups once its processes are gone (they die with it)."""
    import time
    for folder in folders:
        for _ in range(50):
            try:
                os.rmdir(folder)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


def command(kernel_cmd, cwd, scratch, readonly=(), shared=(), uid=None, cgroups=()):
    """The bubblewrap command line that runs `kernel_cmd` in the sandbox, in `cwd` (the folder
    `scratch` bound there), with the files `readonly` (a connection file) and the folders `shared`
    (where its sockets are made) at their own paths; first joining `cgroups`, before bubblewrap
    starts any process."""
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
             "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp",
             "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", HOME]
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
    args += ["--unsetenv", "JPY_PARENT_PID", "--chdir", cwd, "--"]
    limits = ["prlimit"] + [f"--{name}={value}" for name, value in LIMITS.items()] + ["--"]
    drop = [] if uid is None else ["setpriv", f"--reuid={uid}", f"--regid={uid}",
                                   "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
                                   "--"]
    return args + limits + drop + list(kernel_cmd)


def environment(env, kernel_cmd):
    """The kernel's environment: the allow-list, Jupyter's JPY_* variables, a PATH and a home."""
    kept = {k: v for k, v in env.items() if k in ENVIRONMENT or k.startswith("JPY_")}
    return dict(kept, HOME=HOME, PATH=f"{Path(kernel_cmd[0]).parent}:/usr/bin:/bin",
                LANG=env.get("LANG", "C.UTF-8"))


class KernelOutput:
    """A kernel's own standard streams: input /dev/null; output and errors an unnamed file of the
    grading side (the sandboxed kernel's file-size limit bounds it), gone when closed.  A kernel
    writes there only what it prints outside its cells (ipykernel sends what cells print to the
    notebook): start-up errors, a crash's last words.  `tail` is for the grading log."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.stdin = subprocess.DEVNULL

    def tail(self, limit=1000):
        """The end of what the kernel wrote, as one escaped line (it cannot forge log lines)."""
        try:
            size = os.fstat(self.file.fileno()).st_size
            data = os.pread(self.file.fileno(), limit, max(0, size - limit))
        except (OSError, ValueError):
            return ""
        return repr(data.decode("utf-8", "replace")) if data.strip() else ""

    def close(self):
        self.file.close()


def _claim(folder):
    """Hold an exclusive lock on `folder`'s OWNER file while this process lives (the lock goes
    with the process, however it ends).  Made under another name and renamed, so that no other
    process ever sees the folder's OWNER unlocked while this one uses it."""
    fd, path = tempfile.mkstemp(dir=folder, prefix=".claim-")
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.replace(path, os.path.join(folder, OWNER))
    return fd


def sweep_leftovers(folder=None):
    """Remove the scratch folders in `folder` (default: the temporary folder) whose grading
    process has ended without removing them (killed, say): those whose OWNER lock is free."""
    for path in glob.glob(os.path.join(folder or tempfile.gettempdir(), SCRATCH_PREFIX + "*")):
        try:
            fd = os.open(os.path.join(path, OWNER), os.O_RDONLY)
        except OSError:
            continue                           # being made, or not ours
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue                           # in use
        finally:
            os.close(fd)
        shutil.rmtree(path, ignore_errors=True)


def sweep_cgroups():
    """Remove the sandboxes' control groups (named after the process that made them) whose
    process has ended and that hold no process any more (a control group holding one cannot be
    removed)."""
    for path in glob.glob(str(CGROUPS / CGROUP_PREFIX) + "*") + \
            glob.glob(str(CGROUPS / "*" / CGROUP_PREFIX) + "*"):
        try:
            owner = int(os.path.basename(path)[len(CGROUP_PREFIX):].split("-")[0])
            os.kill(owner, 0)
        except ProcessLookupError:
            try:
                os.rmdir(path)
            except OSError:
                pass
        except (ValueError, OSError):
            continue


@lru_cache(maxsize=None)
def _swept(folder):
    sweep_leftovers(folder)
    if os.geteuid() == 0:
        sweep_cgroups()
    return True


class Enclosure:
    """One sandbox's making: a scratch copy of the folder the kernel runs in, a user id of its own
    (when grading runs as root), its control groups, and the command line and environment that
    run `kernel_cmd` in it.  `release()` removes the copy and the groups once its processes are
    gone; a copy whose process was killed first is removed by the next process that makes one in
    the same temporary folder (`sweep_leftovers`, once per process and folder)."""

    def __init__(self, kernel_cmd, env, cwd, readonly=(), shared=()):
        where = os.environ.get(SCRATCH_VARIABLE) or tempfile.gettempdir()
        _swept(where)
        self.folder = tempfile.mkdtemp(prefix=SCRATCH_PREFIX, dir=where)
        self.owner = _claim(self.folder)
        scratch = os.path.join(self.folder, "work")
        own = os.path.realpath(self.folder)

        def ignore(folder, names):   # not the copy itself, when the folder holds it (/tmp)
            return {n for n in names if n == ".ipynb_checkpoints"
                    or os.path.realpath(os.path.join(folder, n)) == own}
        shutil.copytree(cwd, scratch, symlinks=True, ignore=ignore)
        uid = None
        if os.geteuid() == 0:
            uid = FIRST_UID + uuid.uuid4().int % 50_000
            for path in (scratch, *shared, *readonly):
                _chown(path, uid)
        self.uid = uid
        self.cgroups = make_cgroups(f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}") \
            if uid else []
        self.cmd = command(kernel_cmd, cwd, scratch, readonly, shared, uid, self.cgroups)
        self.env = environment(env, kernel_cmd)

    def release(self):
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            os.close(self.owner)
            self.folder = None
        if self.cgroups:
            remove_cgroups(self.cgroups)
            self.cgroups = []


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


class SandboxProvisioner(LocalProvisioner):
    """A local kernel, started under bubblewrap (see the module's docstring).

    With `fork_kernels` (the class tool's warm graders set it), a kernel is instead forked from
    the warm parent of the folder it runs in (`grading.zygote`): one sandbox, made the same way,
    for all the notebooks of one student, which nbgrader runs in one folder one after another."""

    fork_kernels = Bool(False, config=True,
                        help="Fork each kernel from a warm parent per working folder (one "
                             "student's notebooks), in that parent's sandbox")
    enclosure = None
    zygote = None
    output = None
    exit_status = None

    async def pre_launch(self, **kwargs):
        km = self.parent
        sandboxed = enclosure_allowed(km)
        cwd = os.path.abspath(kwargs.get("cwd") or os.getcwd())
        env = kwargs.get("env") or dict(os.environ)
        if self.fork_kernels:
            from . import zygote
            python = self.kernel_spec.argv[0]
            try:
                self.zygote = zygote.serving(cwd, python, environment(env, [python])
                                             if sandboxed else env, sandboxed)
            except zygote.ZygoteError as error:
                self.log.warning("Starting the kernel on its own: %s", error)
            else:
                km.ip = self.zygote.socket_path()
        kwargs = await super().pre_launch(**kwargs)
        if not sandboxed:
            return kwargs
        if self.zygote is not None:           # the zygote's sandbox is made: the kernel's env
            kwargs["env"] = environment(env, kwargs["cmd"])
            return kwargs
        self.enclosure = Enclosure(kwargs["cmd"], env, cwd, readonly=[km.connection_file],
                                   shared=[os.path.dirname(km.ip)])
        kwargs["cmd"], kwargs["env"] = self.enclosure.cmd, self.enclosure.env
        return kwargs

    async def launch_kernel(self, cmd, **kwargs):
        if self.zygote is None:
            self.output = KernelOutput()
            kwargs.update(stdin=self.output.stdin, stdout=self.output.file,
                          stderr=self.output.file)
            return await super().launch_kernel(cmd, **kwargs)
        self.process = self.zygote.start(Path(self.parent.connection_file).read_text(),
                                         kwargs.get("env") or {})
        self.pid, self.pgid = self.process.pid, None   # signals go through the parent
        self.cwd = kwargs.get("cwd")
        return self.connection_info

    async def wait(self):
        status = await super().wait()
        self.exit_status = status if self.exit_status is None else self.exit_status
        return status

    async def cleanup(self, restart=False):
        await super().cleanup(restart)
        if self.output:
            tail = self.output.tail()
            if self.exit_status is None and self.process is not None:
                self.exit_status = self.process.poll()
            if tail and self.exit_status not in (None, 0):
                self.log.warning("The kernel ended with status %s; the end of what it wrote "
                                 "outside its cells: %s", self.exit_status, tail)
            self.output.close()
            self.output = None
        self.exit_status = None
        if self.enclosure and not restart:
            self.enclosure.release()
            self.enclosure = None


def _chown(path, uid):
    os.chown(path, uid, uid)
    for root, folders, files in os.walk(path):
        for name in folders + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
