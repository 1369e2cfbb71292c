"""The same course code released as one assignment or week by week (`course/build.py`, issue 23).

The slow tests build two course folders with `maths-of-dl build`, one per plan (`one`:
`maths_of_dl`, five notebooks; `weekly`: `week1_forward_pass` ... one notebook each), write the
same students into each (the instructor's solutions, typical mistakes, and a broken one: a crash
and a graded cell deleted), grade both with real `nbgrader autograde` per assignment in the
grading kernel, and compare the points per exercise: they must be equal.  The weekly build's PDFs
are read back with `pdftotext`: each week's sheet and worked solutions hold that week's exercises
and no other.
"""
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import cli
from autograder.assignment import ASSIGNMENTS, LAB, PLANS, WEEKS
from autograder.catalogue import CATALOGUE
from autograder.sample_class import CRASH, MISTAKES, _damage, write_class
from autograder.settings import tool_env
from course import build as course_build
from course.documents import document_name
from course.tools import missing_tools

REPO = Path(__file__).resolve().parent.parent
# the same students both ways: right, partly wrong, broken (a crash, and notebook 01's F1b test
# cell deleted after the release)
STUDENTS = {"correct": {}, "mistakes": MISTAKES, "broken": CRASH}
BROKEN = ("broken", "01_forward_pass", "delete")


def cells_of(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


# ---------------------------------------------------------------- quick tests
def test_the_weekly_plan_puts_each_notebook_in_its_week(tmp_path):
    """Each week's source folder holds its one notebook, cell for cell the one plan's."""
    weekly = course_build.build(tmp_path / "weekly", "weekly")
    one = course_build.build(tmp_path / "one", "one")
    assert [p.parent.name for p in weekly] == [w.id for w in WEEKS]
    assert [p.name for p in weekly] == [p.name for p in one] == \
        [f"{nb}.ipynb" for nb in LAB.notebooks]
    for week, lab in zip(weekly, one):
        assert cells_of(week) == cells_of(lab)
    assert not (tmp_path / "weekly" / "source" / LAB.id).exists()


def test_documents_are_named_after_the_week_in_the_weekly_plan():
    assert [document_name(w, w.notebooks[0]) for w in WEEKS] == [w.id for w in WEEKS]
    assert [document_name(LAB, nb) for nb in LAB.notebooks] == list(LAB.notebooks)


# ---------------------------------------------------------------- both plans, graded
def _autograde(course, plan):
    """`nbgrader autograde ID` for each assignment of the plan; their exit statuses."""
    env = tool_env(MATHS_OF_DL_CELL_TIMEOUT="60")
    return [subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a.id],
                           cwd=course, env=env, capture_output=True, text=True).returncode
            for a in PLANS[plan]]


def _points(course, plan):
    """{student: {grade cell: (score, max score)}} of every assignment of the plan."""
    points = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in PLANS[plan]:
            for student in STUDENTS:
                sub = gb.find_submission(assignment.id, student)
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        points.setdefault(student, {})[grade.name] = (grade.score,
                                                                      grade.max_score)
    return points


def _course(folder, plan, documents):
    argv = ["build", str(folder), "--plan", plan] + ([] if documents else ["--no-documents"])
    status = cli.main(argv)
    write_class(folder, STUDENTS, plan=plan)
    student, notebook, how = BROKEN
    assignment = next(a for a in PLANS[plan] if notebook in a.notebooks)
    _damage(folder / "submitted" / student / assignment.id / f"{notebook}.ipynb", how)
    return status


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Both course folders built, written and graded (the two gradings side by side)."""
    folders = {plan: tmp_path_factory.mktemp(plan) for plan in PLANS}
    built = {"one": _course(folders["one"], "one", documents=False),
             "weekly": _course(folders["weekly"], "weekly", documents=not missing_tools())}
    with ThreadPoolExecutor(len(PLANS)) as pool:
        statuses = dict(zip(PLANS, pool.map(lambda plan: _autograde(folders[plan], plan),
                                            PLANS)))
    return {plan: (folders[plan], built[plan], statuses[plan], _points(folders[plan], plan))
            for plan in PLANS}


@pytest.mark.slow
def test_the_build_command_builds_both_plans(graded):
    for plan, (course, built, _, _) in graded.items():
        assert built == 0, plan
        for assignment in PLANS[plan]:
            released = sorted(p.stem for p in (course / "release" / assignment.id).glob("*.ipynb"))
            assert released == list(assignment.notebooks)
        others = [a.id for a in ASSIGNMENTS.values() if a not in PLANS[plan]]
        assert not [a for a in others if (course / "source" / a).exists()
                    or (course / "release" / a).exists()]


@pytest.mark.slow
def test_every_assignment_is_graded(graded):
    for plan, (_, _, statuses, points) in graded.items():
        assert statuses == [0] * len(PLANS[plan]), plan
        assert set(points) == set(STUDENTS)


@pytest.mark.slow
def test_the_same_students_get_the_same_points_per_exercise_both_ways(graded):
    one, weekly = graded["one"][3], graded["weekly"][3]
    exercises = {name for scores in one.values() for name in scores if name in CATALOGUE}
    assert exercises == set(CATALOGUE)          # every exercise compared, not an empty set
    for student in STUDENTS:
        assert weekly[student] == one[student], student


@pytest.mark.slow
def test_the_students_differ_so_the_comparison_can_fail(graded):
    """Full points for the solutions; the mistakes and the broken work cost points, both ways."""
    for plan, (_, _, _, points) in graded.items():
        auto = {s: {n: v for n, v in scores.items() if n in CATALOGUE}
                for s, scores in points.items()}
        assert all(score == most for score, most in auto["correct"].values()), plan
        for student in ("mistakes", "broken"):
            lost = [n for n, (score, most) in auto[student].items() if score < most]
            assert lost, f"{plan}: {student} lost nothing"
        assert auto["broken"]["F1a"][0] == 0      # its crash


# ---------------------------------------------------------------- the weekly PDFs
def pdf_text(pdf):
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


needs_tex = pytest.mark.skipif(bool(missing_tools()) or not shutil.which("pdftotext"),
                               reason="PDF tools missing")


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("week", WEEKS, ids=lambda w: w.id)
def test_each_week_has_its_own_sheet_and_worked_solutions(graded, week):
    course = graded["weekly"][0]
    wanted = set(week.catalogue)
    assert wanted
    sheet = pdf_text(course / "exercises" / f"{week.id}.pdf")
    solutions = pdf_text(course / "solutions" / f"{week.id}.pdf")
    assert set(re.findall(r"Working space for (\w+)", sheet)) == wanted
    assert set(re.findall(r"Worked solution of (\w+)", solutions)) == wanted
    number = week.id[len("week"):].split("_")[0]
    for text in (sheet, solutions):
        assert f"week {number}" in text


@pytest.mark.slow
@needs_tex
def test_the_weekly_build_writes_one_sheet_and_one_solution_a_week(graded):
    course = graded["weekly"][0]
    for kind in ("exercises", "solutions"):
        assert sorted(p.stem for p in (course / kind).glob("*.pdf")) == [w.id for w in WEEKS]
    worked = (course / "solutions" / "worked.md").read_text()
    assert worked == (REPO / "solutions" / "worked.md").read_text()
