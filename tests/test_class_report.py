"""autograder.class_report on a tiny course folder: a real nbgrader gradebook, autograded notebooks
carrying the grader's judgement in `metadata[COURSE_KEY]["grading"]`, the rerun record and
the flags file.  Every expected figure is computed here from the class below."""
import csv
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.assignment import LAB
from autograder import class_report
from autograder.catalogue import CATALOGUE
from autograder.class_grading import save_record
from autograder.grading.flags import FLAGS_FILE, FORMAT, update_flags
from autograder.settings import COURSE_KEY

NOTEBOOK = "01_forward_pass"
EXERCISES = ("F1a", "F1b", "F4")
SCORES = {   # student -> points per exercise (each worth 2)
    "ada": {"F1a": 2, "F1b": 2, "F4": 2},
    "bob": {"F1a": 1, "F1b": 0.5, "F4": 0},
    "cy": {"F1a": 0, "F1b": 1, "F4": 2},
    "dee": {"F1a": 2, "F1b": 0, "F4": 1},
}
MISTAKES = {   # what the grader stored in each student's autograded notebook
    # ada's F1a and F4: follow-through (right from her own earlier error), counted apart
    "ada": {"F1a": {"points": 2.0, "mistakes": {}, "followed": ["z_1a"]},
            "F4": {"mistakes": {}, "followed": ["n_obs_3x2", "n_inputs_3x2", 7]}},
    "bob": {"F1a": {"mistakes": {"z_1a": "row_for_column"}},
            "F1b": {"mistakes": {"z_1b": "no_bias", "again": "no_bias"}}},   # once per student
    "cy": {"F1b": {"mistakes": {"z_1b": "no_bias"}}, "F4": "not a judgement"},
    "dee": {"F1a": {"mistakes": {"z_1a": "slip:swapped_entries"}},   # generic slips
            "F4": {"mistakes": {"n_obs_2x3": "slip:swapped_items",
                                "n_inputs_2x3": "slip:swapped_items"}}},
}
MANIFEST = {"ada": {"status": "ok", "reasons": {}},
            "bob": {"status": "review", "reasons": {NOTEBOOK: ["F2b_answer: cell timed out"]}},
            "dee": {"status": "ok", "reasons": {}}}     # cy: not in the rerun record
FLAGGED = {"dee": "tamper:numpy-patch"}
FINDING = {"cell": 6, "line": 2, "reason": "comparison-override",  # a student's code, quoted
           "detail": "class `Anything`<script>alert(1)</script> defines __eq__\n# **bold**"}
MANUAL = ("F4_explanation", 2)          # graded by hand in formgrader
HAND_GRADED = {"ada": 1.5}              # the others still await it
NAMES = {"bob": {"lms": "moodle", "lms_id": "bob", "name": "Bob Ng",     # the LMS import's
                 "late": [NOTEBOOK]},                                     # (bob came late)
         "cy": {"lms": "moodle", "lms_id": "cy", "name": "cy"}}           # an id is no name
ROSTER = "lms_id,student_id,name\n9001,dee,Dee Ôkafor\n9002,ada,\n"  # grade-class --roster's copy


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
        summary = class_report.write_report(course, LAB)
        yield course
    assert summary == course / "reports" / LAB.id / "summary.md"


def _build(tmp_path):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:   # nbgrader runs alembic
        gb.add_assignment(LAB.id)
        gb.add_notebook(NOTEBOOK, LAB.id)
        for eid in EXERCISES:
            gb.add_grade_cell(eid, NOTEBOOK, LAB.id, max_score=CATALOGUE[eid].points,
                              cell_type="code")
        gb.add_grade_cell(MANUAL[0], NOTEBOOK, LAB.id, max_score=MANUAL[1],
                          cell_type="markdown")
        for student, points in SCORES.items():
            gb.add_student(student)
            gb.add_submission(LAB.id, student)
            for eid in EXERCISES:     # as autograde leaves them (nbgrader's SaveAutoGrades)
                grade = gb.find_grade(eid, NOTEBOOK, LAB.id, student)
                grade.auto_score, grade.needs_manual_grade = points.get(eid), eid not in points
            manual = gb.find_grade(MANUAL[0], NOTEBOOK, LAB.id, student)
            manual.needs_manual_grade = student not in HAND_GRADED     # as autograde leaves it
            manual.manual_score = HAND_GRADED.get(student)
        gb.db.commit()
    (tmp_path / ".grading").mkdir()
    (tmp_path / ".grading" / "students.json").write_text(json.dumps(NAMES))
    (tmp_path / ".grading" / "roster.csv").write_text(ROSTER, encoding="utf-8")
    for student, exercises in MISTAKES.items():
        folder = tmp_path / "autograded" / student / LAB.id
        folder.mkdir(parents=True)
        nb = new_notebook(cells=[new_code_cell("z_1a = 1")])
        nb.metadata[COURSE_KEY] = {"grading": {"format": FORMAT, "exercises": exercises}}
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    folder = tmp_path / "autograded" / "eve" / LAB.id       # no judgement to read
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text("{ not a notebook")
    nbformat.write(new_notebook(), folder / "02_activations.ipynb")
    save_record(tmp_path, LAB, MANIFEST)
    for student, reason in FLAGGED.items():
        update_flags(tmp_path / FLAGS_FILE, {
            "format": FORMAT, "student": student, "assignment": LAB.id, "notebook": NOTEBOOK,
            "flagged": True, "reasons": [reason, "tamper:comparison-override"],
            "message": reason, "tamper": [FINDING],
            "exercises": {"F1b": {"problems": ["no record of the answers in the test cell"]},
                          "F1a": {"problems": []}}})
    return tmp_path


