"""The kinds of answer, as the kernel sees them: how each is read into plain data, how its form
is checked, and how it is judged against the data it is compared with.

Each kind has
    read(value, info, cases)        the plain record of a student's value (`info` is the item's
                                    entry in the manifest; `cases` the encoded inputs a function
                                    is called on)
    check_form(name, plain, info)   (ok, message): type, shape and finiteness only
    judge(name, plain, info, data, include_hidden)
                                    (score, message, mistake) against `data`: what the answer is
                                    compared with.  The tutor's process passes data computed from
                                    its references; the self-check, in the `full` release mode,
                                    data it was shipped with.  The wording is the same on both
                                    sides.
The kernel side holds no data of its own: this module only knows how to compare.
"""
import numpy as np

from . import calls, expressions, plain as P
from .compare import Tolerance, align, compare

NOT_RECORDED = {"type": "missing"}


def _shape_words(shape):
    return "a single number" if not shape else f"shape {tuple(shape)}"


class Value:
    """Numbers: a scalar, a vector or a matrix, judged within a tolerance."""
    name = "value"

    def read(self, value, info, cases=None):
        return P.numeric(value)

    def check_form(self, name, plain, info):
        if plain["type"] == "invalid":
            return False, f"{name}: {plain['reason']}."
        got, credit, note = align(P.as_array(plain), tuple(info["shape"]))
        if got is None:
            return False, f"{name} {note}."
        if credit < 1:
            return False, f"{name} {note}."
        return True, (f"{name}: finite numbers with the form asked for "
                      f"({_shape_words(info['shape'])}).")

    def judge(self, name, plain, info, data, include_hidden=True):
        result = compare(name, plain, data["expected"], data["tolerance"], data["mistakes"])
        return result.score, result.message, result.mistake


class Integer(Value):
    """A whole number (a count), judged exactly."""
    name = "integer"

    def check_form(self, name, plain, info):
        ok, message = super().check_form(name, plain, info)
        if ok and not np.all(P.as_array(plain) == np.round(P.as_array(plain))):
            return False, f"{name}: a whole number is expected."
        return ok, message

    def judge(self, name, plain, info, data, include_hidden=True):
        score, message, mistake = super().judge(name, plain, info, data)
        if score == 1 and not np.all(P.as_array(plain) == np.round(P.as_array(plain))):
            return 0.0, f"{name}: a whole number is expected.", None
        return score, message, mistake


class _Exact:
    """An answer that is right or wrong as a whole: `value(plain)` against the expected value;
    `data` holds it and the hint shown when the answer is wrong."""

    def value(self, plain):
        return plain["value"]

    def judge(self, name, plain, info, data, include_hidden=True):
        ok, message = self.check_form(name, plain, info)
        if not ok:
            return 0.0, message, None
        if self.value(plain) == data["expected"]:
            return 1.0, f"{name}: correct.", None
        return 0.0, f"{name}: {data['hint']}", None


class Boolean(_Exact):
    """True or False."""
    name = "boolean"

    def read(self, value, info, cases=None):
        return P.boolean(value)

    def check_form(self, name, plain, info):
        if plain["type"] != "bool":
            return False, f"{name}: True or False is expected."
        return True, f"{name}: True or False, as asked."


class Label(_Exact):
    """A word from a short list of choices, in any case."""
    name = "label"

    def read(self, value, info, cases=None):
        return P.text(value)

    def value(self, plain):
        return plain["value"].strip().upper()

    def check_form(self, name, plain, info):
        choices = info["choices"]
        if plain["type"] != "text":
            return False, f"{name}: text is expected, one of {', '.join(choices)}."
        if self.value(plain) not in choices:
            return False, (f"{name}: the answer must be one of {', '.join(map(repr, choices))} "
                           "(any case).")
        return True, f"{name}: one of {', '.join(map(repr, choices))}, as asked."


class Function:
    """A function, called on test inputs: visible ones, and hidden ones at grading time."""
    name = "function"

    def read(self, value, info, cases=None):
        if cases is None:   # the self-check: the visible inputs only
            cases = {k: c["inputs"] for k, c in enumerate(info["cases"]) if not c["hidden"]}
        return calls.run(value, cases, info["outputs"])

    def check_form(self, name, plain, info):
        if plain["type"] == "invalid":
            return False, f"{name}: {plain['reason']}."
        messages, ok = [], True
        matched, _ = calls.match_results(plain["results"], len(info["cases"]))
        for k, case in enumerate(info["cases"]):
            if case["hidden"]:
                continue
            where = f"{name} on {case['label']}"
            result, missing = matched[k]
            if missing:
                ok = False
                messages.append(f"{where}: {missing}.")
                continue
            if result["type"] == "invalid":
                ok = False
                messages.append(f"{where}: {result['reason']}.")
                continue
            parts = [result] if info["outputs"] == 1 else result["items"]
            bad = [p["reason"] for p in parts if p["type"] == "invalid"]
            if bad:
                ok = False
                messages.append(f"{where}: {bad[0]}.")
            else:
                shapes = ", ".join(_shape_words(p["shape"]) for p in parts)
                messages.append(f"{where}: returned finite numbers ({shapes}).")
        return ok, "\n".join(messages)

    def judge(self, name, plain, info, data, include_hidden=True):
        judged = calls.judge_results(name, plain, data["cases"], info["outputs"], include_hidden)
        return judged.score, "\n".join(judged.messages), judged.mistake


class Symbolic:
    """An expression in the exercise's symbols (a SymPy expression or a string of maths)."""
    name = "symbolic"

    def read(self, value, info, cases=None):
        return expressions.to_plain(value, info)

    def check_form(self, name, plain, info):
        if plain["type"] == "invalid":
            return False, f"{name}: {plain['reason']}."
        return True, f"{name}: an expression in the exercise's symbols, as asked."

    def judge(self, name, plain, info, data, include_hidden=True):
        """Values at the points of `data` against the expected values there (the self-check)."""
        ok, message = self.check_form(name, plain, info)
        if not ok:
            return 0.0, message, None
        columns = {n: np.asarray(v, dtype=float) for n, v in data["columns"].items()}
        points = np.column_stack([columns[n] for n in data["names"]])
        want = np.asarray(data["expected"], dtype=float)
        try:
            got = expressions.evaluate(plain["tree"], columns)
        except expressions.Refused as refused:
            return 0.0, f"{name}: the answer {refused.reason}.", None
        defined = np.isfinite(want)
        if not np.isfinite(got[defined]).any():
            return 0.0, expressions.undefined_everywhere(name, data["names"], points), None
        scale = expressions.scale_of(want, defined)
        # the self-check is a little lenient: float evaluation may lose digits that the graded
        # check recovers in 40-digit arithmetic
        bad = defined & ~expressions.close(got, want, scale, expressions.NEAR_MISS)
        if not bad.any():
            return 1.0, f"{name}: correct.", None
        message, mistake = expressions.difference(name, data["names"], points, got, want,
                                                  defined, bad, scale, data["mistakes"])
        return 0.0, message, mistake


KERNEL_KINDS = {kind.name: kind for kind in (Value(), Integer(), Boolean(), Label(), Function(),
                                      Symbolic())}


def tolerance(data):
    """A Tolerance from its JSON form [atol, rtol, kind]."""
    return Tolerance(*data)
