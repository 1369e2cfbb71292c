"""Value exercises through the real grading path: collect -> judge, and grade().

Two errors matter: a correct answer marked wrong, and a wrong answer marked right. Correct answers are the
package's own references presented in every form the policy allows; wrong ones are built here from the
given data (never from the package's mistake list) and must earn what docs/lab/EXERCISES.md's policy says.
"""
import warnings

import numpy as np
import pytest

from autograder import catalogue
from autograder.judging import collect_namespace, grade_namespace as grade
from mdl_kernel import check
from autograder.judging import judge
from autograder.reference import activations as act
from autograder.reference import backprop as bp
from autograder.reference import descent as gd
from autograder.reference import network as net

VALUE_EXERCISES = catalogue.with_kind("value", "integer", "boolean", "label")
NUMERIC_KINDS = ("value", "integer")


# ------------------------------------------------------------------ helpers
def reference(eid, name):
    """A fresh copy of the package's reference for one item."""
    return np.array(catalogue.exercise(eid).item(name).expected, dtype=float)


def correct_value(item):
    if item.kind.name in NUMERIC_KINDS:
        return np.array(item.expected, dtype=float)
    if item.kind.name == "boolean":
        return bool(item.expected)
    if item.kind.name == "label":
        return str(item.expected)
    raise AssertionError(item.kind.name)


def correct_namespace(eid):
    return {item.name: correct_value(item) for item in catalogue.exercise(eid).items}


def verdict(eid, namespace):
    return judge(eid, collect_namespace(eid, namespace))


def item_verdict(eid, name, value):
    """The ItemVerdict of `name` when the namespace holds the correct answers and `value` for `name`."""
    namespace = correct_namespace(eid)
    namespace[name] = value
    v = verdict(eid, namespace)
    return next(iv for iv in v.items if iv.item == name)


def numeric_items():
    for eid in VALUE_EXERCISES:
        for item in catalogue.exercise(eid).items:
            if item.kind.name in NUMERIC_KINDS:
                yield eid, item


def is_hand(eid):
    return catalogue.exercise(eid).hand


def round_sig(x, n=3):
    x = np.asarray(x, dtype=float)
    out = x.copy()
    nz = x != 0
    e = np.floor(np.log10(np.abs(x[nz])))
    out[nz] = np.round(x[nz] / 10 ** (e - n + 1)) * 10 ** (e - n + 1)
    return out


def reference_strings(values):
    """Renderings of the non-integer reference entries that a message must not contain."""
    found = set()
    for v in np.ravel(values):
        v = float(v)
        if v == round(v):
            found |= {f"{v:.1f}", f"{v:.2f}", f"{v:.3f}"}
            continue
        found |= {repr(v), str(np.float32(v)), f"{v:.2f}", f"{v:.3f}", f"{v:.4f}", f"{v:.6f}",
                  f"{v:.8f}", f"{v:.3g}", f"{v:.4g}", f"{v:.6g}", f"{v:.8g}", f"{v:.3e}"}
    trivial = {"0.00", "0.000", "0.0", "1.00", "1.000", "1.0"}
    return {s for s in found
            if ("." in s or "e" in s) and len(s.strip("-")) >= 4 and s.strip("-") not in trivial}


def assert_no_reference(message, ref):
    for s in reference_strings(ref):
        assert s not in message, f"the message shows the reference ({s!r}): {message}"


# ------------------------------------------------------------------ correct forms


