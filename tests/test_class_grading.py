"""autograder.class_grading: grading a whole class, every pathological submission graded with its
reason, nobody else hurt.

Fast: the staging of a submission (on notebooks damaged as the pathological class damages them,
and next to nbgrader's own DeduplicateIds), the classifier of nbgrader's logs (on logs of real
`nbgrader autograde` runs, kept in tests/data/nbgrader_logs/), the rerun record and the exit status.

Slow: one run of `maths-of-dl grade-class` (2 workers) over the pathological class plus two
ordinary students, notebook 01 only, with a 5 s cell timeout: each student's grade and recorded
reason, submitted files byte-for-byte unchanged, the exit status, the report files, and
resumability.
"""
import csv
import hashlib
import json
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.assignment import LAB
from autograder import class_grading as cg
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.class_grading import grade_class, load_record
from autograder.sample_class import MISTAKES, write_class, write_pathological_class

NOTEBOOK = "01_forward_pass"


def hashes(course):
    root = Path(course) / "submitted"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("class"))
    cli.release(course, LAB)
    write_class(course, {"ok_perfect": {}, "ok_mistakes": MISTAKES}, notebooks=[NOTEBOOK])
    write_pathological_class(course)
    before = hashes(course)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
        status = cli.grade_class(course, LAB, workers=2, notebook_timeout=30, notebooks=[NOTEBOOK],
                                 quiet=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: {nb.name: nb.score for nb in s.notebooks}[NOTEBOOK]
                  for s in gb.assignment_submissions("maths_of_dl")}
    return course, status, scores, load_record(course, LAB), before


def reasons(manifest, student):
    return " | ".join(manifest[student]["reasons"].get(NOTEBOOK, []))


def points(*exercises):
    return sum(CATALOGUE[e].points for e in exercises)


ALL = points(*(e.id for e in in_notebook(NOTEBOOK)))      # notebook 01's autograded points
IDS = [e.id for e in in_notebook(NOTEBOOK)]
BEFORE_F2B = points(*IDS[:IDS.index("F2b")])                # the test cells that run before F2b
EXPECTED = {  # student -> (score of notebook 01, words of the reason)
    "ok_perfect": (ALL, None),
    # MISTAKES: a row where a column is asked (half), no bias, an object equal to everything
    "ok_mistakes": (ALL - points("F1a") / 2 - points("F1b", "F2a"), None),
    "p_infinite_loop": (ALL - points("F2b"), "F2b_answer: cell timed out"),
    # a kernel that dies or stops answering in F2b's answer keeps what ran before it
    "p_swallow_interrupt": (BEFORE_F2B, "F2b_answer: the kernel died or stopped answering"),
    "p_os_exit": (BEFORE_F2B, "F2b_answer: the kernel died"),
    "p_segfault": (BEFORE_F2B, "F2b_answer: the kernel died"),
    "p_memory": (ALL - points("F2b"), "F2b_answer: memory limit exceeded"),
    "p_output": (ALL - points("F2b"), "F2b_answer: output truncated"),
    "p_truncated": (0, "not a valid notebook"),
    "p_not_json": (0, "not a valid notebook"),
    "p_deleted_cell": (ALL - points("F1b"), "graded cell F1b deleted"),
    "p_duplicated_cell": (ALL, "graded cell F2a duplicated"),
    # nbgrader's OverwriteCells gives the test cell its type back from the gradebook
    "p_retyped_cell": (ALL, "graded cell F3a retyped code -> markdown"),
    "p_missing_notebook": (0, "missing notebook"),
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_student_is_graded_with_the_reason(graded, student):
    _, _, scores, manifest, _ = graded
    score, reason = EXPECTED[student]
    assert student in scores, f"{student} has no grade"
    assert scores[student] == pytest.approx(score)
    if reason is None:
        assert manifest[student]["status"] == "ok", manifest[student]
    else:
        assert manifest[student]["status"] == "review"
        assert reason in reasons(manifest, student), manifest[student]


@pytest.mark.slow
def test_exit_status_says_a_human_is_needed(graded):
    assert graded[1] == 1


@pytest.mark.slow
def test_submitted_files_are_unchanged(graded):
    course, *_, before = graded
    assert hashes(course) == before


@pytest.mark.slow
def test_report_files(graded):
    course = graded[0]
    reports = course / "reports" / LAB.id
    for name in ("class_report.csv", "mistakes.csv", "students.csv", "summary.md", "scores.png"):
        assert (reports / name).stat().st_size > 0, name
    rows = {r["exercise"]: r for r in csv.DictReader(open(reports / "class_report.csv"))}
    assert "no_bias=1" in rows["F1b"]["mistakes"]           # ok_mistakes left out the bias
    assert int(rows["F1a"]["students"]) == len(EXPECTED)
    students = {r["student"]: r for r in csv.DictReader(open(reports / "students.csv"))}
    assert "kernel died" in students["p_segfault"]["reasons"]
    assert students["ok_perfect"]["status"] == "ok"
    summary = (reports / "summary.md").read_text()
    assert "p_swallow_interrupt" in summary and "F1b" in summary
    pages = {p.parts[-3] for p in (course / "feedback").rglob("*.html")}   # every executed notebook
    assert pages == {s for s in EXPECTED if (course / "autograded" / s / "maths_of_dl" /
                                             f"{NOTEBOOK}.ipynb").exists()}
    assert len(pages) == 11    # every notebook run, the three whose kernel died included


@pytest.mark.slow
def test_rerun_grades_only_changed_submissions(graded, monkeypatch):
    course = graded[0]
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
    again = grade_class(course, LAB, workers=2, notebooks=[NOTEBOOK], progress=False)
    assert again.graded == []
    path = course / "submitted" / "ok_mistakes" / "maths_of_dl" / f"{NOTEBOOK}.ipynb"
    nb = json.loads(path.read_text())
    nb["metadata"]["resubmitted"] = True
    path.write_text(json.dumps(nb))
    again = grade_class(course, LAB, workers=2, notebooks=[NOTEBOOK], progress=False)
    assert again.graded == ["ok_mistakes"]


@pytest.mark.slow
def test_lms_zip_is_imported_into_submitted(tmp_path):
    """An LMS download (<student>_<notebook>.ipynb, in folders) lands in nbgrader's layout."""
    import zipfile

    from autograder import cli
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)
    release = sorted((course / "release" / "maths_of_dl").glob("*.ipynb"))
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for student in ("ada_lovelace", "alan_turing"):
            for nb in release[:2]:
                z.write(nb, f"downloads/{student}_{nb.name}")
    assert cli.import_zip(course, LAB, [archive]) == 0
    for student in ("ada_lovelace", "alan_turing"):
        got = sorted(p.name for p in (course / "submitted" / student / "maths_of_dl").glob("*.ipynb"))
        assert got == [nb.name for nb in release[:2]]
        for nb in release[:2]:
            assert (course / "submitted" / student / "maths_of_dl" / nb.name).read_bytes() == \
                nb.read_bytes()


