"""autograder.class_report on a tiny course folder: a real nbgrader gradebook, autograded notebooks
carrying the grader's judgement in `metadata["maths_of_dl"]["grading"]`, the grading manifest and
the flags file.  Every expected figure is computed here from the class below."""
import csv
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import class_report
from autograder.catalogue import CATALOGUE
from autograder.class_grading import save_manifest
from autograder.grading.flags import FLAGS_FILE, FORMAT, update_flags
from autograder.settings import ASSIGNMENT

NOTEBOOK = "01_forward_pass"
EXERCISES = ("F1a", "F1b", "F4")
SCORES = {   # student -> points per exercise (each worth 2)
    "ada": {"F1a": 2, "F1b": 2, "F4": 2},
    "bob": {"F1a": 1, "F1b": 0.5, "F4": 0},
    "cy": {"F1a": 0, "F1b": 1, "F4": 2},
    "dee": {"F1a": 2, "F1b": 0, "F4": 1},
}
MISTAKES = {   # what the grader stored in each student's autograded notebook
    "ada": {"F1a": {"points": 2.0, "mistakes": {}}},
    "bob": {"F1a": {"mistakes": {"z_1a": "row_for_column"}},
            "F1b": {"mistakes": {"z_1b": "no_bias", "again": "no_bias"}}},   # once per student
    "cy": {"F1b": {"mistakes": {"z_1b": "no_bias"}}, "F4": "not a judgement"},
    "dee": {"F1a": {"mistakes": {"z_1a": "slip:swapped_entries"}},   # generic slips
            "F4": {"mistakes": {"n_obs_2x3": "slip:swapped_items",
                                "n_inputs_2x3": "slip:swapped_items"}}},
}
MANIFEST = {"ada": {"status": "ok", "reasons": {}},
            "bob": {"status": "review", "reasons": {NOTEBOOK: ["F2b_answer: cell timed out"]}},
            "dee": {"status": "ok", "reasons": {}}}     # cy: not in the manifest
FLAGGED = {"dee": "tamper:numpy-patch"}
LATE = {"bob": {"lms": "canvas", "lms_id": "1041", "name": "bob", "late": [NOTEBOOK]}}


def middle(values):
    """The median as a statistician takes it: the mean of the two middle values of an even count."""
    values = sorted(values)
    half = len(values) // 2
    return values[half] if len(values) % 2 else (values[half - 1] + values[half]) / 2


def share_label(points, maximum):
    return ("0" if points == 0 else "<50%" if points < maximum / 2
            else "100%" if points == maximum else "50-99%")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course folder, built once (a gradebook costs seconds), its report written once."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("MATHS_OF_DL_DB_URL", raising=False)
        monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        course = _build(tmp_path_factory.mktemp("course"))
        summary = class_report.write_report(course)
        yield course
    assert summary == course / "reports" / "summary.md"


def _build(tmp_path):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:   # nbgrader runs alembic
        gb.add_assignment(ASSIGNMENT)
        gb.add_notebook(NOTEBOOK, ASSIGNMENT)
        for eid in EXERCISES:
            gb.add_grade_cell(eid, NOTEBOOK, ASSIGNMENT, max_score=CATALOGUE[eid].points,
                              cell_type="code")
        for student, points in SCORES.items():
            gb.add_student(student)
            gb.add_submission(ASSIGNMENT, student)
            for eid, value in points.items():
                gb.find_grade(eid, NOTEBOOK, ASSIGNMENT, student).auto_score = value
        gb.db.commit()
    for student, exercises in MISTAKES.items():
        folder = tmp_path / "autograded" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nb = new_notebook(cells=[new_code_cell("z_1a = 1")])
        nb.metadata["maths_of_dl"] = {"grading": {"format": FORMAT, "exercises": exercises}}
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    folder = tmp_path / "autograded" / "eve" / ASSIGNMENT       # no judgement to read
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text("{ not a notebook")
    nbformat.write(new_notebook(), folder / "02_activations.ipynb")
    save_manifest(tmp_path, MANIFEST)
    (tmp_path / ".grading" / "students.json").write_text(json.dumps(LATE))   # the zip import's
    for student, reason in FLAGGED.items():
        update_flags(tmp_path / FLAGS_FILE, {
            "format": FORMAT, "student": student, "assignment": ASSIGNMENT, "notebook": NOTEBOOK,
            "flagged": True, "reasons": [reason], "message": reason})
    return tmp_path


@pytest.mark.parametrize("share,label", [(-1, "0"), (0, "0"), (1e-9, "<50%"), (0.4999, "<50%"),
                                         (0.5, "50-99%"), (0.999, "50-99%"), (1, "100%"),
                                         (1.5, "100%")])
def test_bins_split_shares_at_none_half_and_all(share, label):
    assert class_report._bin(share) == label
    assert label in class_report.BINS


def test_read_scores_from_the_gradebook(course):
    scores = class_report.read_scores(course)
    assert set(scores) == set(SCORES)
    for student, points in SCORES.items():
        assert scores[student]["score"] == pytest.approx(sum(points.values()))
        assert scores[student]["max"] == sum(CATALOGUE[e].points for e in EXERCISES)
        assert scores[student]["notebooks"] == {NOTEBOOK: pytest.approx(sum(points.values()))}
        assert scores[student]["cells"] == {e: (v, CATALOGUE[e].points) for e, v in points.items()}