@pytest.mark.parametrize("share,label", [(-1, "0"), (0, "0"), (1e-9, "<50%"), (0.4999, "<50%"),
                                         (0.5, "50-99%"), (0.999, "50-99%"), (1, "100%"),
                                         (1.5, "100%")])
def test_bins_split_shares_at_none_half_and_all(share, label):
    assert class_report._bin(share) == label
    assert label in class_report.BINS


def test_read_scores_from_the_gradebook(course):
    scores = class_report.read_scores(course, LAB)
    assert set(scores) == set(SCORES)
    for student, points in SCORES.items():
        hand = HAND_GRADED.get(student, 0)
        assert scores[student]["score"] == pytest.approx(sum(points.values()) + hand)
        assert scores[student]["max"] == sum(CATALOGUE[e].points for e in EXERCISES) + MANUAL[1]
        assert scores[student]["notebooks"] == {NOTEBOOK: pytest.approx(sum(points.values())
                                                                        + hand)}
        assert scores[student]["cells"] == dict(
            {e: (v, CATALOGUE[e].points) for e, v in points.items()}, **{MANUAL[0]: (hand, 2)})
        assert scores[student]["awaiting"] == ({} if student in HAND_GRADED else {MANUAL[0]: 2})


def test_read_mistakes_from_the_notebooks_metadata(course):
    assert class_report.read_mistakes(course, LAB, "bob") == {"F1a": ["row_for_column"],
                                                         "F1b": ["no_bias", "no_bias"]}
    assert class_report.read_mistakes(course, LAB, "cy") == {"F1b": ["no_bias"], "F4": []}
    assert class_report.read_mistakes(course, LAB, "ada") == {"F1a": [], "F4": []}
    assert class_report.read_followed(course, LAB, "ada") == {"F1a": ["z_1a"],
                                                         "F4": ["n_inputs_3x2", "n_obs_3x2"]}
    assert class_report.read_mistakes(course, LAB, "dee") == {
        "F1a": ["slip:swapped_entries"], "F4": ["slip:swapped_items", "slip:swapped_items"]}
    assert class_report.read_mistakes(course, LAB, "eve") == {}       # broken or never graded
    assert class_report.read_mistakes(course, LAB, "nobody") == {}


def test_read_flags_by_student(course):
    """Each flag names the reasons, then the exercise with its problem and the cell (counted
    from 1) and line of each finding with what was seen, the student's code quoted inert."""
    flags = class_report.read_flags_by_student(course, LAB)
    assert list(flags) == list(FLAGGED)
    (text,) = flags["dee"]
    assert text.startswith(f"{NOTEBOOK}: {FLAGGED['dee']}, tamper:comparison-override (")
    assert "F1b: no record of the answers in the test cell" in text and "F1a:" not in text
    assert f"cell {FINDING['cell'] + 1}, line {FINDING['line']}: comparison-override: `" in text
    quoted = text.split("comparison-override: ", 1)[1]
    assert quoted.count("`") == 2 and "\n" not in quoted        # one inert code span
    assert "Anything" in quoted and "<script>" in quoted and "**bold**" in quoted


def test_another_assignments_flags_are_not_in_the_labs_report(course):
    for student in ("dee", "zed"):     # the flags file is the course folder's, shared
        update_flags(course / FLAGS_FILE, {
            "format": FORMAT, "student": student, "assignment": "week_2_quiz", "notebook": "quiz",
            "flagged": True, "reasons": ["active-content"], "message": "active-content"})
    lab = class_report.read_flags_by_student(course, LAB)
    assert set(lab) == set(FLAGGED) and all(len(lab[s]) == 1 for s in FLAGGED)
    assert all(lab[s][0].startswith(f"{NOTEBOOK}: {reason}") for s, reason in FLAGGED.items())
    assert "quiz" not in str(lab) and "active-content" not in str(lab)


def _csv(path):
    return list(csv.DictReader(open(path, newline="")))


