"""Grade a whole class on a Dask cluster: one task per student, one coordinator.

`grade_class(course, assignment)` is the coordinator of one assignment.  It

* stages each student's submission (`staging.stage`: read from `submitted/`, never written) and
  sends it, as a task, to a worker of the cluster (`cluster.connect`: a LocalCluster, or the
  cluster at `scheduler`), with the course's files (`grading.student.CourseFiles`);
* receives, per student, the autograded notebooks, the feedback pages and the scores
  (`grading.student.Graded`), writes them into `autograded/` and `feedback/`, and records the
  scores in the course gradebook (`gradebook.record`, SQLite or PostgreSQL): the coordinator is
  the only process that opens it;
* keeps `.grading/graded.json`, the rerun record: per assignment and student the SHA-256 of the
  submitted files and the outcome, so a rerun grades only the students whose files changed (or
  who are new), and grading one assignment leaves the others' records as they were.  It is
  written as soon as a student's scores are in the gradebook, so a student in the gradebook is
  never graded again by a rerun (a record of the earlier name, `.grading/manifest.json`, is read
  as it was and replaced by graded.json when next written);
* stops at Ctrl-C (SIGINT) within moments: the results that have arrived are stored, the
  students being graded are dropped (their gradings killed on a local cluster), and a line says
  what was kept.  Nothing is half-written: a student's result is stored whole or not at all.  A
  second Ctrl-C stops at once (KeyboardInterrupt), still with every stored student kept.

Outcome per student: status "ok" (graded cleanly), "review" (graded, with reasons a human should
look at: a cell timed out, memory limit, output truncated, the student's code raised an error
(other than the release's NotImplementedError of an unanswered cell), no autograded point at all,
a notebook missing / not valid / killed / whose kernel died, graded cells deleted, duplicated or
retyped), or "failed" (could not be graded: its worker died twice, say; its earlier grades, if
any, are kept).
"""
import json
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .grading.flags import FLAGS_FILE, update_flags
from .grading.sandbox.policy import unsandboxed
from .grading.student import CourseFiles, Limits, grade_student
from .progress import Progress
from .assignment import LAB, id_of, is_lab
from .settings import COURSE_KEY, cell_timeout, course_config, db_url, grading_kernel
from .staging import (refused_students, release_cells, stage, students_of, submitted_dir,
                      tree_hash)
from .student_ids import is_safe, shown
from .submissions import grade_id

WORK = ".grading"
UNANSWERED = "NotImplementedError"   # what the release's answer cells raise until answered
RECORD = "graded.json"         # the rerun record, in WORK
OLD_RECORD = "manifest.json"   # its earlier name (read, then replaced)
RECORD_FORMAT = "maths-of-dl/rerun/2"   # {"format", "assignments": {id: {student: outcome}}}
FIRST_FORMAT_OF = LAB.id       # whose record the first format (by student only) is


class UnreadableRecord(ValueError):
    """A rerun record this version cannot read (a later format, or not a record at all)."""


def _records(course):
    """{assignment: {student: outcome}} of the rerun record (graded.json, or else the record of
    the earlier name); a record of the first format (keyed by student only, written when the
    course graded the lab alone, as one assignment) is that assignment's.  Any other content is
    refused, never overwritten: `UnreadableRecord` says which file and why."""
    work = Path(course) / WORK
    path = work / RECORD if (work / RECORD).exists() else work / OLD_RECORD
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError as error:
        raise UnreadableRecord(f"{path} is not a rerun record ({error}); move it away and "
                               "grade again (every student is then regraded)") from None
    if isinstance(data, dict) and data.get("format") == RECORD_FORMAT:
        return data["assignments"]
    if isinstance(data, dict) and all(isinstance(o, dict) for o in data.values()):
        # (a student may be called "format": the first format's outcomes are all dicts)
        return {FIRST_FORMAT_OF: data} if data else {}
    raise UnreadableRecord(f"{path} is a rerun record of a format this version does not read "
                           f"({data.get('format') if isinstance(data, dict) else 'no format'}); "
                           "grade with the version that wrote it, or move it away")


