"""Every intermediate number of the worked solutions, checked against the reference maths.

Students read the worked solutions after the deadline, so every number they show must be right,
not only the final answers.  Two kinds of checks, both on the Markdown/LaTeX that `worked.steps`
produces (no TeX needed):

* **Each equation holds.**  Every chain `a = b = c` (or `\\approx`) in the maths whose sides are
  numbers (products `\\cdot`, sums, `\\frac`, `e^{x}`, S(x), tanh, ReLU, max, matrices) is
  evaluated from the printed numbers, with the rounding error of 6 significant figures carried
  through each operation; neighbouring sides must agree within that error.  So
  "1 · 1 + 2 · 1 + 0 = 4" fails however the 4 was computed.
* **Each number is the reference's.**  Exercise by exercise, the operands and results of each line
  (each z entry, each activation, each node of the network, each prediction, residual, gradient
  and parameter of each descent step, each table row) are compared, at the printed precision
  (`worked.fmt`), with the values the test computes from the catalogue's given data and the NumPy
  functions of `autograder.reference`.

The symbolic exercises (G6, B1, B3): each derivative the worked derivation arrives at must equal
the catalogue's reference expression (derived by `sympy.diff` of the loss) at random points of
its domain, and be the one the text shows.

And the words: the whole text (`worked.markdown` of every exercise) must be the committed
solutions/worked.md, which the documents' build writes beside the PDFs.  A change to what
students read, prose included, is made by rebuilding, and shows in the commit's diff; the slow
tests of tests/test_documents.py check that the committed PDFs are a fresh build's.
"""
import ast
import difflib
import math
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from autograder import catalogue as cat
from autograder.catalogue import CATALOGUE
from autograder.domains import DEFAULT, sample
from autograder.reference import activations as act, backprop as bp, descent as gd, \
    forward as fw, network as net
from course import documents, sheets, worked
from course.worked import blocks, symbolic

REL = 6e-6          # a number printed to 6 significant figures is within 5e-6 of its value


# ---------------------------------------------------------------- reading the maths
def maths(text):
    """The maths of a worked text: each line of each display ($$ ... $$, aligned lines split,
    `&` removed) and each inline $...$, in order."""
    out = []
    text = re.sub(r"```.*?```", "", text, flags=re.S)                 # code listings
    for display, inline in re.findall(r"\$\$(.*?)\$\$|\$(.*?)\$", text, flags=re.S):
        if display:
            body = re.sub(r"\\(begin|end)\{aligned\}", "", display)
            out += [line.replace("&=", "=").strip() for line in re.split(r"\\\\\n", body)
                    if line.strip()]
        else:
            out.append(inline.strip())
    return out


def equations(text):
    """Each maths line as a list of chains: a chain is [(relation, side), ...] of one equation
    (the first relation is None); a line holds several equations separated by `, \\quad`."""
    chains = []
    for line in maths(text):
        for part in re.split(r",\s*\\quad", line):
            pieces = re.split(r"(\\approx|=|<|>)", part)
            chain = [(None, pieces[0].strip())]
            chain += [(pieces[k], pieces[k + 1].strip()) for k in range(1, len(pieces) - 1, 2)]
            chains.append(chain)
    return chains


NUMBER = re.compile(r"(?<![\w}])(-?\d+(?:\.\d+)?)(?:\s*\\times\s*10\^\{(-?\d+)\})?")
INDEX = re.compile(r"_\{[^{}]*\}|_\w|\^\{\(\d+\)\}")     # z_{12}, w_1, b^{(3)}: names, not numbers


def numbers(side):
    """The numbers of one side of an equation, in order ("4.1 \\times 10^{-8}" is one number;
    the indices of names such as z_{12} or w^{(1)} are not numbers)."""
    return [float(m + (f"e{e}" if e else "")) for m, e in NUMBER.findall(INDEX.sub("", side))]


class NotNumeric(ValueError):
    """A side that is not one number, vector or matrix (a tuple, say)."""


def _group(text, start):
    """(inside, end) of the brace group opening at text[start] == "{"."""
    depth = 0
    for k in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[k], 0)
        if depth == 0:
            return text[start + 1:k], k + 1
    raise ValueError(f"unbalanced braces in {text!r}")


