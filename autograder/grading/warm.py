"""A warm grader: nbgrader and every reference loaded once, one forked child per student.

`python -m autograder.grading.warm` imports nbgrader, nbconvert and the grader, computes every
reference and packs every test input (`grader.load_references`, `inputs.packed_inputs`), then
reads requests, one JSON line each (`mdl_kernel.jsonlines`), on its standard input:

    {"id": n, "course": folder, "student": id, "log": file, "progress": file, "tmp": folder,
     "memory_mb": n, "env": {name: value}}

For each it forks a child (a copy of the warm process: nothing is imported or computed again),
answers `{"id": id, "pid": pid}` at once and `{"id": id, "exit": status}` when the child ends;
after the first, it renders the release's notebooks the task carries (`speedups.RELEASE_FILE`
in its course folder), so that later children find their pages' pieces already rendered;
several students are graded at once, one per worker thread of the process that started it.  The
child starts its own session (the caller can kill it and everything it started), limits its
address space, writes its log to `log`, and in the course folder runs nbgrader's `autograde` then `generate_feedback`
for the student in this process, then writes the student's scores from the folder's private
gradebook to `result.json` (`gradebook.scores`).  Each notebook nbgrader starts converting is
written to `progress` (a JSON line, from nbgrader's own log record, never from the log's text,
which a kernel's output could once reach): the caller's wall-clock limit per notebook counts from
there.  The kernels' scratch copies of the student's files go in `tmp`, which the caller removes
however the grading ends.  Exit status 0: graded; 1: nbgrader failed (the
log says why); anything else: the child died.

The server is single-threaded, so forking it is safe (a Dask worker has threads: it starts this
server as a subprocess, shared by its threads, and never forks itself; `grading.student`).
"""
import json
import logging
import os
import select
import sys
import time
import traceback
from pathlib import Path

from mdl_kernel import jsonlines

FORK_VARIABLE = "MATHS_OF_DL_FORK_KERNELS"   # "0": every kernel started on its own (Limits)