def matrix(value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(value)


def correct_forms(ref, hand):
    """{form name: value} of every presentation of `ref` the policy accepts."""
    forms = {"as_is": ref.copy(), "list": ref.tolist(), "float32": ref.astype(np.float32),
             "longdouble": ref.astype(np.longdouble), "fortran_order": np.array(ref, order="F")}
    if ref.ndim == 0:
        x = float(ref)
        forms.update({"python_float": x, "np_float64": np.float64(x), "np_float32": np.float32(x),
                      "one_element_list": [x], "one_element_nested": [[x]],
                      "one_element_tuple": (x,), "one_by_one_array": np.array([[x]]),
                      "matrix": matrix(x)})
    else:
        forms["matrix"] = matrix(ref)
    vector = ref.ndim == 1 or (ref.ndim == 2 and 1 in ref.shape)
    if vector:
        forms.update({"flat": ref.ravel(), "flat_list": ref.ravel().tolist(),
                      "tuple": tuple(ref.ravel().tolist()),
                      "tuple_of_np_scalars": tuple(np.float64(v) for v in ref.ravel()),
                      "list_of_0d_arrays": [np.array(v) for v in ref.ravel()]})
        if ref.ndim == 1 or ref.shape[1] == 1:       # a column (or a pair): the column form
            forms["column"] = ref.reshape(-1, 1)
            forms["column_nested_list"] = ref.reshape(-1, 1).tolist()
            forms["column_nested_tuples"] = tuple(tuple(r) for r in ref.reshape(-1, 1).tolist())
    if ref.ndim == 2:
        forms["tuple_of_tuples"] = tuple(tuple(r) for r in ref.tolist())
        forms["list_of_row_arrays"] = [row.copy() for row in ref]
    if np.all(ref == np.round(ref)):
        ints = ref.astype(np.int64)
        forms.update({"python_ints": ints.tolist(), "int64": ints, "int32": ints.astype(np.int32),
                      "uint8_if_nonneg": ints.astype(np.uint8) if np.all(ints >= 0) else ints})
        if ref.ndim == 0:
            forms.update({"python_int": int(ref), "np_int64": np.int64(ref)})
    if hand:
        forms.update({"round3": np.round(ref, 3), "round3_python": np.round(ref, 3).tolist(),
                      "round3_float32": np.round(ref, 3).astype(np.float32), "sig3": round_sig(ref),
                      "round4": np.round(ref, 4)})
    return forms


def _correct_form_params():
    for eid, item in numeric_items():
        ref = np.array(item.expected, dtype=float)
        for form in correct_forms(ref, is_hand(eid)):
            yield pytest.param(eid, item.name, form, id=f"{eid}-{item.name}-{form}")


@pytest.mark.parametrize("eid,name,form", list(_correct_form_params()))
def test_correct_forms_earn_full_credit(eid, name, form):
    ref = reference(eid, name)
    value = correct_forms(ref, is_hand(eid))[form]
    iv = item_verdict(eid, name, value)
    assert iv.score == 1.0, iv.message
    assert iv.mistake is None
    assert "correct" in iv.message


class SubclassWithEqTrue(np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
def test_ndarray_subclass_is_graded_on_its_real_data(eid, name):
    ref = reference(eid, name)
    right = np.array(ref).view(SubclassWithEqTrue)
    assert item_verdict(eid, name, right).score == 1.0
    wrong = np.array(ref * 1.5 + 1.0).view(SubclassWithEqTrue)
    iv = item_verdict(eid, name, wrong)
    assert iv.score == 0.0, iv.message


@pytest.mark.parametrize("eid", VALUE_EXERCISES)
def test_all_correct_earns_full_points_and_grade_returns_a_plain_float(eid, capsys):
    ex = catalogue.exercise(eid)
    v = verdict(eid, correct_namespace(eid))
    assert v.points == ex.points, v.message
    assert all(iv.correct for iv in v.items)
    points = grade(eid, correct_namespace(eid))
    assert type(points) is float
    assert points == float(ex.points)
    out = capsys.readouterr().out
    unit = "point" if ex.points == 1 else "points"           # N3 has one point
    assert f"{eid}: {ex.points:g} / {ex.points:g} {unit}" in out


@pytest.mark.parametrize("eid", VALUE_EXERCISES)
def test_nothing_defined_earns_zero(eid, capsys):
    v = verdict(eid, {})
    assert v.points == 0
    for iv in v.items:
        assert "not defined" in iv.message and iv.item in iv.message
    points = grade(eid, {})
    assert type(points) is float and points == 0.0


LAB_PRINTED = {   # the lab's printed output, typed as printed; a student who copies it is correct
    ("G1", "dw_batch1"): [[-6.], [-4.26666667]],
    ("G1", "db_batch1"): -3.1999999999999993,
    ("G1", "w_step1"): [[1.6], [1.42666667]],
    ("G1", "b_step1"): 0.31999999999999995,
    ("B5", "W1_hat"): [[0.24985576, 0.74987578], [0.5000211, 0.49998626], [0.75018656, 0.25009692]],
    ("B5", "w2_hat"): [[1.99874327], [3.00125615]],
    ("B6", "W1_adam"): np.array([[0.25250572, 0.75124925], [0.49919188, 0.50062895],
                                 [0.74790984, 0.2485936]], dtype=np.float32),
    ("B6", "w2_adam"): np.array([[2.0164018], [2.983464]], dtype=np.float32),
}
LAB_PRINTED_3DP = {   # the lab's equations (9), (10), (12), (13)
    ("G1", "dw_batch1"): [[-6.000], [-4.267]], ("G1", "db_batch1"): -3.200,
    ("G1", "w_step1"): [[1.600], [1.427]], ("G1", "b_step1"): 0.320,
}


@pytest.mark.parametrize("key", list(LAB_PRINTED) + [k + ("3dp",) for k in LAB_PRINTED_3DP],
                         ids=lambda k: "-".join(k))
def test_the_labs_printed_numbers_are_accepted(key):
    eid, name = key[:2]
    value = LAB_PRINTED_3DP[(eid, name)] if len(key) == 3 else LAB_PRINTED[(eid, name)]
    iv = item_verdict(eid, name, value)
    assert iv.score == 1.0, iv.message


def test_adam_and_gradient_descent_answers_are_not_interchangeable():
    assert verdict("B6", {"W1_adam": reference("B5", "W1_hat"), "w2_adam": reference("B5", "w2_hat")}
                   ).points == 0
    assert verdict("B5", {"W1_hat": reference("B6", "W1_adam"), "w2_hat": reference("B6", "w2_adam")}
                   ).points == 0
    assert verdict("B5", {"W1_hat": bp.W1_START.copy(), "w2_hat": bp.W2_START.copy()}).points == 0


# ------------------------------------------------------------------ tolerances at their edges
def _tolerance(eid, name):
    t = catalogue.exercise(eid).item(name).tolerance
    return t.atol, t.rtol


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
@pytest.mark.parametrize("sign", [1, -1])
def test_tolerance_edges(eid, name, sign):
    ref = reference(eid, name)
    atol, rtol = _tolerance(eid, name)
    tol = atol + rtol * np.abs(ref)
    inside = item_verdict(eid, name, ref + sign * 0.9 * tol)
    if catalogue.exercise(eid).item(name).kind.name == "integer":
        assert inside.score == 0.0          # close to a whole number is not a whole number
    else:
        assert inside.score == 1.0, inside.message
    k = (0,) * ref.ndim
    if catalogue.exercise(eid).item(name).tolerance.kind == "hand":
        # beyond the formula and beyond 3-significant-figure rounding as well
        tol = np.maximum(tol, np.abs(round_sig(ref) - ref) + 0.5 * 10.0 ** (
            np.floor(np.log10(np.maximum(np.abs(ref), 1e-300))) - 2))
    outside = ref.copy()
    outside[k] = ref[k] + sign * 1.1 * tol[k]
    iv = item_verdict(eid, name, outside)
    assert iv.score == 0.0, f"{outside} accepted for {ref}"


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()
                                      if e in ("B5", "B6")])
