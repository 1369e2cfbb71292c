"""Answers to the symbolic exercises G6, B1 and B3, for the tests and the symbolic benchmark.

The lab's formulas (the forms its text and code use), banks of equivalent forms (strings of plain
maths and SymPy expressions, every one of which must earn full marks), perturbed forms (close to
the answer but wrong, every one of which must earn nothing) and hostile strings (every one of
which must be refused quickly, running nothing).  tests/test_symbolic.py checks the grader on
them and scripts/bench_symbolic.py times it on them: both import this module, so the benchmark
measures exactly what the tests check and depends on no test's internals.

It lives in the tutor's package (never in the kernel side): it knows the answers.
"""
import zlib
from types import SimpleNamespace

import numpy as np
import sympy as sp

from ..catalogue import exercise, with_kind
from ..reference import backprop as bp
from ..reference import derivatives as D

SYMBOLIC = tuple(with_kind("symbolic"))


def setup(eid):
    """The names the exercise's read-only setup cell defines (symbols and intermediates)."""
    ns = {}
    exec(exercise(eid).setup, ns)
    ns.pop("__builtins__", None)
    return SimpleNamespace(**ns)


# ------------------------------------------------------------------ the lab's formulas
def _target(name):
    return {"dCE_dw1": "x1", "dCE_dw2": "x2", "dCE_db": "1"}[name]


def lab_g6(n, name):
    """dCE/dtheta = (p - y) dz/dtheta."""
    return (n.p - n.y) * {"dCE_dw1": n.x1, "dCE_dw2": n.x2, "dCE_db": 1}[name]


LINE = [(int(x), int(y)) for x, y in zip(bp.LINE_X, bp.LINE_Y)]


def lab_b1_text(name):
    """The lab's equations (14), (15): (2/N) sum (w x_i + b - y_i) x_i, and the same without x_i."""
    factor = (lambda x: f"*{x}") if name == "dL_dw" else (lambda x: "")
    return f"2/{len(LINE)}*(" + " + ".join(f"({x}*w + b - {y}){factor(x)}" for x, y in LINE) + ")"


def lab_b1(n, name):
    return sp.Rational(2, len(LINE)) * sum((n.w * x + n.b - y) * (x if name == "dL_dw" else 1)
                                           for x, y in LINE)


def parts(name):
    """(kind, i, j) as in the lab's notation: delta1_j, dL/dw2_i1, dL/dw1_ij."""
    return D._network_parts(name)


def lab_b3(n, name):
    """The lab's backpropagation code: delta2_1 = 2 (y_hat - y) exp(z2_1), delta1_j =
    w2_j1 delta2_1 S(z1_j)(1 - S(z1_j)), gradients delta * (a1 or x)."""
    kind, i, j = parts(name)
    delta2 = 2 * (n.y_hat - n.y) * n.y_hat
    if kind == "delta2":
        return delta2
    if kind == "w2":
        return delta2 * getattr(n, f"a1_{i}")
    a = getattr(n, f"a1_{j}")
    delta1 = getattr(n, f"w2_{j}1") * delta2 * a * (1 - a)
    return delta1 if kind == "delta1" else delta1 * getattr(n, f"x{i}")


LAB = {"G6": lab_g6, "B1": lab_b1, "B3": lab_b3}
ITEMS = [(eid, item.name) for eid in SYMBOLIC for item in exercise(eid).items]


# ------------------------------------------------------------------ banks of equivalent forms
def g6_bank(name):
    X = _target(name)
    dce_dp = "-(y/p - (1 - y)/(1 - p))"
    texts = [f"(p - y)*{X}", f"{X}*(1/(1 + exp(-z)) - y)", f"{X}*(1/(1+exp(-(w1*x1+w2*x2+b))) - y)",
             f"{X}*(sigmoid(z) - y)", f"-(y*(1 - p) - (1 - y)*p)*{X}", f"{dce_dp}*p*(1 - p)*{X}",
             f"{dce_dp}*exp(-z)/(1 + exp(-z))^2*{X}", f"{X}*(0.5 + 0.5*tanh(0.5*z) - y)",
             f"{X} * (1/(1 + E^(-z)) - y)", f"{dce_dp}*(1 - tanh(z/2)^2)/4*{X}",
             f"{dce_dp}/(4*cosh(z/2)**2)*{X}", f"-y*{X} + p*{X}", f"{X}*(exp(z)/(1 + exp(z)) - y)"]
    n = setup("G6")
    lab = lab_g6(n, name)
    exprs = [lab, sp.expand(lab), sp.factor(lab), sp.together(lab), sp.simplify(lab),
             (sp.Symbol("p") - n.y) * sp.sympify(X).subs({sp.Symbol("x1"): n.x1, sp.Symbol("x2"): n.x2}),
             lab * sp.Float(0.5) * 2, lab.rewrite(sp.tanh)]
    return texts + exprs


