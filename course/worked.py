"""Worked solutions, step by step, computed from the catalogue and the reference maths.

`steps(exercise_id)` returns the working of one exercise as a list of `Block`s (Markdown with
LaTeX maths, code listings, figures).  Every result it shows (z = Xw + b, each activation, the
network's nodes, each descent step's gradients and parameters) is taken from the catalogue's given
data and the functions of `reference`, the code the grader uses; this module only lays the numbers
out, with the intermediate products and sums that lead to them, and ends each exercise with the
catalogue's own reference answers (`answers`).  The symbolic exercises (G6, B1, B3) derive every
chain-rule factor with `sympy.diff`; `derivation(exercise_id)` returns what they derive.

Nothing here checks itself: tests/test_worked.py recomputes every number and derivative shown
from the reference code and fails on any that disagrees.

Numbers are printed by one formatter, `fmt` (6 significant figures); the tests look for the
answers in the PDFs with the same formatter.
"""
import inspect
import io
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from autograder import catalogue as cat
from autograder.reference import activations as act, backprop as bp, descent as gd, forward as fw, \
    network as net

DIGITS = 6


# ---------------------------------------------------------------- numbers
def fmt(x, digits=DIGITS):
    """The one formatter of the documents: `digits` significant figures, plain text.

    Small and large numbers are written as `m` e `k` ("4.13994e-8"); `tex` prints those as
    m x 10^k, so a PDF shows the mantissa (`mantissa`).  Zero (and float noise below 1e-12) is
    "0"; integers have no decimal point.  A number below 10 in size that is not whole never
    prints as a whole number (tanh(8) = 0.9999998 lies in the open interval (-1, 1), and
    1 + e^-16 is not 1): it gets the digits it needs (up to 15; beyond that the float is whole).
    """
    x = float(x)
    if not np.isfinite(x):
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    if abs(x) < 1e-12:
        return "0"
    while abs(x) < 10 and x != round(x) and re.fullmatch(r"-?\d+", f"{x:.{digits}g}") and digits < 15:
        digits += 1
    s = f"{x:.{digits}g}"
    if "e" in s:
        mantissa, exponent = s.split("e")
        return f"{mantissa}e{int(exponent)}"
    return s


def mantissa(text):
    """The digits a PDF shows for a formatted number: "4.13993e-8" -> "4.13993"."""
    return text.split("e")[0]


def tex(x):
    """A number in LaTeX, formatted by `fmt`."""
    s = fmt(x)
    if "e" in s and s[-1].isdigit():
        m, e = s.split("e")
        return rf"{m} \times 10^{{{e}}}"
    return s


def par(x):
    """`tex(x)`, in parentheses when negative (for a factor of a product)."""
    return rf"({tex(x)})" if float(x) < 0 else tex(x)


def eq(*values):
    """"=" when every value is printed exactly (up to float noise), "\\approx" when rounding
    hides digits."""
    exact = all(abs(float(fmt(v)) - v) <= 1e-12 * max(1.0, abs(v))
                for v in np.ravel(values))
    return "=" if exact else r"\approx"


def tmat(value):
    """A pmatrix of the formatted entries (a number for a scalar)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return tex(a)
    rows = a.reshape(a.shape[0], -1) if a.ndim == 2 else a.reshape(1, -1)
    body = r" \\ ".join(" & ".join(tex(x) for x in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def pair(values):
    """"(a, b)" in plain text, for tables."""
    return "(" + ", ".join(fmt(v) for v in np.ravel(values)) + ")"


# ---------------------------------------------------------------- blocks
@dataclass(frozen=True)
class Block:
    """One piece of a worked solution: "markdown" (text), "code" (a listing) or "figure"."""
    kind: str
    text: str = ""
    png: bytes = b""
    pdf: bytes = b""


def md(*parts):
    return Block("markdown", "\n".join(p.strip("\n") for p in parts))


def display(*lines):
    """Display maths: one equation per line, aligned at the first "=" of each when several."""
    if len(lines) == 1:
        return "$$\n" + lines[0] + "\n$$"
    body = " \\\\\n".join(line.replace("=", "&=", 1) for line in lines)
    return "$$\n\\begin{aligned}\n" + body + "\n\\end{aligned}\n$$"


def _literal(value):
    """Python source of a constant of the reference code: a number, a dict of numbers, an array."""
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    return repr(value)


def _dependencies(function):
    """(constants, functions) of the reference code that `function`'s source names (its body and
    its default values), beyond NumPy and the builtins."""
    import ast
    names = {node.id for node in ast.walk(ast.parse(inspect.getsource(function)))
             if isinstance(node, ast.Name)}
    constants, functions = {}, []
    for name in sorted(names - {function.__name__}):
        value = function.__globals__.get(name)
        if value is None or inspect.ismodule(value):
            continue
        if inspect.isfunction(value):
            functions.append(value)
        else:
            constants[name] = value
    return constants, functions


def listing(*functions):
    """The source code of reference functions, as the grader runs them, with whatever else of the
    reference code they name (helper functions, constants such as the starting weights), so the
    listing runs as printed in the notebook's kernel (which has NumPy as `np`)."""
    chosen, constants, k = list(functions), {}, 0
    while k < len(chosen):
        consts, helpers = _dependencies(chosen[k])
        constants.update(consts)
        chosen += [h for h in helpers if h not in chosen]
        k += 1
    head = "\n".join(f"{name} = {_literal(value)}" for name, value in constants.items())
    body = "\n\n".join(reflow(inspect.getsource(f).rstrip()) for f in chosen)
    return Block("code", (head + "\n\n" if head else "") + body)


WIDTH = 80   # the longest code line a PDF sets without wrapping it


def _wrap_docstrings(code, width):
    """Each triple-quoted string that stands alone (a docstring) re-filled to `width`, paragraph by
    paragraph (a paragraph ends at a blank line)."""
    import textwrap
    lines, out, k = code.splitlines(), [], 0
    while k < len(lines):
        line = lines[k]
        stripped = line.strip()
        end = k
        if stripped.startswith('"""') and stripped.count('"""') == 1:
            while end + 1 < len(lines) and '"""' not in lines[end + 1]:
                end += 1
            end += 1
        if stripped.startswith('"""') and any(len(d) > width for d in lines[k:end + 1]):
            indent = line[:len(line) - len(line.lstrip())]
            text = "\n".join(lines[k:end + 1]).strip()[3:-3]
            paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
            filled = [textwrap.fill(p, width - len(indent) - 3, break_on_hyphens=False,
                                    break_long_words=False) for p in paragraphs]
            body = "\n\n".join(filled)
            doc = ('"""' + body + '"""').splitlines()
            if len(indent + doc[-1]) > width:
                doc[-1:] = [doc[-1][:-3], '"""']
            out += [indent + d if d else "" for d in doc]
            k = end + 1
            continue
        out.append(line)
        k += 1
    return "\n".join(out)


