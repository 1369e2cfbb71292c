"""Grading a whole class: every pathological submission graded with its reason, nobody else hurt.

One run of `maths-of-dl grade-class` (2 workers) over the pathological class plus two ordinary
students, notebook 01 only, with a 5 s cell timeout: each student's grade and recorded reason,
submitted files byte-for-byte unchanged, the exit status, the report files, and resumability.
"""
import csv
import hashlib
import json
import os
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder import cli
from autograder.class_grading import grade_class, load_manifest
from autograder.sample_class import MISTAKES, write_class, write_pathological_class

NOTEBOOK = "01_forward_pass"


def hashes(course):
    root = Path(course) / "submitted"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("class"))
    cli.release(course)
    write_class(course, {"ok_perfect": {}, "ok_mistakes": MISTAKES}, notebooks=[NOTEBOOK])
    write_pathological_class(course)
    before = hashes(course)
    os.environ["MATHS_OF_DL_CELL_TIMEOUT"] = "5"
    try:
        status = cli.grade_class(course, workers=2, notebook_timeout=30, notebooks=[NOTEBOOK],
                                 quiet=True)
    finally:
        del os.environ["MATHS_OF_DL_CELL_TIMEOUT"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: {nb.name: nb.score for nb in s.notebooks}[NOTEBOOK]
                  for s in gb.assignment_submissions("maths_of_dl")}
    return course, status, scores, load_manifest(course), before


def reasons(manifest, student):
    return " | ".join(manifest[student]["reasons"].get(NOTEBOOK, []))


EXPECTED = {  # student -> (score of notebook 01 out of 14 autograded points, words of the reason)
    "ok_perfect": (14, None),
    "ok_mistakes": (9, None),
    "p_infinite_loop": (12, "F2b_answer: cell timed out"),
    "p_swallow_interrupt": (6, "F2b_answer: the kernel died or stopped answering"),
    "p_os_exit": (6, "F2b_answer: the kernel died"),     # F1a, F1b, F2a ran before it died
    "p_segfault": (6, "F2b_answer: the kernel died"),
    "p_memory": (12, "F2b_answer: memory limit exceeded"),
    "p_output": (12, "F2b_answer: output truncated"),
    "p_truncated": (0, "not a valid notebook"),
    "p_not_json": (0, "not a valid notebook"),
    "p_deleted_cell": (12, "graded cell F1b deleted"),
    "p_duplicated_cell": (14, "graded cell F2a duplicated"),
    "p_retyped_cell": (None, "graded cell F3a retyped code -> markdown"),
    "p_missing_notebook": (0, "missing notebook"),
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_student_is_graded_with_the_reason(graded, student):
    _, _, scores, manifest, _ = graded
    score, reason = EXPECTED[student]
    assert student in scores, f"{student} has no grade"
    if score is not None:
        assert scores[student] == pytest.approx(score)
    else:
        assert 0 <= scores[student] <= 14
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
    reports = course / "reports"
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
def test_rerun_grades_only_changed_submissions(graded):
    course = graded[0]
    os.environ["MATHS_OF_DL_CELL_TIMEOUT"] = "5"
    try:
        again = grade_class(course, workers=2, notebooks=[NOTEBOOK], progress=False)
        assert again.graded == []
        path = course / "submitted" / "ok_mistakes" / "maths_of_dl" / f"{NOTEBOOK}.ipynb"
        nb = json.loads(path.read_text())
        nb["metadata"]["resubmitted"] = True
        path.write_text(json.dumps(nb))
        again = grade_class(course, workers=2, notebooks=[NOTEBOOK], progress=False)
        assert again.graded == ["ok_mistakes"]
    finally:
        del os.environ["MATHS_OF_DL_CELL_TIMEOUT"]


@pytest.mark.slow
def test_lms_zip_is_imported_into_submitted(tmp_path):
    """An LMS download (<student>_<notebook>.ipynb, in folders) lands in nbgrader's layout."""
    import zipfile
    from autograder import cli
    course = cli.prepare(tmp_path / "course")
    cli.release(course)
    release = sorted((course / "release" / "maths_of_dl").glob("*.ipynb"))
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for student in ("ada_lovelace", "alan_turing"):
            for nb in release[:2]:
                z.write(nb, f"downloads/{student}_{nb.name}")
    assert cli.import_zip(course, [archive]) == 0
    for student in ("ada_lovelace", "alan_turing"):
        got = sorted(p.name for p in (course / "submitted" / student / "maths_of_dl").glob("*.ipynb"))
        assert got == [nb.name for nb in release[:2]]
        for nb in release[:2]:
            assert (course / "submitted" / student / "maths_of_dl" / nb.name).read_bytes() == \
                nb.read_bytes()