def _python(side):
    """A side of an equation as a Python expression, or None if it holds symbols."""
    s = side
    if not s.strip():
        return None
    for a, b in ((r"\left(", "("), (r"\right)", ")"), (r"\big(", "("), (r"\big)", ")"),
                 (r"\Big(", "("), (r"\Big)", ")"), (r"\,", " "), (r"\;", " "), (r"\!", "")):
        s = s.replace(a, b)
    s = NUMBER.sub(lambda m: f"({m[1]}e{m[2]})" if m[2] else m[1], s)
    while r"\frac{" in s:
        k = s.index(r"\frac{")
        num, after = _group(s, k + len(r"\frac"))
        den, end = _group(s, after)
        s = s[:k] + f"(({num})/({den}))" + s[end:]
    while "e^{" in s:
        k = s.index("e^{")
        if k and (s[k - 1].isalnum() or s[k - 1] == "."):
            return None                                       # 1e^... : not ours
        power, end = _group(s, k + 2)
        s = s[:k] + f"exp({power})" + s[end:]

    def matrix(m):                     # rows split by \\, entries by &
        rows = [row.split("&") for row in m[1].split(r"\\")]
        return "array([" + ", ".join("[" + ", ".join(row) + "]" for row in rows) + "])"
    s = re.sub(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", matrix, s)
    s = s.replace(r"\cdot", "*").replace(r"\mathrm{ReLU}(", "relu(").replace(r"\tanh(", "tanh(")
    s = s.replace(r"\max(", "maximum(")
    s = re.sub(r"(?<![A-Za-z])S\(", "sigmoid(", s)
    if re.search(r"[A-Za-z\\{}_^]", re.sub(r"(exp|sigmoid|tanh|relu|maximum|array)\(|\d+e-?\d+",
                                           "", s)):
        return None                                           # symbols: not a numeric side
    # juxtaposition is multiplication: 0.1(...), (...)(...), a matrix times a matrix
    s = re.sub(r"(\d|\))\s*(?=\(|exp\(|sigmoid\(|tanh\(|relu\(|maximum\(|array\()", r"\1 @ ", s)
    return s


def _value(node):
    """(value, error bound) of an expression of printed numbers: each literal is off by up to
    REL of itself; errors are carried through + - * / @ exp and the activations."""
    if isinstance(node, ast.Expression):
        return _value(node.body)
    if isinstance(node, ast.Constant):
        v = float(node.value)
        return v, REL * abs(v)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v, e = _value(node.operand)
        return (-v if isinstance(node.op, ast.USub) else v), e
    if isinstance(node, ast.BinOp):
        (a, ea), (b, eb) = _value(node.left), _value(node.right)
        op = type(node.op)
        if op in (ast.Add, ast.Sub):
            return (a + b if op is ast.Add else a - b), ea + eb
        if op is ast.MatMult and np.ndim(a) and np.ndim(b):
            return a @ b, np.abs(a) @ eb + ea @ np.abs(b) + ea @ eb
        if op in (ast.Mult, ast.MatMult):
            return a * b, np.abs(a) * eb + np.abs(b) * ea + ea * eb
        if op is ast.Div:
            return a / b, (np.abs(a) * eb + np.abs(b) * ea) / (np.abs(b) * (np.abs(b) - eb))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name == "array":
            rows = [[_value(x) for x in row.elts] for row in node.args[0].elts]
            return (np.array([[v for v, _ in r] for r in rows]),
                    np.array([[e for _, e in r] for r in rows]))
        args = [_value(a) for a in node.args]
        (a, ea) = args[-1]
        if name == "exp":
            return np.exp(a), np.exp(a) * np.expm1(ea)
        if name == "sigmoid":
            s = act.sigmoid(a)
            return s, 0.25 * ea
        if name == "tanh":
            return np.tanh(a), ea
        if name == "relu":
            return max(0.0, a), ea
        if name == "maximum":
            (a0, e0) = args[0]
            return max(a0, a), max(e0, ea)
    if isinstance(node, ast.Tuple):
        raise NotNumeric("a tuple")
    raise ValueError(f"cannot evaluate {ast.dump(node)}")


def evaluate(side):
    """(value, error bound) of a numeric side, or None for a side with symbols."""
    code = _python(side)
    if code is None:
        return None
    try:
        return _value(ast.parse(code, mode="eval"))
    except NotNumeric:
        return None


def check_chain(chain, where):
    """Neighbouring numeric sides of an equation agree within their rounding; < and > hold.
    Returns how many relations were checked."""
    checked = 0
    last, strict = None, None       # the last numeric side; a < or > met since then
    for relation, side in chain:
        if relation in ("<", ">"):
            strict = relation
        got = evaluate(side)
        if got is None:
            continue
        if last is not None:
            (a, ea), (b, eb) = last, got
            line = " ".join(r + " " + s if r else s for r, s in chain)
            if strict:
                assert (a < b) if strict == "<" else (a > b), \
                    f"{where}: in ${line}$, {a} {strict} {b} does not hold"
            else:
                assert np.all(np.abs(np.asarray(a) - np.asarray(b)) <= 1.01 * (ea + eb) + 1e-15), \
                    (f"{where}: in ${line}$ the side {side!r} is {b} and the side before it "
                     f"{a}: they differ by more than rounding to 6 figures explains")
            checked += 1
        last, strict = got, None
    return checked


# ---------------------------------------------------------------- each equation holds
# How many relations between numbers each worked solution writes (counted by hand from its
# layout: e.g. A2 has 3 entries x (3 sigmoid + 3 tanh + 2 ReLU + 2 softmax) + the softmax sum);
# every one must be read and checked, so a line the reader cannot follow fails too.
EQUATIONS = {"F1a": 3, "F1b": 3, "F2a": 4, "F2b": 4, "F3a": 3, "F3b": 4, "A1": 21, "A2": 31,
             "N2": 10, "N3": 1, "G1": 12, "G3": 8, "G5": 42, "B2": 21}


def test_the_reader_evaluates_lines_like_the_worked_ones():
    """The evaluator itself: right lines pass, a wrong sum or exponential fails."""
    good = r"$$z_{1} = 1 \cdot 1 + 2 \cdot 1 + 0 = 3$$ and $S(-8) = \frac{1}{1 + e^{8}} \approx 0.00033535$"
    assert sum(check_chain(c, "good") for c in equations(good)) == 3
    assert numbers(r"4.13991 \times 10^{-8} + (-1.6) \cdot 2") == [4.13991e-8, -1.6, 2.0]
    for bad in (r"$$z_{1} = 1 \cdot 1 + 2 \cdot 1 + 0 = 4$$",
                r"$\frac{1}{1 + 2980.96} \approx 0.000336$",
                r"$\begin{pmatrix} 1 \\ 2 \end{pmatrix} - 0.1\begin{pmatrix} 1 \\ 1 \end{pmatrix}"
                r" \approx \begin{pmatrix} 0.9 \\ 1.8 \end{pmatrix}$",
                r"$C = 0.4 > D = 0.6$"):
        with pytest.raises(AssertionError):
            for chain in equations(bad):
                check_chain(chain, "bad")


@pytest.mark.parametrize("eid", list(CATALOGUE))
def test_every_equation_of_the_worked_steps_holds(eid):
    """Each a = b = c of the worked text, recomputed from its printed numbers."""
    text = worked.markdown(eid)
    checked = sum(check_chain(chain, eid) for chain in equations(text))
    assert checked >= EQUATIONS.get(eid, 0), \
        f"{eid}: {checked} relations between numbers checked, {EQUATIONS[eid]} written"


# ---------------------------------------------------------------- each number is the reference's
def shown(value):
    """A value as the documents print it (6 significant figures), back as a float."""
    return float(worked.fmt(value))


def lines_by_label(text):
    """{left-hand side: [the other sides]} of the maths lines (the last line of each label)."""
    return {chain[0][1]: [side for _, side in chain[1:]] for chain in equations(text)}


def expect(lines, label, *sides, where=""):
    """The line `label` has these sides, each given as the list of numbers it shows."""
    assert label in lines, f"{where}: no line {label!r} in the worked steps"
    got = [numbers(side) for side in lines[label]]
    want = [[shown(v) for v in side] for side in sides]
    assert got == want, (f"{where}: the line {label} = ... shows the numbers {got}; "
                         f"the reference gives {want}")


def chunks(text, heading=r"\*\*Step (\d+)\*\*"):
    """The text after each bold 'Step k' heading, in order."""
    parts = re.split(heading, text)
    return parts[2::2]


@pytest.mark.parametrize("eid", list(cat.FORWARD_GIVEN))
def test_forward_pass_lines_are_the_references(eid):
    """z_i = sum_j X_ij w_j + b_i: each product's factors, the bias and the entry of
    reference.forward.affine (one neuron: w and b are columns, as the worked text assumes)."""
    X, w, b = CATALOGUE[eid].given.values()
    assert w.shape[1] == b.shape[1] == 1
    z = fw.affine(X, w, b)
    lines = lines_by_label(worked.markdown(eid))
    for i in range(X.shape[0]):
        operands = [v for j in range(X.shape[1]) for v in (X[i, j], w[j, 0])] + [b[i, 0]]
        expect(lines, f"z_{{{i + 1}}}", operands, [z[i, 0]], where=eid)


@pytest.mark.parametrize("eid", list(cat.A_GIVEN))
def test_activation_lines_are_the_references(eid):
    """S(z) = 1/(1 + e^{-z}), tanh(z) = (e^{2z} - 1)/(e^{2z} + 1), ReLU, and softmax's sum of
    exponentials and quotients, entry by entry, against reference.activations."""
    z = np.ravel(next(iter(CATALOGUE[eid].given.values())))
    text = worked.markdown(eid)
    lines = lines_by_label(text)
    e = np.exp(z)
    soft = np.ravel(act.softmax(z))
    for i, v in enumerate(z):
        t = worked.tex(v)
        expect(lines, f"S({t})", [1, 1, -v], [1, 1, np.exp(-v)], [act.sigmoid(v)], where=eid)
        expect(lines, rf"\tanh({t})", [2 * v, 1, 2 * v, 1],
               [np.exp(2 * v) - 1, np.exp(2 * v) + 1], [act.tanh(v)], where=eid)
        expect(lines, rf"\mathrm{{ReLU}}({t})", [0, v], [act.relu(v)], where=eid)
        expect(lines, rf"\sigma(\mathbf{{z}})_{{{i + 1}}}", [v, e.sum()], [e[i], e.sum()],
               [soft[i]], where=eid)
    expect(lines, r"\textstyle\sum_j e^{z_j}", list(z), [e.sum()], where=eid)


def test_network_lines_are_the_references():
    """N2: z_A, z_B from inputs, weights and bias; A, B = S(z); z_C, z_D from A, B; softmax."""
    p = net.parameters()
    z_hidden = fw.affine(p["X"], p["w1"], p["b1"])[0]
    hidden, output = net.forward_pass(**p)
    z_out = fw.affine(hidden, p["w2"], p["b2"])[0]
    hidden, output = hidden[0], output[0]
    e = np.exp(z_out)
    text = worked.markdown("N2")
    lines = lines_by_label(text)
    for k, node in enumerate(net.HIDDEN):
        operands = [v for i in net.INPUTS for v in (net.INPUTS[i], net.EDGES[(i, node)])]
        expect(lines, f"z_{node}", operands + [net.BIAS], [z_hidden[k]], where="N2")
        expect(lines, node, [], [1, 1, -z_hidden[k]], [hidden[k]], where="N2")
    for k, node in enumerate(net.OUTPUT):
        weights = [v for h in net.HIDDEN for v in (net.EDGES[(h, node)],)]
        operands = [v for j, h in enumerate(net.HIDDEN) for v in (hidden[j], net.EDGES[(h, node)])]
        expect(lines, f"z_{node}", weights + [net.BIAS], operands + [net.BIAS], [z_out[k]],
               where="N2")
        expect(lines, f"e^{{z_{node}}}", [z_out[k]], [e[k]], where="N2")
        expect(lines, node, [], [e[k], e.sum()], [output[k]], where="N2")
    assert lines["C + D"] and numbers(lines["C + D"][0]) == [shown(output.sum())]


def test_prediction_line_is_the_reference():
    """N3: C and D as reference.network computes them, the larger one named, its label."""
    values = net.node_values()
    text = worked.markdown("N3")
    (chain,) = [c for c in equations(text) if c[0][1] == "C"]
    assert [numbers(side) for _, side in chain[1:]] == [[shown(values["C"])], [],
                                                         [shown(values["D"])]]
    assert f'predicts "{net.prediction()}"' in text


def _descent_step(text, X, y, w, b, eta, where):
    """The MSE step's lines: yhat_i, r_i, dL/dw_j, dL/db, w_j and b after the step, against
    reference.descent (mse_gradients, gd_step)."""
    X, y, w = np.asarray(X, float), gd.column(y), gd.column(w)
    n = X.shape[0]
    yhat = fw.affine(X, w, b)
    r = yhat - y
    dw, db = gd.mse_gradients(X, y, w, b)
    w1, b1 = gd.gd_step(X, y, w, b, eta)
    lines = lines_by_label(text)
    for i in range(n):
        operands = [v for j in range(X.shape[1]) for v in (X[i, j], w[j, 0])] + [b]
        expect(lines, rf"\hat{{y}}_{{{i + 1}}}", operands, [yhat[i, 0]], where=where)
        expect(lines, rf"r_{{{i + 1}}}", [], [yhat[i, 0], y[i, 0]], [r[i, 0]], where=where)
    for j in range(X.shape[1]):
        operands = [2, n] + [v for i in range(n) for v in (X[i, j], r[i, 0])]
        expect(lines, rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}}", operands,
               [dw[j, 0]], where=where)
        expect(lines, rf"w_{{{j + 1}}}^{{(1)}}", [w[j, 0], eta, dw[j, 0]], [w1[j, 0]], where=where)
    expect(lines, r"\frac{\partial \mathcal{L}}{\partial b}", [2, n] + list(r[:, 0]), [db],
           where=where)
    expect(lines, "b^{(1)}", [b, eta, db], [b1], where=where)