def test_code_answers_need_code_precision(eid, name):
    ref = reference(eid, name)
    assert item_verdict(eid, name, np.round(ref, 3)).score == 0.0
    assert item_verdict(eid, name, ref * (1 + 3e-4)).score == 0.0


# ------------------------------------------------------------------ orientation and shape
def _oriented_items():
    for eid, item in numeric_items():
        shape = np.shape(item.expected)
        if len(shape) == 2 and 1 in shape and max(shape) > 1:
            yield eid, item.name


@pytest.mark.parametrize("eid,name", list(_oriented_items()))
@pytest.mark.parametrize("as_list", [False, True])
def test_other_orientation_earns_half_credit_with_a_message(eid, name, as_list):
    ref = reference(eid, name)
    other = ref.T.tolist() if as_list else ref.T.copy()
    iv = item_verdict(eid, name, other)
    assert iv.score == 0.5
    asked = "column" if ref.shape[1] == 1 else "row"
    given = "row" if asked == "column" else "column"
    assert "half credit" in iv.message
    assert f"a {given}" in iv.message and f"a {asked}" in iv.message
    v = verdict(eid, dict(correct_namespace(eid), **{name: other}))
    ex = catalogue.exercise(eid)
    assert v.points == pytest.approx(ex.points * (1 - 0.5 * ex.weights[[i.name for i in ex.items].index(name)]))
    # half credit only when the values are right
    wrong = ref.T * 2 + 1
    assert item_verdict(eid, name, wrong).score == 0.0


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
def test_wrong_length_earns_nothing_with_a_shape_message(eid, name):
    ref = reference(eid, name)
    longer = np.append(ref.ravel(), 1.0)
    iv = item_verdict(eid, name, longer)
    assert iv.score == 0.0 and "shape" in iv.message
    assert_no_reference(iv.message, ref)
    if ref.size > 1:
        shorter = ref.ravel()[:-1]
        iv = item_verdict(eid, name, shorter.tolist())
        assert iv.score == 0.0 and "shape" in iv.message
    iv = item_verdict(eid, name, [])
    assert iv.score == 0.0 and "shape" in iv.message
    iv = item_verdict(eid, name, np.stack([ref, ref]))
    assert iv.score == 0.0 and "shape" in iv.message


@pytest.mark.parametrize("eid,name", [("N1", "w1"), ("N1", "w2"), ("B5", "W1_hat"), ("B6", "W1_adam")])
def test_matrix_in_wrong_shape_earns_nothing(eid, name):
    ref = reference(eid, name)
    flat = item_verdict(eid, name, ref.ravel())
    assert flat.score == 0.0 and "shape" in flat.message
    if ref.shape[0] != ref.shape[1]:
        transposed = item_verdict(eid, name, ref.T.copy())
        assert transposed.score == 0.0 and "transposed" in transposed.message
    reshaped = item_verdict(eid, name, ref.reshape(ref.shape[::-1]) if ref.shape[0] != ref.shape[1]
                            else ref.reshape(1, -1))
    assert reshaped.score == 0.0


