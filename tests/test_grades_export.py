"""Grades into the LMS (autograder.grades_export): the files Moodle and Canvas export
(tests/data/lms/, laid out as Moodle's grading table and Canvas's gradebook exporter write them),
filled, then read back the way each LMS's importer reads them: Moodle's offline grading
worksheet importer (mod/assign/feedback/offline/importgradeslib.php and locallib.php) and Canvas's
GradebookImporter (app/models/gradebook_importer.rb), their column matching rules redone here."""
import csv
import io
import json
import os
import re
import sys
from pathlib import Path

import pytest

from autograder.assignment import LAB
from autograder import cli
from autograder import grades_export as ge

DATA = Path(__file__).parent / "data" / "lms"
ENGLISH = {"recordid": "Identifier", "hiddenuser": "Participant ", "grade": "Grade",
           "lastmodifiedgrade": "Last modified (grade)", "decsep": ".",
           "feedback": "Feedback comments"}
SPANISH = {"recordid": "Identificador", "hiddenuser": "Participante ", "grade": "Calificación",
           "lastmodifiedgrade": "Última modificación (calificación)", "decsep": ",",
           "feedback": "Comentarios de retroalimentación"}


# ------------------------------------------------------------------- the importers, as they read
def _unformat_float(text, decsep):
    """Moodle's unformat_float: spaces out, the language's decimal separator to '.', PHP's
    (float) cast (the leading number, 0 when there is none)."""
    text = (text or "").strip()
    if text == "":
        return None
    text = text.replace(" ", "").replace(decsep, ".")
    match = re.match(r"[+-]?(\d+(\.\d*)?|\.\d+)", text)
    return float(match.group()) if match else 0.0


def moodle_import(text, strings, participants, maximum):
    """{participant: (grade, {feedback column: text})} as the worksheet upload imports them;
    raises when the importer refuses the file (init() returns false)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    columns = rows[0]
    index = {"id": -1, "grade": -1, "modified": -1}
    feedback = {}
    for i, column in enumerate(columns):
        if column == strings["feedback"]:
            feedback[column] = i
        if column == strings["grade"]:
            index["grade"] = i
        if column == strings["recordid"]:
            index["id"] = i
        if column == strings["lastmodifiedgrade"]:
            index["modified"] = i
    if min(index.values()) < 0:
        raise ValueError("invalidgradeimport")
    imported = {}
    for record in rows[1:]:
        uid = record[index["id"]][len(strings["hiddenuser"]):]
        if uid not in participants:
            continue
        grade = _unformat_float(record[index["grade"]], strings["decsep"])
        if grade is None or grade < 0 or grade > maximum:
            continue                                  # skipped: no grade, or out of range
        imported[uid] = (grade, {c: record[i] for c, i in feedback.items() if i})
    return imported


def _canvas_number(field):
    """Canvas's decimal_comma_to_period converter."""
    if re.fullmatch(r"-?[0-9.,]+%?", field or ""):
        parts = re.split(r"[,.]", field)
        last = parts.pop()
        return ("".join(parts) + "." + last) if parts else last
    return field