def test_class_report_per_exercise(course):
    rows = {r["exercise"]: r for r in _csv(course / "reports" / LAB.id / "class_report.csv")}
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
    assert rows["F1a"]["follow_through"] == "z_1a=1" and rows["F1b"]["follow_through"] == ""
    assert rows["F4"]["follow_through"] == "n_inputs_3x2=1; n_obs_3x2=1" or \
        rows["F4"]["follow_through"] == "n_obs_3x2=1; n_inputs_3x2=1"
    assert _csv(course / "reports" / LAB.id / "mistakes.csv") == [
        {"exercise": "F1a", "mistake": "row_for_column", "students": "1", "who": "bob"},
        {"exercise": "F1a", "mistake": "slip:swapped_entries", "students": "1", "who": "dee"},
        {"exercise": "F1b", "mistake": "no_bias", "students": "2", "who": "bob cy"},
        {"exercise": "F4", "mistake": "slip:swapped_items", "students": "1", "who": "dee"}]


def test_students_report(course):
    rows = {r["student"]: r for r in _csv(course / "reports" / LAB.id / "students.csv")}
    assert list(rows) == sorted(SCORES)
    for student, points in SCORES.items():
        total = sum(points.values()) + HAND_GRADED.get(student, 0)
        assert float(rows[student]["score"]) == pytest.approx(total)
        assert float(rows[student][NOTEBOOK]) == pytest.approx(total)
        assert rows[student]["status"] == MANIFEST.get(student, {}).get("status", "unknown")
        assert float(rows[student]["awaiting_manual"]) == \
            (0 if student in HAND_GRADED else MANUAL[1])
    assert rows["bob"]["reasons"] == f"{NOTEBOOK}: F2b_answer: cell timed out"
    assert rows["dee"]["flags"].startswith(f"{NOTEBOOK}: tamper:numpy-patch")
    assert rows["ada"]["reasons"] == rows["ada"]["flags"] == rows["ada"]["late"] == ""
    assert rows["bob"]["late"] == NOTEBOOK                   # the LMS marked it late
    assert {s: r["name"] for s, r in rows.items()} == {"ada": "", "bob": "Bob Ng", "cy": "",
                                                        "dee": "Dee Ôkafor"}


def test_points_are_rounded_for_a_reader():
    assert [class_report.points(v) for v in (83.4285714, 2.0, 0, None, 0.005, 95.999)] == \
        ["83.43", "2", "0", "0", "0.01", "96"]


def test_summary_and_plot(course):
    text = (course / "reports" / LAB.id / "summary.md").read_text()
    totals = [sum(p.values()) + HAND_GRADED.get(s, 0) for s, p in SCORES.items()]
    maximum = sum(CATALOGUE[e].points for e in EXERCISES) + MANUAL[1]
    assert (f"{len(SCORES)} students; mean {sum(totals) / len(totals):.1f} / {maximum:g} points; "
            f"median {middle(totals):g}.") in text
    f1b = [SCORES[s]["F1b"] for s in SCORES]
    bins = [sum(share_label(v, 2) == label for v in f1b) for label in class_report.BINS]
    assert (f"| F1b | 2 | {sum(f1b) / len(f1b):.2f} | " + " | ".join(map(str, bins))
            + " | no_bias=2 | - | - |") in text
    f4 = [SCORES[s]["F4"] for s in SCORES]
    bins = [sum(share_label(v, 2) == label for v in f4) for label in class_report.BINS]
    assert (f"| F4 | 2 | {sum(f4) / len(f4):.2f} | " + " | ".join(map(str, bins))
            + " | - | slip:swapped_items=1 |") in text
    assert "| row_for_column=1 | slip:swapped_entries=1 | z_1a=1 |" in text   # apart from mistakes
    assert "## Students who need a look (3)" in text       # bob (review), cy, dee (flagged)
    bob = sum(SCORES["bob"].values())
    assert f"- **bob** (Bob Ng) ({bob:g} / {maximum:g}, review)" in text
    assert f"- **cy** ({sum(SCORES['cy'].values()):g} / {maximum:g}, unknown)" in text
    assert f"  - {NOTEBOOK}: F2b_answer: cell timed out" in text
    assert f"  - flagged: {NOTEBOOK}: tamper:numpy-patch, tamper:comparison-override (" in text
    assert "**ada**" not in text
    assert "- **dee** (Dee Ôkafor) (" in text
    waiting = len(SCORES) - len(HAND_GRADED)
    assert (f"**Not final yet:** up to {MANUAL[1]:g} points per student ({MANUAL[0]}) are graded "
            f"by hand, and {waiting} of {len(SCORES)} students still await them.") in text
    for status in ("ok", "review", "failed", "unknown", "flagged"):
        assert f"\n- **{status}**: " in text.split("## What the statuses mean", 1)[1]
    assert (course / "reports" / LAB.id / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_to_another_folder(course, tmp_path):
    out = tmp_path / "elsewhere"
    assert class_report.write_report(course, LAB, out) == out / "summary.md"
    assert sorted(p.name for p in out.iterdir()) == ["class_report.csv", "mistakes.csv",
                                                      "scores.png", "students.csv", "summary.md"]
