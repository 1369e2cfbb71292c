"""The cause of a missing answer, not the cascade (autograder.grading.causes).

Under real `nbgrader autograde`, in the grading kernel: a student's sigmoid divides by zero, so the
cell that defines sigmoid_1, ... raises; another cell loops until the time limit stops it; one name
is never written at all.  The verdicts say which cell raised what at which line, which was stopped
after how many seconds, and plain "not defined" only for the name no cell writes."""
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import in_notebook
from autograder.grading import causes
from autograder.grading.marking import verdict_of
from autograder.submissions import write_submission

TIMEOUT = 6
SIGMOID = ("def sigmoid(z):\n    total = 0\n    return 1 / total\n\n"
           "def tanh(z):\n    return np.tanh(z)\n\n"
           "def relu(z):\n    return np.maximum(z, 0)\n\n"
           "def softmax(z):\n    return np.exp(z) / np.exp(z).sum()\n")
LOOPING = ("while True:\n    pass\nsigmoid_2 = sigmoid(z_2)\ntanh_2 = tanh(z_2)\n"
           "softmax_2 = softmax(z_2)\n")            # relu_2: never written


# ---------------------------------------------------------------------------- the parts
def test_written_names_are_read_from_the_code_never_run():
    code = ("import numpy as np\nfrom math import exp as e\nA, (B, C) = 1, (2, 3)\n"
            "def f(x):\n    inner = x\n    return inner\nclass K: pass\nfor i in range(2): pass\n"
            "D += 1\nprint(G)\n")
    assert causes.written_names(code) >= {"np", "e", "A", "B", "C", "f", "K", "i", "D"}
    assert "G" not in causes.written_names(code) and "print" not in causes.written_names(code)
    assert causes.written_names("def (:") == set()
    assert causes.written_names("x = (" * 5000) == set()          # too deep to parse: nothing


def _error(ename, traceback):
    return new_output("error", ename=ename, evalue="", traceback=traceback)


def test_the_last_cell_that_writes_a_name_decides_its_cause():
    nb = new_notebook(cells=[
        new_markdown_cell("# text"),
        new_code_cell("a = 1\nb = 2", execution_count=1),
        new_code_cell("a = g(1)\nc = 3", execution_count=2, outputs=[_error(
            "ZeroDivisionError", ["\x1b[31mZeroDivisionError\x1b[0m  Traceback",
                                  "Cell \x1b[32mIn[2], line 1\x1b[0m\n----> 1 a = g(1)",
                                  "Cell In[1], line 7, in g(x)"])]),
        new_code_cell("b = 5\nwhile True: pass", execution_count=3),
        new_code_cell("check('X', globals())", execution_count=4),
    ])
    found = causes.failed_definitions(nb, 4, timed_out={3: 60})
    assert "The cell that defines a (In [2]) raised ZeroDivisionError at line 1 (in g, line 7 " \
           "of In [1])" in found["a"]
    assert "The cell that defines b (In [3]) was stopped after 60 s" in found["b"]
    assert set(found) == {"a", "b", "c"}
    assert causes.failed_definitions(nb, 2) == {}                # only cells above the test
    nb.cells[2].outputs[0].ename = "<script>"                    # a name that is not a name
    assert "raised an error at line 1" in causes.failed_definitions(nb, 4)["a"]


# ---------------------------------------------------------------------------- real grading
@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("causes") / "course")
    cli.release(course, LAB)
    write_submission(course, "crash", notebooks=["02_activations"],
                     answers={"02_activations": {"A0_answer": SIGMOID, "A2_answer": LOOPING}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MATHS_OF_DL_CELL_TIMEOUT", str(TIMEOUT))
        assert cli.autograde(course, LAB) == 0
    nb = nbformat.read(course / "autograded" / "crash" / LAB.id / "02_activations.ipynb", 4)
    return {c.metadata["nbgrader"]["grade_id"]: verdict_of(c) for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") in
            {e.id for e in in_notebook("02_activations")}}


@pytest.mark.slow
def test_a_name_whose_cell_raised_says_which_error_and_where(graded):
    for name in ("sigmoid_1", "tanh_1", "relu_1", "softmax_1"):
        assert f"The cell that defines {name} " in graded["A1"], graded["A1"]
    assert "raised ZeroDivisionError at line 1 (in sigmoid, line 3 of In [" in graded["A1"]
    assert "not defined: run the cell" not in graded["A1"]
    assert "A1: 0 / 4 points" in graded["A1"]


@pytest.mark.slow
def test_a_name_whose_cell_was_stopped_says_so_and_a_name_never_written_is_not_defined(graded):
    for name in ("sigmoid_2", "tanh_2", "softmax_2"):
        assert f"The cell that defines {name} " in graded["A2"]
    assert f"was stopped after {TIMEOUT} s" in graded["A2"], graded["A2"]
    assert "relu_2 is not defined: run the cell where you define it" in graded["A2"]