class Run:
    """`maths-of-dl grade-class` as a tutor runs it, its standard error read line by line."""

    def __init__(self, course, *args):
        import os
        import queue
        import subprocess
        import sys
        import threading
        env = dict(os.environ,
                   PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        env.pop("MATHS_OF_DL_DB_URL", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.cli", "grade-class", *args],
                                     cwd=course, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, words, limit=600):
        """Read until a line holding `words` (an event of the run, not a delay)."""
        while True:
            line = self.lines.get(timeout=limit)
            assert line is not None, f"the run ended before {words!r}: {self.seen}"
            self.seen.append(line)
            if words in line:
                return line

    def end(self, limit=600):
        """(exit status, every line of standard error)."""
        status = self.proc.wait(timeout=limit)
        while (line := self.lines.get(timeout=limit)) is not None:
            self.seen.append(line)
        return status, self.seen


def in_gradebook(course):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student_id for s in gb.assignment_submissions("maths_of_dl")}


def graded_count(lines):
    import re
    return sum(int(m[1]) for line in lines
               if (m := re.search(r"graded (\d+) submission\(s\) in", line)))


@pytest.mark.slow
def test_ctrl_c_keeps_every_graded_student_and_grades_nobody_twice(tmp_path):
    """SIGINT as grading starts, once a student is stored, and while grades and report are
    written: each run stops with a line saying what was kept; each rerun counts every student in
    the gradebook as graded; over the runs every student is graded exactly once.

    One worker grades the students one at a time, in order.  s3 and s5 take 25 s (a cell that
    sleeps, then answers), so whenever the signal reaches the run (a busy machine may deliver it
    seconds after the line it answers), a slow student is still in flight or yet to come: the
    first two runs always leave students to the next, and the third has some to grade.  In the
    third, grades.csv is a named pipe nobody reads yet: writing the grades waits on it until the
    signal has been sent, so the signal always finds the run writing grades."""
    import os
    import signal

    from autograder.class_report import report_dir
    from autograder.staging import tree_hash
    from autograder.submissions import solutions
    course = cli.prepare(tmp_path / "course")
    model = solutions(course / "source" / "maths_of_dl")[NOTEBOOK]["F1a_answer"]
    slow = {NOTEBOOK: {"F1a_answer": f"import time\ntime.sleep(25)\n{model}"}}
    students = write_class(course, {f"s{k}": slow if k in (3, 5) else {} for k in range(6)},
                           notebooks=[NOTEBOOK])
    total = 0
    for moment in ("submission(s);", "] 1/", "submission(s) in"):
        before = in_gradebook(course) if (course / "gradebook.db").exists() else set()
        held = report_dir(course, LAB) / "grades.csv"
        if moment == "submission(s) in":
            held.parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(held)
        run = Run(course, "--workers", "1")
        first = run.wait_for("submission(s);")
        assert first.startswith(f"grading {len(students) - len(before)} submission(s); "
                                f"{len(before)} unchanged"), first
        if moment not in first:
            run.wait_for(moment)
        run.proc.send_signal(signal.SIGINT)
        status, lines = run.end()       # a deadline only a hang meets (tests/waiting.py)
        assert status == 130, lines
        assert "Traceback" not in "\n".join(lines), lines
        assert lines[-1].startswith("Interrupted: ") and "kept" in lines[-1], lines
        held.unlink(missing_ok=True)
        total += graded_count(lines)
        manifest = load_record(course, LAB)
        for student in in_gradebook(course):      # each counts as graded on the rerun
            assert manifest[student]["hash"] == tree_hash(
                course / "submitted" / student / "maths_of_dl"), student
    assert in_gradebook(course), "no moment came after a student was stored"
    status, lines = Run(course, "--workers", "1").end()
    assert status == 1, lines          # four notebooks missing each: graded, to look at
    total += graded_count(lines)
    assert in_gradebook(course) == set(students)
    assert total == len(students), lines     # nobody graded twice, nobody lost


