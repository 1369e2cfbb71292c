"""The gradebook across processes: the assignment template, a student's scores out and back in,
on real nbgrader gradebooks: SQLite, and a real PostgreSQL 15 server (tests/postgres.py)."""
import shutil
import sqlite3
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from autograder.assignment import LAB
from autograder import cli
from autograder.gradebook import ASSIGNMENT_TABLES, assignment_template, record, scores

from postgres import server


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A released course; its gradebook as `nbgrader generate_assignment` left it."""
    course = cli.prepare(tmp_path_factory.mktemp("released"))
    cli.release(course, LAB)
    shutil.copy(course / "gradebook.db", course / "released.db")
    return course


def _assignment(url):
    """Everything nbgrader knows of the assignment, as plain data."""
    with Gradebook(url) as gb:
        a = gb.find_assignment(LAB.id)
        return {nb.name: {
            "grade": sorted((c.name, c.max_score, c.cell_type) for c in nb.grade_cells),
            "solution": sorted(c.name for c in nb.solution_cells),
            "task": sorted((c.name, c.max_score) for c in nb.task_cells),
            "source": sorted((c.name, c.cell_type, c.locked, c.checksum, c.source)
                             for c in nb.source_cells)} for nb in a.notebooks}


def _template(tmp_path, url):
    path = tmp_path / "template.db"
    path.write_bytes(assignment_template(url))
    return path


def test_the_template_holds_the_assignment_and_no_student(released, tmp_path):
    url = f"sqlite:///{released / 'released.db'}"
    with Gradebook(url) as gb:
        gb.update_or_create_student("ada")
        gb.add_submission(LAB.id, "ada")
    path = _template(tmp_path, url)
    assert _assignment(f"sqlite:///{path}") == _assignment(url)
    assert len(_assignment(url)) == 5
    with sqlite3.connect(path) as db, sqlite3.connect(released / "released.db") as original:
        for table in ("student", "submitted_assignment", "submitted_notebook", "grade", "comment"):
            assert db.execute(f"SELECT COUNT(*) FROM {table}").fetchone() == (0,), table
        for table in ASSIGNMENT_TABLES:   # every row, course and notebooks to source cells
            query = f"SELECT * FROM {table} ORDER BY id"
            assert db.execute(query).fetchall() == original.execute(query).fetchall(), table
    shutil.copy(released / "gradebook.db", released / "released.db")


def _graded(url, student, auto=1.5):
    """A submission in the gradebook at `url` with every autograded cell scored `auto`."""
    with Gradebook(url) as gb:
        gb.update_or_create_student(student)
        sub = gb.add_submission(LAB.id, student)
        for nb in sub.notebooks:
            nb.flagged = nb.name.startswith("01")
            for g in nb.grades:
                g.auto_score = min(auto, g.max_score)
            for c in nb.comments:
                c.auto_comment = f"comment on {c.name}"
        gb.db.commit()


def _scores_of(url, student):
    with Gradebook(url) as gb:
        sub = gb.find_submission(LAB.id, student)
        return {nb.name: (nb.score, nb.flagged) for nb in sub.notebooks}


def test_scores_travel_from_a_private_gradebook_into_the_course(released, tmp_path):
    private = _template(tmp_path, f"sqlite:///{released / 'released.db'}")
    _graded(f"sqlite:///{private}", "ada")
    found = scores(f"sqlite:///{private}", LAB, "ada")
    assert scores(f"sqlite:///{private}", LAB, "nobody") is None
    assert len(found["notebooks"]) == 5 and found["timestamp"] is None
    course = tmp_path / "course.db"
    shutil.copy(released / "released.db", course)
    with Gradebook(f"sqlite:///{course}") as gb:
        record(gb, LAB, "ada", found)
    assert _scores_of(f"sqlite:///{course}", "ada") == _scores_of(f"sqlite:///{private}", "ada")
    assert any(score > 0 for score, _ in _scores_of(f"sqlite:///{course}", "ada").values())
    with Gradebook(f"sqlite:///{course}") as gb:
        comments = [c.auto_comment for nb in gb.find_submission(LAB.id, "ada").notebooks
                    for c in nb.comments]
    assert comments and all(c.startswith("comment on ") for c in comments)


def test_excluded_notebooks_and_nothing_graded_score_zero(released, tmp_path):
    private = _template(tmp_path, f"sqlite:///{released / 'released.db'}")
    _graded(f"sqlite:///{private}", "ada")
    found = scores(f"sqlite:///{private}", LAB, "ada")
    course = tmp_path / "course.db"
    shutil.copy(released / "released.db", course)
    url = f"sqlite:///{course}"
    with Gradebook(url) as gb:
        record(gb, LAB, "ada", found, excluded={"01_forward_pass"})
    graded = _scores_of(url, "ada")
    assert graded["01_forward_pass"] == (0.0, False)
    assert all(score > 0 for name, (score, _) in graded.items() if name != "01_forward_pass")
    with Gradebook(url) as gb:     # a regrade that graded nothing: every notebook 0, one row
        record(gb, LAB, "ada", None)
        assert len(gb.assignment_submissions(LAB.id)) == 1
    assert {score for score, _ in _scores_of(url, "ada").values()} == {0.0}
    with Gradebook(url) as gb:
        record(gb, LAB, "ada", found, excluded={"*"})
    assert {score for score, _ in _scores_of(url, "ada").values()} == {0.0}


def test_the_same_on_a_postgresql_server(released, tmp_path):
    """The course gradebook on a real PostgreSQL 15 server: released into it by nbgrader, a
    template made from it, scores recorded in it."""
    with server(tmp_path / "pg") as url:
        course = cli.prepare(tmp_path / "course")
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB.id,
                        "--force"], cwd=course, env=cli.tool_env(MATHS_OF_DL_DB_URL=url),
                       check=True, capture_output=True)
        assert _assignment(url) == _assignment(f"sqlite:///{released / 'released.db'}")
        private = _template(tmp_path, url)
        assert _assignment(f"sqlite:///{private}") == _assignment(url)
        _graded(f"sqlite:///{private}", "ada", auto=0.5)
        with Gradebook(url) as gb:
            record(gb, LAB, "ada", scores(f"sqlite:///{private}", LAB, "ada"), excluded={"05_backpropagation"})
        expected = _scores_of(f"sqlite:///{private}", "ada")
        expected["05_backpropagation"] = (0.0, False)
        assert _scores_of(url, "ada") == expected
