"""autograder.assignment: the lab beside another assignment in one course folder, under real
nbgrader.

The course folder holds the lab and an ordinary nbgrader assignment, `week_2_quiz`, written here
with nbformat: autograded answer cells and test cells of plain asserts whose grade ids collide
with the lab's exercise ids (`N1`, `F1a`).  Both are released with `nbgrader generate_assignment`
and two students submit both.  `nbgrader autograde week_2_quiz` must grade the quiz by nbgrader's
own rules (a correct answer scores its points, a wrong one 0; the course's grader says nothing),
still in the sandboxed grading kernel; `nbgrader autograde maths_of_dl` must still grade the lab,
leaving the quiz's grades as they were; and `maths-of-dl grade-class` (the lab's) must keep the
quiz's rerun record, grades and autograded files.
"""
import json
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from nbgrader.api import Gradebook

from autograder import cli
from autograder.assignment import LAB, being_graded, id_of, is_lab, lab_assignment, named
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.class_grading import load_record, save_record
from autograder.class_report import read_flags_by_student, read_scores
from autograder.grading.flags import FLAGS_FILE
from autograder.grading.sandbox.policy import HOME
from autograder.settings import COURSE_KEY, tool_env
from autograder.submissions import write_submission

QUIZ = "week_2_quiz"
LAB_NOTEBOOK = "01_forward_pass"
POINTS = {"N1": 2, "F1a": 3, "sandboxed": 1}
ANSWERS = {   # grade id of the answer cell -> (correct, wrong)
    "n1_answer": ("n = 12", "n = 13"),
    "f1a_answer": ("def double(x):\n    return 2 * x", "def double(x):\n    return x + 2"),
}
STUDENTS = {"ada": {"n1_answer": 0, "f1a_answer": 1},      # index into ANSWERS: 0 right, 1 wrong
            "bob": {"n1_answer": 1, "f1a_answer": 0}}


def _meta(grade_id, *, solution=False, grade=False, points=0):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution,
            "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def quiz_source():
    """The quiz as its instructor writes it: answers between solution markers, plain asserts."""
    cells = [
        new_markdown_cell("# Week 2 quiz\nHow many edges has a cube?"),
        new_code_cell("n = 0\n### BEGIN SOLUTION\nn = 12\n### END SOLUTION",
                      metadata=_meta("n1_answer", solution=True)),
        new_code_cell("assert n == 12", metadata=_meta("N1", grade=True, points=POINTS["N1"])),
        new_markdown_cell("Write `double(x)`."),
        new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                      "    ### END SOLUTION", metadata=_meta("f1a_answer", solution=True)),
        new_code_cell("assert double(3) == 6\nassert double(0) == 0",
                      metadata=_meta("F1a", grade=True, points=POINTS["F1a"])),
        new_code_cell(f"import os\nassert os.environ['HOME'] == {HOME!r}",   # the sandbox's
                      metadata=_meta("sandboxed", grade=True, points=POINTS["sandboxed"])),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


def _nbgrader(course, *args):
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=tool_env(),
                          capture_output=True, text=True)


def _submit_quiz(course, student, choice):
    nb = nbformat.read(course / "release" / QUIZ / "quiz.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in choice:
            cell.source = ANSWERS[grade_id][choice[grade_id]]
    folder = course / "submitted" / student / QUIZ
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "quiz.ipynb")


def _scores(course, assignment, notebook):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s: {g.name: g.score for g in
                    gb.find_submission_notebook(notebook, assignment, s).grades}
                for s in STUDENTS}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("two") / "course")
    (course / "source" / QUIZ).mkdir(parents=True)
    nbformat.write(quiz_source(), course / "source" / QUIZ / "quiz.ipynb")
    cli.release(course, LAB)
    released = _nbgrader(course, "generate_assignment", QUIZ, "--force")
    assert released.returncode == 0, released.stderr
    for student, choice in STUDENTS.items():
        _submit_quiz(course, student, choice)
        write_submission(course, student, notebooks=[LAB_NOTEBOOK])   # the lab's solutions
    quiz = _nbgrader(course, "autograde", QUIZ)
    quiz_scores = _scores(course, QUIZ, "quiz")
    lab = _nbgrader(course, "autograde", LAB.id)
    return course, quiz, quiz_scores, lab


def test_the_lab_is_found_by_its_id_and_nothing_else():
    assert LAB.id == LAB.id and lab_assignment(LAB.id) is LAB
    assert lab_assignment(QUIZ) is None and lab_assignment(None) is None
    assert being_graded({"nbgrader": {"assignment": LAB.id}}) is LAB
    for resources in ({"nbgrader": {"assignment": QUIZ}}, {"nbgrader": {}}, {}, None):
        assert being_graded(resources) is None
    assert {"N1", "F1a"} <= set(LAB.catalogue)      # the ids the quiz collides with


