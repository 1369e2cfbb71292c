"""Generic slips of one numeric answer: is a wrong answer the reference after one plain slip?

Each detector builds, from the reference r alone, candidate answers with what a student would have
done to get them:
    swapped     r with two entries of a vector, two rows or two columns of a matrix exchanged
                (only the entries the answer gets wrong are candidates, so this costs nothing)
    transposed  r^T: a square matrix (same shape, so `compare`'s shape rule cannot see it) or a
                non-square one answered with the shape reversed
    scaled      c r for c in 2, 1/2, -1, and N, 1/N, 2/N, N/2 when the item declares N, the
                number of observations a mean is taken over
    shifted     r - c and r + c for each quantity the item declares, c its contribution to the
                answer (the bias b of Xw + b, the step -eta dw of w - eta dw): left out, or
                counted twice
    steps       the answer after one step fewer or one more of the item's iteration
An answer a is explained by a candidate c when |a - c| <= atol + rtol |c| in every entry (the
item's own tolerance, `Tolerance.close`).  A slip is named only when

  * the candidate is itself wrong: not within tolerance of r in every entry (so swapping equal
    entries, transposing a symmetric matrix, scaling a zero reference or a factor N = 1 names
    nothing, as there is no slip to see);
  * the answer is explained in every entry (an answer that only partly fits names nothing);
  * no candidate of another slip explains it too: a scale factor that two readings give (2 and
    N when N = 2, 1/2 and 2/N when N = 4) is named with both readings; two different slips that
    fit the same answer ([1, -1] swapped is [1, -1] negated) name nothing.

Only the tutor's process runs this (`autograder.slips.naming`): the self-check ships nothing of it
and names no generic slip.  The sentences say what the student seems to have done, never a value
of the reference.
"""
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from mdl_kernel.compare import align


@dataclass(frozen=True)
class Slip:
    """A slip that explains an answer: `name` (recorded, "slip:..."), `sentence` (feedback)."""
    name: str
    sentence: str


@dataclass(frozen=True)
class Quantities:
    """What an item's slips are computed from, evaluated for one answer (or one test input):
    `observations` N or None; `shifts` ((key, words, contribution), ...), each quantity as it
    enters the answer (signed); `steps` ((-1, the answer one step early), (+1, one step late))."""
    observations: int | None = None
    shifts: tuple = ()
    steps: tuple = ()   # ((delta, value), ...)


@dataclass(frozen=True)
class _Candidate:
    name: str
    family: str
    value: np.ndarray
    what: str            # "This is half of what it should be"
    question: str = ""   # "is a factor 2 missing" (no question mark)


def _entry(index):
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _swaps(want, wrong):
    """Candidates exchanging the two entries (of a vector), rows or columns the answer gets
    wrong."""
    out = []
    if sum(d > 1 for d in want.shape) == 1:   # a vector, flat, column or row
        bad = np.argwhere(wrong)
        if len(bad) == 2:
            i, j = map(tuple, bad)
            value = want.copy()
            value[i], value[j] = want[j], want[i]
            k, m = np.ravel_multi_index(i, want.shape), np.ravel_multi_index(j, want.shape)
            out.append(_Candidate("slip:swapped_entries", "swapped", value,
                                  f"Entries {_entry(i)} and {_entry(j)} (numbers {k + 1} and "
                                  f"{m + 1}) look swapped: each holds the value the other should "
                                  "have"))
    elif want.ndim == 2:
        for axis, word in ((0, "Rows"), (1, "Columns")):
            lines = np.flatnonzero(wrong.any(axis=1 - axis))
            if len(lines) == 2:
                i, j = lines
                value = want.copy()
                if axis == 0:
                    value[[i, j]] = want[[j, i]]
                else:
                    value[:, [i, j]] = want[:, [j, i]]
                out.append(_Candidate(f"slip:swapped_{word.lower()}", "swapped", value,
                                      f"{word} {i + 1} and {j + 1} look swapped"))
    return out


def _transposed(want):
    if want.ndim == 2 and want.shape[0] == want.shape[1] > 1:
        return [_Candidate("slip:transposed", "transposed", want.T.copy(),
                           "It looks transposed: its rows hold what the columns should")]
    return []