def test_a_scalar_wrapped_in_three_dimensions_is_still_a_scalar():
    assert item_verdict("N2", "A", [[[reference("N2", "A").item()]]]).score == 1.0


# ------------------------------------------------------------------ wrong values
def _entry_label(idx):
    return "the value" if len(idx) == 0 else "entry [" + ", ".join(map(str, idx)) + "]"


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
@pytest.mark.parametrize("which", ["first", "last"])
def test_a_wrong_entry_is_named_without_revealing_the_reference(eid, name, which):
    ref = reference(eid, name)
    idx = tuple(np.unravel_index(0 if which == "first" else ref.size - 1, ref.shape))
    wrong = ref.copy()
    wrong[idx] = ref[idx] * 1.37 + 0.71
    iv = item_verdict(eid, name, wrong)
    assert iv.score == 0.0
    assert _entry_label(idx) in iv.message, iv.message
    if ref.ndim:
        assert f"1 of {ref.size} entries" in iv.message
    assert "too large" in iv.message or "too small" in iv.message or "wrong sign" in iv.message
    assert_no_reference(iv.message, ref)


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
def test_all_entries_wrong_message(eid, name):
    ref = reference(eid, name)
    wrong = ref * 3 + 2
    iv = item_verdict(eid, name, wrong)
    assert iv.score == 0.0
    assert_no_reference(iv.message, ref)
    if ref.size > 3:
        assert f"and {ref.size - 3} more" in iv.message


ROUNDING = "about the size of rounding"


@pytest.mark.parametrize("typed", [0, 1])
def test_a_hand_answer_rounded_too_far_is_told_rounding_is_the_cause(typed):
    """Rounded to 1 or 2 decimals (off by at most one unit of the last digit typed): the message
    says rounding is the cause and how many figures a hand answer needs."""
    ref = reference("G1", "w_step1")
    iv = item_verdict("G1", "w_step1", np.round(ref, typed))
    assert iv.score == 0.0 and ROUNDING in iv.message and "3 significant figures" in iv.message
    assert_no_reference(iv.message, ref)


@pytest.mark.parametrize("factor", [1.004, 1.03])
def test_a_hand_answer_off_by_more_than_its_digits_is_not_called_rounding(factor):
    """Typed with all its digits and still off (even by under 1%): not a rounding problem."""
    iv = item_verdict("G1", "w_step1", reference("G1", "w_step1") * factor)
    assert iv.score == 0.0 and ROUNDING not in iv.message and "close" not in iv.message


def test_a_wrong_algorithm_is_not_called_rounding():
    """B6 answered with B5's weights (gradient descent, not Adam) is off by under 1% in w2: the
    rounding hint is only for answers within ten times the tolerance."""
    iv = item_verdict("B6", "w2_adam", reference("B5", "w2_hat"))
    assert iv.score == 0.0 and "slightly" in iv.message
    assert ROUNDING not in iv.message and "single-precision" not in iv.message
    near = item_verdict("B6", "w2_adam", reference("B6", "w2_adam") + 3e-4)
    assert near.score == 0.0 and ROUNDING in near.message and "single-precision" in near.message


def test_a_named_mistake_is_not_also_called_close():
    """A1, tanh_1 = sigmoid(z_1): under 1% off in one entry, and a known mistake; the message names
    the mistake and gives no closeness or rounding advice."""
    z = catalogue.A_GIVEN["A1"]
    iv = item_verdict("A1", "tanh_1", act.sigmoid(z))
    assert iv.mistake == "tanh_as_sigmoid"
    assert "the sigmoid instead of tanh" in iv.message
    assert "close" not in iv.message and ROUNDING not in iv.message


@pytest.mark.parametrize("shape,idx,words", [((2, 2), (1, 0), "entry [1, 0] (row 2, column 1)"),
                                             ((3, 1), (2, 0), "entry [2, 0] (row 3, column 1)"),
                                             ((1, 3), (0, 1), "entry [0, 1] (row 1, column 2)"),
                                             ((3,), (2,), "entry [2] (number 3)")])
def test_positions_are_given_in_words_too(shape, idx, words):
    from mdl_kernel.compare import CODE, compare
    from mdl_kernel.plain import numeric
    want = np.arange(1.0, 1 + np.prod(shape)).reshape(shape)
    got = want.copy()
    got[idx] += 1
    assert words in compare("v", numeric(got), want, CODE).message


def test_an_ndarray_gets_its_article():
    from mdl_kernel.plain import a_described, boolean
    assert a_described(np.zeros(2)) == "an ndarray" and a_described([1]) == "a list"
    assert boolean(np.zeros(2))["reason"].startswith("an ndarray where True or False")