def test_a_named_assignment_is_the_labs_or_an_ordinary_one():
    assert named(LAB.id) is LAB and is_lab(LAB)
    quiz = named(QUIZ)
    assert quiz.id == QUIZ and quiz.catalogue == {} and not is_lab(quiz)
    assert being_graded({"nbgrader": {"assignment": quiz.id}}) is None   # nbgrader's rules
    assert id_of(quiz) == id_of(QUIZ) == QUIZ
    for bad in ("", "a/b", ".grading", "a\\b"):
        with pytest.raises(ValueError, match="not an assignment's name"):
            named(bad)


@pytest.mark.slow
def test_the_other_assignment_is_graded_by_nbgraders_own_rules(course):
    course, quiz, scores, _ = course
    assert quiz.returncode == 0, quiz.stderr
    for student, choice in STUDENTS.items():
        expected = {"N1": POINTS["N1"] * (choice["n1_answer"] == 0),
                    "F1a": POINTS["F1a"] * (choice["f1a_answer"] == 0),
                    "sandboxed": POINTS["sandboxed"]}      # still in the sandboxed kernel
        assert scores[student] == expected, (student, quiz.stderr[-3000:])
    assert "record" not in quiz.stderr and "FLAGGED" not in quiz.stderr
    for student in STUDENTS:
        nb = nbformat.read(course / "autograded" / student / QUIZ / "quiz.ipynb", as_version=4)
        test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "N1")
        assert test.source == "assert n == 12"       # no test inputs written in
        assert "Graded:" not in json.dumps(nb.cells)  # no feedback of the lab's grader
        assert "grading" not in nb.metadata.get(COURSE_KEY, {})


@pytest.mark.slow
def test_the_lab_is_still_graded_by_the_course_and_leaves_the_quiz_alone(course):
    course, _, quiz_scores, lab = course
    assert lab.returncode == 0, lab.stderr
    lab_scores = _scores(course, LAB.id, LAB_NOTEBOOK)
    for student in STUDENTS:      # the solutions, judged by the course's grader
        assert {e: s for e, s in lab_scores[student].items() if e in CATALOGUE} == \
            {e.id: e.points for e in in_notebook(LAB_NOTEBOOK)}
        graded = nbformat.read(course / "autograded" / student / LAB.id /
                               f"{LAB_NOTEBOOK}.ipynb", as_version=4)
        assert set(graded.metadata[COURSE_KEY]["grading"]["exercises"]) == \
            {e.id for e in in_notebook(LAB_NOTEBOOK)}
        assert (course / "autograded" / student / QUIZ / "quiz.ipynb").exists()
    assert _scores(course, QUIZ, "quiz") == quiz_scores              # untouched
    report = read_scores(course, LAB)                                     # the lab's report only
    assert set(report) == set(STUDENTS)
    assert all("sandboxed" not in report[s]["cells"] for s in STUDENTS)   # no quiz cell
    flags = course / FLAGS_FILE
    entries = [json.loads(line) for line in flags.read_text().splitlines()] \
        if flags.exists() else []
    assert all(e["assignment"] == LAB.id for e in entries)
    assert set(read_flags_by_student(course, LAB)) <= set(STUDENTS)


def _tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def class_graded(course):
    """The same course, the lab then graded by `maths-of-dl grade-class` (notebook 01), with a
    rerun record of the quiz already there."""
    course = course[0]
    quiz_record = {s: {"hash": "quiz-" + s, "status": "ok", "reasons": {}} for s in STUDENTS}
    save_record(course, QUIZ, quiz_record)
    before = {"scores": _scores(course, QUIZ, "quiz"),
              "autograded": {s: _tree(course / "autograded" / s / QUIZ) for s in STUDENTS}}
    status = cli.grade_class(course, LAB, workers=1, notebooks=[LAB_NOTEBOOK], quiet=True)
    return course, status, quiz_record, before