def test_read_mistakes_from_the_notebooks_metadata(course):
    assert class_report.read_mistakes(course, "bob") == {"F1a": ["row_for_column"],
                                                         "F1b": ["no_bias", "no_bias"]}
    assert class_report.read_mistakes(course, "cy") == {"F1b": ["no_bias"], "F4": []}
    assert class_report.read_mistakes(course, "ada") == {"F1a": []}
    assert class_report.read_mistakes(course, "dee") == {
        "F1a": ["slip:swapped_entries"], "F4": ["slip:swapped_items", "slip:swapped_items"]}
    assert class_report.read_mistakes(course, "eve") == {}       # broken or never graded
    assert class_report.read_mistakes(course, "nobody") == {}


def test_read_flags_by_student(course):
    assert class_report.read_flags_by_student(course) == {
        student: [f"{NOTEBOOK}: {reason}"] for student, reason in FLAGGED.items()}


def test_another_assignments_flags_are_not_in_the_labs_report(course):
    for student in ("dee", "zed"):     # the flags file is the course folder's, shared
        update_flags(course / FLAGS_FILE, {
            "format": FORMAT, "student": student, "assignment": "week_2_quiz", "notebook": "quiz",
            "flagged": True, "reasons": ["active-content"], "message": "active-content"})
    assert class_report.read_flags_by_student(course) == {
        student: [f"{NOTEBOOK}: {reason}"] for student, reason in FLAGGED.items()}


def _csv(path):
    return list(csv.DictReader(open(path, newline="")))


def test_class_report_per_exercise(course):
    rows = {r["exercise"]: r for r in _csv(course / "reports" / "class_report.csv")}
    assert list(rows) == [e for e in CATALOGUE if e in EXERCISES]
    for eid in EXERCISES:
        got = [SCORES[s][eid] for s in SCORES]
        maximum = CATALOGUE[eid].points
        row = rows[eid]
        assert row["notebook"] == NOTEBOOK and float(row["max"]) == maximum
        assert int(row["students"]) == len(got)
        assert float(row["mean"]) == pytest.approx(sum(got) / len(got), abs=5e-4)
        assert float(row["median"]) == middle(got)
        for label in class_report.BINS:
            assert int(row[f"bin_{label}"]) == sum(share_label(v, maximum) == label for v in got), \
                (eid, label)
    assert rows["F1a"]["median"] == "1.5"       # the upper median would say 2
    assert rows["F1b"]["mistakes"] == "no_bias=2"
    assert rows["F1a"]["mistakes"] == "row_for_column=1"
    assert rows["F4"]["mistakes"] == ""
    # generic slips counted apart, per exercise, once per student, like the listed mistakes
    assert rows["F1a"]["slips"] == "slip:swapped_entries=1"
    assert rows["F4"]["slips"] == "slip:swapped_items=1"
    assert rows["F1b"]["slips"] == ""
    assert _csv(course / "reports" / "mistakes.csv") == [
        {"exercise": "F1a", "mistake": "row_for_column", "students": "1"},
        {"exercise": "F1a", "mistake": "slip:swapped_entries", "students": "1"},
        {"exercise": "F1b", "mistake": "no_bias", "students": "2"},
        {"exercise": "F4", "mistake": "slip:swapped_items", "students": "1"}]


def test_students_report(course):
    rows = {r["student"]: r for r in _csv(course / "reports" / "students.csv")}
    assert list(rows) == sorted(SCORES)
    for student, points in SCORES.items():
        assert float(rows[student]["score"]) == pytest.approx(sum(points.values()))
        assert float(rows[student][NOTEBOOK]) == pytest.approx(sum(points.values()))
        assert rows[student]["status"] == MANIFEST.get(student, {}).get("status", "unknown")
    assert rows["bob"]["reasons"] == f"{NOTEBOOK}: F2b_answer: cell timed out"
    assert rows["dee"]["flags"] == f"{NOTEBOOK}: tamper:numpy-patch"
    assert rows["ada"]["reasons"] == rows["ada"]["flags"] == rows["ada"]["late"] == ""
    assert rows["bob"]["late"] == NOTEBOOK                   # the LMS marked it late


def test_summary_and_plot(course):
    text = (course / "reports" / "summary.md").read_text()
    totals = [sum(p.values()) for p in SCORES.values()]
    maximum = sum(CATALOGUE[e].points for e in EXERCISES)
    assert (f"{len(SCORES)} students; mean {sum(totals) / len(totals):.1f} / {maximum:g} points; "
            f"median {middle(totals):g}.") in text
    f1b = [SCORES[s]["F1b"] for s in SCORES]
    bins = [sum(share_label(v, 2) == label for v in f1b) for label in class_report.BINS]
    assert (f"| F1b | 2 | {sum(f1b) / len(f1b):.2f} | " + " | ".join(map(str, bins))
            + " | no_bias=2 | - |") in text
    f4 = [SCORES[s]["F4"] for s in SCORES]
    bins = [sum(share_label(v, 2) == label for v in f4) for label in class_report.BINS]
    assert (f"| F4 | 2 | {sum(f4) / len(f4):.2f} | " + " | ".join(map(str, bins))
            + " | - | slip:swapped_items=1 |") in text
    assert "## Students who need a look (2)" in text       # bob (review) and dee (flagged)
    assert f"- **bob** ({sum(SCORES['bob'].values()):g} / {maximum:g}, review)" in text
    assert f"  - {NOTEBOOK}: F2b_answer: cell timed out" in text
    assert f"  - flagged: {NOTEBOOK}: tamper:numpy-patch" in text
    assert "**ada**" not in text and "**cy**" not in text
    assert (course / "reports" / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_to_another_folder(course, tmp_path):
    out = tmp_path / "elsewhere"
    assert class_report.write_report(course, out) == out / "summary.md"
    assert sorted(p.name for p in out.iterdir()) == ["class_report.csv", "mistakes.csv",
                                                      "scores.png", "students.csv", "summary.md"]
