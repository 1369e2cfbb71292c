"""Numeric comparison: a student's plain array against the array expected of it.

An entry a is accepted when |a - r| <= atol + rtol |r| (numpy.isclose's rule).  Shapes follow the
course's policy: a column (n, 1) and a flat (n,) vector are both correct, a row where a column is
asked (or a column where a row is asked) earns half credit, anything else no credit.  Messages say
which entries are off, in which direction and roughly by how much, never the expected value.
"""
from dataclasses import dataclass

import numpy as np

from .plain import as_array


@dataclass(frozen=True)
class Tolerance:
    atol: float
    rtol: float
    kind: str   # "hand" or "code": decides the advice on near misses

    def rounding(self, got, want):
        """True where `got` differs from `want` by about its own rounding: for a hand answer by at
        most one unit of the last decimal the student typed (2.35 for 2.3467, or 2.3 for 2.35; a
        number typed with many digits is not rounded); for a code answer by at most ten times
        the tolerance (single-precision arithmetic).  `got` and `want`: float arrays of one
        shape."""
        with np.errstate(all="ignore"):
            diff = np.abs(got - want)
            if self.kind != "hand":
                return diff <= 10 * (self.atol + self.rtol * np.abs(want))
            unit = np.vectorize(_last_unit, otypes=[float])(got)
            return diff <= unit * (1 + 1e-9)

    def close(self, got, want):
        """|got - want| <= atol + rtol |want|; a hand answer may also be `want` rounded to three
        significant figures (within half a unit of the third figure)."""
        with np.errstate(all="ignore"):
            diff = np.abs(got - want)
            ok = diff <= self.atol + self.rtol * np.abs(want)
            if self.kind == "hand":
                magnitude = np.floor(np.log10(np.maximum(np.abs(want), 1e-300)))
                ok |= diff <= 0.5 * 10.0 ** (magnitude - 2) * (1 + 1e-9)
        return ok


def _last_unit(x):
    """One unit of the last decimal of a finite x as typed (its shortest repr, "2.35" or "2."):
    0.01 for 2.35, 1 for 2."""
    text = np.format_float_positional(x)   # always with a point: "2." for 2
    return 10.0 ** -len(text.partition(".")[2])


HAND = Tolerance(atol=5e-4, rtol=1e-3, kind="hand")
CODE = Tolerance(atol=1e-9, rtol=1e-6, kind="code")


@dataclass(frozen=True)
class Comparison:
    score: float
    message: str
    mistake: str | None = None
    undecided: str | None = None   # why the check could not decide (scored 0, for a human)


def _index(idx, shape):
    """"entry [1, 0] (row 2, column 1)": NumPy's index, then the position in words."""
    if len(shape) == 0:
        return "the value"
    idx = [int(i) for i in idx]
    numpy_index = "entry [" + ", ".join(map(str, idx)) + "]"
    if len(idx) == 1:
        return f"{numpy_index} (number {idx[0] + 1})"
    if len(idx) == 2:
        return f"{numpy_index} (row {idx[0] + 1}, column {idx[1] + 1})"
    return numpy_index


def align(got, want_shape):
    """Reshape `got` to `want_shape` when the policy allows it; returns (array, credit, note) or
    (None, 0, reason)."""
    want_shape = tuple(want_shape)
    shape = got.shape
    if shape == want_shape:
        return got, 1.0, ""
    n = int(np.prod(want_shape))
    if got.size != n:
        return None, 0.0, (f"has shape {shape} ({got.size} entr{'y' if got.size == 1 else 'ies'}) "
                           f"but {n} entr{'y is' if n == 1 else 'ies are'} expected, shape {want_shape}")
    squeezed_want = tuple(d for d in want_shape if d != 1)
    squeezed_got = tuple(d for d in shape if d != 1)
    if squeezed_want != squeezed_got:
        transposed = len(want_shape) == 2 and shape == want_shape[::-1]
        hint = ": it looks transposed (rows and columns swapped)" if transposed else ""
        return None, 0.0, f"has shape {shape} but shape {want_shape} is expected{hint}"
    if len(want_shape) == 2 and len(shape) == 2:
        # two 2-d shapes with the same dimensions other than 1 that are not equal: a vector in
        # the other orientation, (1, n) for (n, 1) or the reverse
        column = want_shape[1] == 1
        asked, given = ("column", "row") if column else ("row", "column")
        return got.reshape(want_shape), 0.5, (f"is a {given} of shape {shape} where a {asked} "
                                              f"{want_shape} is asked for: half credit")
    return got.reshape(want_shape), 1.0, ""


def _size_words(got, want):
    """How a float `got` differs from `want`: the wrong sign, or the direction and the size
    of |got - want| / |want| (under 1%, 1-10%, over 10%)."""
    rel = abs(got - want) / max(abs(want), 1e-12)   # Python floats: an overflow is inf
    if want != 0 and abs(got + want) <= 1e-9 + 1e-3 * abs(want):
        return "has the wrong sign"
    direction = "too large" if got > want else "too small"
    if rel < 0.01:
        return f"is slightly {direction} (by less than 1%)"
    if rel < 0.1:
        return f"is {direction} by between 1% and 10%"
    return f"is {direction} by more than 10%"


def compare(name, plain, reference, tolerance, mistakes=()):
    """Judge plain array data against a reference array; returns a Comparison.

    `mistakes` is a sequence of (mistake_name, explanation, wrong_value) matched when the answer is
    wrong: an answer equal to a known wrong variant is named.
    """
    if plain["type"] == "invalid":
        return Comparison(0.0, f"{name}: {plain['reason']}.")
    if plain["type"] != "array":
        return Comparison(0.0, f"{name}: a number or an array of numbers is expected.")
    want = np.asarray(reference)   # float arrays, on both sides
    got, credit, note = align(as_array(plain), want.shape)
    if got is None:
        return Comparison(0.0, f"{name} {note}.", _match(plain, want, tolerance, mistakes)[0])
    ok = tolerance.close(got, want)
    if ok.all():
        return Comparison(credit, f"{name}: correct." if credit == 1 else f"{name} {note}.")
    bad = np.argwhere(~ok)   # of a 0-d answer: [()], one empty position
    details = [f"{_index(i, want.shape)} {_size_words(float(got[tuple(i)]), float(want[tuple(i)]))}"
               for i in bad[:3]]
    more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
    count = "" if want.ndim == 0 else f"{len(bad)} of {want.size} entries are off: "
    message = f"{name}: {count}{'; '.join(details)}{more}."
    mistake, explanation = _match(plain, want, tolerance, mistakes)
    if mistake:   # a named mistake is the explanation: no advice about closeness
        return Comparison(0.0, message + f" This looks like {explanation}.", mistake)
    if np.all(tolerance.rounding(got, want)[~ok]):
        message += (" The difference is about the size of rounding: a hand answer needs 3 "
                    "significant figures (or 3 decimals), with more digits kept in the steps "
                    "before it." if tolerance.kind == "hand" else
                    " The difference is about the size of rounding: check for single-precision "
                    "arithmetic or rounding in your code.")
    return Comparison(0.0, message)


def _match(plain, want, tolerance, mistakes):
    if plain["type"] != "array":
        return None, None
    for mistake, explanation, wrong in mistakes:
        wrong = np.asarray(wrong)
        got, _, _ = align(as_array(plain), wrong.shape)
        if got is not None and tolerance.close(got, wrong).all() and not (
                wrong.shape == want.shape and tolerance.close(wrong, want).all()):
            return mistake, explanation
    return None, None