def load_record(course, assignment):
    """{student: outcome} of the `assignment` (an `Assignment` or its id) in the rerun record."""
    return _records(course).get(id_of(assignment), {})


def save_record(course, assignment, outcomes):
    """Write the `assignment`'s {student: outcome}, keeping every other assignment's."""
    work = Path(course) / WORK
    work.mkdir(parents=True, exist_ok=True)
    everything = dict(_records(course), **{id_of(assignment): outcomes})
    tmp = work / (RECORD + ".tmp")
    tmp.write_text(json.dumps({"format": RECORD_FORMAT, "assignments": everything},
                              indent=1, sort_keys=True))
    tmp.replace(work / RECORD)
    (work / OLD_RECORD).unlink(missing_ok=True)     # its content is in graded.json now


def notes_from_outputs(files, plain=False):
    """{notebook: [reason]} visible in autograded notebooks ({path: bytes}): cells that timed
    out, memory errors, a dead kernel, truncated output, and an answer cell whose code raised an
    error (the notebook's own cells that then fail for want of it are not noted).  `plain`: an
    assignment graded by nbgrader's rules, whose failing test cell (an assert) is its verdict,
    0 points, not a reason to look."""
    notes = {}
    for name, data in sorted(files.items()):
        if not name.endswith(".ipynb") or "/" in name:
            continue
        try:    # written by nbgrader: only its cells' outputs are read
            cells = json.loads(data)["cells"]
        except Exception:
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            gid = grade_id(cell)
            marks = (cell.get("metadata") or {}).get("nbgrader") or {}
            verdict = plain and marks.get("grade") and not marks.get("solution")
            for out in cell.get("outputs", []):
                note = _note(gid or f"cell {cell.get('id')}", out,
                             answer=gid is not None and not verdict)
                if note and note not in notes.get(Path(name).stem, []):
                    notes.setdefault(Path(name).stem, []).append(note)
    return notes


class Interruption:
    """Ctrl-C (SIGINT) as a request to stop, while it is in force (`with`): the first sets
    `requested`, and grading stops at the next safe point; a second raises KeyboardInterrupt at
    once.  Only the main thread receives signals; elsewhere nothing is changed."""

    def __init__(self):
        self.requested = threading.Event()
        self.previous = None

    def _handler(self, signum, frame):
        if self.requested.is_set():
            raise KeyboardInterrupt
        self.requested.set()

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False

    def __bool__(self):
        return self.requested.is_set()


def _note(gid, out, answer=True):
    if out.get("output_type") == "error":
        ename = str(out.get("ename") or "")
        crash = None if ename == UNANSWERED or not answer else (
            f"{gid}: the student's code raised {ename[:60] or 'an error'} (the cells after it "
            "ran on; check it is not the grading's fault)")
        return {"KeyboardInterrupt": f"{gid}: cell timed out (interrupted)",
                "MemoryError": f"{gid}: memory limit exceeded",
                "DeadKernelError": f"{gid}: the kernel died or stopped answering (a crash, "
                                   "os._exit, a segfault, an interrupt it swallowed); the cells "
                                   "before it keep their points"}.get(ename, crash)
    if "... Output truncated ..." in "".join(out.get("text", "")):
        return f"{gid}: output truncated"
    return None


def notes_from_scores(scores):
    """{"*": [reason]} when a graded student has no autograded point at all (a blank
    submission, the wrong files, or answers the tests could not read); `scores` is
    `gradebook.scores`."""
    if not scores or not scores.get("notebooks"):
        return {}
    auto = [values[0] or 0 for nb in scores["notebooks"].values()
            for values in nb.get("grades", {}).values() if values[0] is not None]
    if auto and not any(auto):
        return {"*": ["no autograded points at all: a blank submission, other files than the "
                      "release's, or answers the tests could not read"]}
    return {}