def test_mini_batch_step_lines_are_the_references():
    """G1: the first batch's predictions, residuals, gradients and step."""
    X, y = cat.TOY_X[:3], cat.TOY_Y[:3]
    _descent_step(worked.markdown("G1"), X, y, cat.W0, cat.B0, cat.ETA, "G1")


def table(text, header):
    """The rows of the pipe table whose header row starts with `header`, as lists of cells."""
    lines = text.splitlines()
    start = next(k for k, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line.strip("|").split("|"))
    return rows


def test_sgd_lines_and_tables_are_the_references():
    """G3: step 1 in full, then for each k: x_k, y_k, yhat_k, r_k, the gradients at the
    parameters after k - 1 steps (reference.descent.sgd_steps) and the parameters after k."""
    X, y = cat.TOY_X, cat.TOY_Y
    text = worked.markdown("G3")
    _descent_step(text, X[:1], y[:1], cat.W0, cat.B0, cat.ETA, "G3 step 1")
    rows = table(text, "|$k$|$\\mathbf{x}_k$")
    after = table(text, "|$k$|$w_1^{(k)}$")
    assert len(rows) == len(after) == X.shape[0]
    for k in range(X.shape[0]):
        w, b = gd.sgd_steps(X, y, cat.W0, cat.B0, cat.ETA, k)
        w_next, b_next = gd.sgd_steps(X, y, cat.W0, cat.B0, cat.ETA, k + 1)
        xk, yk = X[k:k + 1], y[k:k + 1]
        yhat = fw.affine(xk, w, b)[0, 0]
        dw, db = gd.mse_gradients(xk, yk, w, b)
        want = [k + 1, *xk[0], yk[0, 0], yhat, yhat - yk[0, 0], dw[0, 0], dw[1, 0], db]
        got = [float(v) for cell in rows[k] for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", cell)]
        assert got == [shown(v) for v in want], f"G3 table row {k + 1}: {got}, reference {want}"
        got = [float(cell) for cell in after[k]]
        want = [k + 1, w_next[0, 0], w_next[1, 0], b_next]
        assert got == [shown(v) for v in want], f"G3 parameters after step {k + 1}: {got}, " \
                                                f"reference {want}"


def test_learning_rate_table_is_the_references():
    """G4: for each rate, the batch losses of reference mini-batch descent (batches of 3,
    30 iterations, tol = 0, rng seed 0): first, after 10 steps, last."""
    rows = table(worked.markdown("G4"), "|η|")
    assert [float(r[0]) for r in rows] == list(cat.G4_RATES)
    for eta, row in zip(cat.G4_RATES, rows):
        losses = []
        with np.errstate(all="ignore"):
            gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=3, eta=eta, max_iter=30,
                                   tol=0.0, rng=np.random.default_rng(0), losses=losses)
        want = [losses[0], losses[10], losses[-1]]
        assert [float(v) for v in row[1:]] == [shown(v) for v in want], \
            f"G4, eta = {eta}: the table shows {row[1:]}, the reference's losses are {want}"


