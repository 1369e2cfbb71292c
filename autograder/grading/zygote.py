"""Grading kernels forked from a warm parent: one per working folder, that is one per student.

A kernel started the usual way is a new Python that imports ipykernel (about 0.5 s) and then the
notebook's NumPy, matplotlib and SymPy again, five times per student.  With
`c.SandboxProvisioner.fork_kernels = True` (the class tool's warm graders set it), the first
kernel asked for in a folder starts a *zygote* there instead: `python -m mdl_kernel.zygote` of the
grading kernel's environment, in a sandbox of its own (`sandbox.enclosure.Enclosure`, with a
folder `exchange` shared with it for the kernels' sockets).  It imports those modules once and
forks a kernel for each notebook (kernel side: `mdl_kernel/zygote.py`).

Why one per folder: nbgrader runs one student's notebooks in one folder
(autograded/<student>/<assignment>/), one after another, so a zygote never serves two students,
and at most one is alive in a process: asking for a kernel in another folder closes the last one.
What one notebook of a student leaves in the sandbox's files can reach that student's later
notebooks, as on the student's own machine; their code never runs in the zygote, and each kernel
starts from its clean copy.  A zygote that cannot start is logged and the kernel starts on its
own (`ZygoteError`).

The zygote's standard error, which its kernels take as their standard output and error, is a file
of its own (`sandbox.output.KernelOutput`), never the grading process's: a kernel could
otherwise reopen nbgrader's log through /proc/self/fd, or write into it.

Shared (one of the tutor's shortcuts, `grading.speedups`; only when grading runs as root, which
gives each sandbox a user of its own): one warm parent serves every student of a process, and
of the warm grader's forked children (`Parent`, started by the warm grader as it warms up), so
its imports are paid once per worker instead of once per student.  It runs outside every
sandbox and never runs a student's code.  Each student still gets a sandbox of their own, made
the same way, kept alive by a holder process (`bubblewrap.HOLDER`) while their notebooks run:
a kernel is forked into it and joins it, with its user, limits and control groups, before
anything else runs (`mdl_kernel.entering`).  Turned off, or where it cannot start, each
student's kernels have a warm parent of their own, as above.

`ForkedKernel` stands for the kernel's process in jupyter_client's provisioner: `poll`, `wait`,
`send_signal`, `kill` and `terminate`, each asked of the zygote, which is the kernel's parent.
"""
import atexit
import errno
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

from mdl_kernel import jsonlines

from . import speedups
from .sandbox.enclosure import Enclosure
from .sandbox.fonts import font_list
from .sandbox.output import KernelOutput
from .sandbox.policy import DEFAULT_LIMITS, environment

log = logging.getLogger(__name__)

READY_SECONDS = 120      # the zygote's imports, on a machine busy with other students
ANSWER_SECONDS = 30      # one request (a fork, a poll, a signal)
DEAD = -signal.SIGKILL   # what a kernel whose zygote has gone is reported to have exited with


class ZygoteError(RuntimeError):
    """The zygote could not start, or stopped answering."""


class Parent:
    """The warm parent shared by the students of this process and of its forked children:
    `python -m mdl_kernel.zygote --listen` on a socket in a folder of its own (only this user
    may open it), outside every sandbox.  Only the process that started it ends it
    (`close`); it also ends with that process (the end of its input)."""

    def __init__(self, python):
        self.python, self.owner = python, os.getpid()
        self.folder = tempfile.mkdtemp(prefix="mdl-parent-")
        self.address = os.path.join(self.folder, "socket")
        self.output = KernelOutput()
        env = environment(dict(os.environ), [python])
        fonts = font_list(python)        # matplotlib's cache: the font list, made once
        env.update(HOME=self.folder, MPLCONFIGDIR=str(fonts.parent) if fonts else self.folder)
        cmd = [python, "-m", "mdl_kernel.zygote", "--listen", self.address]
        try:
            self.proc = subprocess.Popen(cmd + speedups.kernel_flags(), cwd=self.folder, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self.output.file, start_new_session=True)
        except OSError as error:
            self.proc = None
            self.close()
            raise ZygoteError(f"the shared warm parent could not start: {error}") from error

    def usable(self):
        """Not known to have ended (a forked child cannot wait for its parent's children: it
        learns of an end from its connection)."""
        return self.proc is not None and (self.owner != os.getpid() or self.proc.poll() is None)

    def connect(self, seconds):
        """A socket connected to the parent (it may still be warming up)."""
        deadline = time.monotonic() + seconds
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.address)
                return sock
            except OSError as error:
                sock.close()
                if not self.usable() or time.monotonic() > deadline:
                    tail = self.output.tail(300)
                    raise ZygoteError(f"the shared warm parent cannot be reached ({error})"
                                      + (f": {tail}" if tail else "")) from None
                time.sleep(0.02)

    def close(self):
        if self.owner != os.getpid():
            return
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()          # it kills its kernels and exits
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.output.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_parents = {}            # python -> Parent
_parents_lock = threading.Lock()


