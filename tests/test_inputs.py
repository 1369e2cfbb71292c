"""autograder.grading.inputs: the test inputs of function exercises written into their graded
test cells at grading time (and only there), on the course's real source notebooks."""
import copy

import nbformat
import pytest

from autograder.catalogue import CATALOGUE
from autograder.grading import sandbox
from autograder.grading.grader import graded_test_cells
from autograder.grading import inputs
from autograder import judging
from autograder.settings import ASSIGNMENT
from mdl_kernel.cases import unpack

SOURCE = "source/maths_of_dl/{}.ipynb"
LAB = {"nbgrader": {"assignment": ASSIGNMENT, "notebook": "nb"}}


@pytest.fixture
def preprocessor(monkeypatch):
    monkeypatch.setenv(sandbox.UNSANDBOXED_VARIABLE, "1")   # this test runs no kernel
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
def test_the_record_line_of_each_function_exercise_gets_its_inputs(preprocessor, notebook):
    nb = nbformat.read(SOURCE.format(notebook), as_version=4)
    before = copy.deepcopy(nb)
    out, resources = preprocessor.preprocess(nb, dict(LAB, x=1))
    assert resources == dict(LAB, x=1)
    tests = graded_test_cells(before, LAB)
    assert tests
    for index, (old, new) in enumerate(zip(before.cells, out.cells)):
        eid = tests.get(index)
        packed = inputs.packed_inputs(eid) if eid else None
        if packed is None:
            assert new.source == old.source
            continue
        call = f'record("{eid}", globals())'
        assert call in old.source.splitlines()
        assert new.source == old.source.replace(
            call, f'record("{eid}", globals(), cases="{packed}")')
        assert new.source.index("### BEGIN HIDDEN TESTS") < new.source.index("cases=") < \
            new.source.index("### END HIDDEN TESTS")           # stripped from the feedback


def test_only_the_whole_record_line_is_rewritten(preprocessor):
    nb = nbformat.read(SOURCE.format("04_gradient_descent"), as_version=4)
    index = next(i for i, eid in graded_test_cells(nb, LAB).items() if eid == "G2")
    nb.cells[index].source = ('check("G2", globals())\n### BEGIN HIDDEN TESTS\n'
                              'record("G2", globals())   \n'
                              'x = 1; record("G2", globals())\n'
                              'record("G7", globals())\n### END HIDDEN TESTS')
    source = preprocessor.preprocess(nb, LAB)[0].cells[index].source.splitlines()
    assert source[2] == f'record("G2", globals(), cases="{inputs.packed_inputs("G2")}")'
    assert source[3:5] == ['x = 1; record("G2", globals())', 'record("G7", globals())']


@pytest.mark.parametrize("resources", [
    {"nbgrader": {"assignment": "week_2_quiz", "notebook": "04_gradient_descent"}}, {}])
def test_another_assignment_keeps_its_cells_whatever_their_grade_ids(preprocessor, resources):
    nb = nbformat.read(SOURCE.format("04_gradient_descent"), as_version=4)
    before = copy.deepcopy(nb)
    assert graded_test_cells(nb, resources) == {}
    assert "G2" in graded_test_cells(nb, LAB).values()
    assert preprocessor.preprocess(nb, resources)[0] == before
