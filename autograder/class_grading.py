"""Grade a whole class with real nbgrader: parallel, isolated, resumable, with progress.

`grade_class(course)` runs one `nbgrader autograde maths_of_dl --student ID --force` per student,
N at a time (default: the number of cores plus one), each as its own process group with

* a wall-clock limit per notebook (`notebook_timeout`): a cell that swallows the cell timeout's
  KeyboardInterrupt keeps nbclient interrupting forever; the run is killed (nbgrader, the kernel
  and every descendant) and retried without that notebook, which is graded 0 with the reason;
* a memory limit (RLIMIT_AS, inherited by the kernel): a memory blow-up becomes a MemoryError
  in the student's cell;
* nbgrader's own per-cell timeout (MATHS_OF_DL_CELL_TIMEOUT) and output limit (LimitOutput);
* a staged copy of the submission: nbgrader reads `.grading/work/<student>/submitted/...`, a
  copy of `submitted/<student>/maths_of_dl/` without the notebooks that are not valid JSON
  notebooks and with duplicated graded cells made ordinary cells.  Nothing under submitted/ is
  ever written.  A notebook nbgrader cannot grade (killed past its wall-clock limit, ...) is
  dropped from the staged copy and the student is graded again; it scores 0 with the reason.  A
  kernel that dies costs only the cells from the one it died in (`grading.kernels.Execute`).

Why staging removes duplicated cells itself, when nbgrader's `DeduplicateIds` (the second of
autograde's sanitizing preprocessors) exists for that: in nbgrader 0.9.6 it is not enough.
  1. It empties the extra copies' metadata to `{}` instead of removing it, and the sanitizing
     step's last preprocessor, `CheckCellMetadata`, then reads `{}` as metadata of schema
     version 0: `nbgrader autograde` drops the student's autograded folder and stops, "One or
     more notebooks in the assignment use an old version of the nbgrader metadata format" (a
     plain class-wide run grades nobody after that student either).
  2. It keeps the *last* copy (it walks the cells backwards) where staging keeps the first:
     using it would change which copy of a duplicated cell is graded.
  3. It only logs a warning; staging records "graded cell X duplicated" for the class report.
Staging removes the `nbgrader` key of the later copies, so DeduplicateIds then finds nothing to
do.  tests/test_class_grading.py shows all three on nbgrader's own preprocessors.

Gradebook safety.  With the default SQLite gradebook, each student's nbgrader run writes a
private copy of the gradebook (`.grading/work/<student>/gradebook.db`, copied from the course's
gradebook just before the run); when the run ends, the parent process -- the only process that
ever opens the course gradebook -- copies that student's submission (grades, comments,
timestamp) into it through nbgrader's Gradebook API.  SQLite therefore never sees two writers.
With a server database (MATHS_OF_DL_DB_URL=postgresql://...) the workers write to it directly.

Resumable.  `.grading/manifest.json` holds, per student, the SHA-256 of the submitted files and
the outcome; a rerun grades only students whose files changed (or who are new).

Outcome per student: status "ok" (graded cleanly) or "review" (graded, with reasons a human
should look at: a cell timed out, memory limit, output truncated, a notebook missing / not a
valid notebook / killed / dead kernel, graded cells deleted, duplicated or retyped), or
"failed" (could not be graded; should not happen).
"""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbgrader import utils

from .settings import ASSIGNMENT, db_url, tool_env
from .submissions import grade_id

WORK = ".grading"


# ---------------------------------------------------------------------------- course facts
def default_workers():
    """One nbgrader process per core, plus one: each run also waits (kernel starts, messages
    between nbgrader and its kernel), and the extra process keeps the cores busy meanwhile
    (measured in docs/benchmarks.md: 1.60x with 2 workers, 1.82x with 3 on 2 cores)."""
    return (os.cpu_count() or 1) + 1


