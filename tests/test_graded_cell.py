"""The graded test cell's text: written once (`graded_cell.source`, which the course's notebooks
use) and read back by the same module (`graded_cell.exercise_of`)."""
import nbformat
import pytest

import mdl_kernel
from autograder import graded_cell
from autograder.catalogue import CATALOGUE, NOTEBOOKS
from course import build, cells

ROOT = build.ROOT


@pytest.mark.parametrize("eid", list(CATALOGUE))
def test_every_exercise_reads_back_from_its_test_cell(eid):
    text = graded_cell.source(eid)
    assert graded_cell.exercise_of(text) == eid
    assert cells.tests(eid).source == text          # the course writes exactly this cell
    lines = text.splitlines()
    assert lines == [f'check("{eid}", globals())', "### BEGIN HIDDEN TESTS",
                     f'record("{eid}", globals())', "### END HIDDEN TESTS"]


def test_the_calls_are_the_kernel_sides_functions():
    assert callable(getattr(mdl_kernel, graded_cell.CHECK))
    assert callable(getattr(mdl_kernel, graded_cell.RECORD))


@pytest.mark.parametrize("text", [
    'check("F1a", globals())',                                            # the release's form
    'check("F1a", globals())\n### BEGIN HIDDEN TESTS\nrecord("F1b", globals())\n'
    '### END HIDDEN TESTS',                                               # two exercises
    graded_cell.source("F1a") + "\nprint(1)",                             # extra code
    graded_cell.source("F1a").replace("globals()", "{}"),                 # another namespace
    graded_cell.source("F1a").replace('"F1a"', "'F1a'"),                  # another quote
    "record(\"F1a\", globals())", "", None,
])
def test_anything_else_is_not_a_test_cell(text):
    assert graded_cell.exercise_of(text) is None


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_the_built_notebooks_test_cells_read_back_as_their_grade_ids(notebook):
    nb = nbformat.read(ROOT / "source" / "maths_of_dl" / f"{notebook}.ipynb", as_version=4)
    graded = [c for c in nb.cells if c.cell_type == "code"
              and c.metadata.get("nbgrader", {}).get("grade")
              and not c.metadata["nbgrader"].get("solution")]
    assert graded
    assert [graded_cell.exercise_of(c.source) for c in graded] == \
        [c.metadata["nbgrader"]["grade_id"] for c in graded]