def test_g2_result_is_the_references():
    """G2: w and b after 1000 iterations of reference mini-batch descent (seed 0), and the truth."""
    w, b = gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=3, eta=0.1, max_iter=1000,
                                  tol=0.0, rng=np.random.default_rng(0))
    lines = lines_by_label(worked.markdown("G2"))
    expect(lines, r"\mathbf{w}", [*np.ravel(w)], where="G2")
    expect(lines, "b", [b], where="G2")
    expect(lines, r"\mathbf{w}_{\text{true}}", [*np.ravel(gd.W_TRUE)], where="G2")


def test_logistic_steps_are_the_references():
    """G5, steps 1 to 3: z_i, p_i = S(z_i), p_i - y_i, the gradients (1/N) X^T (p - y) and
    (1/N) 1^T (p - y), and the parameters after the step (reference logistic descent)."""
    X, y = gd.LOGISTIC_X, gd.LOGISTIC_Y
    n = X.shape[0]
    steps = chunks(worked.markdown("G5"))
    assert len(steps) == 3
    for t, text in enumerate(steps):
        where = f"G5 step {t + 1}"
        w, b = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0, b=cat.LOG_B0,
                                            max_iter=t)
        w1, b1 = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0, b=cat.LOG_B0,
                                              max_iter=t + 1)
        z = fw.affine(X, w, b)
        p = act.sigmoid(z)
        dw, db = gd.cross_entropy_gradients(X, y, w, b)
        lines = lines_by_label(text)
        for i in range(n):
            operands = [v for j in range(X.shape[1]) for v in (X[i, j], w[j, 0])] + [b]
            expect(lines, f"z_{{{i + 1}}}", operands, [z[i, 0]], where=where)
            expect(lines, f"p_{{{i + 1}}}", [z[i, 0]], [p[i, 0]], where=where)
            expect(lines, f"p_{{{i + 1}}} - y_{{{i + 1}}}", [p[i, 0], y[i, 0]],
                   [p[i, 0] - y[i, 0]], where=where)
        for j in range(X.shape[1]):
            operands = [1, n] + [v for i in range(n) for v in (X[i, j], p[i, 0] - y[i, 0])]
            expect(lines, rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}}",
                   operands, [dw[j, 0]], where=where)
        expect(lines, r"\frac{\partial \mathcal{L}}{\partial b}", [1, n, *(p - y)[:, 0]], [db],
               where=where)
        expect(lines, rf"\mathbf{{w}}^{{({t + 1})}}", [*w[:, 0], cat.ETA, *dw[:, 0]],
               [*w1[:, 0]], where=where)
        expect(lines, rf"b^{{({t + 1})}}", [b, cat.ETA, db], [b1], where=where)