def sqlite_path(url):
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def release_cells(course):
    """{notebook: {grade id: cell type}} of the graded/locked nbgrader cells of the release."""
    found = {}
    for path in sorted((Path(course) / "release" / ASSIGNMENT).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found[path.stem] = {grade_id(c): c.cell_type for c in nb.cells if utils.is_grade(c)}
    return found


def submitted_dir(course, student):
    return Path(course) / "submitted" / student / ASSIGNMENT


def students_of(course):
    root = Path(course) / "submitted"
    return sorted(p.parent.name for p in root.glob(f"*/{ASSIGNMENT}") if p.is_dir()) \
        if root.exists() else []


def tree_hash(folder):
    h = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(folder)).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def load_manifest(course):
    path = Path(course) / WORK / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_manifest(course, manifest):
    path = Path(course) / WORK / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    tmp.replace(path)


# ---------------------------------------------------------------------------- staging
def stage(course, student, expected, drop=()):
    """Copy the submission to the student's work folder; returns (stage root, reasons, excluded).

    `reasons` maps notebook -> list of reasons; `excluded` the notebooks left out (graded 0).
    """
    course = Path(course)
    src = submitted_dir(course, student)
    root = course / WORK / "work" / student / "submitted"
    shutil.rmtree(root, ignore_errors=True)
    target = root / student / ASSIGNMENT
    target.mkdir(parents=True)
    reasons, excluded = {}, set()
    for path in sorted(src.rglob("*")):
        if path.is_file() and path.suffix != ".ipynb":
            dest = target / path.relative_to(src)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
    for name, graded in expected.items():
        path = src / f"{name}.ipynb"
        if not path.is_file():
            reasons.setdefault(name, []).append("missing notebook")
            excluded.add(name)
            continue
        if name in drop:
            excluded.add(name)
            continue
        try:
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            if not isinstance(nb.get("cells"), list):
                raise ValueError("no cells")
        except Exception as exc:  # truncated, not JSON, not a notebook
            reasons.setdefault(name, []).append(f"not a valid notebook ({type(exc).__name__})")
            excluded.add(name)
            continue
        seen, notes = {}, []
        for cell in nb.cells:
            # the cells nbgrader keeps track of (and its DeduplicateIds looks at)
            if not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)):
                continue
            gid = grade_id(cell)
            if gid in seen:
                # later copies become ordinary cells (not nbgrader's DeduplicateIds: see above)
                cell.metadata.pop("nbgrader")
                notes.append(f"graded cell {gid} duplicated (copy ignored)")
                continue
            seen[gid] = cell.cell_type
        for gid, kind in graded.items():
            if gid not in seen:
                notes.append(f"graded cell {gid} deleted")
            elif seen[gid] != kind:
                notes.append(f"graded cell {gid} retyped {kind} -> {seen[gid]}")
        if notes:
            reasons.setdefault(name, []).extend(notes)
        nbformat.write(nb, target / path.name)
    return root, reasons, excluded


# ---------------------------------------------------------------------------- one student's run
@dataclass
class Job:
    student: str
    digest: str
    reasons: dict = field(default_factory=dict)    # notebook -> [reason]
    dropped: dict = field(default_factory=dict)    # notebook -> reason (excluded after a failure)
    attempt: int = 0
    proc: subprocess.Popen = None
    log: Path = None
    started: float = 0.0
    notebook: str = None
    notebook_started: float = 0.0
    log_pos: int = 0
    killed: str = None
    excluded: set = field(default_factory=set)


def _limit_memory(mb):
    def apply():
        if mb:
            import resource
            limit = int(mb) * 2 ** 20
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _kill_tree(proc):
    """Kill nbgrader, its kernels (jupyter_client puts them in their own sessions) and the rest."""
    try:
        import psutil
        family = psutil.Process(proc.pid).children(recursive=True)
    except Exception:
        family = []
    for p in family:
        try:
            p.kill()
        except Exception:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


