"""A warm parent for one student's grading kernels: imports once, then forks a kernel per notebook.

The tutor's process starts it in the student's sandbox as `python -m mdl_kernel.zygote`, in the
folder the notebooks run in.  It imports what the lab's notebooks import (ipykernel, NumPy,
matplotlib's pyplot, SymPy, this package), runs no notebook code, and then answers requests, one
JSON line each on its standard input, one JSON line each on its standard output
(`mdl_kernel.jsonlines`):

    {"start": connection, "env": {...}}   ->  {"pid": n}      a new kernel
    {"poll": n}                           ->  {"exit": status or null}
    {"signal": [n, signum]}               ->  {"ok": true} or {"error": text}

A kernel is a forked copy of this process, so it starts with those modules already imported
(saving each notebook about half a second of Python and ipykernel start-up and its imports): it
leads a session of its own (a signal reaches it and everything it starts), gets `env` as its
environment, NumPy's global random state reseeded (Python's `random` reseeds itself), the
connection file `connection` (the JSON text of one) and this process's standard error (a file of
the kernel's own, never the grading process's) as its standard output and error.  It cannot reach
this process's requests: its standard input is /dev/null, and every other descriptor this process
holds is closed before the kernel starts.  At the end of its input, this process kills its kernels
and exits.

Ready: the first line written is {"ready": pid, "threads": n}; n is 1, since forking a process
with threads copies only the thread that forks.

Kernels cannot use this process: it is not dumpable (PR_SET_DUMPABLE 0), so a kernel of the same
user can neither open its pipes through /proc nor trace it, while each kernel is made dumpable
again, as a kernel started on its own is.  With `--sandboxed` (the process is alone in the process
namespace of its sandbox), a kernel starts with nothing else running there: whatever earlier
kernels left running (a process started in the background, a fork bomb) is killed first, as it
would have died with a sandbox of its own.

Shared (`--listen PATH`, the tutor's shortcut when grading as root): one parent for every
student of a warm grader, outside every sandbox, listening on the Unix socket PATH (in a folder
only the tutor's user can open).  Each connection is one student: its first line, sent with the
descriptor of that student's kernels' output file, is {"enter": sandbox} (`entering.Sandbox`: the
holder of the sandbox the tutor made, its user id, control groups, limits and working folder),
answered {"ready": pid}; then the requests above, for that student's kernels only.  A kernel is
forked into that sandbox and joins it before anything else runs (`mdl_kernel.entering`); closing
the connection kills its kernels.  The end of this process's standard input ends it.

The imports are then moved to the garbage collector's permanent generation (`gc.freeze`): they
live as long as the kernels, and a kernel's collections skip them instead of walking (and, in a
forked process, copying) every page they fill.  `--collect-all` leaves them where they are (the
tutor's `MATHS_OF_DL_SPEEDUPS=0`, which compares the two).
"""
import os
import select
import signal
import socket
import sys
import tempfile
import threading

from . import entering, jsonlines


def warm_up():
    """Import what every kernel would import, as a kernel does it: matplotlib's default backend is
    the inline one (ipykernel sets MPLBACKEND the same way when it is not set), chosen on the
    first figure, inside the kernel, so its hooks are those of the kernel's own shell."""
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.kernelapp  # noqa: F401
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.debugger  # noqa: F401   (its debugpy: 0.07 s a kernel)
    import numpy  # noqa: F401
    try:
        import matplotlib.pyplot  # noqa: F401
        import sympy  # noqa: F401
    except ImportError:
        pass
    import mdl_kernel.manifest
    mdl_kernel.manifest.load()         # what the kernel side may know, read once