def _split_line(line, width):
    """A code line cut to `width`: inside brackets, after a comma or before a `+ - @ *` between
    operands, the shallowest such place that fits (the last of those), the rest aligned after
    the innermost bracket open there; after each "; " (the next statement on its own line, at
    the line's indent); a comment re-filled.  A line with no such place is left as it is."""
    import textwrap
    indent = len(line) - len(line.lstrip())
    if line.lstrip().startswith("#"):
        if len(line) <= width:
            return [line]
        prefix = " " * indent + "# "
        return textwrap.wrap(line.lstrip()[1:].strip(), width, initial_indent=prefix,
                             subsequent_indent=prefix, break_on_hyphens=False)
    places, opens, quote = [], [], None     # (end of this piece, start of the next, bracket, ";")
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            opens.append(i)
        elif ch in ")]}" and opens:
            opens.pop()
        elif ch == "#":
            break
        elif ch == ";" and line[i + 1:i + 2] == " ":
            places.append((i, i + 2, None, True, 0))
        elif ch == "," and line[i + 1:i + 2] == " " and opens:
            places.append((i + 1, i + 2, opens[-1], False, len(opens)))
        elif ch in "+-@*" and line[i - 1:i] == " " and line[i + 1:i + 2] == " " and opens:
            places.append((i - 1, i, opens[-1], False, len(opens)))
    pieces, segments = [], [(0, 0)]          # each line's (start in `line`, its indent)

    def column(position):
        start, shift = max((s for s in segments if s[0] <= position), key=lambda s: s[0])
        return shift + position - start

    start, shift = 0, 0
    while True:
        fits = [p for p in places if p[1] > start and p[0] > start and shift + p[0] - start <= width]
        forced = [p for p in places if p[0] >= start and p[3]]
        if shift + len(line) - start <= width and not forced:
            break
        if forced and (not fits or forced[0][0] <= max(p[0] for p in fits)):
            chosen = forced[0]
        elif fits:
            shallowest = min(p[4] for p in fits)
            chosen = [p for p in fits if p[4] == shallowest][-1]
        else:
            break
        end, nxt, bracket, _, _ = chosen
        pieces.append(" " * shift + line[start:end].rstrip())
        shift = column(bracket) + 1 if bracket is not None else indent
        start = nxt
        while start < len(line) and line[start] == " ":
            start += 1
        segments.append((start, shift))
    pieces.append(" " * shift + line[start:])
    return pieces


def reflow(code, width=WIDTH):
    """Code laid out for paper: no line longer than `width` (docstrings re-filled, long lines cut
    after a comma inside brackets, statements after a semicolon on lines of their own)."""
    code = _wrap_docstrings(code, width)
    out = []
    for line in _logical_lines(code, width):
        out += _split_line(line, width)
    return "\n".join(out)


def _logical_lines(code, width):
    """The lines of `code` with each statement that runs over several lines inside brackets, one
    of them longer than `width`, joined into one (strings and comments left as they are)."""
    import tokenize
    lines = code.splitlines()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return lines
    joined, first = [], None
    spans = []                                   # (first row, last row) of bracketed statements
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.STRING) \
                and token.start[0] != token.end[0]:
            first = None                         # a string over several lines: leave it
            continue
        if token.type == tokenize.OP and token.string in "([{" and first is None:
            first = token.start[0]
        if token.type == tokenize.NEWLINE:
            if first is not None and token.start[0] > first and \
                    any(len(line) > width for line in lines[first - 1:token.start[0]]):
                spans.append((first, token.start[0]))
            first = None
    row = 1
    for start, end in spans:
        joined += lines[row - 1:start - 1]
        text = lines[start - 1]
        for more in lines[start:end]:
            text += ("" if text.endswith(("(", "[", "{")) else " ") + more.strip()
        joined.append(text)
        row = end + 1
    return joined + lines[row - 1:]


def figure(draw, size=(6.4, 3.6)):
    """Render `draw(ax)` as PNG (for HTML) and PDF (for LaTeX)."""
    from matplotlib.figure import Figure     # no pyplot figure: any backend, no global state
    fig = Figure(figsize=size)
    ax = fig.subplots()
    draw(ax)
    out = {}
    for kind in ("png", "pdf"):
        buf = io.BytesIO()
        meta = {"CreationDate": None} if kind == "pdf" else {"Software": None}
        fig.savefig(buf, format=kind, dpi=150, bbox_inches="tight", metadata=meta)
        out[kind] = buf.getvalue()
    return Block("figure", png=out["png"], pdf=out["pdf"])


@lru_cache(maxsize=None)
def network_figure():
    """The network of Part 3, drawn from the reference's weights."""
    from autograder.figures import draw_network
    return figure(lambda ax: draw_network(ax=ax), size=(7, 4.2))


def loss_curves(rates=cat.G4_RATES, batch_size=3, iterations=30, seed=0):
    """{eta: batch losses} of the reference mini-batch descent on the toy data, tol off."""
    curves = {}
    with np.errstate(all="ignore"):
        for eta in rates:
            losses = []
            gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=batch_size, eta=eta,
                                   max_iter=iterations, tol=0.0, rng=np.random.default_rng(seed),
                                   losses=losses)
            curves[eta] = losses
    return curves


@lru_cache(maxsize=None)
def loss_figure():
    from autograder.figures import plot_losses
    curves = loss_curves()
    return figure(lambda ax: plot_losses(curves, ax=ax))


# ---------------------------------------------------------------- answers
OUTPUT_NAMES = {"forward_pass": ("hidden", "output"), "lr_gradient_descent": ("w", "b"),
                "logistic_gradient_descent": ("w", "b"), "backprop_gradients": ("dW1", "dw2")}


def _outputs(item, value):
    value = value if isinstance(value, tuple) else (value,)
    names = OUTPUT_NAMES.get(item.name, tuple(f"output {k + 1}" for k in range(len(value))))
    if len(value) == 1:
        names = (item.name + "(z)",)
    return names, value


def function_results(ex):
    """The reference's output on each case the student sees (never the hidden ones)."""
    lines = []
    for item in ex.items:
        if item.kind.name != "function":
            continue
        for case in item.cases:
            if case.hidden:
                continue
            names, values = _outputs(item, case.expected())
            shown = ", \\quad ".join(rf"\texttt{{{n.replace('_', chr(92) + '_')}}} = {tmat(v)}"
                                     for n, v in zip(names, values))
            lines.append(f"`{item.name}` on {case.label}:\n\n" + display(shown))
    return lines