@pytest.mark.slow
def test_grading_the_class_keeps_the_other_assignments_record_grades_and_files(class_graded):
    course, status, quiz_record, before = class_graded
    assert status in (0, 1)
    lab_scores = _scores(course, LAB.id, LAB_NOTEBOOK)     # graded again, by the course
    for student in STUDENTS:
        assert {e: s for e, s in lab_scores[student].items() if e in CATALOGUE} == \
            {e.id: e.points for e in in_notebook(LAB_NOTEBOOK)}
    assert set(load_record(course, LAB)) == set(STUDENTS)     # the lab's, graded now
    assert all(o["hash"] != f"quiz-{s}" for s, o in load_record(course, LAB).items())
    assert load_record(course, QUIZ) == quiz_record                   # kept as it was
    assert _scores(course, QUIZ, "quiz") == before["scores"]
    assert {s: _tree(course / "autograded" / s / QUIZ) for s in STUDENTS} == before["autograded"]
    summary = (course / "reports" / LAB.id / "summary.md").read_text()
    assert QUIZ not in summary and "sandboxed" not in (course / "reports" / LAB.id /
                                                       "class_report.csv").read_text()


@pytest.fixture(scope="module")
def quiz_class_graded(class_graded):
    """Then the quiz graded by `maths-of-dl grade-class week_2_quiz` (the command line), on the
    same cluster pipeline as the lab, with what the lab's grading left snapshotted before."""
    course = class_graded[0]
    lab_before = {"record": load_record(course, LAB),
                  "scores": _scores(course, LAB.id, LAB_NOTEBOOK),
                  "reports": _tree(course / "reports" / LAB.id),
                  "autograded": {s: _tree(course / "autograded" / s / LAB.id) for s in STUDENTS},
                  "feedback": {s: _tree(course / "feedback" / s / LAB.id) for s in STUDENTS}}
    status = cli.main(["grade-class", QUIZ, "--course", str(course), "--workers", "1",
                       "--quiet"])
    return course, status, lab_before


@pytest.mark.slow
def test_grade_class_grades_the_quiz_by_nbgraders_rules(quiz_class_graded):
    course, status, _ = quiz_class_graded
    assert status == 0            # a failing assert is the quiz's verdict, nothing to look at
    scores = _scores(course, QUIZ, "quiz")
    for student, choice in STUDENTS.items():      # N1 and F1a: the asserts, not the catalogue
        assert scores[student] == {"N1": POINTS["N1"] * (choice["n1_answer"] == 0),
                                   "F1a": POINTS["F1a"] * (choice["f1a_answer"] == 0),
                                   "sandboxed": POINTS["sandboxed"]}, student
        graded = nbformat.read(course / "autograded" / student / QUIZ / "quiz.ipynb",
                               as_version=4)
        assert "grading" not in graded.metadata.get(COURSE_KEY, {})   # no lab grader
        assert (course / "feedback" / student / QUIZ / "quiz.html").exists()
    record = load_record(course, QUIZ)
    assert set(record) == set(STUDENTS) and {o["status"] for o in record.values()} == {"ok"}
    assert all(not o["hash"].startswith("quiz-") for o in record.values())   # graded now


@pytest.mark.slow
def test_the_quiz_has_its_own_report_and_grades(quiz_class_graded):
    import csv
    course, _, _ = quiz_class_graded
    reports = course / "reports" / QUIZ
    rows = {r["exercise"]: r for r in csv.DictReader(open(reports / "class_report.csv"))}
    assert set(rows) == set(POINTS)               # its own cells, the colliding ids included
    assert float(rows["N1"]["max"]) == POINTS["N1"] and rows["N1"]["notebook"] == "quiz"
    students = {r["student"]: r for r in csv.DictReader(open(reports / "students.csv"))}
    assert set(students) == set(STUDENTS)
    assert float(students["ada"]["score"]) == POINTS["N1"] + POINTS["sandboxed"]
    assert float(students["bob"]["score"]) == POINTS["F1a"] + POINTS["sandboxed"]
    assert f"# Class report: {QUIZ}" in (reports / "summary.md").read_text()
    exported = list(csv.DictReader(open(reports / "grades.csv")))
    assert {r["assignment"] for r in exported} == {QUIZ}
    assert {r["student_id"] for r in exported} == set(STUDENTS)
    lab = list(csv.DictReader(open(course / "reports" / LAB.id / "grades.csv")))
    assert {r["assignment"] for r in lab} == {LAB.id}


@pytest.mark.slow
def test_grading_the_quiz_leaves_the_labs_grades_reports_and_record(quiz_class_graded):
    course, _, before = quiz_class_graded
    assert load_record(course, LAB) == before["record"]
    assert _scores(course, LAB.id, LAB_NOTEBOOK) == before["scores"]
    assert _tree(course / "reports" / LAB.id) == before["reports"]
    assert before["reports"]      # (a report was there to keep)
    for student in STUDENTS:
        assert _tree(course / "autograded" / student / LAB.id) == before["autograded"][student]
        assert _tree(course / "feedback" / student / LAB.id) == before["feedback"][student]