def _replace_tree(folder, files):
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class Coordinator:
    """The coordinator of one class's grading (stages the submissions, sends one task per
    student to the cluster's workers and writes what comes back) of one `assignment` (an `assignment.Assignment`) of the course folder: a lab
    assignment by the course's grader, any other by nbgrader's rules (the same pipeline; the
    course's preprocessors stand aside, `assignment.being_graded`)."""

    def __init__(self, course, assignment, workers=None, scheduler=None, notebook_timeout=None,
                 memory_mb=4096, force=False, students=None, notebooks=None, progress=True,
                 out=sys.stderr):
        self.course = Path(course).resolve()
        self.assignment = assignment
        self.workers, self.scheduler = workers, scheduler
        config = course_config(self.course)    # as nbgrader reads it; the environment overrides
        cell = cell_timeout(config)
        self.limits = Limits(cell_timeout=cell,
                             notebook_timeout=notebook_timeout or max(120, 4 * cell),
                             memory_mb=memory_mb, unsandboxed=unsandboxed(),
                             kernel=grading_kernel(config))
        self.force, self.only = force, students
        self.progress = Progress(out) if progress else None
        self.url = db_url(self.course)
        released = release_cells(self.course, assignment)
        self.expected = {name: cells for name, cells in released.items()
                         if notebooks is None or name in notebooks}

    def course_files(self):
        return CourseFiles.of_course(self.course, self.assignment, self.expected, self.url)

    # -- what a student's result changes in the course
    def _store(self, gb, graded, outcomes):
        from .gradebook import record
        aid = self.assignment.id
        _replace_tree(self.course / "autograded" / graded.student / aid, graded.autograded)
        _replace_tree(self.course / "feedback" / graded.student / aid, graded.feedback)
        reasons = {nb: list(r) for nb, r in graded.reasons.items()}
        plain = not is_lab(self.assignment)
        for found in (notes_from_outputs(graded.autograded, plain),
                      notes_from_scores(graded.scores)):
            for nb, notes in found.items():
                reasons.setdefault(nb, []).extend(notes)
        record(gb, self.assignment, graded.student, graded.scores, graded.excluded)
        self._flags(graded)
        status = "review" if reasons else "ok"
        outcomes[graded.student] = self._outcome(graded.digest, status, reasons,
                                                 graded.attempts, graded.seconds, graded.worker)
        return status

    def _flags(self, graded):
        """The grader's flags of each notebook (stored in the autograded notebook's metadata);
        a notebook not graded this time loses its old flag."""
        for name in self.expected:
            data = graded.autograded.get(f"{name}.ipynb")
            entry = {"student": graded.student, "assignment": self.assignment.id,
                     "notebook": name,
                     "flagged": False}
            if data is not None:
                entry = json.loads(data)["metadata"].get(COURSE_KEY, {}).get("grading", entry)
            update_flags(self.course / FLAGS_FILE, entry)

    @staticmethod
    def _outcome(digest, status, reasons, attempts, seconds, worker=""):
        return {"hash": digest, "status": status, "reasons": reasons, "attempts": attempts,
                "seconds": round(seconds, 2), "worker": worker,
                "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}

    # -- the class
    def plan(self, outcomes, students):
        """(students to grade with their digests, students unchanged since the last run)."""
        todo, skipped = [], []
        for student in students:
            folder = submitted_dir(self.course, self.assignment, student)
            digest = tree_hash(folder) if folder.exists() else "absent"
            done = outcomes.get(student, {})
            if not self.force and done.get("hash") == digest and done.get("status") != "failed":
                skipped.append(student)
            else:
                todo.append((student, digest))
        return todo, skipped

    def run(self):
        with Interruption() as interrupted:
            result = self._run(interrupted)
        result.interrupted = bool(interrupted)    # a Ctrl-C as the run ended counts too
        return result

    def _run(self, interrupted):
        from distributed import as_completed
        from nbgrader.api import Gradebook

        from .cluster import connect
        from .grading.student import prepare_worker, warm_server
        outcomes = load_record(self.course, self.assignment)
        students = self.only or students_of(self.course, self.assignment)
        # unsafe ids and linked folders: not graded
        refused = refused_students(self.course, self.assignment)
        if self.only:
            refused = {s: r for s, r in refused.items() if s in {shown(o) for o in self.only}}
        students = [s for s in students if s not in refused and is_safe(s)]
        for student, reason in refused.items():
            outcomes[student] = self._outcome("refused", "failed", {"*": [reason]}, 0, 0.0)
        todo, skipped = self.plan(outcomes, students)
        graded = []
        if self.progress:
            self.progress.start(len(todo), len(skipped))
        if todo and not interrupted:
            client, cluster = connect(self.scheduler, self.workers)
            try:
                if not interrupted:
                    client.run(prepare_worker)   # warm graders warm up while students are staged
                    with Gradebook(self.url) as gb:
                        graded = self._grade(client, todo, gb, outcomes, as_completed,
                                             interrupted)
            finally:
                if interrupted and cluster is not None:
                    warm_server().close()    # this process's gradings: their tasks end now
                client.close()
                if cluster is not None:
                    cluster.close()
        save_record(self.course, self.assignment, outcomes)
        result = Result(graded, skipped, {s: outcomes[s] for s in [*students, *refused]
                                          if s in outcomes},
                        interrupted=bool(interrupted),
                        left=[s for s, _ in todo if s not in graded])
        if self.progress:
            self.progress.finish(interrupted=result.interrupted)
        return result

    def _grade(self, client, todo, gb, outcomes, as_completed, interrupted=()):
        """As many students in flight as the cluster has worker threads (its capacity, read again
        as workers come and go), no more: a student waiting in a busy worker's queue would count
        that worker's death against itself; and a class of any size is never all in memory.
        Store each result as it comes, after sending the next student."""
        from .cluster import capacity
        course = self.course_files()
        queue, graded = list(reversed(todo)), []
        pending, whose = as_completed(), {}     # future key -> (student, digest)
        futures = {}

        def top_up():
            slots = capacity(client)     # one question to the scheduler per round
            while queue and pending.count() < slots and not interrupted:
                student, digest = queue.pop()
                submission = stage(self.course, self.assignment, student, self.expected,
                                   digest)
                future = client.submit(grade_student, submission, course, self.limits,
                                       key=f"grade-{student}-{digest[:12]}", pure=False)
                whose[future.key] = student, digest
                futures[future.key] = future
                pending.add(future)

        top_up()
        while not pending.is_empty():
            batch = pending.next_batch(block=False)
            if interrupted:          # what has arrived is kept; the rest is dropped
                batch = [f for f in batch if f.status == "finished"]
            else:
                top_up()             # every round: workers that joined get students at once
            if not batch and not interrupted:
                time.sleep(0.1)
            for future in batch:
                student, digest = whose.pop(future.key)
                futures.pop(future.key, None)
                if future.status == "finished":
                    status = self._store(gb, future.result(), outcomes)
                    graded.append(student)
                else:
                    status = "failed"
                    outcomes[student] = self._outcome(
                        digest, status, {"*": [_failure(future.exception())]}, 2, 0.0)
                save_record(self.course, self.assignment, outcomes)   # in the gradebook: done
                future.release()
                if self.progress:
                    self.progress.step(status)
            if interrupted:
                client.cancel(list(futures.values()))
                break
            if self.progress:
                self.progress.draw(pending.count())
        return graded


def _failure(error):
    name = type(error).__name__
    if name == "KilledWorker":
        return ("the worker grading this student died twice (killed, or out of memory): not "
                "graded")
    return f"not graded: {name}: {str(error)[:200]}"


@dataclass
class Result:
    graded: list
    skipped: list
    outcomes: dict     # student -> outcome in the rerun record
    interrupted: bool = False
    left: list = field(default_factory=list)    # students to grade that were not (interrupted)

    @property
    def needs_human(self):
        return sorted(s for s, o in self.outcomes.items() if o["status"] != "ok")

    @property
    def exit_status(self):
        """0: every student graded cleanly; 1: graded, some need a look; 2: some could not be
        graded; 130 (as a shell reports Ctrl-C): interrupted."""
        if self.interrupted:
            return 130
        if any(o["status"] == "failed" for o in self.outcomes.values()):
            return 2
        return 1 if self.needs_human else 0


def grade_class(course, assignment, **kwargs):
    """Grade the `assignment` (an `assignment.Assignment`) of the class (`Coordinator`)."""
    return Coordinator(course, assignment, **kwargs).run()