def warm_up():
    """Everything a student's grading would otherwise load or compute on its own: the modules,
    the references and packed test inputs, and what an HTML export builds on first use (the
    HTML entity tables, the code highlighter, the Markdown parser).  The kernels' shared warm
    parent is started first: its own imports run beside these."""
    share_kernels_parent()
    import nbformat
    from nbgrader.api import Gradebook  # noqa: F401
    from nbgrader.converters import Autograde, GenerateFeedback  # noqa: F401

    from ..catalogue import CATALOGUE
    from ..feedback import FeedbackExporter
    from . import inputs, intake, kernels, marking, sanitize, speedups, zygote  # noqa: F401
    from .sandbox import provisioner  # noqa: F401
    marking.load_references()
    for exercise_id in CATALOGUE:
        inputs.packed_inputs(exercise_id)
    page = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("A *page* &amp; $x^2$"),
        nbformat.v4.new_code_cell("x = 1  # code", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1\n")])])
    FeedbackExporter().from_notebook_node(page)
    speedups.prepare()


def share_kernels_parent():
    """Start the shared warm parent for the grading kernel (`settings.grading_kernel`) now, in
    the background, where kernels will be forked and sandboxed and may share it: the warm
    grader does this as it warms up, so that its forked children share it.  A course whose
    nbgrader_config.py names another kernel gets its own when its first kernel starts."""
    from jupyter_client.kernelspec import KernelSpecManager

    from ..settings import grading_kernel
    from . import zygote
    from .sandbox.policy import unsandboxed
    from .sandbox.probe import problem
    from .sandbox.provisioner import forking
    if not (forking(True) and zygote.sharing(not unsandboxed() and not problem())):
        return None
    try:
        python = KernelSpecManager().get_kernel_spec(grading_kernel()).argv[0]
        return zygote.shared_parent(python)
    except Exception as error:           # noqa: BLE001 (each kernel then says why)
        logging.getLogger(__name__).warning("No shared warm parent for the kernels: %s", error)
        return None


def die_with_parent():
    """Linux: be killed when the process that started this one ends (a Dask worker that dies
    takes its warm grader with it, and a warm grader its student's grading, whose kernels'
    bubblewrap has --die-with-parent: nothing is left running)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _limit_memory(mb):
    if mb:
        import resource
        limit = int(mb) * 2 ** 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Progress(logging.Handler):
    """Writes each notebook nbgrader starts converting (its converter's own record, "Converting
    notebook %s") to a file, one JSON line each: the start of that notebook's wall clock."""

    def __init__(self, path):
        super().__init__(logging.INFO)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def emit(self, record):
        if record.msg == "Converting notebook %s" and record.args:
            name = Path(str(record.args[0])).stem
            os.write(self.fd, (json.dumps(name) + "\n").encode())


def grade(course, assignment, student, log, progress=None):
    """Autograde the `assignment` (its id) of the student in `course` (a course folder with
    nbgrader_config.py, a gradebook and submitted/<student>/<assignment>/), then its feedback;
    write result.json.  True when nbgrader graded."""
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.converters import Autograde, GenerateFeedback
    from traitlets.config.loader import PyFileConfigLoader

    from ..gradebook import scores
    from . import speedups, zygote
    course = Path(course)
    url = f"sqlite:///{course / 'gradebook.db'}"
    handler = logging.FileHandler(log)
    handler.setFormatter(logging.Formatter("[%(name)s | %(levelname)s] %(message)s"))
    logger = logging.getLogger("maths_of_dl.grading")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    if progress:
        logger.addHandler(Progress(progress))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_url = url
    config.MarkRecords.flags_file = str(course / "flags.jsonl")
    # one student's kernels forked from a warm parent in that student's sandbox (grading.zygote)
    config.SandboxProvisioner.setdefault("fork_kernels", True)   # env: FORK_VARIABLE overrides
    speedups.configured(config)
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    ok = True
    with speedups.applied(url):
        for kind in (Autograde, GenerateFeedback):
            app = kind(coursedir=coursedir, config=config, log=logger)
            app.force = True
            if kind is Autograde:
                app.create_student = True
            started = time.monotonic()
            try:
                app.start()
                logger.info("%s took %.2f s", kind.__name__, time.monotonic() - started)
            except Exception:
                logger.error("%s failed:\n%s", kind.__name__, traceback.format_exc())
                ok = False
                break
    zygote.close()
    (course / "result.json").write_text(json.dumps({"scores": scores(url, assignment, student)}))
    return ok


def _child(request):
    os.setsid()
    die_with_parent()
    fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    os.environ.update(request.get("env", {}))
    if request.get("tmp"):                   # the kernels' scratch copies (grading.sandbox)
        from .sandbox.enclosure import SCRATCH_VARIABLE
        os.environ[SCRATCH_VARIABLE] = request["tmp"]
    _limit_memory(request.get("memory_mb"))
    os.chdir(request["course"])
    return 0 if grade(request["course"], request["assignment"], request["student"],
                      request["log"], request.get("progress")) else 1


def _fork(request):
    """Fork the child that grades `request`'s student; its process id."""
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            code = _child(request)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush() if sys.stdout else None
            os._exit(code)
    return pid


def serve(requests=sys.stdin, replies=sys.stdout):
    """Answer requests as they come, several students at once (one per worker thread): each
    request's child is forked at once and answered {"id": id, "pid": pid}; when it ends,
    {"id": id, "exit": status}.  Returns at the end of the requests."""
    from . import speedups
    source = requests.fileno()
    running, incoming = {}, jsonlines.Splitter()
    remembered = False

    def answer(reply):
        jsonlines.send(replies, reply)

    while True:
        ready, _, _ = select.select([source], [], [], 0.05 if running else None)
        if ready:
            chunk = os.read(source, 1 << 16)
            if not chunk:
                return
            for request in incoming.messages(chunk):
                pid = _fork(request)
                running[pid] = request.get("id")
                answer({"id": request.get("id"), "pid": pid})
                if not remembered:       # for the students forked from now on
                    remembered = True
                    speedups.remember_release(Path(request["course"]) / speedups.RELEASE_FILE)
        while running:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid, status = next(iter(running)), 0
            if not pid:
                break
            answer({"id": running.pop(pid, None), "exit": os.waitstatus_to_exitcode(status)})


def main():
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:    # the parent ended before the line above
        sys.exit(1)
    warm_up()
    jsonlines.send(sys.stdout, jsonlines.ready())
    serve()


if __name__ == "__main__":
    main()
