"""Turning a student's value into plain data without running any of its code.

Plain data is JSON: {"type": "array", "shape": [...], "data": [floats]}, {"type": "bool", ...},
{"type": "text", ...}, {"type": "tuple", "items": [...]}, or {"type": "invalid", "reason": ...}.
Only exact built-in and NumPy types are read, through NumPy's own base-class methods, so an object
that overrides `__eq__`, `__float__` or `__array__` is refused rather than asked for its value.
"""
import numpy as np

from .limits import MAX_ENTRIES, MAX_LABEL

NUMPY_SCALARS = {np.float64, np.float32, np.float16, np.longdouble, np.int8, np.int16, np.int32,
                  np.int64, np.uint8, np.uint16, np.uint32, np.uint64, np.intc, np.uintc}


def invalid(reason):
    return {"type": "invalid", "reason": reason}


def describe(value):
    """A short name for the type of a student's value, for messages.  The names are read with
    `type`'s own descriptors, so a metaclass of the student's cannot run code or lie here."""
    kind = type(value)
    module = type.__dict__["__module__"].__get__(kind)
    name = type.__dict__["__qualname__"].__get__(kind)
    return name if module in ("builtins", "numpy") else f"{module}.{name}"


def a_described(value):
    """`describe` with its article: "an ndarray", "a list"."""
    name = describe(value)
    vowel_sound = name[:1].lower() in "aeiou" or name.startswith("nd")   # "an ndarray"
    return ("an " if vowel_sound else "a ") + name


def _array(values):
    """Plain array data of numbers: a float, or an array of numbers read through NumPy's base
    class (converted to floats, and checked, by `_whole` once the whole answer is read)."""
    return {"type": "array", "shape": list(np.shape(values)), "data": np.ravel(values).tolist()}


def _whole(values):
    """The plain data of a whole answer, a float array: refused when far larger than any answer,
    or when an entry is not finite (the first named by its position in the whole answer)."""
    if values.size > MAX_ENTRIES:
        return invalid(f"an array of shape {values.shape} ({values.size} entries) is far larger "
                       "than the answer asked for")
    bad = np.argwhere(~np.isfinite(values))   # of a 0-d array: one empty position, or none
    if len(bad):
        first = tuple(bad[0])
        what = "NaN" if np.isnan(values[first]) else "infinite"
        if values.ndim == 0:
            return invalid(f"the value is not finite ({what}); a finite number is expected")
        count = "1 entry is" if len(bad) == 1 else f"{len(bad)} entries are"
        return invalid(f"{count} not finite (the first, {_index(first)}, is {what}); "
                       "a finite number is expected everywhere")
    return _array(values)


def _index(idx):
    """"entry [1, 0]"; only arrays with dimensions have entries (a 0-d value is "the value")."""
    return "entry [" + ", ".join(str(int(i)) for i in idx) + "]"


def numeric(value):
    """Plain array data for a number, a (nested) list or tuple of numbers, or a NumPy array."""
    plain = _numeric(value, 0)
    return _whole(as_array(plain)) if plain["type"] == "array" else plain


def _numeric(value, depth):
    kind = type(value)
    if kind is bool or kind is np.bool_:
        return invalid("a True/False value where a number is expected")
    if kind is int:
        if abs(value) > 1e300:
            return invalid("an integer too large to be a sensible answer")
        return _array(float(value))
    if kind is float or kind in NUMPY_SCALARS:
        return _array(float(value))
    if issubclass(kind, np.ndarray):
        base = np.ndarray.view(value, np.ndarray)
        if base.dtype.kind not in ("i", "u", "f"):   # signed, unsigned, float
            return invalid(f"a NumPy array of dtype {base.dtype} where numbers are expected")
        if base.size > MAX_ENTRIES:
            return invalid(f"an array of shape {base.shape} ({base.size} entries) is far larger "
                           "than the answer asked for")
        return _array(base)
    if kind in (list, tuple) and depth < 4:
        if len(value) > MAX_ENTRIES:
            return invalid(f"a {kind.__name__} of {len(value)} entries is far larger than the answer")
        parts = [_numeric(v, depth + 1) for v in value]
        for part in parts:
            if part["type"] == "invalid":
                return part
        shapes = {tuple(p["shape"]) for p in parts}
        if len(shapes) > 1:
            return invalid(f"a {kind.__name__} whose entries have different lengths "
                           f"{sorted(shapes)}; each row must have the same length")
        shape = [len(parts)] + (list(shapes.pop()) if parts else [])
        data = [x for p in parts for x in p["data"]]
        return {"type": "array", "shape": shape, "data": data}
    if kind is str:
        return invalid(f"the text {value[:20]!r} where a number is expected")
    return invalid(f"{a_described(value)} where a number or an array of numbers is expected; "
                   "convert it with float(...) or np.array(...)")


def boolean(value):
    """Plain data for True/False (Python or NumPy bool)."""
    if type(value) is bool or type(value) is np.bool_:
        return {"type": "bool", "value": bool(value)}
    return invalid(f"{a_described(value)} where True or False is expected")


def text(value):
    """Plain data for a short piece of text."""
    if type(value) is str or type(value) is np.str_:
        return {"type": "text", "value": str(value)[:MAX_LABEL]}
    return invalid(f"{a_described(value)} where text (a str) is expected")


def as_array(plain):
    """The float array held by plain array data."""
    return np.array(plain["data"], dtype=float).reshape(plain["shape"])