def test_line_descent_steps_are_the_references():
    """B2, steps 1 to 3: residuals r_i = w x_i + b - y_i, dL/dw = (2/N) sum r_i x_i,
    dL/db = (2/N) sum r_i, and theta after the step (reference.backprop.line_thetas)."""
    x, y, eta = bp.LINE_X, bp.LINE_Y, bp.LINE_ETA
    n = len(x)
    thetas = [bp.THETA0] + bp.line_thetas(3)
    steps = chunks(worked.markdown("B2"))
    assert len(steps) == 3
    for k, text in enumerate(steps):
        where = f"B2 step {k + 1}"
        (w, b), (w1, b1) = thetas[k], thetas[k + 1]
        r = w * x + b - y
        dw, db = 2 * np.mean(r * x), 2 * np.mean(r)
        lines = lines_by_label(text)
        for i in range(n):
            expect(lines, f"r_{{{i + 1}}}", [w, x[i], b, y[i]], [r[i]], where=where)
        expect(lines, r"\frac{\partial \mathcal{L}}{\partial w}",
               [2, n] + [v for i in range(n) for v in (r[i], x[i])], [dw], where=where)
        expect(lines, r"\frac{\partial \mathcal{L}}{\partial b}", [2, n, *r], [db], where=where)
        expect(lines, f"w^{{({k + 1})}}", [w, eta, dw], [w1], where=where)
        expect(lines, f"b^{{({k + 1})}}", [b, eta, db], [b1], where=where)
        expect(lines, rf"\theta^{{({k + 1})}}", [w1, b1], where=where)


