"""mdl_kernel.compare's tolerances at their boundaries (the messages and the judging of whole
answers are tested in tests/test_numeric.py)."""
import numpy as np
import pytest

from mdl_kernel.compare import CODE, HAND, Comparison, Tolerance


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


@pytest.mark.parametrize("got,want,words", [
    (100.5, 100.0, "is slightly too large (by less than 1%)"),
    (99.5, 100.0, "is slightly too small (by less than 1%)"),
    (101.0, 100.0, "is too large by between 1% and 10%"),        # 1% exactly: not "less than"
    (91.0, 100.0, "is too small by between 1% and 10%"),
    (90.0, 100.0, "is too small by more than 10%"),               # 10% exactly: "more than"
    (-100.0, 100.0, "has the wrong sign"), (-100.05, 100.0, "has the wrong sign"),
    (-100.2, 100.0, "is too small by more than 10%"),
    (-0.5, -0.25, "is too small by more than 10%"), (-0.249, -0.25, "is slightly too large (by "
                                                                      "less than 1%)"),
    (1e-13, 0.0, "is too large by more than 10%"), (0.0, 0.0, "is slightly too small (by less "
                                                              "than 1%)"),
    # |got + want| exactly 1e-9 + 1e-3 |want| (found by search): still the wrong sign
    (-84.29644040579932, 84.38082122802734, "has the wrong sign")])
def test_size_words(got, want, words):
    from mdl_kernel.compare import _size_words
    assert _size_words(got, want) == words


@pytest.mark.parametrize("got_shape,want_shape,credit,note", [
    ((2, 1), (2, 1), 1.0, ""), ((2,), (2, 1), 1.0, ""), ((1, 2), (2, 1), 0.5,
     "is a row of shape (1, 2) where a column (2, 1) is asked for: half credit"),
    ((2, 1), (1, 2), 0.5, "is a column of shape (2, 1) where a row (1, 2) is asked for: half credit"),
    ((3,), (2, 1), 0.0, "has shape (3,) (3 entries) but 2 entries are expected, shape (2, 1)"),
    ((1,), (2, 1), 0.0, "has shape (1,) (1 entry) but 2 entries are expected, shape (2, 1)"),
    ((2,), (), 0.0, "has shape (2,) (2 entries) but 1 entry is expected, shape ()"),
    ((3, 2), (2, 3), 0.0, "has shape (3, 2) but shape (2, 3) is expected: it looks transposed "
                          "(rows and columns swapped)"),
    ((6,), (2, 3), 0.0, "has shape (6,) but shape (2, 3) is expected")])
def test_align(got_shape, want_shape, credit, note):
    from mdl_kernel.compare import align
    got = np.arange(float(np.prod(got_shape))).reshape(got_shape)
    array, given, said = align(got, want_shape)
    assert (given, said) == (credit, note)
    if credit:
        assert array.shape == tuple(want_shape)
        np.testing.assert_array_equal(array.ravel(), got.ravel())
    else:
        assert array is None


def test_a_code_answer_within_ten_tolerances_is_a_rounding_difference():
    tolerance = Tolerance(atol=0.5, rtol=0.25, kind="code")      # 10 (0.5 + 0.25 |w|): exact
    for want in (2.0, -2.0):
        bound = 10 * (0.5 + 0.25 * 2)
        got = np.array([want + bound, want - bound, want + bound + 0.5, want - bound - 2 ** -40])
        np.testing.assert_array_equal(tolerance.rounding(got, np.full(4, want)),
                                      [True, True, False, False])


@pytest.mark.parametrize("got,want,rounding", [
    (3.0, 2.0, True), (3.0, 2.0 - 5e-10, True), (3.0, 1.9999999985, False),  # one unit of "3"
    (3.0, 1.999999999, True),          # |3 - 1.999999999| is exactly the bound 1 (1 + 1e-9)
    (3.0, 1.5, False), (2.35, 2.3467, True), (2.35, 2.34, True), (2.35, 2.3389, False),
    (2.3467, 2.35, False), (-2.3, -2.35, True), (-2.3, -2.41, False), (np.inf, 1.0, False)])
def test_a_hand_answer_off_by_one_unit_of_its_last_digit_is_a_rounding_difference(got, want,
                                                                                rounding):
    assert bool(HAND.rounding(np.array(got), np.array(want))) is rounding


def test_rounding_of_no_entries():
    assert HAND.rounding(np.zeros(0), np.zeros(0)).shape == (0,)


