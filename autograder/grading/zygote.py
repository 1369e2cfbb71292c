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

`ForkedKernel` stands for the kernel's process in jupyter_client's provisioner: `poll`, `wait`,
`send_signal`, `kill` and `terminate`, each asked of the zygote, which is the kernel's parent.
"""
import atexit
import errno
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

from mdl_kernel import jsonlines

from . import speedups
from .sandbox.enclosure import Enclosure
from .sandbox.output import KernelOutput
from .sandbox.policy import DEFAULT_LIMITS

READY_SECONDS = 120      # the zygote's imports, on a machine busy with other students
ANSWER_SECONDS = 30      # one request (a fork, a poll, a signal)
DEAD = -signal.SIGKILL   # what a kernel whose zygote has gone is reported to have exited with


class ZygoteError(RuntimeError):
    """The zygote could not start, or stopped answering."""


class Zygote:
    """`python -m mdl_kernel.zygote` in `cwd`, sandboxed or not; see the module's docstring."""

    def __init__(self, cwd, python, env, sandboxed, limits=DEFAULT_LIMITS):
        self.cwd, self.python, self.sandboxed, self.limits = cwd, python, sandboxed, limits
        self.exchange = tempfile.mkdtemp(prefix="mdl-zygote-")
        os.chmod(self.exchange, 0o700)
        self.enclosure, self.lock = None, threading.Lock()
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
        try:
            ready = self._read(READY_SECONDS)
        except ZygoteError:
            self.close()
            raise
        if "ready" not in ready:
            self.close()
            raise ZygoteError(f"the kernels' warm parent did not start: {ready}")

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
            return jsonlines.receive(self.proc.stdout, seconds)
        except jsonlines.Silent:
            raise ZygoteError(f"the kernels' warm parent stopped answering ({seconds:g} s)") \
                from None
        except jsonlines.Ended:       # its output closed: it has ended, or is ending
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
                jsonlines.send(self.proc.stdin, request)
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