def answers(ex):
    """The catalogue's reference answers of an exercise, as the grader holds them."""
    out = []
    for item in ex.items:
        line = item.kind.worked(item, tmat)
        if line:
            out.append(line)
    blocks = []
    if out:
        blocks.append(md("**Answer.**", "", *out))
    results = function_results(ex)
    if results:
        blocks.append(md("**Results of the reference implementation.**", "", "\n\n".join(results)))
    return blocks


# ---------------------------------------------------------------- 01 forward pass
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


# ---------------------------------------------------------------- 02 activations
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


# ---------------------------------------------------------------- 03 network output
def _n1():
    ex = cat.exercise("N1")
    p = cat.NETWORK
    return [md(
        "Read the matrices off the network's figure. $\\mathbf{X}$ holds the inputs $x_1, x_2, x_3$ as one "
        "row (one observation). Row $i$ of $\\mathbf{w}_1$ holds the weights leaving $x_i$, column 1 "
        "those into A and column 2 those into B; row $j$ of $\\mathbf{w}_2$ holds the weights "
        "leaving the hidden node A or B, column 1 into C and column 2 into D. Every hidden and "
        "output node has bias 1:", "",
        display(rf"\mathbf{{X}} = {tmat(p['X'])}, \quad \mathbf{{w}}_1 = {tmat(p['w1'])}, \quad "
                rf"\mathbf{{b}}_1 = {tmat(p['b1'])}, \quad \mathbf{{w}}_2 = {tmat(p['w2'])}, \quad "
                rf"\mathbf{{b}}_2 = {tmat(p['b2'])}"))] + answers(ex)


def _n2():
    ex = cat.exercise("N2")
    p = cat.NETWORK
    inputs = list(net.INPUTS)
    z_hidden = fw.affine(p["X"], p["w1"], p["b1"])[0]
    hidden, output = net.forward_pass(**p)
    z_out = fw.affine(hidden, p["w2"], p["b2"])[0]
    hidden, output = hidden[0], output[0]
    lines = []
    for k, node in enumerate(net.HIDDEN):
        terms = " + ".join(rf"{tex(net.INPUTS[i])} \cdot {par(net.EDGES[(i, node)])}" for i in inputs)
        lines.append(rf"z_{node} = {terms} + {tex(net.BIAS)} {eq(z_hidden[k])} {tex(z_hidden[k])}")
    sig = [rf"{node} = S(z_{node}) = \frac{{1}}{{1 + e^{{{tex(-z_hidden[k])}}}}} {eq(hidden[k])} "
           rf"{tex(hidden[k])}" for k, node in enumerate(net.HIDDEN)]
    out_lines = []
    for k, node in enumerate(net.OUTPUT):
        terms = " + ".join(rf"{tex(hidden[j])} \cdot {par(net.EDGES[(h, node)])}"
                           for j, h in enumerate(net.HIDDEN))
        symbolic = " + ".join(rf"{h} \cdot {tex(net.EDGES[(h, node)])}" for h in net.HIDDEN)
        out_lines.append(rf"z_{node} = {symbolic} + {tex(net.BIAS)} = {terms} + {tex(net.BIAS)} "
                         rf"{eq(z_out[k])} {tex(z_out[k])}")
    e = np.exp(z_out)
    soft = [rf"e^{{z_{node}}} = e^{{{tex(z_out[k])}}} {eq(e[k])} {tex(e[k])}"
            for k, node in enumerate(net.OUTPUT)]
    soft += [rf"{node} = \frac{{e^{{z_{node}}}}}{{e^{{z_C}} + e^{{z_D}}}} = "
             rf"\frac{{{tex(e[k])}}}{{{tex(e.sum())}}} {eq(output[k])} {tex(output[k])}"
             for k, node in enumerate(net.OUTPUT)]
    return [md(
        "**Hidden layer.** Each hidden node adds up its weighted inputs and its bias, "
        "$(z_A, z_B) = \\mathbf{X}\\mathbf{w}_1 + \\mathbf{b}_1$:", "", display(*lines), "",
        "and applies the sigmoid:", "", display(*sig), "",
        "**Output layer.** The same with the hidden values as inputs, "
        "$(z_C, z_D) = (A, B)\\,\\mathbf{w}_2 + \\mathbf{b}_2$:", "", display(*out_lines), "",
        "and softmax over the two output nodes:", "", display(*soft), "",
        rf"Check: $C + D = {tex(output.sum())}$.")] + answers(ex)


def _n3():
    ex = cat.exercise("N3")
    values = net.node_values()
    c, d = (values[n] for n in net.OUTPUT)
    winner = max(net.OUTPUT, key=values.get)
    relation = ">" if c > d else "<"
    return [md(rf"$C = {tex(c)} {relation} D = {tex(d)}$: node {winner} has the larger softmax "
               rf'value, so the network predicts "{net.LABELS[winner]}".')] + answers(ex)


def _n4():
    ex = cat.exercise("N4")
    return [md(
        "The forward pass is the two steps of N2 as matrix products: "
        "`hidden` $= S(\\mathbf{X}\\mathbf{w}_1 + \\mathbf{b}_1)$ and "
        "`output` $= \\sigma(\\text{hidden}\\,\\mathbf{w}_2 + \\mathbf{b}_2)$, softmax over each "
        "row (one row per observation). The reference implementation:"),
        listing(net.forward_pass, act.sigmoid, act.softmax_rows)] + answers(ex)


