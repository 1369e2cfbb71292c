"""Grading one student on a worker: the task that class grading sends, and what it returns.

`grade_student(submission, course, limits)` runs wherever a worker runs, with no folder shared
with the coordinator.  It writes the course (`CourseFiles`: nbgrader_config.py and an assignment
gradebook) and the student's staged files into a course folder of its own, asks a warm grader
(`grading.warm`, one per worker thread, started once) to autograde and write feedback there, and
returns a `Graded`: the autograded notebooks, the feedback pages, the scores read from the
private gradebook and every reason a human should look.

Limits on the worker side (`Limits`): nbgrader's per-cell timeout and output limit, the sandbox
of every grading kernel, an address-space limit on the child (inherited by its kernels), and a
wall-clock limit per notebook: a notebook still running past it (its kernel swallowed the cell
timeout's interrupt, say) is killed with everything it started, and the student is graded again
without that notebook, which scores 0 with the reason.  The limit is a clock: it starts when the
warm grader's child says a notebook starts (its progress file, written from nbgrader's own log
record), and nothing a kernel prints can move it.  Everything the grading makes (the course
folder, the kernels' scratch copies and sockets: the child's temporary folder) is in one folder,
removed however the grading ends.
"""
import itertools
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from mdl_kernel import jsonlines

from ..settings import tool_env
from . import speedups

CONVERTING = re.compile(r"Converting notebook .*/([^/]+)\.ipynb")


@dataclass(frozen=True)
class CourseFiles:
    """What every task needs of the course, carried by each task (about 30 kB: data scattered to
    the workers once would be lost with the last worker holding it)."""
    config: str            # nbgrader_config.py
    template: bytes        # gradebook.assignment_template, zlib-compressed
    notebooks: tuple       # the notebooks graded
    assignment: str        # the assignment's nbgrader id
    release: bytes = b""   # the release's notebooks, a JSON list of their texts, zlib-compressed
                           # (their pages' pieces rendered once: speedups.remember_release)

    @classmethod
    def of(cls, config, template, notebooks, assignment, release=()):
        return cls(config, zlib.compress(template), tuple(notebooks), str(assignment),
                   zlib.compress(json.dumps(list(release)).encode()) if release else b"")

    @classmethod
    def of_course(cls, course, assignment, notebooks, url=None):
        """The course folder's files for grading `assignment` (an `Assignment`): its
        nbgrader_config.py and the assignment's rows of its gradebook at `url` (default: the
        course's, `settings.db_url`), for the `notebooks` graded."""
        from ..gradebook import assignment_template
        from ..settings import db_url
        course = Path(course)
        released = [course / "release" / assignment.id / f"{name}.ipynb" for name in notebooks]
        return cls.of((course / "nbgrader_config.py").read_text(),
                      assignment_template(url or db_url(course)), notebooks, assignment.id,
                      [p.read_text() for p in released if p.is_file()])

    def gradebook(self):
        return zlib.decompress(self.template)

    def release_texts(self):
        """The release's notebooks' texts, as JSON (`speedups.remember_release` reads it)."""
        return zlib.decompress(self.release).decode() if self.release else "[]"


@dataclass(frozen=True)
class Limits:
    cell_timeout: int = 60          # seconds, nbgrader's per-cell timeout
    notebook_timeout: float = 240   # seconds of wall clock per notebook
    memory_mb: int = 4096           # address space of nbgrader's child and its kernels
    unsandboxed: bool = False       # the tutor chose to grade without the sandbox
    kernel: str = ""                # the grading kernel spec ("" for settings' default)
    fork_kernels: bool = None       # a student's kernels forked from a warm parent (zygote);
                                    # None: as the course's nbgrader_config.py says (default on)
    speedups: bool = True           # the warm grader's shortcuts (grading.speedups)

    def env(self):
        env = {"MATHS_OF_DL_CELL_TIMEOUT": str(self.cell_timeout),
               "MATHS_OF_DL_UNSANDBOXED": "1" if self.unsandboxed else "0",
               "MATHS_OF_DL_SPEEDUPS": "1" if self.speedups else "0"}
        if self.fork_kernels is not None:
            env["MATHS_OF_DL_FORK_KERNELS"] = "1" if self.fork_kernels else "0"
        if self.kernel:
            env["MATHS_OF_DL_GRADING_KERNEL"] = self.kernel
        return env