# ---------------------------------------------------------------------------- the rest, fast
def test_rerun_record_round_trip(tmp_path):
    assert cg.load_record(tmp_path, LAB) == {}
    cg.save_record(tmp_path, LAB, {"ada": {"status": "ok"}})
    assert cg.load_record(tmp_path, LAB) == {"ada": {"status": "ok"}}
    assert [p.name for p in (tmp_path / cg.WORK).iterdir()] == ["graded.json"]


@pytest.mark.parametrize("statuses,exit_status", [
    ([], 0), (["ok", "ok"], 0), (["ok", "review"], 1), (["review", "failed", "ok"], 2)])
def test_exit_status_and_who_needs_a_look(statuses, exit_status):
    outcomes = {f"s{k}": {"status": status} for k, status in enumerate(statuses)}
    result = cg.Result(graded=list(outcomes), skipped=[], outcomes=outcomes)
    assert result.exit_status == exit_status
    assert result.needs_human == sorted(s for s, o in outcomes.items() if o["status"] != "ok")


def _notebook(*outputs, grade="F2b_answer"):
    cell = {"cell_type": "code", "id": "c1", "source": "", "outputs": list(outputs),
            "metadata": {"nbgrader": {"grade_id": grade}} if grade else {}}
    return json.dumps({"cells": [cell, {"cell_type": "markdown", "source": "x",
                                        "metadata": {}}]}).encode()


@pytest.mark.parametrize("output,note", [
    ({"output_type": "error", "ename": "KeyboardInterrupt"}, "F2b_answer: cell timed out"),
    ({"output_type": "error", "ename": "MemoryError"}, "F2b_answer: memory limit exceeded"),
    ({"output_type": "error", "ename": "DeadKernelError"},
     "F2b_answer: the kernel died or stopped answering"),
    ({"output_type": "stream", "text": ["a\n", "... Output truncated ...\n"]},
     "F2b_answer: output truncated"),
    ({"output_type": "error", "ename": "ZeroDivisionError"},     # a crash of the student's code
     "F2b_answer: the student's code raised ZeroDivisionError"),
    ({"output_type": "error", "ename": "NameError"}, "F2b_answer: the student's code raised NameError"),
])
def test_what_an_autograded_notebook_says_a_human_should_see(output, note):
    notes = cg.notes_from_outputs({f"{NOTEBOOK}.ipynb": _notebook(output, output)})
    assert list(notes) == [NOTEBOOK] and len(notes[NOTEBOOK]) == 1     # said once
    assert notes[NOTEBOOK][0].startswith(note)