# ---------------------------------------------------------------- 04 gradient descent
def _mse_step(X, y, w, b, eta, index=""):
    """The lines of one gradient-descent step on the MSE: yhat, residual, gradient, update."""
    X, y, w = np.asarray(X, float), gd.column(y), gd.column(w)
    n = X.shape[0]
    yhat = fw.affine(X, w, b)
    r = yhat - y
    dw, db = gd.mse_gradients(X, y, w, b)
    w1, b1 = gd.gd_step(X, y, w, b, eta)
    coef = rf"\frac{{2}}{{{n}}}"
    yh = [rf"\hat{{y}}_{{{i + 1}}} = " + " + ".join(rf"{par(X[i, j])} \cdot {par(w[j, 0])}"
                                                    for j in range(X.shape[1]))
          + rf" + {par(b)} {eq(yhat[i, 0])} {tex(yhat[i, 0])}" for i in range(n)]
    res = [rf"r_{{{i + 1}}} = \hat{{y}}_{{{i + 1}}} - y_{{{i + 1}}} = {tex(yhat[i, 0])} - "
           rf"{par(y[i, 0])} {eq(r[i, 0])} {tex(r[i, 0])}" for i in range(n)]
    grads = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}} = {coef}\big("
             + " + ".join(rf"{par(X[i, j])} \cdot {par(r[i, 0])}" for i in range(n))
             + rf"\big) {eq(dw[j, 0])} {tex(dw[j, 0])}" for j in range(X.shape[1])]
    grads.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = {coef}\big("
                 + " + ".join(par(r[i, 0]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}")
    upd = [rf"w_{{{j + 1}}}^{{{index}}} = {tex(w[j, 0])} - {tex(eta)} \cdot {par(dw[j, 0])} "
           rf"{eq(w1[j, 0])} {tex(w1[j, 0])}" for j in range(X.shape[1])]
    upd.append(rf"b^{{{index}}} = {tex(b)} - {tex(eta)} \cdot {par(db)} {eq(b1)} {tex(b1)}")
    return yh, res, grads, upd


def _g1():
    ex = cat.exercise("G1")
    Xb, yb = cat.BATCH1
    yh, res, grads, upd = _mse_step(Xb, yb, cat.W0, cat.B0, cat.ETA, "(1)")
    return [md(
        rf"The first batch is $\mathbf{{X}}_{{1:3}} = {tmat(Xb)}$, "
        rf"$\mathbf{{y}}_{{1:3}} = {tmat(yb)}$ (with $\mathbf{{y}} = \mathbf{{X}}\mathbf{{w}}_"
        r"{\text{true}} + b_{\text{true}}$), "
        rf"$\mathbf{{w}}^{{(0)}} = {tmat(cat.W0)}$, $b^{{(0)}} = {tex(cat.B0)}$, "
        rf"$\eta = {tex(cat.ETA)}$.", "",
        "Predictions $\\hat{y}_i = \\mathbf{x}_i\\mathbf{w}^{(0)} + b^{(0)}$:", "", display(*yh), "",
        "Residuals:", "", display(*res), "",
        r"Gradients, $\frac{2}{N}\mathbf{X}^\top\mathbf{r}$ and $\frac{2}{N}\mathbf{1}^\top"
        r"\mathbf{r}$ with $N = 3$:", "", display(*grads), "",
        r"One step against the gradient, $\theta^{(1)} = \theta^{(0)} - \eta\, \partial"
        r"\mathcal{L}/\partial\theta$:", "", display(*upd))] + answers(ex)


def _g2():
    ex = cat.exercise("G2")
    w, b = gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=3, eta=0.1, max_iter=1000,
                                  tol=0.0, rng=np.random.default_rng(0))
    return [md(
        "The reference implementation follows the lab's algorithm: start from a column of ones "
        "and $b = 0$; in each of `max_iter` iterations shuffle the rows with `rng`, then walk "
        "through the $\\lfloor N / \\text{batch\\_size} \\rfloor$ full batches; for each batch "
        "compute the loss, stop at once if it differs from the previous batch's loss by less than "
        "`tol` (the first loss is compared with $+\\infty$), and otherwise take one step "
        "$\\mathbf{w} \\leftarrow \\mathbf{w} - \\eta\\frac{2}{N_b}\\mathbf{X}_b^\\top"
        "(\\hat{\\mathbf{y}}_b - \\mathbf{y}_b)$, "
        "$b \\leftarrow b - \\eta\\frac{2}{N_b}\\mathbf{1}^\\top(\\hat{\\mathbf{y}}_b - "
        "\\mathbf{y}_b)$. (Its extra argument `losses` only records the batch losses for plots.)"),
        listing(gd.lr_gradient_descent, gd.mse_gradients),
        md("With batches of 3, $\\eta = 0.1$, 1000 iterations, `tol = 0` and "
           "`rng = np.random.default_rng(0)` it recovers the true parameters "
           rf"$\mathbf{{w}}_{{\text{{true}}}} = {tmat(gd.W_TRUE)}$, "
           rf"$b_{{\text{{true}}}} = {tex(gd.B_TRUE)}$:", "",
           display(rf"\mathbf{{w}} = {tmat(w)}, \quad b = {tex(b)}"))] + answers(ex)


def _g3():
    ex = cat.exercise("G3")
    X, y = cat.TOY_X, cat.TOY_Y
    yh, res, grads, upd = _mse_step(X[:1], y[:1], cat.W0, cat.B0, cat.ETA, "(1)")
    # compact rows: pandoc keeps a pipe table's natural column widths when no line is long
    rows1 = ["|$k$|$\\mathbf{x}_k$|$y_k$|$\\hat{y}_k$|$r_k$|∂L/∂w₁|∂L/∂w₂|∂L/∂b|",
             "|--:|:-:|--:|--:|--:|--:|--:|--:|"]
    rows2 = ["|$k$|$w_1^{(k)}$|$w_2^{(k)}$|$b^{(k)}$|", "|--:|--:|--:|--:|"]
    # the parameters after k steps, k = 0 .. N, from the reference's stochastic descent
    params = [gd.sgd_steps(X, y, cat.W0, cat.B0, cat.ETA, k) for k in range(X.shape[0] + 1)]
    for k in range(X.shape[0]):
        xk, yk = X[k:k + 1], y[k:k + 1]
        (w, b), (w_next, b_next) = params[k], params[k + 1]
        yhat = fw.affine(xk, w, b).item()
        dw, db = gd.mse_gradients(xk, yk, w, b)
        rows1.append(f"|{k + 1}|{pair(xk)}|{fmt(yk[0, 0])}|{fmt(yhat)}|{fmt(yhat - yk[0, 0])}"
                     f"|{fmt(dw[0, 0])}|{fmt(dw[1, 0])}|{fmt(db)}|")
        rows2.append(f"|{k + 1}|{fmt(w_next[0, 0])}|{fmt(w_next[1, 0])}|{fmt(b_next)}|")
    return [md(
        r"With one observation per step the gradients are $2 r_k \mathbf{x}_k^\top$ and $2 r_k$, "
        r"where $r_k = \hat{y}_k - y_k$. The first step, from $\mathbf{w}^{(0)} = "
        rf"{tmat(cat.W0)}$, $b^{{(0)}} = {tex(cat.B0)}$, $\eta = {tex(cat.ETA)}$:", "",
        display(*yh, *res, *grads), "", display(*upd), "",
        "All twelve steps, taking the observations in their given order; step $k$ uses "
        "observation $k$ and the parameters after step $k - 1$:", "", *rows1, "",
        "The parameters after each step:", "", *rows2, "",
        "Step 1 gives `w_sgd_step1`, `b_sgd_step1`; step 12 (one pass over the data) gives "
        "`w_sgd_epoch1`, `b_sgd_epoch1`.")] + answers(ex)


def _g4():
    ex = cat.exercise("G4")
    curves = loss_curves()
    rows = ["|η|first batch loss|loss after 10 steps|last loss|", "|--:|--:|--:|--:|"]
    for eta, losses in curves.items():
        rows.append(f"|{fmt(eta)}|{fmt(losses[0])}|{fmt(losses[10])}|{fmt(losses[-1])}|")
    verdict = "diverges" if ex.items[0].expected else "does not diverge"
    return [md(
        "Mini-batch descent with batches of 3 on the toy data, 30 iterations (4 steps each), "
        "`tol` switched off, the same shuffling for every learning rate "
        "(`rng = np.random.default_rng(0)`):", "", *rows, "",
        rf"Small rates converge slowly, larger ones faster; at $\eta = 0.3$ each step overshoots "
        rf"and the loss grows without bound, so mini-batch descent {verdict}. The reference "
        "decides it over 20 different shufflings, all of which blow up."),
        loss_figure()] + answers(ex)


def _g5():
    ex = cat.exercise("G5")
    X, y = gd.LOGISTIC_X, gd.LOGISTIC_Y
    n = X.shape[0]
    w, b = cat.LOG_W0, cat.LOG_B0
    parts = [rf"Data $\mathbf{{X}} = {tmat(X)}$, $\mathbf{{y}} = {tmat(y)}$, start "
             rf"$\mathbf{{w}}^{{(0)}} = {tmat(w)}$, $b^{{(0)}} = {tex(b)}$, $\eta = {tex(cat.ETA)}$. "
             r"Each step computes $z_i = \mathbf{x}_i\mathbf{w} + b$, $p_i = S(z_i)$, the gradients "
             r"$\frac{1}{N}\mathbf{X}^\top(\mathbf{p} - \mathbf{y})$ and "
             r"$\frac{1}{N}\mathbf{1}^\top(\mathbf{p} - \mathbf{y})$, then the update.", ""]
    for t in range(3):
        # theta^(t) -> theta^(t + 1): the reference's descent, one step further each time
        w, b = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0, b=cat.LOG_B0,
                                            max_iter=t)
        w_new, b_new = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0,
                                                    b=cat.LOG_B0, max_iter=t + 1)
        z = fw.affine(X, w, b)
        p = act.sigmoid(z)
        dw, db = gd.cross_entropy_gradients(X, y, w, b)
        zl = [rf"z_{{{i + 1}}} = " + " + ".join(rf"{par(X[i, j])} \cdot {par(w[j, 0])}"
                                               for j in range(X.shape[1]))
              + rf" + {par(b)} {eq(z[i, 0])} {tex(z[i, 0])}" for i in range(n)]
        pl = [rf"p_{{{i + 1}}} = S({tex(z[i, 0])}) {eq(p[i, 0])} {tex(p[i, 0])}, \quad "
              rf"p_{{{i + 1}}} - y_{{{i + 1}}} = {tex(p[i, 0])} - {tex(y[i, 0])} "
              rf"{eq(p[i, 0] - y[i, 0])} {tex(p[i, 0] - y[i, 0])}" for i in range(n)]
        gl = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}} = \frac{{1}}{{{n}}}\big("
              + " + ".join(rf"{par(X[i, j])} \cdot {par(p[i, 0] - y[i, 0])}" for i in range(n))
              + rf"\big) {eq(dw[j, 0])} {tex(dw[j, 0])}" for j in range(X.shape[1])]
        gl.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = \frac{{1}}{{{n}}}\big("
                  + " + ".join(par(p[i, 0] - y[i, 0]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}")
        ul = [rf"\mathbf{{w}}^{{({t + 1})}} = {tmat(w)} - {tex(cat.ETA)}{tmat(dw)} {eq(w_new)} "
              rf"{tmat(w_new)}", rf"b^{{({t + 1})}} = {tex(b)} - {tex(cat.ETA)} \cdot {par(db)} "
              rf"{eq(b_new)} {tex(b_new)}"]
        title = "the gradient at the start" if t == 0 else f"at $\\theta^{{({t})}}$"
        parts += [f"**Step {t + 1}** ({title}):", "", display(*zl, *pl), "", display(*gl), "",
                  display(*ul), ""]
    parts.append("The gradients of step 1 are `dw_logistic_0`, `db_logistic_0`; the parameters "
                 "after step 3 are `w_logistic_3`, `b_logistic_3`.")
    return [md(*parts)] + answers(ex)


def _g7():
    ex = cat.exercise("G7")
    return [md(
        "Full-batch descent on the mean cross-entropy: `max_iter` times, compute "
        "$\\mathbf{p} = S(\\mathbf{X}\\mathbf{w} + b)$, the gradients "
        "$\\frac{1}{N}\\mathbf{X}^\\top(\\mathbf{p} - \\mathbf{y})$ and "
        "$\\frac{1}{N}\\mathbf{1}^\\top(\\mathbf{p} - \\mathbf{y})$ (the same form as for the "
        "squared error, without the factor 2), and step against them. The reference "
        "implementation:"),
        listing(gd.logistic_gradient_descent, gd.cross_entropy_gradients)] + answers(ex)


# ---------------------------------------------------------------- 05 backpropagation
def _b2():
    ex = cat.exercise("B2")
    x, y = bp.LINE_X, bp.LINE_Y
    n = len(x)
    w, b = bp.THETA0
    thetas = [bp.THETA0] + bp.line_thetas(3)          # theta^(0), ..., theta^(3)
    parts = [rf"Data $x = {tmat(x)}$, $y = {tmat(y)}$; $\theta^{{(0)}} = ({tex(w)}, {tex(b)})$, "
             rf"$\eta = {tex(bp.LINE_ETA)}$. Each step computes the residuals "
             r"$r_i = w x_i + b - y_i$, the gradients "
             rf"$\partial\mathcal{{L}}/\partial w = \frac{{2}}{{{n}}}\sum_i r_i x_i$ and "
             rf"$\partial\mathcal{{L}}/\partial b = \frac{{2}}{{{n}}}\sum_i r_i$, and the update.", ""]
    for k in range(3):
        (w, b), (w_new, b_new) = thetas[k], thetas[k + 1]
        r = w * x + b - y                                   # the residuals shown in the sums
        dw, db = gd.mse_gradients(x.reshape(-1, 1), y, w, b)  # the line is Xw + b with X = x
        dw = dw.item()
        rl = [rf"r_{{{i + 1}}} = {tex(w)} \cdot {tex(x[i])} + {par(b)} - {tex(y[i])} {eq(r[i])} "
              rf"{tex(r[i])}" for i in range(n)]
        gl = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w}} = \frac{{2}}{{{n}}}\big("
              + " + ".join(rf"{par(r[i])} \cdot {tex(x[i])}" for i in range(n))
              + rf"\big) {eq(dw)} {tex(dw)}",
              rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = \frac{{2}}{{{n}}}\big("
              + " + ".join(par(r[i]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}"]
        ul = [rf"w^{{({k + 1})}} = {tex(w)} - {tex(bp.LINE_ETA)} \cdot {par(dw)} {eq(w_new)} {tex(w_new)}",
              rf"b^{{({k + 1})}} = {tex(b)} - {tex(bp.LINE_ETA)} \cdot {par(db)} {eq(b_new)} {tex(b_new)}"]
        parts += [rf"**Step {k + 1}**, from $\theta^{{({k})}} = ({tex(w)}, {tex(b)})$:", "",
                  display(*rl), "", display(*gl), "", display(*ul), "",
                  rf"so $\theta^{{({k + 1})}} = ({tex(w_new)}, {tex(b_new)})$.", ""]
    return [md(*parts)] + answers(ex)


def _b4():
    ex = cat.exercise("B4")
    return [md(
        "Backpropagation for the whole batch at once, in matrix form: the forward pass gives "
        "$\\mathbf{a}_1 = S(\\mathbf{X}\\mathbf{W}_1)$ and "
        "$\\hat{\\mathbf{y}} = \\exp(\\mathbf{a}_1\\mathbf{w}_2)$; the output delta is "
        "$\\boldsymbol{\\delta}_2 = 2(\\hat{\\mathbf{y}} - \\mathbf{y}) \\odot \\hat{\\mathbf{y}}$ "
        "(the derivative of the squared error times that of $\\exp$); it passes back through "
        "$\\mathbf{w}_2$ and the sigmoid, "
        "$\\boldsymbol{\\delta}_1 = (\\boldsymbol{\\delta}_2\\mathbf{w}_2^\\top) \\odot "
        "\\mathbf{a}_1 \\odot (1 - \\mathbf{a}_1)$; and each weight's gradient is the mean over "
        "the batch of a delta times what the weight multiplies: "
        "$\\partial\\mathcal{L}/\\partial\\mathbf{w}_2 = \\frac{1}{N}\\mathbf{a}_1^\\top"
        "\\boldsymbol{\\delta}_2$, $\\partial\\mathcal{L}/\\partial\\mathbf{W}_1 = \\frac{1}{N}"
        "\\mathbf{X}^\\top\\boldsymbol{\\delta}_1$. These are the B3 derivatives of one "
        "observation, averaged. The reference implementation:"),
        listing(bp.backprop_gradients)] + answers(ex)


def _training(eid, trainer, what):
    ex = cat.exercise(eid)
    W1, w2 = (item.expected for item in ex.items)
    X, y = bp.synthetic_data()
    before, after = bp.loss(X, y, bp.W1_START, bp.W2_START), bp.loss(X, y, W1, w2)
    return [md(
        f"{what} from $\\mathbf{{W}}_1 = {tmat(bp.W1_START)}$, "
        f"$\\mathbf{{w}}_2 = {tmat(bp.W2_START)}$, on the lab's 10 000 observations, using the "
        "gradients of B4. The reference implementation:"),
        listing(trainer),
        md(rf"The loss falls from ${tex(before)}$ to ${tex(after)}$; the weights approach the true "
           rf"ones, $\mathbf{{W}}_1 = {tmat(bp.W1_TRUE)}$, $\mathbf{{w}}_2 = {tmat(bp.W2_TRUE)}$:", "",
           display(rf"\mathbf{{W}}_1 {eq(W1)} {tmat(W1)}, \quad \mathbf{{w}}_2 {eq(w2)} {tmat(w2)}"))
    ] + answers(ex)


def _b5():
    return _training("B5", bp.train_gd, f"{bp.N_STEPS} full-batch gradient-descent steps with "
                                        f"$\\eta = {tex(bp.GD_ETA)}$")


def _b6():
    a = bp.KERAS_ADAM
    return _training("B6", bp.train_adam, f"{bp.N_STEPS} full-batch Adam steps with Keras's "
                                          f"defaults (learning rate {fmt(a['lr'])}, "
                                          f"$\\beta_1 = {tex(a['beta1'])}$, "
                                          f"$\\beta_2 = {tex(a['beta2'])}$, "
                                          f"$\\epsilon = {tex(a['eps'])}$)")


# ---------------------------------------------------------------- symbolic (G6, B1, B3)
def _sym_name(name):
    """LaTeX for the notebooks' symbol names: w1_21 -> w^{(1)}_{21}, x1 -> x_{1}, y_hat -> hat y."""
    m = re.fullmatch(r"(w|z|a|delta)(\d)_(\d+)", name)
    if m:
        base = r"\delta" if m[1] == "delta" else m[1]
        return rf"{base}^{{({m[2]})}}_{{{m[3]}}}"
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return rf"{m[1]}_{{{m[2]}}}"
    if name == "y_hat":
        return r"\hat{y}"
    m = re.fullmatch(r"yhat(\d+)", name)
    if m:
        return rf"\hat{{y}}_{{{m[1]}}}"
    return None


def sym_latex(expr):
    """sympy.latex with the notebooks' names typeset (w1_21 as w^(1)_21, y_hat as y-hat)."""
    import sympy as sp
    expr = sp.sympify(expr)
    names = {s: _sym_name(s.name) for s in expr.free_symbols if _sym_name(s.name)}
    texts = [sp.latex(expr, symbol_names=names, order=order) for order in (None, "old")]
    # the term order with the fewest sums that start with a minus sign: y-hat - y, 1 - a, b - 7
    return min(texts, key=lambda t: len(re.findall(r"(^|\\left\(|\{)\s*-", t)))


def _tidy(expr):
    """Factor, and orient each factor that is a sum to print with the fewest minus signs:
    p (1 - p) rather than -p (p - 1)."""
    import sympy as sp
    expr = sp.factor(expr)
    coeff, rest = expr.as_coeff_Mul()
    factors = list(sp.Mul.make_args(rest))
    sums = [k for k, f in enumerate(factors) if f.is_Add]
    best = None
    for mask in range(2 ** len(sums)):
        fs, c = list(factors), coeff
        for bit, k in enumerate(sums):
            if mask >> bit & 1:
                fs[k], c = sp.expand(-fs[k]), -c
        candidate = sp.Mul(*([c] if c != 1 else []), *fs, evaluate=False)
        text = sym_latex(candidate)
        usual = sum(text.count(t) for t in (r"\hat{y} - y", "p - y", "1 - "))  # prediction - target
        key = (text.count("-"), -usual, len(text))
        if best is None or key < best[0]:
            best = (key, candidate)
    return best[1]


def _paren(expr):
    """LaTeX of a chain-rule factor, in parentheses when it is a sum or negative."""
    text = sym_latex(expr)
    return rf"\left({text}\right)" if expr.is_Add or text.startswith("-") else text


def confirmed(ex, derived):
    """{item name: (the derived expression, the grader's verdict on it)}: each form the worked
    derivation reaches, judged against the catalogue's reference (derived by `sympy.diff` of the
    loss itself) by the grader's own symbolic check, at the item's seeded points."""
    from autograder.checks import symbolic as S
    out = {}
    for item in ex.items:
        if item.kind.name == "symbolic":
            plain = S.to_plain(derived[item.name], item.options)
            out[item.name] = derived[item.name], S.compare(item.name, plain, item.expected,
                                                           item.options, [])
    return out


def _symbolic_answer(ex, derived):
    """The answers as the derivation above reaches them, each confirmed equal to the catalogue's
    reference by the grader's own check (a build that finds one unequal stops)."""
    lines = []
    for name, (expr, verdict) in confirmed(ex, derived).items():
        if verdict.score < 1:
            raise AssertionError(f"{ex.id} {name}: the derivation does not reach the reference: "
                                 f"{verdict.message}")
        lines.append(f"* `{name}` $= {sym_latex(expr)}$")
    if not lines:
        return []
    return [md("**Answer.** As the derivation above arrives at them. The grader's own check "
               "confirms each equal to the catalogue's reference (derived by `sympy.diff` of the "
               "loss itself) at its random points; any equivalent form earns full credit:", "",
               *lines)]


def _sigmoid_factor(z, out):
    """dS/dz by sympy.diff, and the same written with the output `out` = S(z)."""
    import sympy as sp
    u = sp.Symbol("u", positive=True)
    raw = sp.diff(1 / (1 + sp.exp(-z)), z)
    e_minus_z = sp.solve(sp.Eq(out, 1 / (1 + u)), u)[0]       # S(z) = out  <=>  e^{-z} = ...
    return raw, _tidy(sp.simplify(raw.subs(sp.exp(-z), e_minus_z)))


def _g6():
    """(blocks, derived, chains) of G6: dCE/dtheta = dCE/dp * dp/dz * dz/dtheta (see `chain_rule`)."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("G6")
    m = D.logistic()
    z, p = sp.Symbol("z", real=True), sp.Symbol("p", real=True)
    ce = m.loss.subs(m["p"], p)                       # the cross-entropy as a function of p
    dce_dp = sp.diff(ce, p)
    dp_dz_raw, dp_dz = _sigmoid_factor(z, p)
    derived, chains, eqs = {}, {}, []
    for name, target in D.LOGISTIC_TARGETS.items():
        theta = m[target]
        dz = sp.diff(m["z"], theta)
        result = _tidy(sp.simplify(dce_dp * dp_dz * dz))
        derived[name] = result
        chains[name] = [[("dCE/dp", dce_dp), ("dp/dz", dp_dz), (f"dz/d{target}", dz)]]
        eqs.append(rf"\frac{{\partial \mathrm{{CE}}}}{{\partial {sym_latex(theta)}}} = "
                   rf"{_paren(dce_dp)} \cdot {_paren(dp_dz)} \cdot {_paren(dz)} = {sym_latex(result)}")
    lines = [rf"With $z = {sym_latex(m['z'])}$, $p = S(z)$ and "
             rf"$\mathrm{{CE}} = {sym_latex(ce)}$, the chain rule gives "
             r"$\frac{\partial \mathrm{CE}}{\partial \theta} = \frac{\partial \mathrm{CE}}{\partial p}"
             r"\cdot\frac{\partial p}{\partial z}\cdot\frac{\partial z}{\partial \theta}$ for each "
             r"parameter $\theta$. The first two factors are shared:", "",
             display(rf"\frac{{\partial \mathrm{{CE}}}}{{\partial p}} = {sym_latex(dce_dp)}",
                     rf"\frac{{\partial p}}{{\partial z}} = {sym_latex(dp_dz_raw)} = {sym_latex(dp_dz)}"),
             "", r"(the second written with $p = S(z)$, that is $e^{-z} = (1 - p)/p$). "
             r"The last factor, $\partial z/\partial\theta$, is what the parameter multiplies "
             r"($1$ for the bias). Parameter by parameter:", "", display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


def _b1():
    """(blocks, derived, chains) of B1: dL/dtheta = sum_i dL/dyhat_i * dyhat_i/dtheta."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("B1")
    m = D.line()
    w, b = m["w"], m["b"]
    xs = [sp.Rational(v) for v in bp.LINE_X]
    ys = [sp.Rational(v) for v in bp.LINE_Y]
    n = len(xs)
    yh = sp.symbols(f"yhat1:{n + 1}", real=True)
    loss = sum((yh[i] - ys[i]) ** 2 for i in range(n)) / n
    model = {yh[i]: w * xs[i] + b for i in range(n)}
    derived, chains, eqs = {}, {}, []
    for name, target in D.LINE_TARGETS.items():
        theta = m[target]
        terms = [(sp.factor(sp.diff(loss, yh[i]).xreplace(model)), sp.diff(model[yh[i]], theta))
                 for i in range(n)]
        chains[name] = [[(f"dL/dyhat{i + 1}", outer), (f"dyhat{i + 1}/d{target}", inner)]
                        for i, (outer, inner) in enumerate(terms)]
        shown = " + ".join(rf"{_paren(outer)} \cdot {_paren(inner)}" if inner != 1
                           else _paren(outer) for outer, inner in terms)
        total = sp.expand(sum(outer * inner for outer, inner in terms))
        derived[name] = total
        eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {theta}}} = {shown} = {sym_latex(total)}")
    factors = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(yh[i])}}} = "
               rf"{sym_latex(sp.factor(sp.diff(loss, yh[i])))}" for i in range(n)]
    lines = [r"With $\hat{y}_i = w x_i + b$ and $\mathcal{L} = \frac{1}{N}\sum_i (\hat{y}_i - y_i)^2$, "
             rf"here $\mathcal{{L}} = {sym_latex(loss)}$. The chain rule runs through each "
             r"prediction, $\frac{\partial\mathcal{L}}{\partial \theta} = \sum_i "
             r"\frac{\partial\mathcal{L}}{\partial\hat{y}_i}\frac{\partial\hat{y}_i}{\partial \theta}$, "
             r"with $\frac{\partial\hat{y}_i}{\partial w} = x_i$, "
             r"$\frac{\partial\hat{y}_i}{\partial b} = 1$ and", "", display(*factors), "",
             r"Substituting $\hat{y}_i = w x_i + b$ and adding up:", "", display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


def _b3():
    """(blocks, derived, chains) of B3: each delta and weight gradient as a product of chain-rule
    factors."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("B3")
    m = D.network()
    S = {name: sp.Symbol(name, real=True) for name in m.intermediates}   # z1_j, a1_j, z2_1, y_hat
    a1, z1 = {j: S[f"a1_{j}"] for j in (1, 2)}, {j: S[f"z1_{j}"] for j in (1, 2)}
    z2, y_hat = S["z2_1"], S["y_hat"]
    loss = m.loss.subs(m["y_hat"], y_hat)                        # (y_hat - y)^2
    z2_of_a = m["z2_1"].subs({m["a1_1"]: a1[1], m["a1_2"]: a1[2]})
    # the chain-rule factors, each by sympy.diff
    dL_dyhat = _tidy(sp.diff(loss, y_hat))
    dyhat_dz2 = sp.diff(m["y_hat"].subs(m["z2_1"], z2), z2).subs(sp.exp(z2), y_hat)
    delta2 = _tidy(dL_dyhat * dyhat_dz2)
    d2 = sp.Symbol("delta2_1")
    derived = {"delta2_1": delta2}
    chains = {"delta2_1": [[("dL/dy_hat", dL_dyhat), ("dy_hat/dz2_1", dyhat_dz2)]]}
    lines = [r"Forward: $z^{(1)}_j = " + " + ".join(rf"w^{{(1)}}_{{{i}j}}x_{{{i}}}" for i in (1, 2, 3))
             + r"$, $a^{(1)}_j = S(z^{(1)}_j)$, "
             rf"$z^{{(2)}}_1 = {sym_latex(z2_of_a)}$, $\hat{{y}} = e^{{z^{{(2)}}_1}}$, "
             rf"$\mathcal{{L}} = {sym_latex(loss)}$. Every derivative is the product of the "
             "factors along the path from the loss back to the weight, each factor the "
             "derivative of one step of the forward pass.", "",
             "**Output delta**, through the loss and the exponential output:", "",
             display(rf"\delta^{{(2)}}_1 = \frac{{\partial \mathcal{{L}}}}{{\partial \hat{{y}}}}"
                     rf"\cdot\frac{{\partial \hat{{y}}}}{{\partial z^{{(2)}}_1}} = "
                     rf"{_paren(dL_dyhat)} \cdot {_paren(dyhat_dz2)} = {sym_latex(delta2)}"), "",
             r"**Hidden deltas**, back through $w^{(2)}_{j1}$ and the sigmoid (its derivative "
             r"written with $a = S(z)$):", ""]
    eqs, delta1 = [], {}
    for j in (1, 2):
        dz2_da = sp.diff(z2_of_a, a1[j])
        _, da_dz = _sigmoid_factor(z1[j], a1[j])
        delta1[j] = _tidy(delta2 * dz2_da * da_dz)
        derived[f"delta1_{j}"] = delta1[j]
        chains[f"delta1_{j}"] = [[("delta2_1", delta2), (f"dz2_1/da1_{j}", dz2_da),
                                  (f"da1_{j}/dz1_{j}", da_dz)]]
        eqs.append(rf"\delta^{{(1)}}_{j} = \delta^{{(2)}}_1 \cdot \frac{{\partial z^{{(2)}}_1}}"
                   rf"{{\partial a^{{(1)}}_{j}}} \cdot \frac{{\partial a^{{(1)}}_{j}}}{{\partial z^{{(1)}}_{j}}}"
                   rf" = {sym_latex(d2)} \cdot {_paren(dz2_da)} \cdot {_paren(da_dz)} = "
                   rf"{sym_latex(delta1[j])}")
    lines += [display(*eqs), "", "**Output weights**: the output delta times the activation the "
              "weight multiplies:", ""]
    eqs = []
    for j in (1, 2):
        weight = m[f"w2_{j}1"]
        dz2_dw = sp.diff(z2_of_a, weight)
        result = _tidy(delta2 * dz2_dw)
        derived[f"dL_dw2_{j}1"] = result
        chains[f"dL_dw2_{j}1"] = [[("delta2_1", delta2), (f"dz2_1/dw2_{j}1", dz2_dw)]]
        eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(weight)}}} = "
                   rf"\delta^{{(2)}}_1 \cdot \frac{{\partial z^{{(2)}}_1}}{{\partial {sym_latex(weight)}}}"
                   rf" = {sym_latex(d2)} \cdot {_paren(dz2_dw)} = {sym_latex(result)}")
    lines += [display(*eqs), "", "**Hidden weights**: a hidden delta times the input the weight "
              "multiplies:", ""]
    eqs = []
    for j in (1, 2):
        for i in (1, 2, 3):
            weight = m[f"w1_{i}{j}"]
            dz1_dw = sp.diff(m[f"z1_{j}"], weight)
            result = _tidy(delta1[j] * dz1_dw)
            derived[f"dL_dw1_{i}{j}"] = result
            chains[f"dL_dw1_{i}{j}"] = [[(f"delta1_{j}", delta1[j]), (f"dz1_{j}/dw1_{i}{j}", dz1_dw)]]
            eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(weight)}}} = "
                       rf"\delta^{{(1)}}_{j} \cdot \frac{{\partial z^{{(1)}}_{j}}}"
                       rf"{{\partial {sym_latex(weight)}}} = \delta^{{(1)}}_{j} \cdot "
                       rf"{_paren(dz1_dw)} = {sym_latex(result)}")
    lines += [display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


SYMBOLIC = {"G6": _g6, "B1": _b1, "B3": _b3}


def derivation(exercise_id):
    """{item name: SymPy expression} that the worked derivation of G6, B1 or B3 arrives at, in the
    symbols and intermediate names of the catalogue's model (tests compare them with its references)."""
    return SYMBOLIC[exercise_id]()[1]


def chain_rule(exercise_id):
    """{item name: terms} of the chain rule the worked derivation writes out: the item is the sum
    of the terms, each term the product of its factors, a list of (name, SymPy expression) such as
    ("dp/dz", p (1 - p)) or ("delta2_1", ...) for a factor that is itself a derived item."""
    return SYMBOLIC[exercise_id]()[2]


# ---------------------------------------------------------------- registry
WORKERS = {**{eid: (lambda eid=eid: _forward(eid)) for eid in cat.FORWARD_GIVEN},
           "F4": _f4, "A0": _a0, "A1": lambda: _activations("A1"),
           "A2": lambda: _activations("A2"), "N1": _n1, "N2": _n2, "N3": _n3, "N4": _n4,
           "G1": _g1, "G2": _g2, "G3": _g3, "G4": _g4, "G5": _g5, "G7": _g7,
           "B2": _b2, "B4": _b4, "B5": _b5, "B6": _b6,
           **{eid: (lambda eid=eid: SYMBOLIC[eid]()[0]) for eid in SYMBOLIC}}


def steps(exercise_id):
    """The worked solution of one exercise of the catalogue, as a list of `Block`s.

    An exercise without worked steps here still gets the catalogue's reference answers.
    """
    ex = cat.exercise(exercise_id)
    worker = WORKERS.get(exercise_id)
    return worker() if worker else answers(ex)


def markdown(exercise_id):
    """The text of an exercise's worked solution (Markdown and code, figures left out)."""
    out = []
    for block in steps(exercise_id):
        if block.kind == "markdown":
            out.append(block.text)
        elif block.kind == "code":
            out.append("```python\n" + block.text + "\n```")
    return "\n\n".join(out)


if __name__ == "__main__":
    import sys
    for eid in sys.argv[1:] or list(cat.CATALOGUE):
        print(f"# {eid}\n\n{markdown(eid)}\n")