def b1_bank(name):
    n, N = setup("B1"), len(LINE)
    lab = lab_b1(n, name)
    factor = (lambda x: f"*{x}") if name == "dL_dw" else (lambda x: "")
    texts = [lab_b1_text(name),
             "(" + " + ".join(f"2*({x}*w + b - {y}){factor(x)}" for x, y in LINE) + f")/{N}",
             "1/" + str(N) + "*(" + " + ".join(f"2*(w*{x} - {y} + b){factor(x)}" for x, y in LINE) + ")",
             str(sp.expand(lab)), str(sp.expand(lab).evalf()), str(sp.expand(lab)).replace("**", "^"),
             "0.5*4/" + str(N) + "*(" + " + ".join(f"({x}*w+b-{y}){factor(x)}" for x, y in LINE) + ")"]
    return texts + [lab, sp.expand(lab), sp.factor(lab), sp.expand(lab).evalf()]


SLOPES = ["a1_{j}*(1 - a1_{j})", "exp(-z1_{j})/(1 + exp(-z1_{j}))^2", "(1 - tanh(z1_{j}/2)^2)/4",
          "sigmoid(z1_{j})*(1 - sigmoid(z1_{j}))", "1/(4*cosh(z1_{j}/2)^2)",
          "0.25*(1 - tanh(0.5*z1_{j})**2)", "(a1_{j} - a1_{j}^2)"]
DELTA2 = ["2*(y_hat - y)*y_hat", "2*(exp(z2_1) - y)*exp(z2_1)", "2*exp(2*z2_1) - 2*y*exp(z2_1)",
          "(y_hat - y)*y_hat/0.5", "2*(y_hat^2 - y*y_hat)"]


def b3_texts(name):
    kind, i, j = parts(name)
    if kind == "delta2":
        return DELTA2
    if kind == "w2":
        return [f"({d})*a1_{i}" for d in DELTA2] + [f"2*(y_hat - y)*y_hat/(1 + exp(-z1_{i}))"]
    out = []
    for k, slope in enumerate(SLOPES):
        d = DELTA2[k % len(DELTA2)]
        delta1 = f"w2_{j}1*({d})*({slope.format(j=j)})"
        out.append(delta1 if kind == "delta1" else f"{delta1}*x{i}")
    if kind == "w1":
        out.append(f"2*(y_hat - y)*y_hat*w2_{j}1*a1_{j}*(1 - a1_{j})*x{i}")
    return out


def b3_bank(name):
    n = setup("B3")
    lab = lab_b3(n, name)
    named = {s: sp.Symbol(s) for s in ("y_hat", "a1_1", "a1_2")}
    kind, i, j = parts(name)
    with_names = 2 * (named["y_hat"] - n.y) * named["y_hat"]
    if kind == "w2":
        with_names *= named[f"a1_{i}"]
    elif kind != "delta2":
        a = named[f"a1_{j}"]
        with_names *= getattr(n, f"w2_{j}1") * a * (1 - a) * (getattr(n, f"x{i}") if i else 1)
    return b3_texts(name) + [lab, sp.expand(lab), sp.factor(lab, deep=False), with_names,
                             lab.rewrite(sp.tanh), sp.Float(0.5) * 2 * lab]


BANKS = {"G6": g6_bank, "B1": b1_bank, "B3": b3_bank}


def perturbations(eid, name):
    """Forms close to the lab's answer but wrong (a factor, a constant, a symbol off)."""
    lab = LAB[eid](setup(eid), name)
    first = sorted(lab.free_symbols, key=lambda s: s.name)[0]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    c = float(rng.uniform(1.01, 1.5))
    return [lab * sp.Rational(1001, 1000), lab + sp.Rational(1, 1000), lab * c, lab + first / 100,
            lab * (1 + sp.Float(1e-7)), lab.subs(first, first * 1.1), -lab + 1, lab ** 2, 0,
            sp.Integer(1), lab * first]


# ------------------------------------------------------------------ finite differences
STENCILS = {   # (offsets, weights, divisor): the derivative ~ sum(w L(theta + o h)) / (divisor h)
    "forward": ((1, 0), (1, -1), 1),
    "central": ((1, -1), (1, -1), 2),
    "five-point": ((2, 1, -1, -2), (-1, 8, -8, 1), 12),
    "seven-point": ((3, 2, 1, -1, -2, -3), (1, -9, 45, -45, 9, -1), 60),
}


