"""autograder.grading.inputs: the test inputs of function exercises handed to the kernel for
their graded test cells at grading time (and only there), on the course's real source
notebooks."""
import copy

import nbformat
import pytest

from autograder.assignment import LAB
from autograder.catalogue import CATALOGUE
from autograder.grading.sandbox import probe
from autograder.grading.marking import graded_test_cells
from autograder.grading import inputs
from autograder import judging
from autograder.settings import COURSE_KEY
from mdl_kernel.cases import unpack

SOURCE = "source/maths_of_dl/{}.ipynb"
LAB = {"nbgrader": {"assignment": LAB.id, "notebook": "nb"}}


@pytest.fixture
def preprocessor(monkeypatch):
    monkeypatch.setenv(probe.UNSANDBOXED_VARIABLE, "1")   # this test runs no kernel
    return inputs.TestInputs()


def test_only_exercises_with_functions_have_inputs():
    with_inputs = {eid for eid in CATALOGUE if inputs.packed_inputs(eid) is not None}
    assert with_inputs == {eid for eid, ex in CATALOGUE.items()
                           if any(item.kind.name == "function" for item in ex.items)}
    assert {"G2", "G7", "B4"} <= with_inputs and "G1" not in with_inputs
    for eid in with_inputs:
        given = unpack(inputs.packed_inputs(eid))
        expected = judging.test_inputs(CATALOGUE[eid])
        assert given == {name: {str(k): case for k, case in cases.items()}
                          for name, cases in expected.items()}   # JSON keys: the case indices
        assert all(len(cases) == len(CATALOGUE[eid].item(name).cases)
                   for name, cases in given.items())          # hidden cases included


@pytest.mark.parametrize("notebook", ["04_gradient_descent", "05_backpropagation",
                                      "01_forward_pass"])
def test_each_function_exercise_gets_its_inputs_outside_the_notebook(preprocessor, notebook):
    """The inputs go to Execute in the resources, keyed by the test cell's index; no cell of the
    notebook changes, so no notebook written from it holds them."""
    nb = nbformat.read(SOURCE.format(notebook), as_version=4)
    before = copy.deepcopy(nb)
    out, resources = preprocessor.preprocess(nb, dict(LAB, x=1))
    assert out == before
    given = resources.pop(COURSE_KEY)["test_inputs"]
    assert resources == dict(LAB, x=1)
    tests = graded_test_cells(before, LAB)
    assert tests
    assert given == {index: (eid, inputs.packed_inputs(eid)) for index, eid in tests.items()
                     if inputs.packed_inputs(eid) is not None}
    assert bool(given) == (notebook != "01_forward_pass")


def test_the_inputs_are_handed_over_by_a_call_of_the_kernel_side():
    from mdl_kernel import recording
    packed = inputs.packed_inputs("G2")
    code = inputs.receive_code("G2", packed)
    import linecache
    linecache.cache["<cell 1>"] = (len(code), None, [code + "\n"], "<cell 1>")
    linecache.cache["<cell 2>"] = (1, None, ["x = 1\n"], "<cell 2>")
    try:
        exec(compile(code, "<cell 1>", "exec"), {})
        assert recording._RECEIVED == {"G2": packed}
        assert "<cell 1>" not in linecache.cache and "<cell 2>" in linecache.cache
        recording.record("G2", {})                            # takes them, once
        assert recording._RECEIVED == {}
    finally:
        recording._RECEIVED.clear()
        linecache.cache.pop("<cell 2>", None)


@pytest.mark.parametrize("resources", [
    {"nbgrader": {"assignment": "week_2_quiz", "notebook": "04_gradient_descent"}}, {}])
def test_another_assignment_keeps_its_cells_whatever_their_grade_ids(preprocessor, resources):
    nb = nbformat.read(SOURCE.format("04_gradient_descent"), as_version=4)
    before = copy.deepcopy(nb)
    assert graded_test_cells(nb, resources) == {}
    assert "G2" in graded_test_cells(nb, LAB).values()
    out, handed = preprocessor.preprocess(nb, dict(resources))
    assert out == before and not handed.get(COURSE_KEY, {}).get("test_inputs")
