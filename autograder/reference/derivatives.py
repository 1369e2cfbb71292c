"""Symbolic models of the lab and their derivatives, derived with `sympy.diff`, never typed.

Three models, each with its own table of real symbols (the same name means different things in
different notebooks: `y` is a label in G6 and a regression target in B3):

G6 (notebook 04), one observation of logistic regression:
    z = w1 x1 + w2 x2 + b,  p = S(z) = 1 / (1 + exp(-z)),
    CE = -(y log p + (1 - y) log(1 - p)),
    references dCE/dw1, dCE/dw2, dCE/db  (which equal (p - y) x1, (p - y) x2, p - y).

B1 (notebook 05), linear regression on the lab's three points (x_i, y_i):
    yhat_i = w x_i + b,  L = (1/N) sum_i (yhat_i - y_i)^2,
    references dL/dw = (2/N) sum (yhat_i - y_i) x_i and dL/db = (2/N) sum (yhat_i - y_i).

B3 (notebook 05), the lab's Example 1 (no biases, one observation):
    z1_j = w1_1j x1 + w1_2j x2 + w1_3j x3,  a1_j = S(z1_j)      (j = 1, 2)
    z2_1 = w2_11 a1_1 + w2_21 a1_2,  y_hat = exp(z2_1),  L = (y_hat - y)^2,
    references delta2_1 = dL/dz2_1, delta1_j = dL/dz1_j (derived by differentiating L with respect
    to a fresh symbol standing for z2_1 or z1_j, then substituting back), and dL/dw for every weight.

The known mistakes are single wrong factors of the chain rule: each `*_wrong` function rebuilds the
derivative from its chain-rule factors (each one derived with sympy.diff) with one factor replaced.
"""
from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from . import backprop


def sigmoid(z):
    """S(z) = 1 / (1 + exp(-z)), written out so that SymPy can differentiate it."""
    return 1 / (1 + sp.exp(-z))


def _real(names):
    return {s.name: s for s in sp.symbols(names, real=True)}


def _through(outer, inner, fresh):
    """d outer / d fresh evaluated at fresh = inner: the derivative of `outer` with respect to the
    quantity that `fresh` stands for."""
    return sp.diff(outer, fresh).subs(fresh, inner)


@dataclass(frozen=True)
class Model:
    symbols: dict          # name -> real Symbol, in the order messages list them
    intermediates: dict    # name -> expression in the symbols, in definition order
    loss: sp.Expr

    def __getitem__(self, name):
        return self.symbols[name] if name in self.symbols else self.intermediates[name]


# ------------------------------------------------------------------ G6: logistic regression
@lru_cache(maxsize=None)
def logistic():
    """One observation of logistic regression and its cross-entropy."""
    s = _real("x1 x2 y w1 w2 b")
    z = s["w1"] * s["x1"] + s["w2"] * s["x2"] + s["b"]
    p = sigmoid(z)
    y = s["y"]
    return Model(s, {"z": z, "p": p}, -(y * sp.log(p) + (1 - y) * sp.log(1 - p)))


LOGISTIC_TARGETS = {"dCE_dw1": "w1", "dCE_dw2": "w2", "dCE_db": "b"}


@lru_cache(maxsize=None)
def logistic_reference(name):
    """dCE/dw1, dCE/dw2 or dCE/db by sympy.diff of the cross-entropy."""
    m = logistic()
    return sp.diff(m.loss, m[LOGISTIC_TARGETS[name]])


@lru_cache(maxsize=None)
def _logistic_factors():
    """dCE/dp and dp/dz, each derived through a fresh symbol (CE written in P = p)."""
    m = logistic()
    P, Z = sp.symbols("P Z", real=True)
    ce_of_p = m.loss.subs(m["p"], P)
    assert not ce_of_p.has(m["z"]), "the cross-entropy depends on z through p only"
    dce_dp = _through(ce_of_p, m["p"], P)
    dp_dz = _through(sigmoid(Z), m["z"], Z)
    return dce_dp, dp_dz


