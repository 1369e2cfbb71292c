"""One sandbox's making: a scratch copy of the folder the kernel runs in, a user id of its own
(when grading runs as root), its control groups, and the command line and environment that run the
kernel in it; and the sweep of the scratch folders a killed grading left behind."""
import fcntl
import glob
import os
import shutil
import tempfile
import uuid
from functools import lru_cache

from .bubblewrap import command
from .cgroups import CGROUP_PREFIX, make_cgroups, remove_cgroups, sweep_cgroups
from .policy import DEFAULT_LIMITS, environment

SCRATCH_PREFIX = "mdl-sandbox-"
SCRATCH_VARIABLE = "MATHS_OF_DL_SCRATCH"   # the scratch copies' folder (default: the temporary one)
OWNER = ".owner"                   # the scratch folder's lock, held by the process using it
FIRST_UID = 200_000                # the sandboxes' user ids: FIRST_UID + 0 .. 49 999


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


@lru_cache(maxsize=None)
def _swept(folder):
    sweep_leftovers(folder)
    if os.geteuid() == 0:
        sweep_cgroups()
    return True


class Enclosure:
    """One sandbox's making: a scratch copy of the folder the kernel runs in, a user id of its own
    (when grading runs as root), its control groups, and the command line and environment that
    run `kernel_cmd` in it, with the `limits`.  `release()` removes the copy and the groups once
    its processes are gone; a copy whose process was killed first is removed by the next process that makes one in
    the same temporary folder (`sweep_leftovers`, once per process and folder).

    `held`: a sandbox that kernels join (`bubblewrap.command`'s `info_fd`): `pass_fds` is what
    the command must be given, `info` where bubblewrap's process ids are read."""

    def __init__(self, kernel_cmd, env, cwd, readonly=(), shared=(), limits=DEFAULT_LIMITS,
                 held=False):
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
        self.cgroups = make_cgroups(f"{CGROUP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}",
                                    limits) if uid else []
        self.info = self.pass_fds = None
        if held:
            self.info, write = os.pipe()
            self.pass_fds = (write,)
        self.cmd = command(kernel_cmd, cwd, scratch, readonly, shared, uid, self.cgroups, limits,
                           info_fd=self.pass_fds[0] if held else None)
        self.env = environment(env, kernel_cmd)

    def started(self):
        """After the held sandbox's command has started: close this process's copy of the
        descriptor bubblewrap writes to."""
        for fd in self.pass_fds or ():
            os.close(fd)
        self.pass_fds = ()

    def release(self):
        self.started()
        if self.info is not None:
            os.close(self.info)
            self.info = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            os.close(self.owner)
            self.folder = None
        if self.cgroups:
            remove_cgroups(self.cgroups)
            self.cgroups = []


def _chown(path, uid):
    os.chown(path, uid, uid)
    for root, folders, files in os.walk(path):
        for name in folders + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)
