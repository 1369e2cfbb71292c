"""autograder.grading.cell_metadata: one notebook's broken nbgrader cell metadata never stops the
hand-run class.

Fast: the preprocessor on notebooks (each kind of broken metadata repaired or removed, with a
note; what a student put under `maths_of_dl` dropped).  Slow: a class hand-run with the course's
configuration and real `nbgrader autograde`, where the students in the middle have a copied
graded cell and a graded cell of schema version 99: every student is graded, the bad ones as far
as they can be, and flagged.
"""
import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.grading.cell_metadata import RepairCellMetadata
from autograder.grading.flags import FLAGS_FILE, read_flags
from autograder.settings import COURSE_KEY
from autograder.submissions import write_submission

NOTEBOOK = "01_forward_pass"
BIN = Path(sys.executable).parent


def _graded(grade_id, version=3, **extra):
    meta = {"grade": True, "grade_id": grade_id, "locked": True, "points": 2,
            "schema_version": version, "solution": False, "task": False}
    meta.update(extra)
    return new_code_cell("record()", metadata={"nbgrader": meta})


def _repair(*cells, metadata=None):
    nb = new_notebook(cells=list(cells), metadata=metadata or {})
    nb, _ = RepairCellMetadata().preprocess(nb, {})
    return nb


def test_a_newer_or_odd_schema_version_is_read_as_nbgraders():
    nb = _repair(_graded("F1a", 99), _graded("F1b", "3"), _graded("F2a"))
    assert [c.metadata["nbgrader"]["schema_version"] for c in nb.cells] == [3, 3, 3]
    assert nb.metadata[COURSE_KEY]["intake"] == [
        "cell 1: nbgrader metadata of schema version 99 read as version 3",
        "cell 2: nbgrader metadata of schema version '3' read as version 3"]


def test_an_older_schema_version_is_upgraded():
    old = _graded("F1a", 2)
    del old.metadata["nbgrader"]["task"]
    nb = _repair(old)
    assert nb.cells[0].metadata["nbgrader"]["schema_version"] == 3
    assert nb.metadata[COURSE_KEY]["intake"] == [
        "cell 1: nbgrader metadata of schema version 2 upgraded to 3"]


def test_metadata_of_the_wrong_shape_is_removed_and_missing_points_are_0():
    wrong_shape = _graded("F1b", grade="yes")
    no_points = _graded("F2a")
    del no_points.metadata["nbgrader"]["points"]
    not_a_mapping = new_code_cell("x = 1", metadata={"nbgrader": "grade me"})
    nb = _repair(_graded("F1a"), wrong_shape, not_a_mapping, no_points)
    assert "nbgrader" in nb.cells[0].metadata
    assert "nbgrader" not in nb.cells[1].metadata and "nbgrader" not in nb.cells[2].metadata
    assert nb.cells[3].metadata["nbgrader"]["points"] == 0
    notes = nb.metadata[COURSE_KEY]["intake"]
    assert notes[0].startswith("cell 2: nbgrader metadata that does not validate, removed")
    assert notes[1:] == ["cell 3: nbgrader metadata that is not a mapping, removed",
                         "cell 4: graded cell without points given 0 (the gradebook's points "
                         "apply)"]


def test_a_retyped_graded_cell_is_left_for_the_gradebook_to_restore():
    """nbgrader's OverwriteCells gives it its type back: not removed before that."""
    retyped = new_markdown_cell("record()", metadata=_graded("F3a").metadata)
    nb = _repair(retyped)
    assert nb.cells[0].metadata["nbgrader"]["grade_id"] == "F3a"
    assert COURSE_KEY not in nb.metadata


def test_metadata_still_invalid_after_the_gradebook_restored_the_cells_is_removed():
    from autograder.grading.cell_metadata import DropInvalidCellMetadata
    retyped = new_markdown_cell("x", metadata=_graded("X9").metadata)   # nothing restored it
    nb = new_notebook(cells=[_graded("F1a"), retyped],
                      metadata={COURSE_KEY: {"intake": ["earlier note"]}})
    nb, _ = DropInvalidCellMetadata().preprocess(nb, {})
    assert "nbgrader" in nb.cells[0].metadata and "nbgrader" not in nb.cells[1].metadata
    notes = nb.metadata[COURSE_KEY]["intake"]
    assert notes[0] == "earlier note"
    assert notes[1].startswith("cell 2: nbgrader metadata that does not validate, removed "
                               "(ValidationError: Markdown grade cell 'X9'")


def test_a_copied_graded_cell_is_ignored_and_the_first_copy_graded():
    first = _graded("F1a")
    first.source = "first"
    copied = copy.deepcopy(first)
    copied.source = "copy"
    nb = _repair(first, copied)
    assert nb.cells[0].metadata["nbgrader"]["grade_id"] == "F1a"
    assert "nbgrader" not in nb.cells[1].metadata
    assert nb.metadata[COURSE_KEY]["intake"] == ["graded cell F1a duplicated (copy ignored)"]


def test_clean_metadata_is_left_alone_and_a_students_own_notes_are_dropped():
    nb = _repair(_graded("F1a"), new_code_cell("x = 1"),
                 metadata={COURSE_KEY: {"intake": ["forged"], "grading": {"points": 96}}})
    assert COURSE_KEY not in nb.metadata
    assert nb.cells[0].metadata["nbgrader"] == _graded("F1a").metadata["nbgrader"]


# ---------------------------------------------------------------------------- the hand-run class
def _copy_a_graded_cell(nb):
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "F1a")
    nb.cells.append(copy.deepcopy(test_cell))


def _schema_99(nb):
    test_cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "F1b")
    test_cell.metadata["nbgrader"]["schema_version"] = 99


@pytest.fixture(scope="module")
def hand_run(tmp_path_factory):
    """ada, ben (a copied graded cell), cat (schema version 99), dee: graded by hand."""
    course = cli.prepare(tmp_path_factory.mktemp("hand_run") / "course")
    cli.release(course, LAB)
    breakage = {"ben": _copy_a_graded_cell, "cat": _schema_99}
    for student in ("ada", "ben", "cat", "dee"):
        folder = write_submission(course, student, notebooks=[NOTEBOOK])
        if student in breakage:
            nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)
            breakage[student](nb)
            nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MATHS_OF_DL_CELL_TIMEOUT="30")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB.id],
                          cwd=course, env=env, capture_output=True, text=True, timeout=900)
    return course, done


def _scores(course, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, LAB.id, student)
        return {g.name: g.score for g in nb.grades if g.name in CATALOGUE}


@pytest.mark.slow
def test_every_student_of_the_hand_run_class_is_graded(hand_run):
    course, done = hand_run
    assert done.returncode == 0, done.stderr[-3000:]
    full = {e.id: float(e.points) for e in in_notebook(NOTEBOOK)}
    for student in ("ada", "ben", "cat", "dee"):
        assert _scores(course, student) == full, student
        assert (course / "autograded" / student / LAB.id / f"{NOTEBOOK}.ipynb").exists()


@pytest.mark.slow
def test_the_broken_notebooks_are_flagged_with_what_was_repaired(hand_run):
    course, _ = hand_run
    flags = read_flags(course / FLAGS_FILE)
    flagged = {student: entry for (student, _, _), entry in flags.items()
               if "cell-metadata" in entry["reasons"]}
    assert sorted(flagged) == ["ben", "cat"]
    assert flagged["ben"]["cell_metadata"] == ["graded cell F1a duplicated (copy ignored)"]
    assert flagged["cat"]["cell_metadata"][0].endswith(
        "nbgrader metadata of schema version 99 read as version 3")