def shared_parent(python):
    """The shared warm parent for kernels of `python`: the one running, or a new one."""
    with _parents_lock:
        parent = _parents.get(python)
        if parent is not None and parent.usable():
            return parent
        if parent is not None:
            parent.close()
        _parents[python] = parent = Parent(python)
        return parent


def sharing(sandboxed):
    """Whether kernels join a shared warm parent (see the module's docstring)."""
    return sandboxed and os.geteuid() == 0 and speedups.enabled()


class Zygote:
    """The warm parent of the kernels of `python` in `cwd`, sandboxed or not: the shared one
    (`Parent`), joined with the student's sandbox, or one of the student's own; see the module's
    docstring."""

    def __init__(self, cwd, python, env, sandboxed, limits=DEFAULT_LIMITS):
        self.cwd, self.python, self.sandboxed, self.limits = cwd, python, sandboxed, limits
        self.exchange = tempfile.mkdtemp(prefix="mdl-zygote-")
        os.chmod(self.exchange, 0o700)
        self.enclosure, self.lock = None, threading.Lock()
        self.output = KernelOutput()
        self.sock = self.proc = None
        if sharing(sandboxed):
            try:
                self._join(shared_parent(python), env)
                return
            except ZygoteError as error:
                log.warning("The kernels get a warm parent of their own: %s", error)
                self._leave()
                self.output = KernelOutput()
        cmd = ([python, "-m", "mdl_kernel.zygote"] + (["--sandboxed"] if sandboxed else [])
               + speedups.kernel_flags())
        try:
            if sandboxed:
                self.enclosure = Enclosure(cmd, env, cwd, shared=[self.exchange],
                                           limits=self.limits)
                cmd, env = self.enclosure.cmd, self.enclosure.env
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self.output.file,
                                         text=True, bufsize=1, start_new_session=True)
        except OSError as error:
            self.close()
            raise ZygoteError(f"the kernels' warm parent could not start: {error}") from error
        self.requests, self.replies = self.proc.stdin, self.proc.stdout
        try:
            ready = self._read(READY_SECONDS)
        except ZygoteError:
            self.close()
            raise
        if "ready" not in ready:
            self.close()
            raise ZygoteError(f"the kernels' warm parent did not start: {ready}")

    def _join(self, parent, env):
        """Make the student's sandbox, held by HOLDER, and join `parent` with it."""
        try:
            self.enclosure = Enclosure([self.python], env, self.cwd, shared=[self.exchange],
                                       limits=self.limits, held=True)
            self.proc = subprocess.Popen(self.enclosure.cmd, cwd=self.cwd, env=self.enclosure.env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.output.file, text=True, bufsize=1,
                                         start_new_session=True, pass_fds=self.enclosure.pass_fds)
        except OSError as error:
            raise ZygoteError(f"the student's sandbox could not start: {error}") from error
        finally:
            if self.enclosure:
                self.enclosure.started()
        holder = self._holder()
        self.requests, self.replies = self.proc.stdin, self.proc.stdout
        jsonlines.send(self.requests, {"holding": True})     # HOLDER echoes it once all is made
        if self._read(READY_SECONDS) != {"holding": True}:
            raise ZygoteError("the student's sandbox did not start")
        self.sock = parent.connect(READY_SECONDS)
        self.requests, self.replies = self.sock.makefile("w"), self.sock.makefile("r")
        sandbox = dict(holder=holder, uid=self.enclosure.uid, cgroups=self.enclosure.cgroups,
                       limits=self.limits.prlimit(), cwd=self.cwd)
        try:
            socket.send_fds(self.sock, [jsonlines.encode({"enter": sandbox}).encode()],
                            [self.output.file.fileno()])
        except OSError as error:
            raise ZygoteError(f"the shared warm parent has ended ({error})") from error
        ready = self._read(READY_SECONDS)
        if "ready" not in ready:
            raise ZygoteError(f"the shared warm parent refused the sandbox: {ready}")

    def _holder(self):
        """The process id of the sandbox's first process, as bubblewrap writes it."""
        text = ""
        while True:
            ready, _, _ = select.select([self.enclosure.info], [], [], READY_SECONDS)
            chunk = os.read(self.enclosure.info, 4096).decode() if ready else ""
            if not chunk:
                raise ZygoteError(f"the student's sandbox did not start: {text!r}")
            text += chunk
            try:
                return int(json.loads(text)["child-pid"])
            except (ValueError, KeyError):
                continue

    def _leave(self):
        """Undo what `_join` did, however far it went."""
        streams = (self.requests, self.replies) if self.sock is not None else ()
        if self.proc is not None:
            streams += (self.proc.stdin, self.proc.stdout)
        for stream in streams:            # the socket's files too: the parent sees the end
            try:
                stream.close()
            except OSError:
                pass
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.enclosure:
            self.enclosure.release()
            self.enclosure = None
        self.output.close()

    def _ended(self, why):
        """ZygoteError saying that the zygote ended, with the end of what it wrote."""
        tail = self.output.tail(300)
        return ZygoteError(f"the kernels' warm parent ended ({why})"
                           + (f": {tail}" if tail else ""))

    def socket_path(self):
        """A new kernel's IPC sockets' base name, in the folder the zygote's sandbox shares."""
        return os.path.join(self.exchange, uuid.uuid4().hex[:12])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _read(self, seconds):
        try:
            return jsonlines.receive(self.replies, seconds)
        except jsonlines.Silent:
            raise ZygoteError(f"the kernels' warm parent stopped answering ({seconds:g} s)") \
                from None
        except (jsonlines.Ended, OSError):   # its output closed: it has ended, or is ending
            if self.sock is not None:
                raise ZygoteError("the shared warm parent has ended") from None
            try:
                status = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                status = "still running"
            raise self._ended(status) from None

    def ask(self, request):
        with self.lock:
            if not self.alive():
                raise ZygoteError("the kernels' warm parent has ended")
            try:
                jsonlines.send(self.requests, request)
            except OSError as error:
                raise ZygoteError(f"the kernels' warm parent has ended ({error})") from error
            return self._read(ANSWER_SECONDS)

    def start(self, connection, env):
        """Fork a kernel that reads the connection file's text `connection`."""
        answer = self.ask({"start": connection, "env": env})
        if "pid" not in answer:
            raise ZygoteError(answer.get("error", f"no kernel: {answer}"))
        return ForkedKernel(self, answer["pid"])

    def close(self):
        """End the zygote (its kernels with it), then remove its sandbox and socket folder."""
        if self.sock is not None:             # the shared parent kills the student's kernels
            self._leave()
            shutil.rmtree(self.exchange, ignore_errors=True)
            return
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.close()           # the zygote kills its kernels and exits
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if self.enclosure:
            self.enclosure.release()
            self.enclosure = None
        self.output.close()
        shutil.rmtree(self.exchange, ignore_errors=True)