def _other_input(name):
    return {"x1": "x2", "x2": "x1"}[name]


LOGISTIC_MISTAKES = {
    "ce_sign": "a sign error: the difference between the prediction p and the label y taken "
               "the other way round",
    "missing_sigmoid_derivative": "dCE/dp times dz/d{t} without the sigmoid's derivative "
                                  "dp/dz = p(1 - p)",
    "sigmoid_for_derivative": "the sigmoid p where its derivative p(1 - p) belongs",
    "wrong_input": "the input {wrong} where {right} belongs",
    "missing_input": "dCE/dz without the factor {right} = dz/d{t}",
}


def logistic_mistakes(name):
    """(mistake, explanation) pairs that apply to this reference."""
    t = LOGISTIC_TARGETS[name]
    keys = ["ce_sign", "missing_sigmoid_derivative", "sigmoid_for_derivative"]
    if t != "b":
        keys += ["wrong_input", "missing_input"]
    right = "x" + t[1:] if t != "b" else ""
    fill = {"t": t, "right": right, "wrong": _other_input(right) if right else ""}
    return tuple((k, LOGISTIC_MISTAKES[k].format(**fill)) for k in keys)


@lru_cache(maxsize=None)
def logistic_wrong(name, mistake):
    """The derivative `name` with the chain-rule factor of `mistake` wrong."""
    m = logistic()
    t = m[LOGISTIC_TARGETS[name]]
    dce_dp, dp_dz = _logistic_factors()
    dz_dt = sp.diff(m["z"], t)
    if mistake == "ce_sign":
        return -logistic_reference(name)
    if mistake == "missing_sigmoid_derivative":
        return dce_dp * dz_dt
    if mistake == "sigmoid_for_derivative":
        return dce_dp * m["p"] * dz_dt
    if mistake == "wrong_input":
        other = {"w1": "w2", "w2": "w1"}[LOGISTIC_TARGETS[name]]
        return dce_dp * dp_dz * sp.diff(m["z"], m[other])
    if mistake == "missing_input":
        return dce_dp * dp_dz
    raise KeyError(mistake)


# ------------------------------------------------------------------ B1: linear regression
@lru_cache(maxsize=None)
def line():
    """The batch loss of yhat = w x + b on the lab's three points, in the symbols w, b."""
    s = _real("w b")
    data = [(sp.Rational(x), sp.Rational(y)) for x, y in zip(backprop.LINE_X, backprop.LINE_Y)]
    loss = sp.Rational(1, len(data)) * sum((s["w"] * x + s["b"] - y) ** 2 for x, y in data)
    return Model(s, {}, loss)


LINE_TARGETS = {"dL_dw": "w", "dL_db": "b"}


@lru_cache(maxsize=None)
def line_reference(name):
    """dL/dw or dL/db by sympy.diff of the batch loss."""
    m = line()
    return sp.diff(m.loss, m[LINE_TARGETS[name]])


LINE_MISTAKES = {
    "missing_factor_2": "the gradient without the factor 2 of the squared error",
    "sum_not_mean": "the sum over the observations instead of the mean (a factor N = {n})",
    "sign_error": "a sign error, (y_i - yhat_i) in place of (yhat_i - y_i)",
    "missing_input": "the gradient without the factor x_i = d(yhat_i)/dw",
    "extra_input": "a factor x_i, which belongs to dL/dw only (d(yhat_i)/db = 1)",
}


def line_mistakes(name):
    keys = ["missing_factor_2", "sum_not_mean", "sign_error"]
    keys.append("missing_input" if name == "dL_dw" else "extra_input")
    return tuple((k, LINE_MISTAKES[k].format(n=len(backprop.LINE_X))) for k in keys)


@lru_cache(maxsize=None)
def line_wrong(name, mistake):
    """The derivative `name` with the mistake made."""
    ref = line_reference(name)
    if mistake == "missing_factor_2":
        return ref / 2
    if mistake == "sum_not_mean":
        return len(backprop.LINE_X) * ref
    if mistake == "sign_error":
        return -ref
    if mistake == "missing_input":
        return line_reference("dL_db")
    if mistake == "extra_input":
        return line_reference("dL_dw")
    raise KeyError(mistake)