@pytest.mark.parametrize("eid", ["B5", "B6"])
def test_training_lines_are_the_references(eid):
    """B5, B6: the loss at the start and at the trained weights (reference.backprop.loss on the
    lab's data), the trained weights of the catalogue and the true ones."""
    W1, w2 = (item.expected for item in CATALOGUE[eid].items)
    X, y = bp.synthetic_data()
    text = worked.markdown(eid)
    before, after = bp.loss(X, y, bp.W1_START, bp.W2_START), bp.loss(X, y, W1, w2)
    match = re.search(r"The loss falls from \$(.*?)\$ to \$(.*?)\$", text)
    assert match, f"{eid}: no sentence on the loss"
    assert [numbers(g) for g in match.groups()] == [[shown(before)], [shown(after)]]
    lines = lines_by_label(text)
    expect(lines, r"\mathbf{W}_1", [*np.ravel(W1)], where=eid)
    expect(lines, r"\mathbf{w}_2", [*np.ravel(w2)], where=eid)


def test_shapes_are_read_as_the_reference_reads_them():
    """F4: an n x p matrix has n observations (rows) and p inputs (columns)."""
    text = worked.markdown("F4")
    for shape in ((2, 3), (3, 2)):
        n, p = fw.architecture(shape)
        assert f"{n} rows, so {n} observations; {p} columns, so {p} inputs" in text


# ---------------------------------------------------------------- symbolic derivations
def _expanded(expr, model):
    """`expr` with the model's intermediate names (z, p, a1_1, y_hat, ...) written out, and
    every symbol matched by name with the model's own."""
    by_name = {**model.symbols}
    expr = sp.sympify(expr)
    for _ in range(len(model.intermediates) + 2):
        subs = {}
        for s in expr.free_symbols:
            if s.name in model.intermediates:
                subs[s] = model.intermediates[s.name]
            elif s.name in by_name and s is not by_name[s.name]:
                subs[s] = by_name[s.name]
        if not subs:
            break
        expr = expr.xreplace(subs)
    return expr


def _model(eid):
    from autograder.reference import derivatives as D
    return {"G6": D.logistic, "B1": D.line, "B3": D.network}[eid]()


def _same(a, b, model, domain, rng, what, points=20):
    """Assert that expressions a and b (intermediate names allowed) agree at random points."""
    symbols = tuple(model.symbols.values())
    a, b = _expanded(a, model), _expanded(b, model)
    unknown = (a.free_symbols | b.free_symbols) - set(symbols)
    assert not unknown, f"{what}: unknown symbols {sorted(map(str, unknown))}"
    f = sp.lambdify(symbols, [a, b], "math")
    for _ in range(points):
        point = [float(sample(domain.get(s.name, DEFAULT), rng, 1)[0]) for s in symbols]
        got, want = f(*point)
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), \
            f"{what} is {got} at {dict(zip(map(str, symbols), point))}, it should be {want}"


def _sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def independent_factors(eid, m):
    """{factor name: the derivative it stands for}, each by sympy.diff here, from the lab's loss
    and forward pass (the model's symbols and intermediate expressions)."""
    U = sp.Symbol("U", real=True)                 # a fresh symbol to differentiate through
    out = {}
    if eid == "G6":
        y = m["y"]
        out["dCE/dp"] = sp.diff(-(y * sp.log(U) + (1 - y) * sp.log(1 - U)), U).subs(U, m["p"])
        out["dp/dz"] = sp.diff(_sigmoid(U), U).subs(U, m["z"])
        out.update({f"dz/d{t}": sp.diff(m["z"], m[t]) for t in ("w1", "w2", "b")})
    elif eid == "B1":
        n = len(bp.LINE_X)
        for i, (x, y) in enumerate(zip(bp.LINE_X, bp.LINE_Y)):
            x, y = sp.Rational(x), sp.Rational(y)
            yhat_i = m["w"] * x + m["b"]
            out[f"dL/dyhat{i + 1}"] = sp.diff((U - y) ** 2 / n, U).subs(U, yhat_i)
            out[f"dyhat{i + 1}/dw"] = sp.diff(yhat_i, m["w"])
            out[f"dyhat{i + 1}/db"] = sp.diff(yhat_i, m["b"])
    elif eid == "B3":
        out["dL/dy_hat"] = sp.diff((U - m["y"]) ** 2, U).subs(U, m["y_hat"])
        out["dy_hat/dz2_1"] = sp.diff(sp.exp(U), U).subs(U, m["z2_1"])
        for j in (1, 2):
            A = sp.Symbol(f"A{j}", real=True)
            z2 = m["z2_1"].subs(m[f"a1_{j}"], A)
            out[f"dz2_1/da1_{j}"] = sp.diff(z2, A).subs(A, m[f"a1_{j}"])
            out[f"da1_{j}/dz1_{j}"] = sp.diff(_sigmoid(U), U).subs(U, m[f"z1_{j}"])
            out[f"dz2_1/dw2_{j}1"] = sp.diff(m["z2_1"], m[f"w2_{j}1"])
            out.update({f"dz1_{j}/dw1_{i}{j}": sp.diff(m[f"z1_{j}"], m[f"w1_{i}{j}"])
                        for i in (1, 2, 3)})
    return out