def test_sign_error_is_described_as_such():
    ref = reference("G5", "db_logistic_0")
    iv = item_verdict("G5", "db_logistic_0", -ref)
    assert iv.score == 0.0 and "sign" in iv.message


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "nan_in_list"])
def test_non_finite_entries_earn_nothing(eid, name, bad):
    ref = reference(eid, name)
    value = ref.copy()
    k = (0,) * ref.ndim
    value[k] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "nan_in_list": np.nan}[bad]
    if bad == "nan_in_list":
        value = value.tolist()
    iv = item_verdict(eid, name, value)
    assert iv.score == 0.0
    assert "not finite" in iv.message
    assert ("NaN" if "nan" in bad else "infinite") in iv.message


# ------------------------------------------------------------------ things that are not numbers
class FrameLike:
    """Duck-types a pandas DataFrame/Series holding the reference."""
    def __init__(self, values):
        self.values = np.asarray(values)
        self.shape = self.values.shape

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def to_numpy(self):
        return self.values

    def tolist(self):
        return self.values.tolist()

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __getitem__(self, k):
        return self.values[k]

    def __float__(self):
        return float(self.values.ravel()[0])

    def __eq__(self, other):
        return True


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class ArrayProtocol:
    def __init__(self, values):
        self.values = values

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.values, dtype=dtype)


class FloatProtocol:
    def __init__(self, value):
        self.value = value

    def __float__(self):
        return self.value

    def __index__(self):
        return int(self.value)

    def __int__(self):
        return int(self.value)