# ------------------------------------------------------------------ B3: the lab's Example 1
INPUTS = ("x1", "x2", "x3")
HIDDEN_WEIGHTS = ("w1_11", "w1_21", "w1_31", "w1_12", "w1_22", "w1_32")
OUTPUT_WEIGHTS = ("w2_11", "w2_21")


@lru_cache(maxsize=None)
def network():
    """3 inputs, 2 sigmoid hidden neurons, 1 exp output, no biases; L = (y_hat - y)^2."""
    s = _real(" ".join(INPUTS + ("y",) + HIDDEN_WEIGHTS + OUTPUT_WEIGHTS))
    z1 = {j: sum(s[f"w1_{i}{j}"] * s[f"x{i}"] for i in (1, 2, 3)) for j in (1, 2)}
    a1 = {j: sigmoid(z1[j]) for j in (1, 2)}
    z2 = s["w2_11"] * a1[1] + s["w2_21"] * a1[2]
    y_hat = sp.exp(z2)
    inter = {"z1_1": z1[1], "z1_2": z1[2], "a1_1": a1[1], "a1_2": a1[2], "z2_1": z2,
             "y_hat": y_hat}
    return Model(s, inter, (y_hat - s["y"]) ** 2)


NETWORK_TARGETS = ("delta2_1", "delta1_1", "delta1_2", "dL_dw2_11", "dL_dw2_21") + tuple(
    f"dL_dw1_{i}{j}" for j in (1, 2) for i in (1, 2, 3))


def _other(j):
    return 3 - j


@lru_cache(maxsize=None)
def network_reference(name):
    """delta2_1, delta1_j through fresh symbols for z2_1 and z1_j; dL/dw by sympy.diff of L."""
    m = network()
    y = m["y"]
    if name == "delta2_1":
        Z2 = sp.Symbol("Z2", real=True)
        return _through((sp.exp(Z2) - y) ** 2, m["z2_1"], Z2)
    if name.startswith("delta1_"):
        Z = {1: sp.Symbol("Z1_1", real=True), 2: sp.Symbol("Z1_2", real=True)}
        loss = (sp.exp(m["w2_11"] * sigmoid(Z[1]) + m["w2_21"] * sigmoid(Z[2])) - y) ** 2
        j = int(name[-1])
        return sp.diff(loss, Z[j]).subs({Z[1]: m["z1_1"], Z[2]: m["z1_2"]})
    return sp.diff(m.loss, m[name[len("dL_d"):]])


@lru_cache(maxsize=None)
def network_factors():
    """The chain-rule factors of Example 1, each derived with sympy.diff through fresh symbols."""
    m = network()
    Yh, Z2, Z = sp.symbols("Yh Z2 Z", real=True)
    A = {1: sp.Symbol("A1", real=True), 2: sp.Symbol("A2", real=True)}
    z2_of_a = m["w2_11"] * A[1] + m["w2_21"] * A[2]
    return {
        "dL_dyhat": _through((Yh - m["y"]) ** 2, m["y_hat"], Yh),
        "dyhat_dz2": _through(sp.exp(Z2), m["z2_1"], Z2),
        "dz2_da": {j: sp.diff(z2_of_a, A[j]) for j in (1, 2)},
        "da_dz": {j: _through(sigmoid(Z), m[f"z1_{j}"], Z) for j in (1, 2)},
    }