@dataclass
class Graded:
    """A student graded on a worker.  `autograded` and `feedback` map paths inside the student's
    assignment folder to bytes; `scores` is `gradebook.scores` (None: nothing was graded)."""
    student: str
    digest: str
    scores: dict = None
    autograded: dict = field(default_factory=dict)
    feedback: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)     # notebook -> [reason]
    excluded: set = field(default_factory=set)      # notebooks scored 0
    attempts: int = 1
    seconds: float = 0.0
    worker: str = ""
    failure: str = ""                               # why nothing could be graded


def classify_run(log, returncode, killed=None, notebook=None):
    """(notebook, reason) of a grading run that failed, or None when it graded the student: from
    the run's log text, its exit status, the reason it was killed (by the wall-clock limit) and the
    notebook it was converting when last watched (from the progress file); without that, the last
    one the log says nbgrader was converting."""
    if killed:
        return notebook, killed
    if returncode == 0 and "Removing failed assignment" not in log:
        return None
    if notebook is None:
        for m in CONVERTING.finditer(log):
            notebook = m.group(1)
    if "DeadKernelError" in log or "Kernel died" in log or "kernel died" in log.lower():
        reason = "the kernel died (crash, os._exit or segfault)"
    elif "CellTimeoutError" in log:
        reason = "a cell kept running after the cell timeout's interrupt"
    elif returncode and returncode < 0:
        reason = f"nbgrader was killed by signal {-returncode}"
    else:
        errors = [line.strip() for line in log.splitlines() if "ERROR" in line or "Error" in line]
        reason = "nbgrader could not grade it" + (f": {errors[-1][:200]}" if errors else "")
    return notebook, reason


def kill_family(pid):
    """Kill a process, everything it started (kernels run in sessions of their own) and its
    session."""
    try:
        import psutil
        family = psutil.Process(pid).children(recursive=True)
    except Exception:
        family = []
    for p in family:
        try:
            p.kill()
        except Exception:
            pass
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


class WarmServer:
    """A `grading.warm` server, started once per process and shared by its worker threads: each
    student a forked child of it, several at once."""

    def __init__(self):
        self.proc = None
        self.lock = threading.Lock()
        self.ids = itertools.count()
        self.waiting = {}          # request id -> the queue of the server's answers to it

    def _start(self):
        started = queue.Queue()
        threading.Thread(target=self._keep, args=(started,), daemon=True,
                         name="warm-grader").start()
        proc, waiting, error = started.get()
        if error:
            raise RuntimeError(error)
        self.proc, self.waiting = proc, waiting

    @staticmethod
    def _keep(started):
        """Start the server, then hand each of its answers to the student waiting for it; when it
        ends, tell every student still waiting on it.  In a thread of its own that lives as long
        as the server: the server's death signal (`warm.die_with_parent`) follows the thread
        that started it, not the process."""
        errors = tempfile.TemporaryFile()
        proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.warm"], env=tool_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
            bufsize=1, start_new_session=True)
        if not proc.stdout.readline():
            errors.seek(0)
            why = errors.read().decode(errors="replace").strip().splitlines()[-3:]
            proc.kill()
            proc.wait()
            started.put((None, None, "the warm grader did not start on this worker "
                         f"(python -m autograder.grading.warm): {' | '.join(why)}"))
            return
        waiting = {}
        started.put((proc, waiting, None))
        for line in proc.stdout:
            answer = jsonlines.decode(line)
            if answer.get("id") in waiting:
                waiting[answer["id"]].put(answer)
        for answers in list(waiting.values()):
            answers.put({"ended": True})

    def start(self):
        """Start the server now, if it is not running (a worker warms up before its first
        student)."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._start()

    def close(self):
        with self.lock:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def run(self, course, assignment, student, log, limits, tmp=None):
        """Grade the `assignment` (its id) of `student` in `course` (temporary folders in `tmp`,
        default the system's); returns
        (exit status, killed reason or None, the notebook being converted when last watched)."""
        ident = next(self.ids)
        progress = Path(f"{log}.progress")
        progress.unlink(missing_ok=True)
        request = {"id": ident, "course": str(course), "assignment": assignment,
                   "student": student, "log": str(log),
                   "progress": str(progress), "tmp": str(tmp) if tmp else None,
                   "memory_mb": limits.memory_mb, "env": limits.env()}
        answers = queue.Queue()
        self.start()
        with self.lock:
            waiting = self.waiting
            waiting[ident] = answers
            try:
                jsonlines.send(self.proc.stdin, request)
            except OSError:
                waiting.pop(ident, None)
                return -1, "the warm grader stopped before grading", None
        try:
            return self._watch(answers, progress, limits)
        finally:
            waiting.pop(ident, None)

    def _watch(self, answers, progress, limits):
        """Wait for the child's end; kill it when a notebook runs past the wall-clock limit,
        timed from the notebook's start in the `progress` file."""
        first = answers.get()
        if "pid" not in first:
            return -1, "the warm grader stopped before grading", None
        pid = first["pid"]
        started, killed = time.monotonic(), None
        watched = {"position": 0, "notebook": None}

        def started_since():
            """The notebooks the child started since last read (the last one is running)."""
            try:
                with open(progress, "rb") as f:
                    f.seek(watched["position"])
                    data = f.read()
            except FileNotFoundError:
                data = b""
            cut = data.rfind(b"\n") + 1
            watched["position"] += cut
            for line in data[:cut].splitlines():
                watched["notebook"] = json.loads(line)
            return cut > 0

        while True:
            try:
                answer = answers.get(timeout=0.2)
            except queue.Empty:
                answer = None
            if answer is not None:
                if not killed:                       # the last notebook it started
                    started_since()
                if "ended" in answer:                # the server itself died
                    kill_family(pid)
                    return -9, killed, watched["notebook"]
                return answer["exit"], killed, watched["notebook"]
            if killed:
                continue
            if started_since():
                started = time.monotonic()
            if time.monotonic() - started > limits.notebook_timeout:
                killed = (f"still running after {limits.notebook_timeout:g} s "
                          "(the cell timeout could not stop it); killed")
                kill_family(pid)

_shared = WarmServer()


def warm_server():
    """This process's warm grader, shared by its worker threads."""
    return _shared


def prepare_worker():
    """Start this worker's warm grader in the background (`Client.run` on every worker as grading
    begins), so that its warm-up overlaps the coordinator's staging of the class."""
    def start():
        try:
            _shared.start()
        except RuntimeError:
            pass                 # said again, to the student's task, when it is needed
    threading.Thread(target=start, daemon=True, name="warm-grader-start").start()


def _read_tree(folder):
    folder = Path(folder)
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()} if folder.exists() else {}


