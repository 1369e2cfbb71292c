"""Test inputs reach the kernel at grading time, from the tutor's process.

`TestInputs`, placed before Execute in `c.Autograde.autograde_preprocessors`, rewrites the line
`record("G2", globals())` of each graded test cell whose exercise has a function to
`record("G2", globals(), cases="...")`: every test input of the exercise's functions, visible and
hidden, packed (`mdl_kernel.cases`).  The line lies between the cell's BEGIN/END HIDDEN TESTS
markers, so nbgrader's ClearHiddenTests removes it from the feedback, and the release never had
it: hidden inputs ship nowhere a student can read before grading.  Only the lab's assignment is
rewritten (`autograder.assignment`): another assignment's cells are left as they are.
"""
import re
from functools import lru_cache

from mdl_kernel.cases import pack

from nbgrader.preprocessors import NbGraderPreprocessor

from ..catalogue import CATALOGUE
from ..judging import test_inputs
from .grader import graded_test_cells
from .sandbox import refuse_without_sandbox

RECORD_CALL = 'record("{id}", globals())'


@lru_cache(maxsize=None)
def packed_inputs(exercise_id):
    """The packed test inputs of an exercise, or None if it has no function."""
    inputs = test_inputs(CATALOGUE[exercise_id])
    return pack(inputs) if inputs else None


class TestInputs(NbGraderPreprocessor):
    """Write the test inputs of function exercises into their graded test cells.  The first
    preprocessor of grading: it refuses to start when the kernels cannot be sandboxed."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        refuse_without_sandbox()

    def preprocess(self, nb, resources):
        for index, grade_id in graded_test_cells(nb, resources).items():   # the lab's only
            packed = packed_inputs(grade_id)
            if packed is None:
                continue
            cell = nb.cells[index]
            call = RECORD_CALL.format(id=grade_id)
            with_inputs = f'record("{grade_id}", globals(), cases="{packed}")'
            cell.source = re.sub(r"^" + re.escape(call) + r"\s*$", lambda m: with_inputs,
                                 cell.source, flags=re.MULTILINE)
        return nb, resources