class ForkedKernel:
    """A forked kernel, as jupyter_client's provisioner sees a `subprocess.Popen`."""

    stdin = stdout = stderr = None

    def __init__(self, zygote, pid):
        self.zygote, self.pid, self.returncode = zygote, pid, None

    def poll(self):
        if self.returncode is None:
            try:
                self.returncode = self.zygote.ask({"poll": self.pid})["exit"]
            except ZygoteError:
                self.returncode = DEAD
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum):
        try:
            answer = self.zygote.ask({"signal": [self.pid, int(signum)]})
        except ZygoteError as error:
            raise ProcessLookupError(errno.ESRCH, str(error)) from error
        if "error" in answer:
            raise ProcessLookupError(errno.ESRCH, answer["error"])

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


_lock = threading.Lock()
_serving = None


def serving(cwd, python, env, sandboxed, limits=DEFAULT_LIMITS):
    """The zygote for kernels of `python` in `cwd`, in a sandbox with `limits`: the one serving,
    or a new one (which closes the last)."""
    global _serving
    with _lock:
        current = _serving
        if current and current.alive() and \
                (current.cwd, current.python, current.sandboxed, current.limits) == \
                (cwd, python, sandboxed, limits):
            return current
        _serving = None
        if current:
            current.close()
        _serving = Zygote(cwd, python, env, sandboxed, limits)
        return _serving


@atexit.register
def close():
    """Close the zygote serving, if any (the warm grader's child calls it before it exits)."""
    global _serving
    with _lock:
        if _serving:
            _serving.close()
            _serving = None


@atexit.register
def close_parents():
    """End the shared parents this process started."""
    with _parents_lock:
        for parent in _parents.values():
            parent.close()
        _parents.clear()