@pytest.mark.parametrize("eid", cat.with_kind("symbolic"))
def test_symbolic_derivations_equal_the_references(eid):
    """Each derivative the worked chain rule arrives at equals the catalogue's reference
    (sympy.diff of the loss) at 20 random points of the item's domain, and the text shows it."""
    model = _model(eid)
    derived = worked.derivation(eid)
    items = [item for item in CATALOGUE[eid].items if item.kind.name == "symbolic"]
    assert items and {item.name for item in items} <= set(derived), \
        f"{eid}: derived {sorted(derived)}, the catalogue asks for {[i.name for i in items]}"
    text = worked.markdown(eid)
    rng = np.random.default_rng(1)
    for item in items:
        _same(derived[item.name], item.expected, model, item.options.get("domain", {}), rng,
              f"{eid}: the worked derivation of {item.name}")
        assert worked.sym_latex(derived[item.name]) in text, \
            f"{eid}: the derived {item.name} is not the one the text shows"


@pytest.mark.parametrize("eid", cat.with_kind("symbolic"))
def test_symbolic_answer_lines_show_the_derived_form_as_the_grader_judges_it(eid):
    """The Answer line of each item is the form the derivation reaches (not sympy.diff's raw
    output), and the grader's own symbolic check (autograder.checks.symbolic) finds it equal to the
    reference; the same check finds a changed derivation unequal."""
    derived = worked.derivation(eid)
    answer = worked.markdown(eid).split("**Answer.**")[1]
    lines = {m[1]: m[2] for m in re.finditer(r"^\* `(\w+)` \$= (.*)\$$", answer, re.M)}
    items = [item for item in CATALOGUE[eid].items if item.kind.name == "symbolic"]
    assert set(lines) == {item.name for item in items}
    for item in items:
        assert lines[item.name] == worked.sym_latex(derived[item.name]), item.name
        _, verdict = worked.confirmed(CATALOGUE[eid], derived)[item.name]
        assert verdict.score == 1, (item.name, verdict.message)
        changed = {**derived, item.name: 2 * derived[item.name] + 1}
        _, verdict = worked.confirmed(CATALOGUE[eid], changed)[item.name]
        assert verdict.score == 0, item.name
        with pytest.raises(AssertionError, match=item.name):
            symbolic._symbolic_answer(CATALOGUE[eid], changed)
    if eid in ("G6", "B3"):      # sympy.diff's own form is longer than the derivation's end
        raw = [worked.sym_latex(sp.sympify(item.expected)) for item in items]
        assert not any(r in answer and r not in lines.values() for r in raw)


@pytest.mark.parametrize("eid", cat.with_kind("symbolic"))
def test_symbolic_chain_rule_factors_are_right(eid):
    """Each factor of the chain rule the text writes out is the derivative it names (by
    sympy.diff here), the text writes each product of factors as it is, and the sum of the
    products is the result."""
    model = _model(eid)
    derived, chains = worked.derivation(eid), worked.chain_rule(eid)
    domains = {item.name: item.options.get("domain", {}) for item in CATALOGUE[eid].items}
    truth = independent_factors(eid, model)
    text = worked.markdown(eid)
    rng = np.random.default_rng(2)
    assert set(chains) == set(derived)
    for name, terms in chains.items():
        domain = domains.get(name, {})
        total = sp.Add(*(sp.Mul(*(expr for _, expr in term)) for term in terms))
        _same(total, derived[name], model, domain, rng, f"{eid}: the product of the factors of {name}",
              points=6)
        for term in terms:
            for factor, expr in term:
                if factor in derived:                          # a delta used further down
                    _same(expr, derived[factor], model, domain, rng,
                          f"{eid}: the factor {factor} of {name}", points=6)
                    continue
                assert factor in truth, f"{eid}: unknown chain-rule factor {factor}"
                _same(expr, truth[factor], model, domain, rng,
                      f"{eid}: the factor {factor} of {name}", points=6)
            # the text multiplies exactly these factors (a delta is written as its symbol)
            shown = r" \cdot ".join(symbolic._paren(expr) for factor, expr in term
                                    if factor not in derived and expr != 1)
            assert shown in text, f"{eid}: the product {shown} of {name} is not in the text"


# ---------------------------------------------------------------- the formatter and "=" / "≈"
@pytest.mark.parametrize("value,text", [
    (float("nan"), "nan"), (float("inf"), "inf"), (-float("inf"), "-inf"), (0.0, "0"),
    (9.9e-13, "0"), (-9.9e-13, "0"), (1e-12, "1e-12"), (-6.0, "-6"), (3, "3"),
    (4.266666666, "4.26667"), (1.6000000000000003, "1.6"), (4.139937718785167e-08, "4.13994e-8"),
    (123456789.0, "1.23457e8"), (-2.5e-5, "-2.5e-5"), (0.000123, "0.000123")])
def test_fmt_writes_six_significant_figures_in_plain_text(value, text):
    assert worked.fmt(value) == text


@pytest.mark.parametrize("value, text", [(np.tanh(8), "0.9999998"), (-np.tanh(9), "-0.99999997"),
                                         (1 + np.exp(-16), "1.0000001"), (0.9999994, "0.999999"),
                                         (1.0, "1"), (-3.0, "-3"), (162753.79, "162754")])
def test_fmt_prints_no_number_below_10_that_is_not_whole_as_whole(value, text):
    assert worked.fmt(value) == text