NETWORK_MISTAKES = {
    "missing_output_factor": "the derivative without the factor y_hat = d(exp(z2_1))/dz2_1 "
                             "of the exp output",
    "missing_factor_2": "the derivative without the factor 2 of the squared error",
    "sign_error": "a sign error, (y - y_hat) in place of (y_hat - y)",
    "sigmoid_derivative_at_output": "the sigmoid's derivative y_hat(1 - y_hat) at the output, "
                                    "whose activation is exp: d(exp(z2_1))/dz2_1 = y_hat",
    "missing_sigmoid_derivative": "the derivative without the sigmoid's derivative "
                                  "a1_{j}(1 - a1_{j}) = d(a1_{j})/d(z1_{j})",
    "sigmoid_for_derivative": "the sigmoid a1_{j} where its derivative a1_{j}(1 - a1_{j}) belongs",
    "other_neuron_weight": "the weight w2_{k}1 of the other hidden neuron where w2_{j}1 belongs",
    "wrong_input": "{wrong} where {right} belongs",
    "other_neuron_delta": "delta1_{k} where delta1_{j} belongs (w1_{i}{j} feeds hidden neuron {j})",
}


def _network_parts(name):
    """(kind, i, j): kind is 'delta2', 'delta1', 'w2' or 'w1'; i input/hidden index, j neuron."""
    if name == "delta2_1":
        return "delta2", 0, 0
    if name.startswith("delta1_"):
        return "delta1", 0, int(name[-1])
    if name.startswith("dL_dw2_"):
        return "w2", int(name[-2]), 0
    return "w1", int(name[-2]), int(name[-1])


def _wrong_input(i, j):
    """For dL/dw1_ij: the input x_j when i != j (the indices swapped), else the other input."""
    return j if i != j else _other(i)


def network_mistakes(name):
    kind, i, j = _network_parts(name)
    keys = {"delta2": [], "delta1": ["missing_sigmoid_derivative", "sigmoid_for_derivative",
                                     "other_neuron_weight"],
            "w2": ["wrong_input"],
            "w1": ["missing_sigmoid_derivative", "sigmoid_for_derivative", "other_neuron_weight",
                   "wrong_input", "other_neuron_delta"]}[kind]
    keys += ["missing_output_factor", "missing_factor_2", "sign_error",
             "sigmoid_derivative_at_output"]
    if kind == "w2":
        right, wrong = f"a1_{i}", f"a1_{_other(i)}"
    elif kind == "w1":
        right, wrong = f"x{i}", f"x{_wrong_input(i, j)}"
    else:
        right = wrong = ""
    fill = {"i": i, "j": j, "k": _other(j) if j else 0, "right": right, "wrong": wrong}
    return tuple((k, NETWORK_MISTAKES[k].format(**fill)) for k in keys)


def _network_chain(name, change=None):
    """dL/d(name) as the product of its chain-rule factors, with the factor `change` wrong."""
    m = network()
    f = network_factors()
    kind, i, j = _network_parts(name)
    dl = f["dL_dyhat"] / 2 if change == "missing_factor_2" else f["dL_dyhat"]
    dl = -dl if change == "sign_error" else dl
    out = 1 if change == "missing_output_factor" else f["dyhat_dz2"]
    if change == "sigmoid_derivative_at_output":   # S'(z) = S(1 - S) taken at the exp output
        out = f["dyhat_dz2"] * (1 - m["y_hat"])
    delta2 = dl * out
    if kind == "delta2":
        return delta2
    if kind == "w2":
        return delta2 * m[f"a1_{_other(i) if change == 'wrong_input' else i}"]
    if change == "other_neuron_delta":
        j = _other(j)
    weight = f["dz2_da"][_other(j) if change == "other_neuron_weight" else j]
    slope = {"missing_sigmoid_derivative": 1,
             "sigmoid_for_derivative": m[f"a1_{j}"]}.get(change, f["da_dz"][j])
    delta1 = delta2 * weight * slope
    if kind == "delta1":
        return delta1
    k = _wrong_input(i, j) if change == "wrong_input" else i
    return delta1 * sp.diff(m[f"z1_{j}"], m[f"w1_{k}{j}"])


@lru_cache(maxsize=None)
def network_chain(name):
    """The chain-rule product without a mistake (equal to `network_reference`)."""
    return _network_chain(name)


@lru_cache(maxsize=None)
def network_wrong(name, mistake):
    """The derivative `name` with the chain-rule factor of `mistake` wrong."""
    if mistake not in dict(network_mistakes(name)):
        raise KeyError(mistake)
    return _network_chain(name, mistake)