def canvas_import(text, assignments, students):
    """What GradebookImporter makes of a file: {"new_assignments", "new_students", "grades":
    {(user id, assignment id): grade}}."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()[:3]
    counts = {}
    for sep in (";", ","):
        sizes = {len(next(csv.reader([line], delimiter=sep))) for line in lines}
        counts[sep] = sizes.pop() if len(sizes) == 1 else 0
    sep = ";" if counts[";"] > counts[","] else ","
    rows = [[_canvas_number(f) for f in row]
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)
            if not re.fullmatch(r"[;, ]+", sep.join(row))]
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    count = 3
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        count += 1
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        count += 2
    assert "Section" in header[count - 1]
    stripped = [h for h in header[count:] if not re.search(
        "Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|"
        "Override Score|Override Grade|Override Status", h)]
    found, new = {}, []
    for name in stripped:
        match = re.fullmatch(r"(.*)\s\((\d+)\)", name, re.S)
        aid = int(match[2]) if match and int(match[2]) in assignments else None
        aid = aid or next((a for a, t in assignments.items() if t == name), None)
        if aid is None:
            new.append(name)
        else:
            found[aid] = header.index(name)
    result, new_students = {}, []
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            continue
        if all(re.fullmatch(r"\s*(Muted|Manual Posting.*)?\s*", c or "", re.I) for c in row):
            continue
        uid = int(row[1]) if row[1].strip().isdigit() else 0
        if uid not in students:
            new_students.append(row[0])
            continue
        for aid, at in found.items():
            result[(uid, aid)] = row[at].strip()
    return {"new_assignments": new, "new_students": new_students, "grades": result}


# ------------------------------------------------------------------------------------- Moodle
def _grade(score, late=(), maximum=100.0):
    return ge.SubmissionScore(score, maximum, {"01_forward_pass": score / 2, "02_activations": score / 2},
                    list(late))


def test_moodle_worksheet_is_filled_as_its_importer_reads_it():
    source = (DATA / "moodle-worksheet-en.csv").read_bytes()
    grades = {"311": _grade(83.5, late=["02_activations"]), "ada": _grade(70),
              "bob@example.org": _grade(55.25), "zed": _grade(10)}
    people = {"311": {"lms": "moodle", "lms_id": "311", "name": "Grace Hopper"}}
    filled = ge.fill(source, grades, people, roster={"500": "ada"})
    assert moodle_import(source.decode(), ENGLISH, {"311", "412", "500", "501"}, 100) == \
        {"501": (12.0, {"Feedback comments": "<p>Seen in class</p>"})}
    imported = moodle_import(filled.text, ENGLISH, {"311", "412", "500", "501"}, 100)
    assert {uid: grade for uid, (grade, _) in imported.items()} == \
        {"311": 83.5, "500": 70.0, "501": 55.25}
    comments = {uid: c["Feedback comments"] for uid, (_, c) in imported.items()}
    assert "Late: 02_activations" in comments["311"] and "83.50 / 100" in comments["311"]
    assert comments["501"].startswith("<p>Seen in class</p>\n")   # the tutor's comment is kept
    assert filled.unmatched == ["zed"] and filled.lms == "moodle"
    assert any("late: 311" in note for note in filled.notes)
    before = list(csv.reader(io.StringIO(source.decode())))
    after = list(csv.reader(io.StringIO(filled.text)))
    assert after[0] == before[0] and len(after) == len(before)
    for old, new in zip(before, after):                     # only Grade and Feedback comments
        assert [o for i, o in enumerate(old) if i not in (4, 9)] == \
            [n for i, n in enumerate(new) if i not in (4, 9)]
    assert after[2] == before[2]                             # Emmy: not ours, untouched


def test_a_spanish_worksheet_keeps_its_language_and_decimal_comma():
    source = (DATA / "moodle-worksheet-es.csv").read_bytes()
    filled = ge.fill(source, {"311": _grade(83.5)},
                     {"311": {"lms": "moodle", "lms_id": "311", "name": "Grace Hopper"}})
    assert filled.text.splitlines()[0] == source.decode().splitlines()[0]
    imported = moodle_import(filled.text, SPANISH, {"311", "412"}, 10)
    assert imported["311"][0] == 8.35                        # 83.5 / 100 of Moodle's 10 points
    assert "8,35" in filled.text.splitlines()[1]
    assert any("scaled" in note for note in filled.notes)
    assert set(imported) == {"311"}


def test_blank_lines_at_the_end_are_kept_and_ignored():
    source = (DATA / "moodle-worksheet-en.csv").read_bytes() + b"\n\n"
    filled = ge.fill(source, {"311": _grade(50)},
                     {"311": {"lms": "moodle", "lms_id": "311", "name": "Grace Hopper"}})
    assert filled.written == {"311": 50.0}
    assert filled.text.endswith("\n\n\n") and filled.text.count("\n") == source.count(b"\n")


def test_the_old_export_was_refused_by_moodles_importer_and_is_not_a_worksheet():
    old = "Identifier,Full name,Grade,Maximum Grade\nParticipant 311,Grace Hopper,83.50,100.00\n"
    with pytest.raises(ValueError, match="invalidgradeimport"):
        moodle_import(old, ENGLISH, {"311"}, 100)
    with pytest.raises(ge.NotAnLmsFile, match="Last modified"):
        ge.fill(old.encode(), {"311": _grade(83.5)}, {})


def test_a_file_that_is_no_lms_export_is_refused():
    with pytest.raises(ge.NotAnLmsFile):
        ge.fill(b"name,score\nada,3\n", {"ada": _grade(3)}, {})
    with pytest.raises(ge.NotAnLmsFile):
        ge.fill(b"", {}, {})


# ------------------------------------------------------------------------------------- Canvas
ASSIGNMENTS = {4410: "Homework 1", 4411: "Maths of Deep Learning"}
STUDENTS = {1041: "Lovelace, Ada", 2077: "Turing, Alan", 3001: "Hopper, Grace",
            9999: "Student, Test"}


def test_canvas_gradebook_is_filled_as_its_importer_reads_it():
    source = (DATA / "canvas-gradebook.csv").read_bytes()
    grades = {"1041": _grade(83.5, late=["01_forward_pass"]), "ghopper": _grade(70),
              "zed": _grade(10)}
    people = {"1041": {"lms": "canvas", "lms_id": "1041", "name": "adalovelace"}}
    filled = ge.fill(source, grades, people)
    got = canvas_import(filled.text, ASSIGNMENTS, STUDENTS)
    assert got["new_assignments"] == [] and got["new_students"] == []
    assert {k: float(v) for k, v in got["grades"].items() if k[1] == 4411 and v} == \
        {(1041, 4411): 83.5, (2077, 4411): 55.0, (3001, 4411): 70.0}
    before = canvas_import(source.decode(), ASSIGNMENTS, STUDENTS)["grades"]
    assert {k: v for k, v in got["grades"].items() if k[1] == 4410} == \
        {k: v for k, v in before.items() if k[1] == 4410}
    assert filled.unmatched == ["zed"] and filled.lms == "canvas"
    assert any("late: 1041 (01_forward_pass)" in note for note in filled.notes)
    assert filled.text.splitlines()[:3] == source.decode().splitlines()[:3]


def test_canvas_semicolons_decimal_commas_and_bom_are_kept():
    rows = list(csv.reader(io.StringIO((DATA / "canvas-gradebook.csv").read_text())))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    source = ("\ufeff" + out.getvalue()).encode()
    filled = ge.fill(source, {"2077": _grade(61.25)},
                     {"2077": {"lms": "canvas", "lms_id": "2077", "name": "alanturing"}})
    assert filled.text.startswith("\ufeffStudent;ID;") and "\r\n" in filled.text
    assert "61,25" in filled.text
    got = canvas_import(filled.text, ASSIGNMENTS, STUDENTS)
    assert float(got["grades"][(2077, 4411)]) == 61.25 and got["new_assignments"] == []


def test_the_canvas_assignment_is_chosen_by_id_or_title_and_never_guessed():
    source = (DATA / "canvas-gradebook.csv").read_text()
    renamed = source.replace("Maths of Deep Learning (4411)", "Lab 2 (4411)").encode()
    grades = {"1041": _grade(83.5)}
    people = {"1041": {"lms": "canvas", "lms_id": "1041", "name": "adalovelace"}}
    with pytest.raises(ge.NotAnLmsFile, match=r"Homework 1 \(4410\); Lab 2 \(4411\)"):
        ge.fill(renamed, grades, people)
    for choice in ("4411", "lab 2"):
        got = canvas_import(ge.fill(renamed, grades, people, assignment=choice).text,
                            ASSIGNMENTS, STUDENTS)
        assert got["grades"][(1041, 4411)] == "83.50" and got["grades"][(1041, 4410)] == "8.00"


def test_canvas_points_possible_scale_the_total():
    source = (DATA / "canvas-gradebook.csv").read_text().replace("10.00,100.00,", "10.00,50,")
    filled = ge.fill(source.encode(), {"1041": _grade(83.5)},
                     {"1041": {"lms": "canvas", "lms_id": "1041", "name": "adalovelace"}})
    assert canvas_import(filled.text, ASSIGNMENTS, STUDENTS)["grades"][(1041, 4411)] == "41.75"


def test_a_student_matching_two_rows_is_not_written_and_is_listed():
    source = (DATA / "canvas-gradebook.csv").read_bytes()
    filled = ge.fill(source, {"ada": _grade(83.5)}, {}, roster={"1041": "ada", "2077": "ada"})
    got = canvas_import(filled.text, ASSIGNMENTS, STUDENTS)["grades"]
    assert got[(1041, 4411)] == "" and got[(2077, 4411)] == "55.00"   # as Canvas exported them
    assert filled.text == source.decode()
    assert filled.unmatched == ["ada"] and filled.written == {}


# ---------------------------------------------------------- from a real gradebook, by the CLI
def _gradebook(course):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.add_assignment(LAB.id)
        for name in ("01_forward_pass", "02_activations"):
            gb.add_notebook(name, LAB.id)
            gb.add_grade_cell("F1a" if name.startswith("01") else "A1", name, LAB.id,
                              max_score=2, cell_type="code")
        for student, scores in (("1041", (2.0, 1.5)), ("ghopper", (0.5, 0.0)),
                                ("zed", (1.0, 1.0))):
            gb.add_student(student)
            gb.add_submission(LAB.id, student)
            for name, score in zip(("01_forward_pass", "02_activations"), scores):
                cell = "F1a" if name.startswith("01") else "A1"
                gb.find_grade(cell, name, LAB.id, student).auto_score = score
            gb.db.commit()
    (course / ".grading").mkdir()
    (course / ".grading" / "students.json").write_text(json.dumps({
        "1041": {"lms": "canvas", "lms_id": "1041", "name": "adalovelace",
                 "late": ["02_activations"]}}))


def test_grades_into_fills_from_the_gradebook_and_lists_who_is_missing(tmp_path, monkeypatch,
                                                                      capsys):
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")  # alembic
    _gradebook(tmp_path)
    export = tmp_path / "gradebook.csv"
    export.write_bytes((DATA / "canvas-gradebook.csv").read_bytes())
    assert cli.grades_into(tmp_path, LAB, export) == 1
    printed = capsys.readouterr().out
    assert "zed" in printed.split("not in the file")[1] and "late: 1041" in printed
    got = canvas_import((tmp_path / "gradebook-graded.csv").read_text(), ASSIGNMENTS, STUDENTS)
    # 3.5 of 4 points is 87.5 of Canvas's 100; 0.5 of 4 is 12.5
    assert got["grades"][(1041, 4411)] == "87.50" and got["grades"][(3001, 4411)] == "12.50"
    assert export.read_bytes() == (DATA / "canvas-gradebook.csv").read_bytes()
    (tmp_path / "notes.csv").write_text("just,notes\n1,2\n")
    assert cli.grades_into(tmp_path, LAB, tmp_path / "notes.csv") == 2
    assert cli.grades_into(tmp_path, LAB, tmp_path / "missing.csv") == 2
    assert "grades --into" in capsys.readouterr().err


def test_ids_from_the_zip_import_find_the_rows_of_the_lms_files(tmp_path, monkeypatch):
    """Moodle's participant number (submission folders, worksheet) and Canvas's user id (file
    names, gradebook ID) are the same ids on both ways, and Canvas's late mark reaches the
    grades."""
    import zipfile

    from nbgrader.api import Gradebook

    from autograder import lms
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")  # alembic
    (tmp_path / "release" / LAB.id).mkdir(parents=True)
    (tmp_path / "release" / LAB.id / "01_forward_pass.ipynb").write_text("{}")
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as z:
        z.writestr("Grace Hopper_311_assignsubmission_file_/01_forward_pass.ipynb", "{}")
    with zipfile.ZipFile(tmp_path / "canvas.zip", "w") as z:
        z.writestr("lovelaceada_late_1041_70001_01_forward_pass.ipynb", "{}")
    imported, _ = lms.import_downloads(tmp_path, LAB, [tmp_path / "moodle.zip", tmp_path / "canvas.zip"])
    assert {s for s, _ in imported} == {"311", "1041"}
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.add_assignment(LAB.id)
        gb.add_notebook("01_forward_pass", LAB.id)
        gb.add_grade_cell("F1a", "01_forward_pass", LAB.id, max_score=4, cell_type="code")
        for student, score in (("311", 3.0), ("1041", 1.0)):
            gb.add_student(student)
            gb.add_submission(LAB.id, student)
            gb.find_grade("F1a", "01_forward_pass", LAB.id, student).auto_score = score
        gb.db.commit()
    for name in ("moodle-worksheet-en.csv", "canvas-gradebook.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    moodle, out = ge.fill_file(tmp_path, LAB, tmp_path / "moodle-worksheet-en.csv")
    got = moodle_import(out.read_text(), ENGLISH, {"311", "412", "500", "501"}, 100)
    assert got["311"][0] == 75.0 and moodle.unmatched == ["1041"]
    canvas, out = ge.fill_file(tmp_path, LAB, tmp_path / "canvas-gradebook.csv")
    got = canvas_import(out.read_text(), ASSIGNMENTS, STUDENTS)
    assert got["grades"][(1041, 4411)] == "25.00" and canvas.unmatched == ["311"]
    assert canvas.notes[-1] == "late: 1041 (01_forward_pass)"


def test_canvas_last_and_first_name_columns():
    rows = list(csv.reader(io.StringIO((DATA / "canvas-gradebook.csv").read_text())))
    split = [["LastName", "FirstName"] + rows[0][1:]]
    for row in rows[1:]:
        last, _, first = row[0].partition(", ")
        split.append([last, first] + row[1:])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(split)
    filled = ge.fill(out.getvalue().encode(), {"3001": _grade(42)},
                     {"3001": {"lms": "canvas", "lms_id": "3001", "name": "hoppergrace"}})
    got = list(csv.reader(io.StringIO(filled.text)))
    assert got[0] == split[0] and got[5][2] == "3001" and got[5][7] == "42.00"
    assert [r[7] for r in got[3:]] == ["", "55.00", "42.00", ""]