@pytest.mark.parametrize("eid", ["A1", "A2"])
def test_no_activation_in_an_open_range_is_shown_as_its_bound(eid):
    """tanh's and the sigmoid's values lie in open intervals: none is shown as 1, -1 or 0."""
    text = worked.markdown(eid)
    shown = re.findall(r"(?:\\approx|=) (-?[\d.]+)(?= \\\\|\n|$)", text, re.M)
    assert shown
    answers = text.split("**Answer.**")[1]
    for name in ("sigmoid", "tanh"):
        line = re.search(rf"`{name}_\d` \$= (.*)\$", answers)[1]
        assert not re.search(r"(?<![\d.])-?[01](?![\d.])", line), line
    for number in shown:
        assert number not in ("1", "-1") or "ReLU" in text, number


def test_fmt_takes_the_digits_asked_for():
    assert worked.fmt(1 / 3, digits=2) == "0.33" and worked.fmt(2 / 3, 3) == "0.667"


@pytest.mark.parametrize("values,relation", [
    ((3.0,), "="), ((-6.0, 43.0), "="), ((0.5, 1.6000000000000003), "="),
    ((1 / 3,), r"\approx"), ((2.0, 1 / 3), r"\approx"), ((1234.56789,), r"\approx"),
    # float noise: within 1e-12 (relative above 1) of the printed value is exact, not beyond
    ((0.1 + 0.5e-12,), "="), ((0.1 + 1.5e-12,), r"\approx"), ((-0.1 - 1.5e-12,), r"\approx"),
    ((1e6 + 1.5e-7,), "="), ((1e6 + 2e-6,), r"\approx"), ((3, 4), "=")])
def test_eq_says_approx_exactly_when_rounding_hides_digits(values, relation):
    assert worked.eq(*values) == relation


@pytest.mark.parametrize("eid", list(cat.FORWARD_GIVEN))
def test_whole_number_steps_are_equalities(eid):
    """The forward exercises have whole-number data: every step is exact, none approximate."""
    ex = cat.exercise(eid)
    assert all(np.array_equal(v, np.round(v)) for v in ex.given.values())
    text = worked.markdown(eid)
    assert r"\approx" not in text
    assert len(re.findall(r"z_\{\d+\} &= ", text)) == len(ex.given[next(iter(ex.given))])


# ---------------------------------------------------------------- the words
def test_the_worked_text_is_the_committed_one():
    """Every word, number and listing of the worked solutions, as solutions/worked.md holds it."""
    committed = (Path(__file__).resolve().parent.parent / documents.WORKED_TEXT).read_text()
    fresh = sheets.worked_text()
    if fresh != committed:
        diff = difflib.unified_diff(committed.splitlines(), fresh.splitlines(), "committed",
                                    "the worked steps now", n=1, lineterm="")
        pytest.fail("solutions/worked.md differs from the worked steps: rebuild the documents "
                    "with: python -m course.documents .\n" + "\n".join(list(diff)[:30]))
    assert [f"<!-- worked solution of {eid} -->" for eid in CATALOGUE] == \
        re.findall(r"<!-- worked solution of \w+ -->", committed)


# ---------------------------------------------------------------- code laid out for paper
def _without_docstrings(code):
    """The AST of `code` as text, each docstring's words joined by single spaces."""
    import ast
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = " ".join(node.value.split())
    return ast.dump(tree)


def _document_code():
    """Every code cell of the sheets and worked solutions, before it is laid out for paper."""
    import tempfile
    from unittest import mock
    out = []
    with mock.patch.object(sheets, "code_cell", lambda text: sheets.nbf.new_code_cell(text)):
        root = Path(__file__).resolve().parent.parent
        models = documents.model_answers(root)
        for nb in documents.release_notebooks(root, Path(tempfile.mkdtemp())).values():
            for doc in (sheets.exercise_sheet(nb), sheets.solution_notebook(nb, models)):
                out += [c.source for c in doc.cells if c.cell_type == "code" and c.source.strip()]
    return out


def test_reflow_keeps_the_code_and_fits_the_page():
    """Every code cell the documents print, laid out by `reflow`: the same program (the same
    syntax tree, docstrings' words included) with no line longer than the page's width; some of
    them had longer lines (the test would see a reflow that did nothing)."""
    cells = _document_code()
    assert any(len(line) > worked.WIDTH for code in cells for line in code.splitlines())
    for code in cells:
        laid = worked.reflow(code)
        assert _without_docstrings(laid) == _without_docstrings(code), code[:200]
        too_long = [line for line in laid.splitlines() if len(line) > worked.WIDTH]
        assert not too_long, too_long


@pytest.mark.parametrize("line, lines", [
    ("x = f(aaaa, bbbb, cccc)", ["x = f(aaaa, bbbb,", "      cccc)"]),
    ("y = g(h(aa, bb) + h(cc, dd))", ["y = g(h(aa, bb)", "      + h(cc, dd))"]),
    ("a(); b(); c()", ["a()", "b()", "c()"]),
    ("    # one two three four five", ["    # one two three", "    # four five"]),
])
def test_split_line_cuts_at_commas_operators_and_semicolons(line, lines):
    width = 18 if "aaaa" in line else 20
    assert blocks._split_line(line, width) == lines
