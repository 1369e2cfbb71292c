"""Worked solutions of notebook 01, the forward pass: F1a-F3b (z = Xw + b entry by entry), F4."""
from autograder import catalogue as cat
from autograder.reference import forward as fw

from .answers import answers
from .blocks import display, md
from .numbers import eq, par, tex, tmat


def _forward(eid):
    """z_i = sum_j X_ij w_j + b_i, entry by entry (every forward exercise has one neuron: w and b
    are columns)."""
    ex = cat.exercise(eid)
    X, w, b = ex.given.values()
    z = fw.affine(X, w, b)
    lines = []
    for i in range(X.shape[0]):
        terms = " + ".join(rf"{par(X[i, j])} \cdot {par(w[j, 0])}" for j in range(X.shape[1]))
        lines.append(f"z_{{{i + 1}}} = {terms} + {par(b[i, 0])} {eq(z[i, 0])} {tex(z[i, 0])}")
    n, p = X.shape
    return [md(
        rf"$\mathbf{{X}}$ is ${n} \times {p}$ and $\mathbf{{w}}$ is ${p} \times {w.shape[1]}$, so "
        rf"$\mathbf{{z}}$ is ${n} \times {w.shape[1]}$. Entry $i$ of $\mathbf{{z}}$ is row $i$ of "
        r"$\mathbf{X}$ times $\mathbf{w}$, plus the bias $b_i$:",
        "", display(*lines), "",
        rf"so $\mathbf{{z}} = \mathbf{{X}}\mathbf{{w}} + \mathbf{{b}} = {tmat(X)}{tmat(w)} + "
        rf"{tmat(b)} = {tmat(z)}$.")] + answers(ex)


def _f4():
    ex = cat.exercise("F4")
    lines = []
    for shape in ((2, 3), (3, 2)):
        n_obs, n_inputs = fw.architecture(shape)
        lines.append(rf"* ${shape[0]} \times {shape[1]}$: {n_obs} rows, so {n_obs} observations; "
                     rf"{n_inputs} columns, so {n_inputs} inputs (a layer of $q$ neurons needs "
                     rf"$\mathbf{{w}}$ of shape ${n_inputs} \times q$).")
    return [md("The rows of $\\mathbf{X}$ are the observations of the batch and its columns the "
               "inputs of each observation:", "", *lines)] + answers(ex)


#: {exercise id: its worked solution's blocks}, for this notebook's exercises (`registry`).
SOLUTIONS = {**{eid: (lambda eid=eid: _forward(eid)) for eid in cat.FORWARD_GIVEN}, "F4": _f4}
