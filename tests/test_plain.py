"""mdl_kernel.plain: a student's value as plain data, read only through exact built-in and NumPy
types, with the exact wording a student reads when it cannot be."""
import numpy as np
import pytest

from mdl_kernel import plain as P
from mdl_kernel.limits import MAX_ENTRIES, MAX_LABEL

CONVERT = "; convert it with float(...) or np.array(...)"


def array(shape, data):
    return {"type": "array", "shape": shape, "data": data}


def invalid(reason):
    return {"type": "invalid", "reason": reason}


@pytest.mark.parametrize("value,shape", [
    (3, []), (-2.5, []), (np.float32(0.5), []), (np.int8(-3), []), (np.uint16(7), []),
    (np.longdouble(1.5), []), ([1, 2, 3], [3]), ((1, 2), [2]), ([[1, 2], [3, 4]], [2, 2]),
    (np.arange(6).reshape(2, 3), [2, 3]), (np.arange(3, dtype=np.uint8), [3]), ([], [0]),
    ([[[[1.0]]]], [1, 1, 1, 1]), ([np.float64(1), 2], [2]), (np.zeros(MAX_ENTRIES), [MAX_ENTRIES]),
    (list(range(MAX_ENTRIES)), [MAX_ENTRIES]), (int(1e300), [])])
def test_numbers_become_arrays(value, shape):
    expected = np.asarray(value, dtype=float)
    assert P.numeric(value) == array(shape, expected.ravel().tolist())
    np.testing.assert_array_equal(P.as_array(P.numeric(value)), expected.reshape(shape))


def test_an_ndarray_subclass_is_read_as_its_base_array():
    class Agreeable(np.ndarray):
        def __eq__(self, other):
            return True

        def tolist(self):
            return [99.0]
    value = np.array([1.0, 2.0]).view(Agreeable)
    assert P.numeric(value) == array([2], [1.0, 2.0])


@pytest.mark.parametrize("value,reason", [
    (True, "a True/False value where a number is expected"),
    (np.bool_(False), "a True/False value where a number is expected"),
    (int(1e300) + 1, "an integer too large to be a sensible answer"),
    (-int(1e300) - 1, "an integer too large to be a sensible answer"),
    (float("nan"), "the value is not finite (NaN); a finite number is expected"),
    (np.float64("-inf"), "the value is not finite (infinite); a finite number is expected"),
    ([1, float("inf")], "1 entry is not finite (the first, entry [1], is infinite); a finite "
                        "number is expected everywhere"),
    ([[1, float("nan")], [float("nan"), 1]], "2 entries are not finite (the first, entry [0, 1], "
                                             "is NaN); a finite number is expected everywhere"),
    ("abcdefghijklmnopqrstuvwxyz", "the text 'abcdefghijklmnopqrst' where a number is expected"),
    (np.array(["a"]), "a NumPy array of dtype <U1 where numbers are expected"),
    (np.array([1 + 2j]), "a NumPy array of dtype complex128 where numbers are expected"),
    ([[1, 2], [3]], "a list whose entries have different lengths [(1,), (2,)]; each row must "
                    "have the same length"),
    (((1,), (1, 2)), "a tuple whose entries have different lengths [(1,), (2,)]; each row must "
                     "have the same length"),
    ([[[[[1]]]]], "a list where a number or an array of numbers is expected" + CONVERT),
    ([1, "2"], "the text '2' where a number is expected"),
    ([1, [2, True]], "a True/False value where a number is expected"),
    ({1: 2}, "a dict where a number or an array of numbers is expected" + CONVERT),
    (np.zeros(MAX_ENTRIES + 1), f"an array of shape ({MAX_ENTRIES + 1},) ({MAX_ENTRIES + 1} "
                                "entries) is far larger than the answer asked for"),
    ([0] * (MAX_ENTRIES + 1), f"a list of {MAX_ENTRIES + 1} entries is far larger than the answer"),
    ([[0] * 101] * 100, "an array of shape (100, 101) (10100 entries) is far larger than the "
                        "answer asked for"),
])
def test_what_is_not_numbers_is_invalid_with_its_reason(value, reason):
    assert P.numeric(value) == invalid(reason)