def _dumpable(flag):
    """Linux: allow (1) or forbid (0) processes of the same user to trace this one or open its
    files through /proc."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(4, flag, 0, 0, 0)   # PR_SET_DUMPABLE
    except (OSError, AttributeError):
        pass


def _descriptors():
    """One more than the highest descriptor this process may hold."""
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return soft if 0 < soft < (1 << 20) else (1 << 16)
    except (ImportError, OSError, ValueError):
        return 1 << 16


def _kernel(connection, env):
    """In the forked child: become a kernel (never returns)."""
    code = 1
    try:
        _dumpable(1)
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(2, 1)
        os.closerange(3, _descriptors())     # the request pipes' copies, anything else held
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        os.environ.clear()
        os.environ.update(env)
        for name in ("SIGINT", "SIGTERM", "SIGCHLD"):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
        import numpy
        numpy.random.seed()
        fd, path = tempfile.mkstemp(prefix="kernel-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            f.write(connection)
        import ipykernel_launcher
        from ipykernel.kernelapp import IPKernelApp
        sys.argv = [ipykernel_launcher.__file__, "-f", path]
        IPKernelApp.launch_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        os._exit(code)


class Zygote:
    def __init__(self, sandboxed=False):
        self.kernels = {}     # pid -> exit status, None while it runs
        self.sandboxed = sandboxed

    def running(self):
        return [pid for pid in self.kernels if self.poll(pid)["exit"] is None]

    def sweep(self, seconds=5.0):
        """In the sandbox, with no kernel running: kill every other process of its user in it
        and wait until they are gone (the sandbox's init is spared, whoever it runs as)."""
        if not self.sandboxed or self.running():
            return
        entering.sweep(seconds, spare=(1,))

    def start(self, request):
        self.sweep()
        try:
            pid = os.fork()
        except OSError as error:
            return {"error": f"cannot start a kernel: {error}"}
        if pid == 0:
            _kernel(request["start"], request.get("env") or dict(os.environ))
        self.kernels[pid] = None
        return {"pid": pid}

    def poll(self, pid):
        if self.kernels.get(pid, 0) is None:
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                self.kernels[pid] = os.waitstatus_to_exitcode(status)
        return {"exit": self.kernels.get(pid)}

    def signal(self, pid, signum):
        if self.poll(pid)["exit"] is not None:
            return {"error": f"kernel {pid} has ended"}
        try:
            os.killpg(pid, signum)
        except OSError:
            try:
                os.kill(pid, signum)
            except OSError as error:
                return {"error": str(error)}
        return {"ok": True}

    def answer(self, request):
        if "start" in request:
            return self.start(request)
        if "poll" in request:
            return self.poll(int(request["poll"]))
        if "signal" in request:
            pid, signum = request["signal"]
            return self.signal(int(pid), int(signum))
        return {"error": f"unknown request {sorted(request)}"}

    def close(self):
        for pid, status in self.kernels.items():
            if status is None:
                for kill in (os.killpg, os.kill):
                    try:
                        kill(pid, signal.SIGKILL)
                        break
                    except OSError:
                        continue


def serve(requests, replies, sandboxed=False):
    zygote = Zygote(sandboxed)
    try:
        for line in requests:
            try:
                reply = zygote.answer(jsonlines.decode(line))
            except (ValueError, KeyError, TypeError) as error:
                reply = {"error": f"{type(error).__name__}: {error}"}
            jsonlines.send(replies, reply)
    finally:
        zygote.close()


def _close_except(keep):
    """Close every descriptor from 3 up, except those in `keep`."""
    start = 3
    for fd in sorted(k for k in keep if k >= 3) + [_descriptors()]:
        os.closerange(start, fd)
        start = fd + 1


ENTER_SECONDS = 20      # a forked kernel's way into its sandbox (the tutor waits 30 s)


def _inside(sandbox, output, entered, request, sweep):
    """In a child forked into `sandbox`'s process namespace: its output as standard error, into
    the sandbox, then "1" (or the reason it could not enter) written to `entered` for the
    parent, the student's leftovers killed when `sweep`, then a kernel (never returns)."""
    try:
        os.dup2(output, 2)
        _close_except(set(sandbox.fds.values()) | {entered})
        entering.enter(sandbox)
    except BaseException as error:
        os.write(entered, f"{type(error).__name__}: {error}".encode()[:500] or b"?")
        os._exit(1)
    os.write(entered, b"1")
    os.close(entered)
    if sweep:
        entering.sweep()
    _kernel(request["start"], request.get("env") or {})


class Student(Zygote):
    """One connection of the shared parent: the kernels of one student, each forked into that
    student's sandbox (`entering`), writing to `output` (a descriptor)."""

    def __init__(self, sandbox, output):
        super().__init__(sandboxed=True)
        self.sandbox, self.output = sandbox, output

    def start(self, request):
        """Fork a kernel into the sandbox; its process id once it is inside, else the reason
        (the tutor's side then starts the kernel on its own: nothing is graded in a kernel
        that could not enter its sandbox)."""
        sweep = not self.running()        # no kernel of the student's running: the rest goes
        done, entered = os.pipe()
        try:
            self.sandbox.open()
            pid = entering.fork_inside(self.sandbox)
        except OSError as error:
            self.sandbox.close()
            os.close(done)
            os.close(entered)
            return {"error": f"cannot start a kernel: {error}"}
        if pid == 0:
            os.close(done)
            _inside(self.sandbox, self.output, entered, request, sweep)
        self.sandbox.close()
        os.close(entered)
        try:
            ready, _, _ = select.select([done], [], [], ENTER_SECONDS)
            said = os.read(done, 600) if ready else b""
        finally:
            os.close(done)
        if said != b"1":
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
            os.waitpid(pid, 0)
            why = said.decode(errors="replace") or "no answer"
            return {"error": f"the kernel could not enter its sandbox: {why}"}
        self.kernels[pid] = None
        return {"pid": pid}

    def close(self):
        super().close()
        _ended.update(pid for pid in self.kernels if self.poll(pid)["exit"] is None)
        os.close(self.output)


_ended = set()     # kernels of closed connections, killed, not yet reaped


def _reap():
    for pid in list(_ended):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _ended.discard(pid)


def _hello(message, fds):
    """The Student of a connection's first message, or an error text."""
    if "enter" not in message or len(fds) != 1:
        return f"the first line must be {{\"enter\": ...}} with one descriptor: {sorted(message)}"
    try:
        return Student(entering.Sandbox.of(message["enter"]), fds[0])
    except (KeyError, TypeError, ValueError) as error:
        return f"{type(error).__name__}: {error}"


def serve_students(listener, control):
    """The shared parent's loop: a Student per connection on `listener`, until `control` (a
    descriptor: this process's standard input) ends."""
    connections = {}                      # socket -> [Student or None, Splitter]

    def drop(conn):
        student, _ = connections.pop(conn)
        if student is not None:
            student.close()
        conn.close()

    try:
        while True:
            ready, _, _ = select.select([listener, control, *connections], [], [],
                                        1.0 if _ended else None)
            _reap()
            for source in ready:
                if source is control:
                    if not os.read(control, 4096):
                        return
                elif source is listener:
                    conn, _ = listener.accept()
                    connections[conn] = [None, jsonlines.Splitter()]
                else:
                    try:
                        data, fds, _, _ = socket.recv_fds(source, 1 << 16, 1)
                    except OSError:
                        data, fds = b"", []
                    if not data:
                        for fd in fds:
                            os.close(fd)
                        drop(source)
                        continue
                    entry = connections[source]
                    for message in entry[1].messages(data):
                        if entry[0] is None:
                            made = _hello(message, fds)
                            fds = []
                            if isinstance(made, str):
                                reply = {"error": made}
                            else:
                                entry[0], reply = made, jsonlines.ready()
                        else:
                            try:
                                reply = entry[0].answer(message)
                            except (ValueError, KeyError, TypeError) as error:
                                reply = {"error": f"{type(error).__name__}: {error}"}
                        source.sendall(jsonlines.encode(reply).encode())
                    for fd in fds:
                        os.close(fd)
    finally:
        for conn in list(connections):
            drop(conn)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    _dumpable(0)
    listener = None
    if "--listen" in argv:                # bound at once: students may connect while it warms up
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(argv[argv.index("--listen") + 1])
        listener.listen(64)
    warm_up()
    if "--collect-all" not in argv:
        import gc
        gc.collect()
        gc.freeze()    # the imports live as long as the kernels: their collections skip them
    jsonlines.send(sys.stdout, jsonlines.ready(threads=threading.active_count()))
    if listener is not None:
        serve_students(listener, sys.stdin.fileno())
    else:
        serve(sys.stdin, sys.stdout,    # fds 0 and 1, which a kernel replaces as it starts
              sandboxed="--sandboxed" in argv)


if __name__ == "__main__":
    main()