def test_ordinary_outputs_other_files_and_broken_json_say_nothing():
    ordinary = [{"output_type": "error", "ename": "NotImplementedError"},   # not answered
                {"output_type": "stream", "text": "fine\n"},
                {"output_type": "execute_result", "data": {"text/plain": "1"}}]
    files = {f"{NOTEBOOK}.ipynb": _notebook(*ordinary), "data/x.ipynb": _notebook(ordinary[0]),
             "timestamp.txt": b"2026-11-28", "02_activations.ipynb": b"{not json"}
    assert cg.notes_from_outputs(files) == {}
    unnamed = cg.notes_from_outputs({"n.ipynb": _notebook({"output_type": "error",
                                                           "ename": "MemoryError"}, grade=None)})
    assert unnamed == {"n": ["cell c1: memory limit exceeded"]}
    # the notebook's own cell failing for want of an unanswered exercise's name
    given = _notebook({"output_type": "error", "ename": "NameError"}, grade=None)
    assert cg.notes_from_outputs({"n.ipynb": given}) == {}


def test_a_failed_task_says_why():
    from distributed.scheduler import KilledWorker
    assert "died twice" in cg._failure(KilledWorker("grade-x", "tcp://w", []))
    assert cg._failure(ValueError("no")) == "not graded: ValueError: no"


UNSAFE_ID = "<img src=x onerror=document.title='pwned'>"


@pytest.fixture(scope="module")
def linked_class(tmp_path_factory):
    """grade-class on a class whose submissions hold symbolic links, and a folder named with
    HTML (tests/test_intake.py does the same with a hand-run nbgrader autograde)."""
    from autograder.submissions import write_submission
    course = cli.prepare(tmp_path_factory.mktemp("linked") / "course")
    cli.release(course, LAB)
    write_submission(course, "honest", notebooks=[NOTEBOOK])
    linked = write_submission(course, "nb_linker", blank=True, notebooks=[NOTEBOOK])
    (linked / f"{NOTEBOOK}.ipynb").unlink()
    (linked / f"{NOTEBOOK}.ipynb").symlink_to(f"../../../source/maths_of_dl/{NOTEBOOK}.ipynb")
    linker = write_submission(course, "linker", notebooks=[NOTEBOOK])
    (linker / "notes.txt").symlink_to(f"../../../source/maths_of_dl/{NOTEBOOK}.ipynb")
    (linker / "peer.txt").symlink_to(f"../../honest/maths_of_dl/{NOTEBOOK}.ipynb")
    (linker / "own.txt").write_text("mine\n")
    write_submission(course, UNSAFE_ID, notebooks=[NOTEBOOK])
    status = cli.grade_class(course, LAB, workers=1, notebook_timeout=60, notebooks=[NOTEBOOK],
                             quiet=True)
    return course, status, load_record(course, LAB)


@pytest.mark.slow
def test_grade_class_follows_no_link_of_a_submission(linked_class):
    course, status, manifest = linked_class
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: {nb.name: nb.score for nb in s.notebooks}[NOTEBOOK]
                  for s in gb.assignment_submissions("maths_of_dl")}
    assert scores["honest"] == scores["linker"] == ALL and scores["nb_linker"] == 0
    assert "symbolic link" in reasons(manifest, "nb_linker")
    assert " ".join(manifest["linker"]["reasons"]["*"]).count("symbolic link") == 2
    for step in ("autograded", "feedback"):
        files = {p.name for p in (course / step / "linker" / "maths_of_dl").rglob("*")}
        assert "own.txt" in files and not {"notes.txt", "peer.txt"} & files, (step, files)


@pytest.mark.slow
def test_grade_class_refuses_an_unsafe_id_and_grades_the_rest(linked_class):
    from autograder.student_ids import shown
    course, status, manifest = linked_class
    assert status == 2
    assert UNSAFE_ID not in manifest and manifest[shown(UNSAFE_ID)]["status"] == "failed"
    assert "not a safe student id" in manifest[shown(UNSAFE_ID)]["reasons"]["*"][0]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert {s.id for s in gb.students} == {"honest", "linker", "nb_linker"}
    for report in (course / "reports").glob("*"):
        if report.suffix in (".csv", ".md", ".jsonl"):
            assert "<img" not in report.read_text(), report
    assert not (course / "autograded" / UNSAFE_ID).exists()