def _scratch_root():
    try:
        from distributed import get_worker
        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


def grade_student(submission, course, limits):
    """Grade one `staging.Submission` with the `CourseFiles` and `Limits`; returns `Graded`."""
    started = time.monotonic()
    graded = Graded(submission.student, submission.digest,
                    reasons={nb: list(r) for nb, r in submission.reasons.items()},
                    excluded=set(submission.excluded))
    dropped = {}
    root = Path(tempfile.mkdtemp(prefix="mdl-grade-", dir=_scratch_root()))
    (root / "tmp").mkdir()
    try:
        while True:
            graded.scores, failure = _attempt(root, submission, course, limits,
                                              graded.excluded | set(dropped), graded.attempts)
            if failure is None:
                break
            notebook, reason = failure
            if notebook and notebook in course.notebooks and notebook not in dropped \
                    and graded.attempts < len(course.notebooks):
                dropped[notebook] = reason
                graded.attempts += 1
                continue                     # grade again without that notebook
            dropped[notebook or "*"] = reason
            if notebook is None:
                graded.failure = reason
            break
        student = Path(submission.student) / course.assignment
        graded.autograded = _read_tree(root / "course" / "autograded" / student)
        graded.feedback = _read_tree(root / "course" / "feedback" / student)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for notebook, reason in dropped.items():
        graded.reasons.setdefault(notebook, []).append(reason)
        graded.excluded.add(notebook)
    graded.seconds = round(time.monotonic() - started, 2)
    graded.worker = os.uname().nodename + f":{os.getpid()}"
    return graded


def _attempt(root, submission, course, limits, excluded, attempt):
    """One grading run in a fresh course folder: (scores, failure or None)."""
    folder = root / "course"
    shutil.rmtree(folder, ignore_errors=True)
    target = folder / "submitted" / submission.student / course.assignment
    target.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(course.config)
    (folder / "gradebook.db").write_bytes(course.gradebook())
    (folder / speedups.RELEASE_FILE).write_text(course.release_texts())
    for name, data in submission.files.items():
        if name.endswith(".ipynb") and "/" not in name and Path(name).stem in excluded:
            continue
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if not any((target / f"{nb}.ipynb").exists() for nb in course.notebooks):
        return None, None                    # nothing to run: every notebook scores 0
    log = root / f"grading-{attempt}.log"
    status, killed, notebook = warm_server().run(folder, course.assignment, submission.student,
                                                 log, limits, tmp=root / "tmp")
    failure = classify_run(log.read_text(errors="replace") if log.exists() else "", status,
                           killed=killed, notebook=notebook)
    result = folder / "result.json"
    scores = json.loads(result.read_text())["scores"] if result.exists() else None
    return scores, failure