class FloatSubclass(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class ListSubclass(list):
    pass


class SpoofedArray:
    """Claims to be an ndarray through __class__ (isinstance believes it)."""
    __class__ = property(lambda self: np.ndarray)


def bad_values(ref):
    x = float(ref.ravel()[0])
    out = {
        "string_number": str(x), "string_of_array": str(ref), "repr_of_array": repr(ref),
        "dict": {"value": ref.tolist()}, "None": None, "set": {x}, "complex": complex(x, 0),
        "complex_array": ref.astype(complex), "object_array": np.array(ref.tolist(), dtype=object),
        "bool": True, "np_bool": np.True_, "bool_list": [True] * ref.size,
        "bool_array": np.ones(ref.shape, dtype=bool), "frame_like": FrameLike(ref),
        "always_equal": AlwaysEqual(), "array_protocol": ArrayProtocol(ref),
        "float_protocol": FloatProtocol(x), "float_subclass_wrong": FloatSubclass(x + 7.0),
        "list_subclass": ListSubclass(ref.ravel().tolist()), "generator": (v for v in ref.ravel()),
        "function": lambda: ref, "bytes": b"1.0", "huge_list": [x] * 20000,
        "huge_array": np.full(20001, x), "ragged": [[x, x], [x]] if ref.size > 1 else [[x], []],
        "too_deep": [[[[[[x]]]]]], "list_with_string": ref.ravel().tolist()[:-1] + ["1"],
        "list_with_none": ref.ravel().tolist()[:-1] + [None], "big_int": 10 ** 400,
        "str_array": ref.astype(str), "datetime": np.datetime64("2024-01-01"),
    }
    return out


BAD_NAMES = list(bad_values(np.zeros((2, 1))))


@pytest.mark.parametrize("eid,name", [(e, i.name) for e, i in numeric_items()])
@pytest.mark.parametrize("bad", BAD_NAMES)
def test_non_numbers_are_refused_with_a_message(eid, name, bad):
    ref = reference(eid, name)
    value = bad_values(ref)[bad]
    iv = item_verdict(eid, name, value)
    assert iv.score == 0.0, f"{bad} accepted: {iv.message}"
    assert iv.message.startswith(name) and len(iv.message) > len(name) + 10
    assert "correct" not in iv.message


@pytest.mark.parametrize("eid,name", [("F1a", "z_1a"), ("N2", "A")])
def test_an_object_that_lies_about_its_class_is_refused(eid, name, capsys):
    iv = item_verdict(eid, name, SpoofedArray())
    assert iv.score == 0.0 and "correct" not in iv.message
    assert grade(eid, dict(correct_namespace(eid), **{name: SpoofedArray()})) < \
        catalogue.exercise(eid).points


@pytest.mark.parametrize("eid", ["F1b", "A2", "G1", "B2", "B5"])
@pytest.mark.parametrize("bad", ["always_equal", "frame_like", "array_protocol", "float_subclass_wrong",
                                 "string_of_array", "None", "dict"])
def test_grade_never_gives_credit_to_non_numbers(eid, bad, capsys):
    ns = correct_namespace(eid)
    ns = {name: bad_values(np.asarray(value))[bad] for name, value in ns.items()}
    points = grade(eid, ns)
    assert type(points) is float and points == 0.0
    assert capsys.readouterr().err == ""


def test_integer_items_want_whole_numbers():
    f4 = catalogue.exercise("F4")
    for item in f4.items:
        ref = float(item.expected)
        for ok in (int(ref), np.int64(ref), np.int32(ref), ref, np.float32(ref), [int(ref)]):
            assert item_verdict("F4", item.name, ok).score == 1.0, ok
        for bad in (ref + 0.5, ref + 1, ref - 1, 0, -ref, True, str(int(ref)), ref + 1e-7):
            iv = item_verdict("F4", item.name, bad)
            assert iv.score == 0.0, (item.name, bad)
    iv = item_verdict("F4", "n_obs_2x3", 2.0000001)
    assert "whole number" in iv.message


# ------------------------------------------------------------------ booleans and labels
@pytest.mark.parametrize("value", [True, np.True_, bool(1)])
def test_g4_true_is_right(value):
    assert item_verdict("G4", "diverges_eta_0_3", value).score == 1.0


@pytest.mark.parametrize("value", [False, np.False_])
def test_g4_false_is_wrong(value):
    iv = item_verdict("G4", "diverges_eta_0_3", value)
    assert iv.score == 0.0 and "not right" in iv.message


@pytest.mark.parametrize("value", [1, 1.0, 0, np.int64(1), np.float64(1.0), "True", "yes", "Yes", [True],
                                   (True,), None, {"diverges": True}, AlwaysEqual(), np.array([True]),
                                   FloatProtocol(1.0)],
                         ids=lambda v: type(v).__name__ + "-" + str(v)[:10])
def test_g4_numbers_and_text_are_not_booleans(value):
    iv = item_verdict("G4", "diverges_eta_0_3", value)
    assert iv.score == 0.0
    assert "True or False" in iv.message


@pytest.mark.parametrize("value", ["YES", "yes", "Yes", " Yes ", "yes\n", "\tyEs", np.str_("yes")],
                         ids=repr)
def test_prediction_in_any_case_is_accepted(value):
    iv = item_verdict("N3", "prediction", value)
    assert iv.score == 1.0, iv.message


@pytest.mark.parametrize("value", ["NO", "no", " No "], ids=repr)
def test_prediction_no_is_wrong(value):
    iv = item_verdict("N3", "prediction", value)
    assert iv.score == 0.0 and "not the class" in iv.message


@pytest.mark.parametrize("value", ["Y", "YES!", "YES.", "C", "yes please", "", "oui", "Y E S", "YESNO",
                                   1, 0, True, None, ["YES"], ("YES",), b"YES", AlwaysEqual(),
                                   np.array(["YES"]), 0.52647369],
                         ids=lambda v: type(v).__name__ + "-" + repr(v)[:12])
def test_prediction_other_text_is_refused(value):
    iv = item_verdict("N3", "prediction", value)
    assert iv.score == 0.0
    if isinstance(value, str):
        assert "YES" in iv.message and "NO" in iv.message     # says what is expected
    else:
        assert "text" in iv.message


# ------------------------------------------------------------------ named mistakes, built here
def _forward_wrongs():
    for eid, (X, w, b) in catalogue.FORWARD_GIVEN.items():
        yield eid, f"z_{eid[1:].lower()}", "no_bias", X @ w
        if X.shape[0] == X.shape[1]:
            yield eid, f"z_{eid[1:].lower()}", "transposed_X", X.T @ w + b


def _network_no_bias():
    p = net.parameters()
    hidden = act.sigmoid(p["X"] @ p["w1"])
    output = act.softmax_rows(hidden @ p["w2"])
    return dict(zip("ABCD", np.concatenate([hidden[0], output[0]])))


def _network_sigmoid_output():
    p = net.parameters()
    hidden = act.sigmoid(p["X"] @ p["w1"] + p["b1"])
    return dict(zip("CD", act.sigmoid(hidden @ p["w2"] + p["b2"])[0]))


def _known_wrongs():
    yield from _forward_wrongs()
    for name, swapped in (("n_obs_2x3", 3), ("n_inputs_2x3", 2), ("n_obs_3x2", 2), ("n_inputs_3x2", 3)):
        yield "F4", name, "rows_columns_swapped", swapped
    for eid, z in (("A1", [[8.0], [6.0]]), ("A2", [[-8.0], [9.0], [-3.0]])):
        n = eid[1]
        yield eid, f"softmax_{n}", "softmax_axis", np.ones((len(z), 1))
        yield eid, f"tanh_{n}", "tanh_as_sigmoid", 1 / (1 + np.exp(-np.array(z)))
    yield "N1", "w2", "transposed_w2", net.parameters()["w2"].T
    for node, value in _network_no_bias().items():
        yield "N2", node, "no_bias", value
    for node, value in _network_sigmoid_output().items():
        yield "N2", node, "sigmoid_output", value
    X, y = gd.toy_data()
    Xb, yb, w0 = X[:3], y[:3], np.ones((2, 1))
    r = Xb @ w0 - yb
    grads = {"missing_factor_2": (Xb.T @ r / 3, r.sum() / 3), "sum_not_mean": (2 * Xb.T @ r, 2 * r.sum()),
             "sign_error": (-2 / 3 * Xb.T @ r, -2 / 3 * r.sum())}
    for mistake, (dw, db) in grads.items():
        yield "G1", "dw_batch1", mistake, dw
        yield "G1", "db_batch1", mistake, db
        yield "G1", "w_step1", mistake, w0 - 0.1 * dw
        yield "G1", "b_step1", mistake, -0.1 * db
    yield "G3", "w_sgd_epoch1", "full_batch", w0 - 0.1 * 2 / 12 * X.T @ (X @ w0 - y)
    Xl, yl, wl, bl = gd.LOGISTIC_X, gd.LOGISTIC_Y, np.array([[1.0], [2.0]]), -10.0
    res = 1 / (1 + np.exp(-(Xl @ wl + bl))) - yl
    yield "G5", "dw_logistic_0", "ce_sign", -Xl.T @ res / 3
    yield "G5", "db_logistic_0", "ce_sign", -res.sum() / 3
    yield "G5", "dw_logistic_0", "sum_not_mean", Xl.T @ res
    yield "G5", "db_logistic_0", "sum_not_mean", res.sum()
    xs, ts = np.array([2.0, 3.0, 5.0]), np.array([7.0, 10.0, 16.0])
    for mistake, factor in (("missing_factor_2", 1.0), ("sum_not_mean", 6.0)):
        w, b = 1.0, 0.0
        for k in (1, 2, 3):
            r = w * xs + b - ts
            w, b = w - 0.01 * factor * np.mean(r * xs), b - 0.01 * factor * np.mean(r)
            yield "B2", f"theta_{k}", mistake, (w, b)


KNOWN_WRONGS = [(e, n, m, v) for e, n, m, v in _known_wrongs()
                if not np.allclose(np.ravel(v), np.ravel(catalogue.exercise(e).item(n).expected))]


@pytest.mark.parametrize("eid,name,mistake,value", KNOWN_WRONGS,
                         ids=[f"{e}-{n}-{m}" for e, n, m, _ in KNOWN_WRONGS])
@pytest.mark.parametrize("form", ["exact", "flat", "rounded"])
def test_known_mistakes_are_named(eid, name, mistake, value, form):
    value = np.array(value, dtype=float)
    if form == "flat":
        if value.ndim == 2 and min(value.shape) > 1:
            pytest.skip("a matrix has no flat form")
        value = value.ravel()
    elif form == "rounded":
        if not is_hand(eid):
            pytest.skip("code answer")
        value = np.round(value, 3)
    iv = item_verdict(eid, name, value)
    assert iv.score == 0.0
    assert iv.mistake == mistake, iv.message
    assert "This looks like" in iv.message
    assert_no_reference(iv.message, reference(eid, name))
    v = verdict(eid, dict(correct_namespace(eid), **{name: value}))
    assert mistake in v.mistakes


def test_f1b_without_bias_is_no_bias():
    X, w, _ = catalogue.FORWARD_GIVEN["F1b"]
    iv = item_verdict("F1b", "z_1b", [[-9], [40]])
    np.testing.assert_array_equal(X @ w, [[-9], [40]])
    assert iv.mistake == "no_bias" and iv.score == 0.0


def test_a1_softmax_along_axis_1_is_softmax_axis():
    z = catalogue.exercise("A1").given["z_1"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    iv = item_verdict("A1", "softmax_1", e / e.sum(axis=1, keepdims=True))
    assert iv.mistake == "softmax_axis" and iv.score == 0.0


def test_g1_without_factor_2_is_missing_factor_2():
    X, y = gd.toy_data()
    Xb, yb = X[:3], y[:3]
    w = np.array([[1], [1]])
    dw = 1 / 3 * Xb.T @ (Xb @ w - yb)
    iv = item_verdict("G1", "dw_batch1", dw)
    assert iv.mistake == "missing_factor_2"


def test_n1_transposed_w2_is_named_and_correct_answers_are_not_mistakes():
    p = net.parameters()
    iv = item_verdict("N1", "w2", p["w2"].T.tolist())
    assert iv.mistake == "transposed_w2" and iv.score == 0.0
    v = verdict("N1", {k: p[k] for k in p})
    assert v.mistakes == () and v.points == 5


# ------------------------------------------------------------------ grade(): output and warnings
def test_grade_reports_points_and_records_the_answers(capsys):
    ref = reference("F1a", "z_1a")
    points = grade("F1a", {"z_1a": ref.T})
    assert type(points) is float and points == 1.0
    out = capsys.readouterr().out
    assert "F1a: 1 / 2 points" in out


def test_the_graded_cell_shows_why_points_were_lost(capsys):
    """A test cell runs check() (visible feedback) then grade() (points, hidden failures)."""
    ref = reference("F1a", "z_1a")
    check("F1a", {"z_1a": ref.T})
    assert grade("F1a", {"z_1a": ref.T}) == 1.0
    out = capsys.readouterr().out
    assert "half credit" in out and "F1a: 1 / 2 points" in out
    check("F1b", {"z_1b": [[-9], [40]]})
    assert grade("F1b", {"z_1b": [[-9], [40]]}) == 0.0
    out = capsys.readouterr().out
    assert "This looks like" in out and "F1b: 0 / 2 points" in out
    assert_no_reference(out, reference("F1b", "z_1b"))


@pytest.mark.parametrize("eid", ["F1b", "A2", "N1", "N2", "G1", "G5", "B2", "B5", "B6"])
def test_check_prints_feedback_but_never_the_reference(eid, capsys):
    ns = {name: (np.asarray(value) * 1.37 + 0.71 if isinstance(value, np.ndarray) else value)
          for name, value in correct_namespace(eid).items()}
    check(eid, ns)
    out = capsys.readouterr().out
    assert out.startswith(f"Self-check of {eid}:")
    for item in catalogue.exercise(eid).items:
        assert item.name in out
        assert_no_reference(out, reference(eid, item.name))
    check(eid, correct_namespace(eid))
    assert "All correct so far." in capsys.readouterr().out


HUGE = {
    "1e308": lambda ref: np.full(ref.shape, 1e308),
    "-1.7e308": lambda ref: np.full(ref.shape, -1.7e308),
    "mixed_huge": lambda ref: np.where(np.arange(ref.size).reshape(ref.shape) % 2, 1.7e308, -1.7e308),
    "longdouble_overflow": lambda ref: np.full(ref.shape, np.longdouble(10) ** 4000),
    "float32_max": lambda ref: np.full(ref.shape, np.finfo(np.float32).max, dtype=np.float32),
    "tiny": lambda ref: np.full(ref.shape, 5e-324),
    "huge_python": lambda ref: np.full(ref.shape, 1e308).tolist(),
    "big_int_2_1023": lambda ref: [[2 ** 1023] * ref.shape[1]] * ref.shape[0] if ref.ndim == 2 else 2 ** 1023,
    "huge_int64": lambda ref: np.full(ref.shape, np.iinfo(np.int64).max),
}


@pytest.mark.parametrize("eid", ["A2", "F2b", "G1", "N2", "B2", "B5", "B6"])
@pytest.mark.parametrize("huge", list(HUGE))
def test_grade_and_check_never_write_to_stderr(eid, huge, capfd):
    ns = {name: HUGE[huge](np.asarray(value)) for name, value in correct_namespace(eid).items()}
    points = grade(eid, ns)
    check(eid, ns)
    out, err = capfd.readouterr()
    assert err == ""
    assert type(points) is float and points < catalogue.exercise(eid).points


def test_judge_itself_raises_no_numpy_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = judge("A2", collect_namespace("A2", dict(correct_namespace("A2"), relu_2=[[1e300], [1e300], [1e300]])))
    assert v.items[2].score == 0.0


def test_judge_is_deterministic_and_reads_only_plain_data():
    import json
    ns = dict(correct_namespace("G1"), w_step1=reference("G1", "w_step1").T)
    answers = collect_namespace("G1", ns)
    again = json.loads(json.dumps(answers))
    assert judge("G1", again) == judge("G1", answers)
    assert judge("G1", again).points == pytest.approx(4 - 0.5)


class Spy:
    """Records every special method the grader calls on it."""
    calls = []

    def _record(name, result):
        def method(self, *args, **kwargs):
            Spy.calls.append(name)
            return result(self) if callable(result) else result
        return method

    __eq__ = _record("__eq__", True)
    __ne__ = _record("__ne__", False)
    __lt__ = _record("__lt__", False)
    __gt__ = _record("__gt__", False)
    __bool__ = _record("__bool__", True)
    __float__ = _record("__float__", 3.0)
    __int__ = _record("__int__", 3)
    __index__ = _record("__index__", 3)
    __len__ = _record("__len__", 2)
    __iter__ = _record("__iter__", lambda self: iter([3.0, 3.0]))
    __getitem__ = _record("__getitem__", 3.0)
    __array__ = _record("__array__", lambda self: np.array([[3.0], [3.0]]))
    __abs__ = _record("__abs__", 3.0)
    __round__ = _record("__round__", 3.0)
    __str__ = _record("__str__", "3.0")
    __repr__ = _record("__repr__", "3.0")
    __hash__ = object.__hash__
    del _record


@pytest.mark.parametrize("eid,name", [("F1a", "z_1a"), ("N2", "A"), ("G4", "diverges_eta_0_3"),
                                      ("N3", "prediction"), ("F4", "n_obs_2x3")])
def test_the_grader_never_calls_a_method_of_a_students_object(eid, name, capsys):
    Spy.calls.clear()
    iv = item_verdict(eid, name, Spy())
    assert iv.score == 0.0
    grade(eid, dict(correct_namespace(eid), **{name: Spy()}))
    check(eid, dict(correct_namespace(eid), **{name: Spy()}))
    assert Spy.calls == []