def _scores(*autos):
    """`gradebook.scores` of a student whose test cells scored `autos` (None: graded by hand)."""
    return {"timestamp": None, "extension": None, "notebooks": {NOTEBOOK: {
        "flagged": False, "late_submission_penalty": None, "comments": {},
        "grades": {f"c{k}": [a, None, None, a is None] for k, a in enumerate(autos)}}}}


@pytest.mark.parametrize("autos,blank", [((0.0, 0.0, None), True), ((0.0,), True),
                                         ((0.0, 0.5, None), False), ((2.0,), False),
                                         ((None,), False)])
def test_a_student_without_a_single_point_needs_a_look(autos, blank):
    notes = cg.notes_from_scores(_scores(*autos))
    assert notes == ({"*": [notes["*"][0]]} if blank else {})
    if blank:
        assert notes["*"][0].startswith("no autograded points at all")


def test_nothing_graded_is_not_called_blank():
    assert cg.notes_from_scores(None) == {} == cg.notes_from_scores({"notebooks": {}})


def test_the_rerun_record_is_kept_per_assignment(tmp_path):
    cg.save_record(tmp_path, LAB, {"ada": {"status": "ok", "hash": "1"}})          # the lab's
    cg.save_record(tmp_path, "week_2_quiz", {"ada": {"status": "review", "hash": "2"}})
    cg.save_record(tmp_path, "week_2_quiz", {"bob": {"status": "ok", "hash": "3"}})
    assert cg.load_record(tmp_path, LAB) == {"ada": {"status": "ok", "hash": "1"}}
    assert cg.load_record(tmp_path, "maths_of_dl") == cg.load_record(tmp_path, LAB)
    assert cg.load_record(tmp_path, "week_2_quiz") == {"bob": {"status": "ok", "hash": "3"}}
    assert cg.load_record(tmp_path, "week_3_quiz") == {}


def test_a_rerun_record_of_the_first_format_is_the_labs(tmp_path):
    old = {"ada": {"status": "ok", "hash": "1"}, "format": {"status": "ok", "hash": "2"}}
    (tmp_path / cg.WORK).mkdir()
    (tmp_path / cg.WORK / "manifest.json").write_text(json.dumps(old))   # keyed by student only
    assert cg.load_record(tmp_path, "maths_of_dl") == old
    assert cg.load_record(tmp_path, "week_2_quiz") == {}
    cg.save_record(tmp_path, "week_2_quiz", {"bob": {"status": "ok"}})
    assert cg.load_record(tmp_path, "maths_of_dl") == old               # kept, as the lab's
    assert cg.load_record(tmp_path, "week_2_quiz") == {"bob": {"status": "ok"}}


def test_a_record_of_the_earlier_name_is_read_then_replaced(tmp_path):
    """`.grading/manifest.json` (the rerun record's earlier name, either format) is read as it
    was; the next write is graded.json, holding it, and the old file is gone (one record, one
    name: "manifest" is the kernel's data)."""
    kept = {"format": cg.RECORD_FORMAT, "assignments": {"maths_of_dl": {"ada": {"status": "ok"}},
                                                        "week_2_quiz": {"bob": {"status": "ok"}}}}
    (tmp_path / cg.WORK).mkdir()
    (tmp_path / cg.WORK / "manifest.json").write_text(json.dumps(kept))
    assert cg.load_record(tmp_path, "week_2_quiz") == {"bob": {"status": "ok"}}
    cg.save_record(tmp_path, LAB, {"cy": {"status": "review"}})
    assert sorted(p.name for p in (tmp_path / cg.WORK).iterdir()) == ["graded.json"]
    assert cg.load_record(tmp_path, "week_2_quiz") == {"bob": {"status": "ok"}}
    assert cg.load_record(tmp_path, LAB) == {"cy": {"status": "review"}}


@pytest.mark.parametrize("content", ['{"format": "maths-of-dl/rerun/3", "assignments": {}}',
                                     '{"ada": "ok"}', "[1, 2]", "not json"])
def test_a_record_this_version_cannot_read_is_refused_not_overwritten(tmp_path, content):
    (tmp_path / cg.WORK).mkdir()
    path = tmp_path / cg.WORK / "graded.json"
    path.write_text(content)
    for act in (lambda: cg.load_record(tmp_path, LAB),
                lambda: cg.save_record(tmp_path, LAB, {"ada": {"status": "ok"}})):
        with pytest.raises(cg.UnreadableRecord, match="graded.json"):
            act()
    assert path.read_text() == content