@pytest.mark.parametrize("tolerance", [HAND, CODE])
def test_comparisons_do_not_trip_a_kernel_that_raises_on_floating_point_errors(tolerance):
    """A student may have called np.seterr(all="raise"): an overflowing difference is still
    judged, with no FloatingPointError."""
    from mdl_kernel.compare import _size_words
    got, want = np.array([1e308, 0.0]), np.array([-1e308, 0.0])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(tolerance.close(got, want), [False, True])
        assert tolerance.rounding(got, want)[0] == np.False_
        assert _size_words(1e308, -1e308) == "has the wrong sign"
        assert _size_words(1e308, -1e307) == "is too large by more than 10%"


def test_what_is_not_an_array_is_judged_with_its_reason():
    """A function returning several values records each: one of them may be invalid, or not
    numbers at all; it earns nothing and the message says why."""
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    assert compare("w", P.numeric("a"), np.ones(1), CODE) == \
        Comparison(0.0, "w: the text 'a' where a number is expected.")
    assert compare("w", P.boolean(True), np.ones(1), CODE) == \
        Comparison(0.0, "w: a number or an array of numbers is expected.")


def test_a_wrong_scalar_is_the_value():
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    assert compare("s", P.numeric(2.5), np.array(2.0), HAND) == \
        Comparison(0.0, "s: the value is too large by more than 10%.")
    assert compare("v", P.numeric([2.5]), np.array([2.0]), HAND).message == \
        "v: 1 of 1 entries are off: entry [0] (number 1) is too large by more than 10%."


def test_a_known_mistake_of_another_shape_is_named_with_the_shape_message():
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    want = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mistakes = [("other", "something else", np.zeros((3, 2))),
                ("transposed", "the weights transposed", want.T)]
    assert compare("W", P.numeric(want.T.tolist()), want, HAND, mistakes) == Comparison(
        0.0, "W has shape (3, 2) but shape (2, 3) is expected: it looks transposed (rows and "
             "columns swapped).", "transposed")
    assert compare("W", P.numeric(want.T.tolist()), want, HAND, mistakes[:1]).mistake is None


def test_a_mistake_that_equals_the_reference_is_never_named():
    """Tolerances do not chain: an answer within tolerance of a wrong variant that is itself
    within tolerance of the reference may be off; the variant is then not its explanation."""
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    want, wrong, got = np.array([1.0]), np.array([1.0000009]), [1.0000018]
    assert CODE.close(wrong, want).all() and CODE.close(np.array(got), wrong).all()
    result = compare("w", P.numeric(got), want, CODE, [("near", "nearly right", wrong)])
    assert result.score == 0 and result.mistake is None and "This looks like" not in result.message
    far = np.array([1.0000018])
    assert compare("w", P.numeric(got), want, CODE, [("far", "the far one", far)]).mistake == "far"


def test_the_first_three_entries_off_are_named_then_how_many_more():
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    want = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    got = want * [[2, 0.5, -1], [1, 1, 1.05]]
    assert compare("W", P.numeric(got), want, HAND).message == (
        "W: 4 of 6 entries are off: entry [0, 0] (row 1, column 1) is too large by more than 10%; "
        "entry [0, 1] (row 1, column 2) is too small by more than 10%; entry [0, 2] (row 1, "
        "column 3) has the wrong sign (and 1 more).")
    got[1, 2] = 6.0
    assert compare("W", P.numeric(got), want, HAND).message == (
        "W: 3 of 6 entries are off: entry [0, 0] (row 1, column 1) is too large by more than 10%; "
        "entry [0, 1] (row 1, column 2) is too small by more than 10%; entry [0, 2] (row 1, "
        "column 3) has the wrong sign.")


def test_a_difference_the_size_of_rounding_gets_advice_for_its_kind():
    from mdl_kernel import plain as P
    from mdl_kernel.compare import compare
    assert compare("x", P.numeric(2.34), np.array(2.3467), HAND) == Comparison(
        0.0, "x: the value is slightly too small (by less than 1%). The difference is about the "
             "size of rounding: a hand answer needs 3 significant figures (or 3 decimals), with "
             "more digits kept in the steps before it.")
    assert compare("f", P.numeric([1.000005]), np.array([1.0]), CODE) == Comparison(
        0.0, "f: 1 of 1 entries are off: entry [0] (number 1) is slightly too large (by less "
             "than 1%). The difference is about the size of rounding: check for single-precision "
             "arithmetic or rounding in your code.")
    assert compare("f", P.numeric([1.0001]), np.array([1.0]), CODE).message == (
        "f: 1 of 1 entries are off: entry [0] (number 1) is slightly too large (by less than 1%).")