CONVERTING = re.compile(r"Converting notebook .*/([^/]+)\.ipynb")


def classify_run(log, returncode, killed=None, notebook=None):
    """(notebook, reason) of an `nbgrader autograde` run that failed, or None when it graded the
    student: from the run's log text, its exit status, the reason it was killed (by the wall-clock
    limit) and the notebook it was converting when last watched.  The notebook is the last one
    the log says nbgrader was converting."""
    if killed:
        return notebook, killed
    if returncode == 0 and "Removing failed assignment" not in log:
        return None
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


class Grader:
    def __init__(self, course, workers=None, notebook_timeout=None, memory_mb=4096, force=False,
                 students=None, notebooks=None, progress=True, out=sys.stderr):
        self.course = Path(course).resolve()
        self.workers = max(1, workers or default_workers())
        cell = int(os.environ.get("MATHS_OF_DL_CELL_TIMEOUT", "60"))
        self.notebook_timeout = notebook_timeout or max(120, 4 * cell)
        self.memory_mb = memory_mb
        self.force = force
        self.only = students
        self.progress = Progress(out) if progress else None
        self.url = db_url(self.course)
        self.sqlite = sqlite_path(self.url)
        self.expected = {name: cells for name, cells in release_cells(self.course).items()
                         if notebooks is None or name in notebooks}

    # -- launching
    def _launch(self, job):
        work = self.course / WORK / "work" / job.student
        root, reasons, excluded = stage(self.course, job.student, self.expected, job.dropped)
        job.reasons = reasons
        job.excluded = excluded
        args = [sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", job.student,
                "--force", f"--CourseDirectory.submitted_directory={root.relative_to(self.course)}"]
        if self.sqlite:
            db = work / "gradebook.db"
            db.unlink(missing_ok=True)
            shutil.copyfile(self.sqlite, db)
            args.append(f"--CourseDirectory.db_url=sqlite:///{db}")
        if not set(self.expected) - excluded:     # nothing to execute: the merge records zeros
            args = [sys.executable, "-c", "pass"]
        job.log = work / f"nbgrader-{job.attempt}.log"
        env = tool_env(PYTHONUNBUFFERED="1")
        with open(job.log, "wb") as log:
            job.proc = subprocess.Popen(args, cwd=self.course, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True,
                                        preexec_fn=_limit_memory(self.memory_mb))
        job.started = job.notebook_started = time.monotonic()
        job.notebook, job.log_pos, job.killed = None, 0, None

    def _watch(self, job):
        """Follow the log; kill the run when one notebook exceeds its wall-clock limit."""
        with open(job.log, "rb") as f:
            f.seek(job.log_pos)
            text = f.read().decode("utf-8", "replace")
        cut = text.rfind("\n") + 1
        job.log_pos += len(text[:cut].encode())
        for m in CONVERTING.finditer(text[:cut]):
            job.notebook, job.notebook_started = m.group(1), time.monotonic()
        if time.monotonic() - job.notebook_started > self.notebook_timeout:
            job.killed = (f"still running after {self.notebook_timeout:g} s "
                          "(the cell timeout could not stop it); killed")
            _kill_tree(job.proc)

    # -- finishing
    def _failed_notebook(self, job):
        """(notebook, reason) of an nbgrader run that failed, or None when it graded the student."""
        return classify_run(job.log.read_text(errors="replace"), job.proc.returncode,
                            killed=job.killed, notebook=job.notebook)

    def _finish(self, job, manifest):
        failure = self._failed_notebook(job)
        if failure is not None:
            notebook, reason = failure
            if notebook and notebook not in job.dropped and job.attempt < len(self.expected):
                job.dropped[notebook] = reason
                job.attempt += 1
                return False            # grade again without that notebook
            job.dropped[notebook or "*"] = reason
        merged = self._merge(job, failure is not None)
        reasons = {nb: list(r) for nb, r in job.reasons.items()}
        for nb, reason in job.dropped.items():
            reasons.setdefault(nb, []).append(reason)
        for nb, notes in self._notes_from_outputs(job.student).items():
            reasons.setdefault(nb, []).extend(notes)
        status = "failed" if not merged else ("review" if reasons else "ok")
        manifest[job.student] = {
            "hash": job.digest, "status": status, "reasons": reasons,
            "attempts": job.attempt + 1, "seconds": round(time.monotonic() - job.first_start, 2),
            "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        save_manifest(self.course, manifest)
        return True

    def _notes_from_outputs(self, student):
        """Reasons visible in the autograded notebooks: timeouts, memory errors, a dead kernel,
        truncation."""
        notes = {}
        folder = self.course / "autograded" / student / ASSIGNMENT
        for path in sorted(folder.glob("*.ipynb")):
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:
                continue
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                gid = grade_id(cell) or f"cell {cell.get('id')}"
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "error":
                        if out.get("ename") == "KeyboardInterrupt":
                            note = f"{gid}: cell timed out (interrupted)"
                        elif out.get("ename") == "MemoryError":
                            note = f"{gid}: memory limit exceeded"
                        elif out.get("ename") == "DeadKernelError":
                            note = (f"{gid}: the kernel died or stopped answering (a crash, "
                                    "os._exit, a segfault, an interrupt it swallowed); the "
                                    "cells before it keep their points")
                        else:
                            continue
                    elif "... Output truncated ..." in "".join(out.get("text", "")):
                        note = f"{gid}: output truncated"
                    else:
                        continue
                    if note not in notes.get(path.stem, []):
                        notes.setdefault(path.stem, []).append(note)
        return notes

    def _merge(self, job, failed):
        """Bring the student's submission into the course gradebook; 0 for excluded notebooks."""
        import warnings
        from nbgrader.api import Gradebook, MissingEntry
        warnings.filterwarnings("ignore", module="nbgrader")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        excluded = set(job.excluded) | set(job.dropped)
        worker = None
        if self.sqlite:
            wdb = self.course / WORK / "work" / job.student / "gradebook.db"
            worker = Gradebook(f"sqlite:///{wdb}")
        try:
            with Gradebook(self.url) as gb:
                gb.update_or_create_student(job.student)
                try:
                    sub = gb.find_submission(ASSIGNMENT, job.student)
                except MissingEntry:
                    sub = gb.add_submission(ASSIGNMENT, job.student)
                src = None
                if worker is not None:
                    try:
                        src = worker.find_submission(ASSIGNMENT, job.student)
                    except MissingEntry:
                        src = None
                if src is not None:
                    sub.timestamp, sub.extension = src.timestamp, src.extension
                    theirs = {nb.name: nb for nb in src.notebooks}
                    for nb in sub.notebooks:
                        other = theirs.get(nb.name)
                        if other is None:
                            continue
                        nb.flagged = other.flagged
                        nb.late_submission_penalty = other.late_submission_penalty
                        grades = {g.name: g for g in other.grades}
                        for g in nb.grades:
                            o = grades.get(g.name)
                            if o is not None:
                                g.auto_score, g.manual_score = o.auto_score, o.manual_score
                                g.extra_credit, g.needs_manual_grade = o.extra_credit, o.needs_manual_grade
                        comments = {c.name: c for c in other.comments}
                        for c in nb.comments:
                            o = comments.get(c.name)
                            if o is not None:
                                c.auto_comment, c.manual_comment = o.auto_comment, o.manual_comment
                for nb in sub.notebooks:
                    if nb.name in excluded or "*" in excluded:
                        for g in nb.grades:
                            g.auto_score, g.manual_score = 0.0, None
                            g.extra_credit, g.needs_manual_grade = None, False
                gb.db.commit()
            return True
        except Exception as exc:
            job.dropped.setdefault("*", f"gradebook update failed: {exc}")
            return False
        finally:
            if worker is not None:
                worker.close()

    # -- the class
    def run(self):
        manifest = load_manifest(self.course)
        students = self.only or students_of(self.course)
        todo, skipped = [], []
        for student in students:
            digest = tree_hash(submitted_dir(self.course, student)) \
                if submitted_dir(self.course, student).exists() else "absent"
            done = manifest.get(student, {})
            if not self.force and done.get("hash") == digest and done.get("status") != "failed":
                skipped.append(student)
            else:
                todo.append(Job(student, digest))
        queue, running, graded = list(todo), [], []
        if self.progress:
            self.progress.start(len(todo), len(skipped))
        while queue or running:
            while queue and len(running) < self.workers:
                job = queue.pop(0)
                job.first_start = getattr(job, "first_start", None) or time.monotonic()
                self._launch(job)
                running.append(job)
            time.sleep(0.2)
            for job in list(running):
                if job.proc.poll() is None:
                    self._watch(job)
                if job.proc.poll() is None:
                    continue
                running.remove(job)
                if self._finish(job, manifest):
                    graded.append(job.student)
                    if self.progress:
                        self.progress.step(job.student, manifest[job.student]["status"])
                else:
                    queue.insert(0, job)    # retry straight away, without the failed notebook
            if self.progress:
                self.progress.draw(len(running))
        if self.progress:
            self.progress.finish()
        return Result(graded, skipped, {s: manifest[s] for s in students if s in manifest})


@dataclass
class Result:
    graded: list
    skipped: list
    outcomes: dict     # student -> manifest entry

    @property
    def needs_human(self):
        return sorted(s for s, o in self.outcomes.items() if o["status"] != "ok")

    @property
    def exit_status(self):
        """0: every student graded cleanly; 1: graded, some need a look; 2: some could not be graded."""
        if any(o["status"] == "failed" for o in self.outcomes.values()):
            return 2
        return 1 if self.needs_human else 0


class Progress:
    """A one-line progress bar with ETA on a terminal; a line every 10% (or 30 s) otherwise."""

    def __init__(self, out):
        self.out, self.tty = out, out.isatty()

    def start(self, total, skipped):
        self.total, self.done, self.t0, self.last = total, 0, time.monotonic(), 0.0
        self.review = 0
        self.printed = -1
        print(f"grading {total} submission(s); {skipped} unchanged since the last run", file=self.out)

    def step(self, student, status):
        self.done += 1
        self.review += status != "ok"
        if not self.tty and (self.done * 10 // max(self.total, 1) > self.printed
                             or time.monotonic() - self.last > 30 or self.done == self.total):
            self.printed = self.done * 10 // max(self.total, 1)
            self.last = time.monotonic()
            print(self._line(0), file=self.out, flush=True)

    def _line(self, running):
        elapsed = time.monotonic() - self.t0
        eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        width = 30
        fill = int(width * self.done / max(self.total, 1))
        eta_s = "--:--" if eta != eta else f"{int(eta) // 60}:{int(eta) % 60:02d}"
        return (f"[{'#' * fill}{'.' * (width - fill)}] {self.done}/{self.total} "
                f"elapsed {int(elapsed) // 60}:{int(elapsed) % 60:02d} ETA {eta_s} "
                f"running {running} review {self.review}")

    def draw(self, running):
        if self.tty and time.monotonic() - self.last > 0.5:
            self.last = time.monotonic()
            print("\r" + self._line(running), end="", file=self.out, flush=True)

    def finish(self):
        if self.tty:
            print("\r" + self._line(0), file=self.out, flush=True)
        elapsed = time.monotonic() - self.t0
        print(f"graded {self.done} submission(s) in {elapsed:.1f} s"
              + (f" ({elapsed / self.done:.2f} s each)" if self.done else ""), file=self.out)


def grade_class(course, **kwargs):
    return Grader(course, **kwargs).run()