def test_nested_lists_are_read_only_four_deep():
    assert P.numeric([[[[1]]]])["type"] == "array"
    assert P.numeric([[[[[1]]]]])["type"] == "invalid"
    assert P._numeric([1], 3)["type"] == "array" and P._numeric([1], 4)["type"] == "invalid"


def test_an_inner_part_keeps_its_non_finite_entries_until_the_whole_is_checked():
    inner = P._numeric([1.0, float("nan")], 1)
    assert inner["type"] == "array" and inner["shape"] == [2] and np.isnan(inner["data"][1])


def test_every_number_of_the_plain_data_is_a_float():
    for value in (3, [1, 2], np.arange(3), np.arange(4, dtype=np.uint64).reshape(2, 2),
                  [np.int8(1), 2.5], np.float32(0.5)):
        data = P.numeric(value)["data"]
        assert data and all(type(x) is float for x in data)


def test_describe_names_a_type():
    class Local:
        pass
    assert P.describe(1.5) == "float" and P.describe(np.float64(1)) == "float64"
    assert P.describe(Local()) == f"{__name__}.{Local.__qualname__}"


@pytest.mark.parametrize("value,expected", [
    (True, {"type": "bool", "value": True}), (np.bool_(False), {"type": "bool", "value": False}),
    (1, invalid("an int where True or False is expected")),
    ("True", invalid("a str where True or False is expected"))])
def test_boolean(value, expected):
    assert P.boolean(value) == expected
    assert type(P.boolean(value).get("value", True)) is bool


@pytest.mark.parametrize("value,expected", [
    ("yes", {"type": "text", "value": "yes"}), (np.str_("no"), {"type": "text", "value": "no"}),
    ("x" * (MAX_LABEL + 5), {"type": "text", "value": "x" * MAX_LABEL}),
    (1, invalid("an int where text (a str) is expected")),
    (b"yes", invalid("a bytes where text (a str) is expected"))])
def test_text(value, expected):
    assert P.text(value) == expected
    if expected["type"] == "text":
        assert type(P.text(value)["value"]) is str


def test_invalid():
    assert P.invalid("why") == {"type": "invalid", "reason": "why"}


def test_non_finite_entries_are_placed_in_the_whole_answer():
    """Inner parts (numbers, arrays) are checked for finiteness only as a whole, so the position
    given is the one in the whole answer."""
    assert P.numeric([np.array([1.0, 2.0]), np.array([3.0, np.nan])]) == invalid(
        "1 entry is not finite (the first, entry [1, 1], is NaN); a finite number is expected "
        "everywhere")
    assert P.numeric([[1.0], [np.float64("inf")]]) == invalid(
        "1 entry is not finite (the first, entry [1, 0], is infinite); a finite number is "
        "expected everywhere")


def test_describe_reads_a_type_without_its_metaclass():
    """A student's metaclass can neither run code nor lie when its class is named in a message."""
    class Lying(type):
        def __getattribute__(cls, name):
            if name in ("__module__", "__qualname__"):
                return "numpy" if name == "__module__" else "float64"
            return super().__getattribute__(name)

    class Hiding(type):
        def __getattribute__(cls, name):
            if name in ("__module__", "__qualname__"):
                raise AttributeError(name)
            return super().__getattribute__(name)

    for meta in (Lying, Hiding):
        value = meta("Sneaky", (), {"__module__": "student"})()
        assert P.describe(value) == "student.Sneaky"
        assert P.numeric(value) == invalid("a student.Sneaky where a number or an array of "
                                           "numbers is expected" + CONVERT)
    assert P.describe(np.zeros(1)) == "ndarray" and P.a_described(np.zeros(1)) == "an ndarray"
    assert P.a_described([]) == "a list" and P.a_described(1) == "an int"