def _variable(eid, name):
    """The symbol the item differentiates the loss in, and the loss as a function of it: a
    weight or bias in the model's own symbols, or (B3's deltas) a pre-activation, named as the
    notebook names it, with the other hidden neuron's activation as its name."""
    if eid == "G6":
        model = D.logistic()
        return model[D.LOGISTIC_TARGETS[name]], model.loss
    if eid == "B1":
        model = D.line()
        return model[D.LINE_TARGETS[name]], model.loss
    model = D.network()
    kind, i, j = parts(name)
    if kind in ("w1", "w2"):
        return model[f"w{kind[1]}_{i}{j if kind == 'w1' else 1}"], model.loss
    s = {n: sp.Symbol(n, real=True) for n in ("z2_1", "z1_1", "z1_2", "a1_1", "a1_2", "y",
                                              "w2_11", "w2_21")}
    if kind == "delta2":
        return s["z2_1"], (sp.exp(s["z2_1"]) - s["y"]) ** 2
    other = 3 - j
    z2 = s[f"w2_{j}1"] * D.sigmoid(s[f"z1_{j}"]) + s[f"w2_{other}1"] * s[f"a1_{other}"]
    return s[f"z1_{j}"], (sp.exp(z2) - s["y"]) ** 2


def finite_difference(eid, name, stencil, h):
    """A finite difference of the item's loss, built with SymPy's subs: no calculus at all."""
    theta, loss = _variable(eid, name)
    offsets, weights, divisor = STENCILS[stencil]
    return sum(w * loss.subs(theta, theta + o * h) for o, w in zip(offsets, weights)) / \
        (divisor * h)


def finite_differences(eid, name):
    """Finite differences that earn nothing: steps whose error is below the float test's
    tolerance (or zero: any central difference of B1's quadratic loss is its derivative exactly),
    as SymPy expressions and as the strings they print, with exact and float steps."""
    if eid == "B1":
        steps = [("central", 1), ("central", sp.Rational(1, 2)), ("five-point", 1),
                 ("central", sp.Float(0.001)), ("forward", sp.Rational(1, 10 ** 6))]
    else:
        steps = [("central", sp.Rational(1, 10 ** 5)), ("five-point", sp.Rational(1, 100)),
                 ("five-point", sp.Float(0.01)), ("seven-point", sp.Rational(1, 10))]
    answers = [finite_difference(eid, name, stencil, h) for stencil, h in steps]
    return answers + [str(a) for a in answers[:2]]


def overflow_tricks(eid, name):
    """A near miss, and the right answer, plus a zero term whose precise value overflows: a check
    that cannot decide must never earn the points."""
    lab = LAB[eid](setup(eid), name)
    first = sorted(lab.free_symbols, key=lambda s: s.name)[0]
    trick = f" + 0*exp(695 + 0*{first})"
    return [f"({lab * (1 + sp.Rational(1, 10 ** 7))}){trick}", f"({lab}){trick}",
            f"({lab * (1 + sp.Rational(1, 10 ** 7))}) + 0*exp(exp(7) + 0*{first})"]


# ------------------------------------------------------------------ hostile input
CANARY = "/tmp/autograder_symbolic_canary"
HOSTILE = [
    "__import__('os').system('touch " + CANARY + "')", f"open('{CANARY}', 'w')",
    "().__class__.__bases__[0].__subclasses__()", "lambda: 1", "[x for x in range(10**9)]",
    "(x for x in ())", "9**9**9", "10**10**10", "2**100**100", "exp(exp(exp(1000)))",
    "exp(exp(exp(exp(x1))))", "x1**1000", "x1 + " * 3000 + "x1", "x1" * 5000, "x1[0]", "x1.real",
    "exec('1')", "eval('1')", "globals()", "'a'*10**9", "1e308*1e308", "(" * 300 + "x1" + ")" * 300,
    "-" * 3000 + "x1", "x1 if 1 else 2", "f'{x1}'", "b'x1'", "x1; import os", "import os",
    "x1 = 3", "x1\x00", "9" * 400, "(x1 := 2)", "{x1: 1}", "x1 @ x1", "~x1", "not x1",
    "sigmoid(sigmoid(sigmoid(" * 20 + "x1" + ")))" * 20, "(((x1^100)^100)^100)^100",
    "(10^15)^100", "exp(700)*exp(700)*exp(700)", "tanh(1e308)", "1e-400*x1",
    "*" * 100, "\u00b2", "x\u2081",
]
