"""mdl_kernel.compare's tolerances at their boundaries (the messages and the judging of whole
answers are tested in tests/test_numeric.py)."""
import numpy as np
import pytest

from mdl_kernel.compare import CODE, HAND, Tolerance


def test_the_bound_itself_is_close():
    tolerance = Tolerance(atol=0.5, rtol=0.25, kind="code")       # all exact in binary
    assert tolerance.close(np.array(3.0), np.array(2.0))          # |3 - 2| = 0.5 + 0.25 * 2
    assert not tolerance.close(np.array(3.0 + 2 ** -40), np.array(2.0))
    assert tolerance.close(np.array(1.0), np.array(2.0))
    assert not tolerance.close(np.array(-1.0), np.array(-2.0 - 2 ** -40 * 4))


def test_the_policys_tolerances():
    assert (HAND.atol, HAND.rtol, HAND.kind) == (5e-4, 1e-3, "hand")
    assert (CODE.atol, CODE.rtol, CODE.kind) == (1e-9, 1e-6, "code")
    assert CODE.close(np.array(1e6 + 1.0), np.array(1e6)) and \
        not CODE.close(np.array(1e6 + 1.01), np.array(1e6))


@pytest.mark.parametrize("got,want,close", [
    (100.5, 100.0, True), (99.5, 100.0, True), (100.51, 100.0, False),     # half a unit of the 3rd figure
    (0.1235, 0.12345, True), (0.1245, 0.1234, False), (1.23e-5, 1.2345e-5, True),
    (-2.35, -2.3456, True), (2.35, -2.3456, False)])
def test_a_hand_answer_may_be_rounded_to_three_figures(got, want, close):
    assert bool(HAND.close(np.array(got), np.array(want))) is close
    assert bool(Tolerance(HAND.atol, HAND.rtol, "code").close(np.array(got), np.array(want))) \
        is (abs(got - want) <= HAND.atol + HAND.rtol * abs(want))


def test_entry_by_entry():
    got, want = np.array([1.0, 2.0, np.nan]), np.array([1.0, 2.1, 1.0])
    np.testing.assert_array_equal(CODE.close(got, want), [True, False, False])