def _factors(n, per_case):
    """(name, factor, words, note, question) of each scale slip; N's readings only when N is
    known ("N" alone on a function's inputs, whose N differs)."""
    note = " (N, the number of observations)" if per_case else \
        f" (N = {n}, the number of observations)"
    out = [("scaled_2", Fraction(2), "twice", "", "is there a factor 2 too many"),
           ("scaled_1/2", Fraction(1, 2), "half of", "", "is a factor 2 missing"),
           ("sign", Fraction(-1), None, "", "is a sign flipped")]
    if n:
        out += [("scaled_N", Fraction(n), "N times", note,
                 "is it a sum over the observations where their mean belongs"),
                ("scaled_1/N", Fraction(1, n), "1/N of", note,
                 "is it divided by N once too often, or a mean where the sum belongs"),
                ("scaled_2/N", Fraction(2, n), "2/N times", note,
                 "is there a factor 2/N too many"),
                ("scaled_N/2", Fraction(n, 2), "N/2 times", note, "is a factor 2/N missing")]
    return out


def _scaled(want, n, per_case):
    out = []
    for name, factor, words, note, question in _factors(n, per_case):
        what = ("This has the opposite sign of what it should be, in every entry" if words is None
                else f"This is {words} what it should be{note}")
        out.append(_Candidate(f"slip:{name}", f"scaled {factor}", float(factor) * want, what,
                              question))
    return out


def _shifted(want, shifts):
    """r - c (the quantity left out) and r + c (counted twice), c the quantity's contribution
    to the answer as declared (-eta dw for a step w - eta dw)."""
    out = []
    for key, words, contribution in shifts:
        for sign, question in ((-1, "is it left out"), (1, "is it counted twice")):
            out.append(_Candidate(f"slip:shifted_{key}", f"shifted {key} {sign}",
                                  want + sign * np.asarray(contribution, dtype=float),
                                  f"This is off by exactly {words}", question))
    return out


def _steps(want, steps):
    out = []
    for delta, value in steps:
        late = delta > 0
        out.append(_Candidate("slip:one_step_more" if late else "slip:one_step_fewer",
                              f"steps {delta}", np.asarray(value, dtype=float),
                              f"This is the value one step {'after' if late else 'before'} the "
                              "one asked for",
                              "does the loop run once too " + ("often" if late else "few")))
    return out


def _sentence(matches):
    """One sentence for candidates that fit the same answer: one slip, or one scale factor with
    several readings ("is there a factor 2 too many, or is it a sum ...?")."""
    first = matches[0]
    questions = [m.question for m in matches if m.question]
    if not questions:
        return first.what + "."
    return f"{first.what}: {', or '.join(questions)}?"


def fits(got, want, tolerance):
    """True when the float array `got`, aligned to `want`'s shape as `compare` allows, is within
    `tolerance` of `want` in every entry."""
    aligned, _, _ = align(got, np.shape(want))
    return aligned is not None and bool(tolerance.close(aligned, want).all())


def candidates(got, want, tolerance, quantities, per_case=False):
    """The candidate slips worth testing for the float array `got` against the reference `want`
    (both float arrays; `got` of any shape)."""
    aligned, _, _ = align(got, want.shape)
    if aligned is None:   # another shape: only a transposed non-square matrix is a slip here
        if want.ndim == 2 and min(want.shape) > 1 and got.shape == want.shape[::-1]:
            return [_Candidate("slip:transposed", "transposed", want.T.copy(),
                               "Its entries are the right ones, transposed")]
        return []
    wrong = ~tolerance.close(aligned, want)
    if not wrong.any():
        return []
    return (_swaps(want, wrong) + _transposed(want)
            + _scaled(want, quantities.observations, per_case)
            + _shifted(want, quantities.shifts) + _steps(want, quantities.steps))


def matching(got, want, tolerance, quantities, per_case=False):
    """The candidates that explain `got` in every entry and are themselves wrong."""
    found = []
    for c in candidates(got, want, tolerance, quantities, per_case):
        if c.value.shape == want.shape and tolerance.close(c.value, want).all():
            continue   # the slip changes nothing here: nothing to name
        if fits(got, c.value, tolerance):
            found.append(c)
    return found


def decide(matches, tolerance):
    """The Slip the matching candidates name, or None when none fits or the answer is ambiguous:
    candidates of different slips, or of one slip with different values (within `tolerance` of
    the same answer).  Readings of one scale factor are named together."""
    if not matches:
        return None
    first = matches[0]
    same = all(m.family == first.family and m.value.shape == first.value.shape
               and tolerance.close(m.value, first.value).all() for m in matches)
    names = list(dict.fromkeys(m.name for m in matches))
    if not same or (len(names) > 1 and not first.family.startswith("scaled")):
        return None
    return Slip("slip:" + "+".join(n.removeprefix("slip:") for n in names), _sentence(matches))


def explain(got, want, tolerance, quantities=Quantities(), per_case=False):
    """The Slip that explains the answer `got` (a float array), or None.  `want` is the reference
    (a float array), `tolerance` the item's."""
    return decide(matching(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                           tolerance, quantities, per_case), tolerance)
