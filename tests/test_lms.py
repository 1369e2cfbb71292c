"""LMS downloads in and grades out (autograder.lms), on real zip archives laid out as Canvas,
Moodle and Blackboard name them, and a real nbgrader gradebook."""
import csv
import io
import json
import os
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder import lms
from autograder.settings import ASSIGNMENT

NOTEBOOKS = ["01_forward_pass", "02_activations"]


def _notebook(tag):
    return nbformat.writes(new_notebook(cells=[new_code_cell(f"# {tag}")]))


def _course(tmp_path):
    course = tmp_path / "course"
    release = course / "release" / ASSIGNMENT
    release.mkdir(parents=True)
    for name in NOTEBOOKS:
        (release / f"{name}.ipynb").write_text(_notebook("release"))
    return course


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def _tag(course, student, notebook):
    path = course / "submitted" / student / ASSIGNMENT / f"{notebook}.ipynb"
    return nbformat.read(path, as_version=4).cells[0].source


CANVAS = {
    "adalovelace_1041_55001_01_forward_pass.ipynb": _notebook("ada first"),
    "adalovelace_1041_55002_01_forward_pass-1.ipynb": _notebook("ada re-upload"),
    "adalovelace_LATE_1041_55003_02_activations.ipynb": _notebook("ada late"),
    "alanturing_2077_55010_01_Forward_Pass.ipynb": _notebook("alan"),
    "alanturing_2077_55011_notes.txt": "not a notebook",
}
MOODLE = {
    "Grace Brewster Hopper_311_assignsubmission_file_/01_forward_pass.ipynb": _notebook("grace"),
    "Grace Brewster Hopper_311_assignsubmission_file_/02_activations-2.ipynb": _notebook("grace 2"),
    "Emmy Noether_412_assignsubmission_file_/scratch.ipynb": _notebook("emmy scratch"),
}
BLACKBOARD = {
    "Maths of DL_kgodel_attempt_2026-11-20-10-00-00_01_forward_pass.ipynb": _notebook("old"),
    "Maths of DL_kgodel_attempt_2026-11-21-09-30-00_01_forward_pass.ipynb": _notebook("new"),
    "Maths of DL_kgodel_attempt_2026-11-21-09-30-00.txt": "Name: Kurt Godel",
}


@pytest.mark.parametrize("member,lms_name,user,notebook", [
    ("adalovelace_1041_55001_01_forward_pass.ipynb", "canvas", "1041", "01_forward_pass"),
    ("x/adalovelace_LATE_1041_55003_02_activations.ipynb", "canvas", "1041", "02_activations"),
    ("Grace Hopper_311_assignsubmission_file_/01_forward_pass.ipynb", "moodle", "311",
     "01_forward_pass"),
    ("Maths of DL_kgodel_attempt_2026-11-21-09-30-00_01_forward_pass.ipynb", "blackboard",
     "kgodel", "01_forward_pass"),
    ("class/ada_lovelace_01_forward_pass.ipynb", "plain", "ada_lovelace", "01_forward_pass"),
])
def test_each_lms_naming_is_recognised(member, lms_name, user, notebook):
    submission, reason = lms.recognise(member, NOTEBOOKS)
    assert reason is None
    assert (submission.lms, submission.user, submission.notebook) == (lms_name, user, notebook)


def test_canvas_moodle_and_blackboard_downloads_import_the_latest_upload(tmp_path):
    course = _course(tmp_path)
    zips = [_zip(tmp_path / "canvas.zip", CANVAS), _zip(tmp_path / "moodle.zip", MOODLE),
            _zip(tmp_path / "blackboard.zip", BLACKBOARD)]
    imported, others = lms.import_downloads(course, zips)
    assert set(imported) == {("1041", "01_forward_pass"), ("1041", "02_activations"),
                             ("2077", "01_forward_pass"), ("311", "01_forward_pass"),
                             ("311", "02_activations"), ("kgodel", "01_forward_pass")}
    assert _tag(course, "1041", "01_forward_pass") == "# ada re-upload"     # -1 wins
    assert _tag(course, "1041", "02_activations") == "# ada late"
    assert _tag(course, "2077", "01_forward_pass") == "# alan"              # any case
    assert _tag(course, "kgodel", "01_forward_pass") == "# new"             # latest attempt
    reasons = dict(others)
    assert "an older upload" in reasons["canvas.zip:adalovelace_1041_55001_01_forward_pass.ipynb"]
    assert "not one of the notebooks" in reasons["canvas.zip:alanturing_2077_55011_notes.txt"]
    assert "not one of the notebooks" in \
        reasons["moodle.zip:Emmy Noether_412_assignsubmission_file_/scratch.ipynb"]
    listed = list(csv.DictReader(open(course / "reports" / "import.csv")))
    assert len(listed) == len(imported) + len(others) == sum(map(len, (CANVAS, MOODLE,
                                                                        BLACKBOARD)))
    people = json.loads((course / ".grading" / "students.json").read_text())
    assert people["311"] == {"lms": "moodle", "lms_id": "311", "name": "Grace Brewster Hopper"}


def test_a_roster_maps_lms_ids_and_unknown_ids_are_listed(tmp_path):
    course = _course(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("lms_id,student_id\n1041,ada\n")
    imported, others = lms.import_downloads(course, [_zip(tmp_path / "c.zip", CANVAS)], roster)
    assert {s for s, _ in imported} == {"ada"}
    assert any("2077 is not in the roster" in reason for _, reason in others)


def _graded_course(tmp_path):
    """A gradebook with two graded students, as nbgrader keeps it."""
    from nbgrader.api import Gradebook
    course = _course(tmp_path)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(ASSIGNMENT)
        for name in NOTEBOOKS:
            gb.add_notebook(name, ASSIGNMENT)
            gb.add_grade_cell("F1a" if name.startswith("01") else "A1", name, ASSIGNMENT,
                              max_score=2, cell_type="code")
        for student, scores in (("1041", (2.0, 1.5)), ("311", (0.5, 0.0))):
            gb.add_student(student)
            gb.add_submission(ASSIGNMENT, student)
            for name, score in zip(NOTEBOOKS, scores):
                cell = "F1a" if name.startswith("01") else "A1"
                grade = gb.find_grade(cell, name, ASSIGNMENT, student)
                grade.auto_score = score
            gb.db.commit()
    (course / ".grading").mkdir()
    (course / ".grading" / "students.json").write_text(json.dumps({
        "1041": {"lms": "canvas", "lms_id": "1041", "name": "adalovelace"},
        "311": {"lms": "moodle", "lms_id": "311", "name": "Grace Hopper"}}))
    return course


def test_grades_export_for_canvas_and_moodle(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")  # alembic
    course = _graded_course(tmp_path)
    canvas = list(csv.reader(io.StringIO(lms.export_grades(course, "canvas", per_notebook=True))))
    assert canvas[0][:6] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                             "Maths of Deep Learning"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == 4.0
    assert [row[1] for row in canvas[2:]] == ["1041", "311"]
    assert [float(row[5]) for row in canvas[2:]] == [3.5, 0.5]
    assert [float(x) for x in canvas[2][6:]] == [2.0, 1.5]
    moodle = list(csv.DictReader(io.StringIO(lms.export_grades(course, "moodle"))))
    assert [(r["Identifier"], r["Full name"], float(r["Grade"]), float(r["Maximum Grade"]))
            for r in moodle] == [("Participant 1041", "adalovelace", 3.5, 4.0),
                                 ("Participant 311", "Grace Hopper", 0.5, 4.0)]
    with pytest.raises(ValueError):
        lms.export_grades(course, "excel")
