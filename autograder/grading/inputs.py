"""Test inputs reach the kernel at grading time, from the tutor's process, and nowhere else.

`TestInputs`, placed right before Execute in `c.Autograde.autograde_preprocessors`, notes for each
graded test cell whose exercise has a function the packed inputs of every case of its functions,
visible and hidden (`mdl_kernel.cases`), in `resources[COURSE_KEY]["test_inputs"]` ({cell index:
(exercise id, packed)}).  `kernels.Execute` hands them to the kernel right before it runs that
cell (`send_inputs`: `mdl_kernel.recording.receive`, in a silent execution that IPython keeps in no
history), and the cell's `record("G2", globals())` takes them.  So the inputs are written into no
notebook (the release, the submission, the autograded notebook, the feedback) and a later cell
cannot read them back from `In`, `_ih`, `_i`, the history database or the line cache.  (Code
the student runs in the kernel at grading time can see them: the student's function is called
with them.  What it prints goes only to the autograded notebook and the feedback.)
Only the lab's assignment is handed inputs (`autograder.assignment`): another assignment's cells
are left as they are.
"""
from nbgrader.preprocessors import NbGraderPreprocessor

from ..judging import packed_inputs
from ..settings import COURSE_KEY
from .marking import graded_test_cells
from .sandbox.policy import refuse_without_sandbox

class TestInputs(NbGraderPreprocessor):
    """Write the test inputs of function exercises into their graded test cells.  The first
    preprocessor of grading: it refuses to start when the kernels cannot be sandboxed."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        refuse_without_sandbox()

    def preprocess(self, nb, resources):
        given = {}
        for index, grade_id in graded_test_cells(nb, resources).items():   # the lab's only
            packed = packed_inputs(grade_id)
            if packed is not None:
                given[index] = (grade_id, packed)
        resources.setdefault(COURSE_KEY, {})["test_inputs"] = given
        return nb, resources


def receive_code(grade_id, packed):
    """The code that hands an exercise's packed inputs to the kernel (`recording.receive`)."""
    return (f'__import__("mdl_kernel.recording", fromlist=["receive"]).receive('
            f'{grade_id!r}, {packed!r})')
