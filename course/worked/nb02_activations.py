"""Worked solutions of notebook 02, activations: A0 (the stable functions), A1 and A2 (each
activation entry by entry)."""
import numpy as np

from autograder import catalogue as cat
from autograder.reference import activations as act

from .answers import answers
from .blocks import display, listing, md
from .numbers import eq, tex, tmat


def _a0():
    ex = cat.exercise("A0")
    return [md(
        "The reference functions below never exponentiate a large positive number, so they stay "
        "finite for $z = \\pm 1000$:",
        "",
        "* sigmoid: for $z \\ge 0$ use $1/(1 + e^{-z})$, for $z < 0$ the equal form "
        "$e^{z}/(1 + e^{z})$; both only need $e^{-|z|} \\le 1$;",
        "* tanh: NumPy's `np.tanh` is already stable ($\\tanh(z) = 2S(2z) - 1$ is bounded);",
        "* ReLU: $\\max(0, z)$ entrywise, no exponential at all;",
        "* softmax: subtract $m = \\max_j z_j$ from every entry first. "
        "$\\sigma(\\mathbf{z})$ does not change, since "
        "$e^{z_i - m} / \\sum_j e^{z_j - m} = e^{z_i} / \\sum_j e^{z_j}$, and now every "
        "exponent is $\\le 0$. The sum runs over all entries, whatever the vector's orientation.",
        "",
        "Each returns an array of the same shape as `z`."),
        listing(act.sigmoid, act.tanh, act.relu, act.softmax)] + answers(ex)


def _activations(eid):
    ex = cat.exercise(eid)
    z = np.ravel(next(iter(ex.given.values())))
    s, t, r, sm = (np.ravel(f(z)) for f in (act.sigmoid, act.tanh, act.relu, act.softmax))
    sig = [rf"S({tex(v)}) = \frac{{1}}{{1 + e^{{{tex(-v)}}}}} = "
           rf"\frac{{1}}{{1 + {tex(np.exp(-v))}}} {eq(s[i])} {tex(s[i])}" for i, v in enumerate(z)]
    tanh = [rf"\tanh({tex(v)}) = \frac{{e^{{{tex(2 * v)}}} - 1}}{{e^{{{tex(2 * v)}}} + 1}} = "
            rf"\frac{{{tex(np.exp(2 * v) - 1)}}}{{{tex(np.exp(2 * v) + 1)}}} {eq(t[i])} {tex(t[i])}"
            for i, v in enumerate(z)]
    relu = [rf"\mathrm{{ReLU}}({tex(v)}) = \max(0, {tex(v)}) = {tex(r[i])}" for i, v in enumerate(z)]
    e = np.exp(z)
    total = " + ".join(f"e^{{{tex(v)}}}" for v in z)
    soft = [rf"\textstyle\sum_j e^{{z_j}} = {total} {eq(e.sum())} {tex(e.sum())}"]
    soft += [rf"\sigma(\mathbf{{z}})_{{{i + 1}}} = \frac{{e^{{{tex(v)}}}}}{{{tex(e.sum())}}} = "
             rf"\frac{{{tex(e[i])}}}{{{tex(e.sum())}}} {eq(sm[i])} {tex(sm[i])}"
             for i, v in enumerate(z)]
    return [md(
        rf"With $\mathbf{{z}} = {tmat(z.reshape(-1, 1))}$, entry by entry:", "",
        "Sigmoid, $S(z_i) = 1/(1 + e^{-z_i})$:", "", display(*sig), "",
        r"Tanh, $\tanh(z_i) = (e^{2z_i} - 1)/(e^{2z_i} + 1)$:", "", display(*tanh), "",
        r"ReLU, $\max(0, z_i)$:", "", display(*relu), "",
        r"Softmax, $\sigma(\mathbf{z})_i = e^{z_i} / \sum_j e^{z_j}$ over all entries:", "",
        display(*soft), "",
        "The softmax entries add up to 1, as they should.")] + answers(ex)


#: {exercise id: its worked solution's blocks}, for this notebook's exercises (`registry`).
SOLUTIONS = {"A0": _a0, **{eid: (lambda eid=eid: _activations(eid)) for eid in cat.A_GIVEN}}
