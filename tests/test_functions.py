"""Function exercises (A0, N4, G2, G7, B4): the grader calls a student's function on visible and hidden cases.

Correct implementations in several styles must earn full marks; wrong ones lose what they should; a
function that raises, loops, prints or warns is contained. The students' functions below are written
here, in the styles students use; expected outputs always come from the package's reference.
"""
import math
import os
import re
import sys
import time
import warnings

import numpy as np
import pytest

from autograder import catalogue
from autograder.judging import collect_namespace, grade_namespace as grade, judge
from autograder.kinds import FUNCTION
from mdl_kernel import calls, check
from mdl_kernel.cases import encode_case
from autograder.reference import backprop as bp
from autograder.reference import descent as gd

FUNCTION_EXERCISES = catalogue.with_kind("function")


# ------------------------------------------------------------------ helpers
def run_cases(function, item, include_hidden=True, seconds=None):
    """The kernel's record of `function` called on the item's test inputs."""
    inputs = item.kind.test_inputs(item)
    cases = {k: c for k, c in inputs.items() if include_hidden or not item.cases[k].hidden}
    return calls.run(function, cases, item.options.get("outputs", 1), seconds)


def verdict(eid, namespace, include_hidden=True):
    return judge(eid, collect_namespace(eid, namespace, include_hidden), include_hidden)


def item_verdict(eid, name, fn, include_hidden=True):
    v = verdict(eid, {name: fn}, include_hidden)
    return next(iv for iv in v.items if iv.item == name)


def n_cases(eid, name, hidden=True):
    item = catalogue.exercise(eid).item(name)
    return len([c for c in item.cases if hidden or not c.hidden])


def case_labels(eid, name):
    return [c.label for c in catalogue.exercise(eid).item(name).cases]


def failed_labels(eid, name, message):
    """Labels of the cases a message reports as failed."""
    return {label for label in case_labels(eid, name) if f"{name} on {label}" in message}


def reference_strings(values):
    found = set()
    for v in np.ravel(values):
        v = float(v)
        if v == round(v):
            continue
        found |= {repr(v), f"{v:.3f}", f"{v:.4f}", f"{v:.6f}", f"{v:.8f}", f"{v:.4g}", f"{v:.6g}",
                  f"{v:.8g}", str(np.float32(v))}
    return {s for s in found if len(s.strip("-")) >= 5}


# ------------------------------------------------------------------ A0: students' activation functions
def sigmoid_vectorised(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_naive(z):            # the lab's form: overflows (with a warning) at -1000 but gives 0
    return 1 / (1 + np.exp(-z))


def sigmoid_loop(z):
    out = np.empty(np.shape(z))
    for idx in np.ndindex(out.shape):
        v = float(z[idx])
        out[idx] = 1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v))
    return out


def sigmoid_in_place(z):         # mutates its argument: the grader's inputs are fresh copies
    z *= -1
    np.exp(z, out=z)
    z += 1
    return np.reciprocal(z, out=z)


def sigmoid_flat(z):             # wrong: returns a flat vector whatever the input
    return sigmoid_vectorised(np.ravel(z))


def tanh_numpy(z):
    return np.tanh(z)


def tanh_via_sigmoid(z):
    return 2 * sigmoid_vectorised(2 * np.asarray(z)) - 1


def tanh_loop(z):
    out = np.zeros_like(z, dtype=float)
    for idx in np.ndindex(np.shape(z)):
        out[idx] = math.tanh(z[idx])
    return out


def tanh_naive(z):               # the lab's formula: NaN at z = 1000
    e = np.exp(2 * z)
    return (e - 1) / (e + 1)


def relu_maximum(z):
    return np.maximum(0, z)


def relu_where(z):
    return np.where(z > 0, z, 0.0)


def relu_mask(z):
    return z * (z > 0)


def relu_loop(z):
    out = np.array(z, dtype=float, copy=True)
    for idx in np.ndindex(out.shape):
        out[idx] = max(0.0, out[idx])
    return out


def relu_np_max(z):              # wrong: np.max(z, 0) is a reduction, not max(0, z)
    return np.max(z, 0)


def softmax_stable(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_naive(z):            # NaN at z = 1000
    e = np.exp(z)
    return e / e.sum()


def softmax_loop(z):
    flat = [float(v) for v in np.ravel(z)]
    m = max(flat)
    exps = [math.exp(v - m) for v in flat]
    total = sum(exps)
    return np.array([v / total for v in exps]).reshape(np.shape(z))


def softmax_axis_1(z):           # the classic mistake: all ones for a column, AxisError for a flat vector
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def softmax_axis_0(z):           # right for columns and flat vectors, wrong for a row
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


CORRECT_A0 = {"sigmoid": sigmoid_vectorised, "tanh": tanh_numpy, "relu": relu_maximum,
              "softmax": softmax_stable}


@pytest.mark.parametrize("name,fn", [
    ("sigmoid", sigmoid_vectorised), ("sigmoid", sigmoid_naive), ("sigmoid", sigmoid_loop),
    ("sigmoid", sigmoid_in_place), ("tanh", tanh_numpy), ("tanh", tanh_via_sigmoid), ("tanh", tanh_loop),
    ("relu", relu_maximum), ("relu", relu_where), ("relu", relu_mask), ("relu", relu_loop),
    ("softmax", softmax_stable), ("softmax", softmax_loop)], ids=lambda v: getattr(v, "__name__", v))
def test_a0_correct_styles_earn_full_marks(name, fn, capfd):
    iv = item_verdict("A0", name, fn)
    assert iv.score == 1.0, iv.message
    assert f"correct on all {n_cases('A0', name)} test inputs" in iv.message
    points = grade("A0", dict(CORRECT_A0, **{name: fn}))
    assert type(points) is float and points == 8.0
    assert capfd.readouterr().err == ""          # the naive sigmoid's overflow warning stays inside


LARGE = {"a column with large entries (1000, -1000, 0)", "a column with large entries (-1000, 1000)"}


@pytest.mark.parametrize("name,fn", [("tanh", tanh_naive), ("softmax", softmax_naive)],
                         ids=["tanh_naive", "softmax_naive"])
def test_a0_naive_formulas_lose_only_the_overflow_cases(name, fn, capfd):
    assert set(case_labels("A0", name)) >= LARGE
    iv = item_verdict("A0", name, fn)
    total = n_cases("A0", name)
    assert iv.score == pytest.approx((total - 2) / total)
    assert failed_labels("A0", name, iv.message) == LARGE
    assert "not finite" in iv.message and "NaN" in iv.message
    assert iv.hidden
    assert grade("A0", dict(CORRECT_A0, **{name: fn})) == pytest.approx(8 - 2 * 2 / total, abs=1e-4)
    assert capfd.readouterr().err == ""


def test_a0_softmax_along_axis_1_is_named_and_gets_partial_credit():
    iv = item_verdict("A0", "softmax", softmax_axis_1)
    total = n_cases("A0", "softmax")
    assert iv.mistake == "softmax_axis"
    assert iv.score == pytest.approx(1 / total)            # only the row case is right
    assert failed_labels("A0", "softmax", iv.message) == \
        set(case_labels("A0", "softmax")) - {"a row vector of shape (1, 3)"}
    assert "raised AxisError" in iv.message                 # the flat case
    assert 0 < grade("A0", dict(CORRECT_A0, softmax=softmax_axis_1)) < 8


def test_a0_softmax_along_axis_0_loses_the_row_case():
    iv = item_verdict("A0", "softmax", softmax_axis_0)
    assert failed_labels("A0", "softmax", iv.message) == {"a row vector of shape (1, 3)"}
    assert iv.score == pytest.approx(6 / 7)


def test_a0_softmax_returns_the_shape_it_was_given():
    for z in (np.array([[1.0], [2.0], [3.0]]), np.array([[1.0, 2.0, 3.0]]), np.array([1.0, 2.0, 3.0])):
        assert softmax_stable(z).shape == z.shape
    assert item_verdict("A0", "softmax", softmax_stable).score == 1.0


def test_a0_sigmoid_returning_flat_loses_the_exact_shape_cases():
    iv = item_verdict("A0", "sigmoid", sigmoid_flat)
    labels = case_labels("A0", "sigmoid")
    assert failed_labels("A0", "sigmoid", iv.message) == set(labels) - {"a flat vector of 4 entries"}
    assert iv.score == pytest.approx(1 / len(labels))
    assert "must have the input's shape" in iv.message


def test_a0_relu_as_a_reduction_is_wrong_everywhere():
    iv = item_verdict("A0", "relu", relu_np_max)
    assert iv.score == 0.0


# ------------------------------------------------------------------ N4: forward_pass
def _sig(z):
    return sigmoid_vectorised(z)


def forward_vectorised(X, w1, b1, w2, b2):
    hidden = _sig(X @ w1 + b1)
    z = hidden @ w2 + b2
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return hidden, e / e.sum(axis=1, keepdims=True)


def forward_loop(X, w1, b1, w2, b2):
    x = np.ravel(X)
    hidden = [1 / (1 + math.exp(-(sum(x[i] * w1[i][j] for i in range(len(x))) + b1.flat[j])))
              for j in range(w1.shape[1])]
    z = [sum(hidden[i] * w2[i][k] for i in range(len(hidden))) + b2.flat[k] for k in range(w2.shape[1])]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    return np.array([hidden]), np.array([[v / sum(e) for v in e]])


def forward_flat_list(X, w1, b1, w2, b2):
    hidden, output = forward_vectorised(X, w1, b1, w2, b2)
    return [hidden.ravel(), output.ravel()]                  # a list of two flat vectors is fine


def forward_sigmoid_output(X, w1, b1, w2, b2):
    hidden = _sig(X @ w1 + b1)
    return hidden, _sig(hidden @ w2 + b2)


def forward_softmax_axis_0(X, w1, b1, w2, b2):
    hidden = _sig(X @ w1 + b1)
    z = hidden @ w2 + b2
    return hidden, np.exp(z) / np.exp(z).sum(axis=0)


def forward_swapped(X, w1, b1, w2, b2):
    hidden, output = forward_vectorised(X, w1, b1, w2, b2)
    return output, hidden


def forward_output_only(X, w1, b1, w2, b2):
    return forward_vectorised(X, w1, b1, w2, b2)[1]


def forward_three_values(X, w1, b1, w2, b2):
    return forward_vectorised(X, w1, b1, w2, b2) + (X,)


@pytest.mark.parametrize("fn", [forward_vectorised, forward_loop, forward_flat_list],
                         ids=lambda f: f.__name__)
def test_n4_correct_styles(fn):
    iv = item_verdict("N4", "forward_pass", fn)
    assert iv.score == 1.0, iv.message
    assert grade("N4", {"forward_pass": fn}) == 3.0


@pytest.mark.parametrize("fn,words", [(forward_sigmoid_output, "entries are off"),
                                      (forward_softmax_axis_0, "entries are off"),
                                      (forward_swapped, "entries are off"),
                                      (forward_output_only, "a tuple of 2 values is expected"),
                                      (forward_three_values, "a tuple of 2 values is expected")],
                         ids=lambda v: getattr(v, "__name__", v))
def test_n4_wrong_forward_passes_earn_nothing(fn, words):
    iv = item_verdict("N4", "forward_pass", fn)
    assert iv.score == 0.0
    assert words in iv.message
    assert f"correct on 0 of {n_cases('N4', 'forward_pass')} test inputs" in iv.message


# ------------------------------------------------------------------ G2: lr_gradient_descent
def lab_mse(y_pred, y_true):
    return np.mean((y_pred - y_true) ** 2)


def lr_gd_lab_verbatim(X, y, batch_size=32, eta=0.1, w=None, b=None, max_iter=100, tol=1e-08, rng=None):
    """The lab's function as printed: shuffles with np.random, ignores rng, updates w in place."""
    N, p = X.shape
    if w is None:
        w = np.ones((p, 1))
    if b is None:
        b = 0
    prev_error = np.inf
    batch_size = min(N, batch_size)
    num_batches = N // batch_size
    for iteration in range(max_iter):
        indices = np.arange(N)
        np.random.shuffle(indices)
        X_shuffled = X[indices]
        y_shuffled = y[indices]
        for batch in range(num_batches):
            start = batch * batch_size
            end = start + batch_size
            X_batch = X_shuffled[start:end]
            y_batch = y_shuffled[start:end]
            y_hat = X_batch @ w + b
            error = lab_mse(y_hat.squeeze(), y_batch.squeeze())
            if np.abs(error - prev_error) < tol:
                return w, b
            prev_error = error
            dw = 2 / batch_size * X_batch.T @ (y_hat - y_batch)
            db = 2 / batch_size * np.sum(y_hat - y_batch)
            w -= eta * dw
            b -= eta * db
    return w, b


def make_lr_gd(shuffle="permutation", factor=2.0, use_tol=True, in_place=True):
    def lr_gradient_descent(X, y, batch_size=32, eta=0.1, w=None, b=None, max_iter=100, tol=1e-8,
                            rng=None):
        rng = np.random.default_rng() if rng is None else rng
        N, p = X.shape
        w = np.ones((p, 1)) if w is None else w
        b = 0.0 if b is None else b
        batch_size = min(N, batch_size)
        prev = np.inf
        for _ in range(max_iter):
            if shuffle == "permutation":
                order = rng.permutation(N)
            else:
                order = np.arange(N)
                rng.shuffle(order)
            Xs, ys = X[order], y[order]
            for k in range(N // batch_size):
                Xb, yb = Xs[k * batch_size:(k + 1) * batch_size], ys[k * batch_size:(k + 1) * batch_size]
                r = Xb @ w + b - yb
                error = np.mean(r ** 2)
                if use_tol and abs(error - prev) < tol:
                    return w, b
                prev = error
                dw, db = factor / len(Xb) * Xb.T @ r, factor * np.mean(r)
                if in_place:
                    w -= eta * dw
                    b -= eta * db
                else:
                    w, b = w - eta * dw, b - eta * db
        return w, b
    return lr_gradient_descent


FULL_BATCH_G2 = {label for label in case_labels("G2", "lr_gradient_descent")
                 if "full batch" in label or "very large tol" in label}


G2_CASES = n_cases("G2", "lr_gradient_descent")


@pytest.mark.parametrize("fn", [make_lr_gd("permutation", in_place=False),
                                make_lr_gd("shuffle", in_place=False)],
                         ids=["rng_permutation", "rng_shuffle"])
def test_g2_correct_styles(fn):
    iv = item_verdict("G2", "lr_gradient_descent", fn)
    assert iv.score == 1.0, iv.message


@pytest.mark.parametrize("fn", [lr_gd_lab_verbatim, make_lr_gd("permutation"), make_lr_gd("shuffle")],
                         ids=["lab_verbatim", "rng_permutation", "rng_shuffle"])
def test_g2_changing_the_callers_w_costs_the_case_that_passes_w(fn):
    """`w -= eta * dw` on the caller's w: right numbers, but the instructions forbid changing the
    arrays passed in; only the case that passes a w is affected, and the message says why."""
    iv = item_verdict("G2", "lr_gradient_descent", fn)
    with_w = {c.label for c in catalogue.exercise("G2").item("lr_gradient_descent").cases
              if "w" in c.inputs()[1]}
    assert len(with_w) == 1
    assert failed_labels("G2", "lr_gradient_descent", iv.message) == with_w
    assert "changed the caller's array passed as w" in iv.message
    assert "must leave its inputs unchanged" in iv.message
    assert iv.score == pytest.approx(1 - 1 / G2_CASES)


def test_the_kernel_records_which_inputs_a_call_changed():
    """calls.run compares our own arrays with fresh copies after the call: positional arrays are
    named by position, keyword arrays by name; an unchanged call records nothing."""
    def scales_in_place(X, y, w=None):
        X *= 2
        w[0, 0] = 5.0
        return X.sum(), y.sum()

    def reshapes_in_place(X, y, w=None):
        X.shape = (-1,)
        return X.sum(), y.sum()

    case = encode_case((np.ones((3, 2)), np.ones((3, 1))), {"w": np.zeros((2, 1))})
    changed = calls.run(scales_in_place, {0: case}, outputs=2)["results"][0]
    assert changed["changed"] == ["argument 1", "w"]
    reshaped = calls.run(reshapes_in_place, {0: case}, outputs=2)["results"][0]
    assert reshaped["changed"] == ["argument 1"]
    untouched = calls.run(lambda X, y, w=None: (X.sum(), y.sum()), {0: case}, outputs=2)
    assert "changed" not in untouched["results"][0]


def test_g2_ignoring_batch_size_loses_the_mini_batch_cases():
    """Full-batch steps whatever batch_size says: the one-epoch case with a tiny eta (four
    mini-batch steps move (w, b) about four times as far as one full-batch step, in any shuffle
    order) catches it, on top of the convergence cases it may pass."""
    def full_batch(X, y, batch_size=32, eta=0.1, w=None, b=None, max_iter=100, tol=1e-8, rng=None):
        return gd.lr_gradient_descent(X, y, batch_size=X.shape[0], eta=eta, w=w, b=b,
                                      max_iter=max_iter, tol=tol, rng=rng)
    iv = item_verdict("G2", "lr_gradient_descent", full_batch)
    failed = failed_labels("G2", "lr_gradient_descent", iv.message)
    assert any("four mini-batch steps" in label for label in failed), iv.message
    assert iv.score < 1


@pytest.mark.parametrize("seed", range(5))
def test_g2_the_mini_batch_case_holds_in_any_shuffle_order(seed):
    """The first-order expectation of the one-epoch case holds for every order of the batches."""
    item = catalogue.exercise("G2").item("lr_gradient_descent")
    case = next(c for c in item.cases if "four mini-batch steps" in c.label)
    (X, y), kwargs = case.inputs()
    kwargs["rng"] = np.random.default_rng(1000 + seed)
    w, b = gd.lr_gradient_descent(X, y, **kwargs)
    want_w, want_b = case.expected()
    assert np.all(case.tolerance.close(w, want_w)) and case.tolerance.close(b, want_b)


def test_g2_without_the_factor_2_loses_the_full_batch_cases():
    iv = item_verdict("G2", "lr_gradient_descent", make_lr_gd(factor=1.0, in_place=False))
    assert len(FULL_BATCH_G2) == 4
    assert failed_labels("G2", "lr_gradient_descent", iv.message) >= FULL_BATCH_G2
    assert iv.score <= 3 / G2_CASES + 1e-12


def test_g2_ignoring_tol_loses_the_tol_case():
    iv = item_verdict("G2", "lr_gradient_descent", make_lr_gd(use_tol=False, in_place=False))
    tol_cases = {label for label in case_labels("G2", "lr_gradient_descent") if "tol = 0" not in label}
    assert len(tol_cases) == 1
    assert failed_labels("G2", "lr_gradient_descent", iv.message) == tol_cases
    assert iv.score == pytest.approx(1 - 1 / G2_CASES)


# ------------------------------------------------------------------ G7: logistic_gradient_descent
def logistic_vectorised(X, y, eta=0.1, w=None, b=None, max_iter=1000):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    w = np.ones((X.shape[1], 1)) if w is None else np.asarray(w, dtype=float).reshape(-1, 1)
    b = 0.0 if b is None else float(b)
    for _ in range(max_iter):
        p = 1 / (1 + np.exp(-(X @ w + b)))
        w = w - eta * X.T @ (p - y) / len(y)
        b = b - eta * np.mean(p - y)
    return w, b


def logistic_loop(X, y, eta=0.1, w=None, b=None, max_iter=1000):
    n, d = X.shape
    w = [1.0] * d if w is None else [float(v) for v in np.ravel(w)]
    b = 0.0 if b is None else float(b)
    for _ in range(max_iter):
        gw, gb = [0.0] * d, 0.0
        for i in range(n):
            z = sum(X[i, j] * w[j] for j in range(d)) + b
            p = 1 / (1 + math.exp(-z))
            r = p - float(np.ravel(y)[i])
            gw = [g + r * X[i, j] for j, g in enumerate(gw)]
            gb += r
        w = [wj - eta * g / n for wj, g in zip(w, gw)]
        b -= eta * gb / n
    return np.array(w).reshape(-1, 1), b


def make_logistic(factor=1.0, sign=1.0, default_iter=1000):
    def logistic_gradient_descent(X, y, eta=0.1, w=None, b=None, max_iter=default_iter):
        w = np.ones((X.shape[1], 1)) if w is None else np.array(w, dtype=float)
        b = 0.0 if b is None else b
        for _ in range(max_iter):
            r = 1 / (1 + np.exp(-(X @ w + b))) - y
            w = w - eta * sign * factor * X.T @ r / len(y)
            b = b - eta * sign * factor * np.mean(r)
        return w, b
    return logistic_gradient_descent


@pytest.mark.parametrize("fn", [logistic_vectorised, logistic_loop, make_logistic()],
                         ids=["vectorised", "loop", "plain"])
def test_g7_correct_styles(fn):
    iv = item_verdict("G7", "logistic_gradient_descent", fn)
    assert iv.score == 1.0, iv.message
    assert grade("G7", {"logistic_gradient_descent": fn}) == 3.0


@pytest.mark.parametrize("fn,lost", [(make_logistic(factor=3.0), "all"), (make_logistic(sign=-1.0), "all"),
                                     (make_logistic(default_iter=100), "default")],
                         ids=["sum_not_mean", "sign", "wrong_default_max_iter"])
def test_g7_wrong_versions(fn, lost):
    iv = item_verdict("G7", "logistic_gradient_descent", fn)
    labels = case_labels("G7", "logistic_gradient_descent")
    if lost == "all":
        assert iv.score == 0.0
    else:
        assert failed_labels("G7", "logistic_gradient_descent", iv.message) == \
            {label for label in labels if "default max_iter" in label}
        assert iv.score == pytest.approx(2 / 3)


# ------------------------------------------------------------------ B4: backprop_gradients
def backprop_vectorised(X, y, W1, w2):
    a1 = 1 / (1 + np.exp(-(X @ W1)))
    yhat = np.exp(a1 @ w2)
    d2 = 2 * (yhat - y) * yhat
    d1 = (d2 @ w2.T) * a1 * (1 - a1)
    return X.T @ d1 / len(X), a1.T @ d2 / len(X)


def backprop_loop(X, y, W1, w2):
    n = X.shape[0]
    dW1, dw2 = np.zeros((3, 2)), np.zeros((2, 1))
    for i in range(n):
        x = X[i]
        a = [1 / (1 + math.exp(-sum(x[k] * W1[k, j] for k in range(3)))) for j in range(2)]
        yhat = math.exp(a[0] * w2[0, 0] + a[1] * w2[1, 0])
        delta2 = 2 * (yhat - float(y[i, 0])) * yhat
        for j in range(2):
            dw2[j, 0] += delta2 * a[j]
            delta1 = delta2 * w2[j, 0] * a[j] * (1 - a[j])
            for k in range(3):
                dW1[k, j] += delta1 * x[k]
    return dW1 / n, dw2 / n


def backprop_lab_style(X, y, W1, w2):
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    w1_1_hat, w1_2_hat, w2_1_hat = W1[:, [0]], W1[:, [1]], w2
    z1_1_hat, z1_2_hat = X @ w1_1_hat, X @ w1_2_hat
    a1_hat = np.concatenate((sigmoid(z1_1_hat), sigmoid(z1_2_hat)), axis=1)
    z2_1_hat = a1_hat @ w2_1_hat
    y_hat = np.exp(z2_1_hat).reshape(len(y), 1)
    delta2_1 = 2 * (y_hat - y) * np.exp(z2_1_hat)
    delta1_1 = w2_1_hat[0] * delta2_1 * sigmoid(z1_1_hat) * (1 - sigmoid(z1_1_hat))
    delta1_2 = w2_1_hat[1] * delta2_1 * sigmoid(z1_2_hat) * (1 - sigmoid(z1_2_hat))
    d2 = np.mean(delta2_1 * a1_hat, axis=0).reshape(2, 1)
    d1_1 = np.mean(delta1_1 * X, axis=0).reshape(3, 1)
    d1_2 = np.mean(delta1_2 * X, axis=0).reshape(3, 1)
    return np.hstack([d1_1, d1_2]), d2.ravel()              # a flat dw2 is accepted


def backprop_summed(X, y, W1, w2):
    dW1, dw2 = backprop_vectorised(X, y, W1, w2)
    return dW1 * len(X), dw2 * len(X)


def backprop_no_factor_2(X, y, W1, w2):
    dW1, dw2 = backprop_vectorised(X, y, W1, w2)
    return dW1 / 2, dw2 / 2


def backprop_transposed(X, y, W1, w2):
    dW1, dw2 = backprop_vectorised(X, y, W1, w2)
    return dW1.T, dw2


@pytest.mark.parametrize("fn", [backprop_vectorised, backprop_loop, backprop_lab_style],
                         ids=lambda f: f.__name__)
def test_b4_correct_styles(fn):
    iv = item_verdict("B4", "backprop_gradients", fn)
    assert iv.score == 1.0, iv.message
    assert grade("B4", {"backprop_gradients": fn}) == 4.0


def test_b4_summing_instead_of_averaging_is_sum_not_mean():
    iv = item_verdict("B4", "backprop_gradients", backprop_summed)
    assert iv.mistake == "sum_not_mean"
    one_observation = {label for label in case_labels("B4", "backprop_gradients") if "(1 x 3)" in label}
    assert len(one_observation) == 1                        # sum == mean for one observation
    assert set(case_labels("B4", "backprop_gradients")) - \
        failed_labels("B4", "backprop_gradients", iv.message) == one_observation
    assert iv.score == pytest.approx(1 / 4)


def test_b4_without_factor_2_is_named():
    iv = item_verdict("B4", "backprop_gradients", backprop_no_factor_2)
    assert iv.score == 0.0 and iv.mistake == "missing_factor_2"


def test_b4_transposed_dW1_is_a_shape_error():
    iv = item_verdict("B4", "backprop_gradients", backprop_transposed)
    assert iv.score == 0.0 and "transposed" in iv.message


# ------------------------------------------------------------------ functions that misbehave
def raises_value_error(*args, **kwargs):
    raise ValueError("boom")


def raises_on_flat(z):
    if np.ndim(z) == 1:
        raise IndexError("only 2-D please")
    return sigmoid_vectorised(z)


def calls_sys_exit(*args, **kwargs):
    sys.exit(1)


@pytest.mark.parametrize("eid,name", [("A0", "sigmoid"), ("N4", "forward_pass"),
                                      ("G2", "lr_gradient_descent"), ("G7", "logistic_gradient_descent"),
                                      ("B4", "backprop_gradients")])
def test_a_function_that_raises_gets_zero_with_the_exceptions_name(eid, name, capfd):
    iv = item_verdict(eid, name, raises_value_error)
    assert iv.score == 0.0
    assert "raised ValueError: boom" in iv.message
    points = grade(eid, {name: raises_value_error})
    assert type(points) is float
    assert points == 0.0
    out, err = capfd.readouterr()
    assert err == "" and "Traceback" not in out


def test_a_function_that_raises_on_some_inputs_loses_only_those():
    iv = item_verdict("A0", "sigmoid", raises_on_flat)
    assert failed_labels("A0", "sigmoid", iv.message) == {"a flat vector of 4 entries"}
    assert "raised IndexError: only 2-D please" in iv.message
    assert iv.score == pytest.approx(6 / 7)


def test_a_function_that_calls_sys_exit_gets_zero_with_a_message():
    iv = item_verdict("A0", "sigmoid", calls_sys_exit)
    assert iv.score == 0.0 and "SystemExit" in iv.message
    assert grade("A0", dict(CORRECT_A0, sigmoid=calls_sys_exit)) == 6.0


@pytest.mark.parametrize("value", [0.5, "sigmoid", None, np.array([1.0]), [sigmoid_vectorised]],
                         ids=lambda v: type(v).__name__)
def test_something_not_callable_gets_zero(value):
    iv = item_verdict("A0", "sigmoid", value)
    assert iv.score == 0.0 and "where a function is expected" in iv.message


def test_a_missing_function_gets_zero():
    v = verdict("A0", {})
    assert v.points == 0
    assert all("is not defined" in iv.message for iv in v.items)


def _loops_forever(z):
    while True:
        pass


def _loops_on_large_inputs(z):
    if np.max(np.abs(z)) >= 1000:
        while True:
            pass
    return sigmoid_vectorised(z)


# A limit that only a hang reaches: how fast a call is stopped is measured in the benchmarks.
HANG = 120


def test_a_function_that_loops_forever_is_stopped():
    item = catalogue.exercise("A0").item("sigmoid")
    start = time.perf_counter()
    record = run_cases(_loops_forever, item, include_hidden=False, seconds=0.3)
    assert time.perf_counter() - start < HANG
    iv = next(i for i in judge("A0", {"sigmoid": record}).items if i.item == "sigmoid")
    assert iv.score == 0.0
    assert "did not finish within 0.3 seconds" in iv.message


def test_after_one_endless_call_the_remaining_cases_are_not_run():
    """One endless call is enough: later cases are not run (the cell stays within nbgrader's
    timeout): one time-out, the later cases "not run again".  Each call may take 5 s, which the
    cases before the endless one need on no machine, however loaded."""
    item = catalogue.exercise("A0").item("sigmoid")
    labels = case_labels("A0", "sigmoid")
    first_large = min(labels.index(label) for label in LARGE)
    record = run_cases(_loops_on_large_inputs, item, include_hidden=True, seconds=5)
    iv = next(i for i in judge("A0", {"sigmoid": record}).items if i.item == "sigmoid")
    assert failed_labels("A0", "sigmoid", iv.message) == set(labels[first_large:])
    assert iv.message.count("did not finish within 5 seconds") == 1
    assert iv.message.count("was not run again") == len(labels) - first_large - 1
    assert iv.score == pytest.approx(first_large / len(labels))


def test_the_alarm_is_off_after_a_time_out():
    """Where calls run under an alarm (no fork), a time-out leaves no timer behind (it re-fires
    every second while it runs) and the previous handler back in place."""
    import signal
    before = signal.getsignal(signal.SIGALRM)
    records = calls._run_here(_loops_forever, [(0, _case([1.0]))], 1, 0.1)
    assert records[0]["reason"] == "did not finish within 0.1 seconds"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before
    assert calls._run_here(_doubles, [(0, _case([1.0]))], 1, 2)[0]["data"] == [2.0]


def _sleeps_then_answers(z):
    time.sleep(0.6)
    return sigmoid_vectorised(z)


def _sleeps_past_any_limit(z):
    time.sleep(HANG)       # killed (or interrupted) at the time limit long before
    return sigmoid_vectorised(z)


def test_the_time_limit_constant_governs_grade_and_check(monkeypatch, capsys):
    monkeypatch.setattr(calls, "CALL_SECONDS", 0.2)
    check("A0", {"sigmoid": _sleeps_past_any_limit})
    assert "did not finish within 0.2 seconds" in capsys.readouterr().out


def _swallows_every_interruption(z):
    while True:
        try:
            total = 0
            for i in range(10000):
                total += i
        except BaseException:
            pass


def test_a_function_that_swallows_the_interruption_is_still_stopped():
    """The calls run in a forked child, which is killed when its time is up: a function that
    catches every exception (the alarm's too) cannot hold the kernel.  (Run in this process, so
    that mutation testing reaches it; the child is forked from here.)"""
    case = encode_case((np.array([[1.0], [8.0]]),), {})
    start = time.perf_counter()
    record = calls.run(_swallows_every_interruption, {0: case, 1: case}, 1, seconds=0.3)
    assert time.perf_counter() - start < HANG        # 0.3 s and a kill
    first, second = record["results"]
    assert first == {"type": "invalid", "reason": "did not finish within 0.3 seconds", "case": 0}
    assert second == {"type": "invalid", "reason": "was not run again after it failed to "
                                                   "finish on an earlier input", "case": 1}


def noisy_sigmoid(z):
    print("NOISE on stdout")
    print("NOISE on stderr", file=sys.stderr)
    warnings.warn("NOISE as a warning")
    warnings.warn("NOISE as a deprecation", DeprecationWarning)
    np.exp(np.array([1e5]))                                # overflow warning
    np.array([0.0]) / np.array([0.0])                      # invalid-value warning
    return sigmoid_vectorised(z)


def test_a_function_that_prints_or_warns_does_not_leak(capfd):
    points = grade("A0", dict(CORRECT_A0, sigmoid=noisy_sigmoid))
    check("A0", dict(CORRECT_A0, sigmoid=noisy_sigmoid))
    out, err = capfd.readouterr()
    assert points == 8.0
    assert err == ""
    assert "NOISE" not in out


def test_warnings_filters_are_restored_after_a_call():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        grade("A0", dict(CORRECT_A0, sigmoid=noisy_sigmoid))
        warnings.warn("after grading")
    assert [str(w.message) for w in seen] == ["after grading"]


# ------------------------------------------------------------------ hard-coded answers
def _visible_expected(eid, name):
    case = next(c for c in catalogue.exercise(eid).item(name).cases if not c.hidden)
    return case.expected()


def hard_coded(eid, name):
    """A function that returns the visible case's answer whatever it is given."""
    answer = _visible_expected(eid, name)
    if isinstance(answer, tuple):
        frozen = tuple(np.array(a, dtype=float) for a in answer)

        def fn(*args, **kwargs):
            return tuple(a.copy() for a in frozen)
    else:
        frozen = np.array(answer, dtype=float)

        def fn(*args, **kwargs):
            return frozen.copy()
    return fn


def sigmoid_typed_from_the_lab(z):
    return np.array([[0.73105858], [0.99966465]])


def forward_typed_from_the_lab(X, w1, b1, w2, b2):
    return np.array([[0.77816418, 0.83451912]]), np.array([[0.52647369, 0.47352631]])


HARD_CODED = [("A0", "sigmoid", sigmoid_typed_from_the_lab), ("N4", "forward_pass", forward_typed_from_the_lab),
              ("G2", "lr_gradient_descent", None), ("G7", "logistic_gradient_descent", None),
              ("B4", "backprop_gradients", None)]


@pytest.mark.parametrize("eid,name,fn", HARD_CODED, ids=[f"{e}-{n}" for e, n, _ in HARD_CODED])
def test_a_hard_coded_function_passes_check_but_not_grade(eid, name, fn, capsys):
    fn = fn or hard_coded(eid, name)
    ns = {name: fn}
    if eid == "A0":
        ns = dict(CORRECT_A0, **ns)
    visible = n_cases(eid, name, hidden=False)
    check(eid, ns)
    out = capsys.readouterr().out
    if visible == 1:
        assert item_verdict(eid, name, ns[name], include_hidden=False).score == 1.0
        assert "All correct so far. Your functions will also be tested on hidden inputs." in out
        assert "0 of" not in out
    else:   # A0 also shows a large input: the worked example typed in fails it already
        assert f"{name}: correct on 1 of {visible} test inputs" in out
    points = grade(eid, ns)
    ex = catalogue.exercise(eid)
    total = n_cases(eid, name)
    share = ex.weights[[i.name for i in ex.items].index(name)]
    assert points == pytest.approx(ex.points * (1 - share * (1 - 1 / total)), abs=1e-4)
    out = capsys.readouterr().out
    assert f"correct on 1 of {total} test inputs" in out


# ------------------------------------------------------------------ check() never shows the reference
WRONG = {"A0": ("sigmoid", tanh_numpy), "N4": ("forward_pass", forward_sigmoid_output),
         "G2": ("lr_gradient_descent", make_lr_gd(factor=1.0)),
         "G7": ("logistic_gradient_descent", make_logistic(factor=3.0)),
         "B4": ("backprop_gradients", backprop_no_factor_2)}


@pytest.mark.parametrize("eid", FUNCTION_EXERCISES)
def test_check_and_grade_never_print_the_expected_outputs(eid, capsys):
    name, fn = WRONG[eid]
    check(eid, {name: fn})
    checked = capsys.readouterr().out
    visible = n_cases(eid, name, hidden=False)
    assert checked.startswith(f"Self-check of {eid}:") and (
        f"correct on 0 of {visible} test input" in checked)
    grade(eid, {name: fn})
    # outside a notebook the answers' record (the student's own outputs) is printed as a dict: skip it
    graded = "\n".join(line for line in capsys.readouterr().out.splitlines()
                        if not line.startswith("{'application/"))
    for case in catalogue.exercise(eid).item(name).cases:
        expected = case.expected()
        for s in reference_strings(np.concatenate([np.ravel(e) for e in expected])
                                   if isinstance(expected, tuple) else expected):
            assert s not in checked, f"check() shows {s!r}"
            assert s not in graded, f"grade() shows {s!r}"


# ------------------------------------------------------------------ case descriptions tell the truth
def _case_facts(eid, name):
    for case in catalogue.exercise(eid).item(name).cases:
        args, kwargs = case.inputs()
        yield pytest.param(eid, name, case.label, args, kwargs, id=f"{eid}-{case.label[:40]}")


ALL_CASES = [p for eid in ("G2", "G7", "B4") for p in
             _case_facts(eid, catalogue.exercise(eid).items[0].name)]


@pytest.mark.parametrize("eid,name,label,args,kwargs", [
    pytest.param(*p.values, id=p.id) for p in ALL_CASES])
def test_case_labels_describe_their_inputs(eid, name, label, args, kwargs):
    """The label is what a student reads about a hidden case: it must match the inputs."""
    X = args[0]
    m = re.search(r"\((\d+) x (\d+)\)", label)
    if m:
        assert X.shape == (int(m.group(1)), int(m.group(2)))
    m = re.search(r"first (\d+) observations", label)
    if m:
        assert X.shape[0] == int(m.group(1))
    m = re.search(r"(\d+) (iterations|steps)", label)
    if m:
        if "default max_iter" in label:
            assert "max_iter" not in kwargs and int(m.group(1)) == 1000   # the contract's default
        else:
            assert kwargs["max_iter"] == int(m.group(1))
    m = re.search(r"eta = ([0-9.]+)", label)
    if m:
        assert kwargs["eta"] == float(m.group(1))
    m = re.search(r"batch_size = (\d+|N)", label)
    if m:
        assert kwargs["batch_size"] == (X.shape[0] if m.group(1) == "N" else int(m.group(1)))
    if "full batch" in label:
        assert kwargs["batch_size"] >= X.shape[0]
    if "tol = 0" in label:
        assert kwargs["tol"] == 0
    if "w = (1, 2), b = -10" in label:
        np.testing.assert_array_equal(np.ravel(kwargs["w"]), [1, 2])
        assert kwargs["b"] == -10
    if "default w and b" in label:
        assert "w" not in kwargs and "b" not in kwargs


def test_every_function_item_has_one_visible_case_and_hidden_ones():
    for eid in FUNCTION_EXERCISES:
        for item in catalogue.exercise(eid).items:
            assert item.kind.name == "function"
            visible = [c for c in item.cases if not c.hidden]
            # A0 also shows one large input: the self-check catches an overflowing formula
            assert len(visible) == (2 if eid == "A0" else 1), (eid, item.name)
            assert len(item.cases) > len(visible)


def test_g2_reference_cases_hold_for_the_reference_itself():
    """The package's own lr_gradient_descent passes every G2 case (what the cases claim is achievable)."""
    iv = item_verdict("G2", "lr_gradient_descent", gd.lr_gradient_descent)
    assert iv.score == 1.0, iv.message
    assert item_verdict("G7", "logistic_gradient_descent", gd.logistic_gradient_descent).score == 1.0
    assert item_verdict("B4", "backprop_gradients", bp.backprop_gradients).score == 1.0


def _module_arrays():
    """Every array the catalogue and the reference modules hold at module level, with a copy."""
    found = []
    for module in (catalogue, gd, bp):
        for key, value in vars(module).items():
            if isinstance(value, np.ndarray):
                found.append((f"{module.__name__}.{key}", value, value.copy()))
            elif isinstance(value, dict):
                found.extend((f"{module.__name__}.{key}[{k!r}]", v, v.copy())
                             for k, v in value.items() if isinstance(v, np.ndarray))
    return found


def vandal(*args, **kwargs):
    """Overwrites every array it is given, then returns garbage."""
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, np.ndarray):
            a[...] = 12345.0
    return (np.full(2, -7.0), np.full(2, -7.0)) if len(args) > 1 else np.full_like(args[0], -7.0)


@pytest.mark.parametrize("eid", FUNCTION_EXERCISES)
def test_a_function_that_overwrites_its_inputs_harms_nobody(eid):
    before = _module_arrays()
    names = [item.name for item in catalogue.exercise(eid).items]
    assert verdict(eid, {name: vandal for name in names}).points == 0
    for where, now, then in before:
        np.testing.assert_array_equal(now, then, err_msg=f"{where} was changed by a student's function")
    good = {"A0": CORRECT_A0, "N4": {"forward_pass": forward_vectorised},
            "G2": {"lr_gradient_descent": make_lr_gd(in_place=False)},
            "G7": {"logistic_gradient_descent": logistic_vectorised},
            "B4": {"backprop_gradients": backprop_vectorised}}[eid]
    assert verdict(eid, good).points == catalogue.exercise(eid).points


def tanh_as_in_the_lab(z):
    """The lab's formula (e^{2z} - 1) / (e^{2z} + 1), typed as written: nan at z = 1000."""
    return (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1)


def test_a0_self_check_tries_a_large_input(capsys):
    """The lab's own tanh is right on small inputs and nan on z = 1000: the self-check shows one
    large input, so a student sees this before grading."""
    check("A0", dict(CORRECT_A0, tanh=tanh_as_in_the_lab))
    out = capsys.readouterr().out
    assert "tanh on a column with large entries (1000, -1000, 0)" in out
    assert "tanh: correct on 1 of 2 test inputs" in out
    assert "All correct so far" not in out
    check("A0", CORRECT_A0)
    assert "All correct so far" in capsys.readouterr().out


def test_the_record_schema_takes_the_changed_inputs_and_nothing_else():
    """The grader validates the list of changed inputs: argument positions and keyword names; a
    result with anything else is not a result, and its case earns nothing."""
    from autograder.grading.records import validate
    answers = collect_namespace("G2", {"lr_gradient_descent": lr_gd_lab_verbatim})
    record = {"exercise": "G2", "answers": answers}
    assert [r.get("changed") for r in validate(record, "G2")["lr_gradient_descent"]["results"]
            if r.get("changed")] == [["w"]]
    item = catalogue.exercise("G2").item("lr_gradient_descent")
    assert all(FUNCTION.well_formed(item, r) for r in answers["lr_gradient_descent"]["results"])
    answers["lr_gradient_descent"]["results"][1]["changed"] = ["<b>w</b>"]
    assert not FUNCTION.well_formed(item, answers["lr_gradient_descent"]["results"][1])
    verdict = judge("G2", validate(record, "G2"))
    assert "what was recorded for this input is not a result" in verdict.message
    assert verdict.items[0].flags[0][0] == "record-incomplete"


# ------------------------------------------------------------------ the kernel side's calls, directly
def _case(*arrays, **named):
    return encode_case(tuple(np.asarray(a, dtype=float) for a in arrays),
                       {k: np.asarray(v, dtype=float) for k, v in named.items()})


TEST_PROCESS = os.getpid()


def _exits(z):
    if os.getpid() == TEST_PROCESS:        # called here, not in a child: say so, do not exit
        raise AssertionError("called in the test process")
    os._exit(0)


def _doubles(z):
    return 2 * z


def _pair(z):
    return z, [1.0, "x"]


def test_a_function_that_ends_its_process_costs_the_remaining_cases():
    record = calls.run(_exits, {0: _case([1.0]), 2: _case([2.0])})
    assert record == {"type": "calls", "results": [
        {"type": "invalid", "reason": "ended the process (it called exit or crashed) instead of "
                                      "returning", "case": 0},
        {"type": "invalid", "reason": "was not run after the process ended on an earlier input",
         "case": 2}]}


def test_each_result_is_plain_data_with_its_time():
    """One result per case given, each with its case's index; none for a case not given."""
    record = calls.run(_doubles, {1: _case([[1.0], [2.0]])})
    result, = record["results"]
    assert result.pop("seconds") >= 0
    assert result == {"type": "array", "shape": [2, 1], "data": [2.0, 4.0], "case": 1}
    assert calls.run(_doubles, {}) == {"type": "calls", "results": []}


@pytest.mark.parametrize("output,outputs,expected", [
    (np.array([1.0]), 1, {"type": "array", "shape": [1], "data": [1.0]}),
    ((1.0, [2.0, 3.0]), 2, {"type": "tuple", "items": [
        {"type": "array", "shape": [], "data": [1.0]},
        {"type": "array", "shape": [2], "data": [2.0, 3.0]}]}),
    ([1.0, "x"], 2, {"type": "tuple", "items": [
        {"type": "array", "shape": [], "data": [1.0]},
        {"type": "invalid", "reason": "the text 'x' where a number is expected"}]}),
    ((1.0,), 2, {"type": "invalid", "reason": "returned 1 values; a tuple of 2 values is expected"}),
    ([1.0, 2.0, 3.0], 2, {"type": "invalid",
                          "reason": "returned 3 values; a tuple of 2 values is expected"}),
    (np.array([1.0, 2.0]), 2, {"type": "invalid",
                               "reason": "returned an ndarray; a tuple of 2 values is expected"}),
    ({"w": 1}, 2, {"type": "invalid", "reason": "returned a dict; a tuple of 2 values is expected"}),
])
def test_what_a_function_returned_as_plain_data(output, outputs, expected):
    assert calls.record_output(output, outputs) == expected


def test_without_fork_the_calls_run_here_under_an_alarm():
    """The path of systems without fork (a student's Windows machine): each call under an alarm,
    the cases after an endless one not run."""
    todo = [(0, _case([1.0])), (1, _case([2.0])), (3, _case([3.0]))]
    records = calls._run_here(_doubles, todo, 1, 1.0)
    assert sorted(records) == [0, 1, 3]
    assert [(r["type"], r["data"]) for r in records.values()] == [("array", [2.0]),
                                                                  ("array", [4.0]),
                                                                  ("array", [6.0])]
    start = time.perf_counter()
    records = calls._run_here(_loops_forever, todo, 1, 0.2)
    assert time.perf_counter() - start < HANG
    assert records[0]["reason"] == "did not finish within 0.2 seconds"
    assert records[0]["seconds"] >= 0.2
    assert records[1] == records[3] == {
        "type": "invalid", "reason": "was not run again after it failed to finish on an earlier input"}


def test_a_call_under_a_time_limit_reports_how_it_ended():
    assert calls._call(_doubles, _case([1.0]), 1, seconds=1)["data"] == [2.0]
    failed = calls._call(raises_value_error, _case([1.0]), 1)
    assert failed["type"] == "invalid" and failed["reason"] == "raised ValueError: boom"
    quiet = calls._call(lambda z: 1 / 0 if False else (_ for _ in ()).throw(KeyError()),
                        _case([1.0]), 1)
    assert quiet["reason"] == "raised KeyError"                     # no text: no colon
    long = calls._call(lambda z: (_ for _ in ()).throw(ValueError("a" * 200 + "\nsecond line")),
                       _case([1.0]), 1)
    assert long["reason"] == "raised ValueError: " + "a" * 120      # the first line, cut
    assert calls._call(_pair, _case([1.0]), 2)["items"][1]["type"] == "invalid"


def test_the_arrays_a_call_changed_are_named_by_position_or_keyword():
    def changes(a, b, c=None, d=None):
        a += 1
        d[0] = 5
        return a
    case = _case([1.0], [2.0], c=[3.0], d=[4.0])
    record = calls._call(changes, case, 1)
    assert record["changed"] == ["argument 1", "d"]
    assert "changed" not in calls._call(lambda a, b, c=None, d=None: a + b, case, 1)
    nan = _case([np.nan])
    assert "changed" not in calls._call(lambda a: a * 1, nan, 1)   # NaN equal to NaN

    def reshapes(a):
        a.shape = (1, 1)
        return 1.0

    def retypes(a):
        a.dtype = np.int64                                          # the same bytes, read as ints
        return 1.0
    for function in (reshapes, retypes):
        assert calls._call(function, _case([1.0]), 1)["changed"] == ["argument 1"]


def test_the_time_limit_is_only_for_the_main_thread():
    import threading
    done = []

    def worker():
        with calls.time_limit(0.01):
            time.sleep(0.05)
            done.append(True)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert done == [True]
    with pytest.raises(calls.TimeLimit):
        with calls.time_limit(0.05):
            time.sleep(HANG)


def test_the_child_reports_each_record_on_a_line_as_soon_as_it_has_it():
    """What the forked child writes to its pipe (`_report`), here into a buffer."""
    import io
    import json

    class Pipe(io.StringIO):
        flushed = []

        def flush(self):
            self.flushed.append(self.getvalue())
    pipe = Pipe()
    calls._report(_doubles, [(2, _case([1.0])), (5, _case([2.0]))], 1, pipe)
    lines = pipe.getvalue().splitlines()
    assert [json.loads(line)[0] for line in lines] == [2, 5]
    assert [json.loads(line)[1]["data"] for line in lines] == [[2.0], [4.0]]
    assert pipe.flushed == [lines[0] + "\n", lines[0] + "\n" + lines[1] + "\n"]   # one by one


def _expected_case(label, expected, hidden=False, exact_shape=False, keep_inputs=False,
                   mistakes=()):
    from mdl_kernel.compare import CODE
    return {"label": label, "hidden": hidden, "exact_shape": exact_shape,
            "keep_inputs": keep_inputs, "tolerance": CODE,
            "expected": [np.asarray(e, dtype=float) for e in expected], "mistakes": list(mistakes)}


def _result(*values, case=0, **extra):
    from mdl_kernel import plain as P
    if len(values) == 1:
        return dict(P.numeric(values[0]), case=case, **extra)
    return dict({"type": "tuple", "items": [P.numeric(v) for v in values]}, case=case, **extra)


def _calls(*results):
    return {"type": "calls", "results": list(results)}


def test_judge_results_messages():
    cases = [_expected_case("the example", [[1.0, 2.0]]),
             _expected_case("a hidden input", [[3.0]], hidden=True, exact_shape=True)]
    judge_results = calls.judge_results
    assert judge_results("f", None, cases) == (0.0, [
        "f is not defined: run the cell that defines it (the function must be called exactly "
        "f)."], None, [])
    assert judge_results("f", {"type": "missing"}, cases)[1] == judge_results("f", None, cases)[1]
    assert judge_results("f", {"type": "invalid", "reason": "an int where a function is "
                                                            "expected"}, cases) == (
        0.0, ["f: an int where a function is expected."], None, [])
    both = _calls(_result([1.0, 2.0]), _result([3.0], case=1))
    assert judge_results("f", both, cases) == (1.0, ["f: correct on all 2 test inputs."], None, [])
    assert judge_results("f", _calls(*reversed(both["results"])), cases).score == 1.0
    assert judge_results("f", both, cases, include_hidden=False) == (
        1.0, ["f: correct on the example input."], None, [])
    flat = _calls(_result([1.0, 2.0]), _result([[3.0]], case=1))
    assert judge_results("f", flat, cases) == (0.5, [
        "f on a hidden input: returned shape (1, 1), but the output must have the input's "
        "shape (1,).", "f: correct on 1 of 2 test inputs."], None, [])
    failed = _calls({"type": "invalid", "reason": "raised KeyError", "case": 0},
                    _result([3.0], case=1))
    assert judge_results("f", failed, cases) == (0.5, [
        "f on the example: raised KeyError.", "f: correct on 1 of 2 test inputs."], None, [])


NO_RESULT = "no result was recorded for this input"
SKIPPED = "the call on this input was recorded as skipped, not run"
NOT_A_RESULT = "what was recorded for this input is not a result"


@pytest.mark.parametrize("results,why", [
    ([], [NO_RESULT, NO_RESULT]),                                        # nothing recorded
    ([{"type": "skipped"}, {"type": "skipped"}], [NO_RESULT, NO_RESULT]),   # unindexed skips
    ([{"type": "skipped", "case": 0}, {"type": "skipped", "case": 1}], [SKIPPED, SKIPPED]),
    ([_result([1.0, 2.0]), {"type": "skipped", "case": 1}], [None, SKIPPED]),
    ([_result([1.0, 2.0])], [None, NO_RESULT]),                          # one missing
    ([_result([1.0, 2.0]), _result([1.0, 2.0])], ["2 results were recorded for this input, "
                                                  "where one is expected", NO_RESULT]),
    ([_result([1.0, 2.0]), _result([3.0], case=1), _result([3.0], case=1)],
     [None, "2 results were recorded for this input, where one is expected"]),
    ([_result([1.0, 2.0]), {"type": "undecided", "case": 1}], [None, NOT_A_RESULT]),
    ([_result([1.0, 2.0]), {"case": 1}], [None, NOT_A_RESULT]),
    ([{"type": "bool", "value": True, "case": 0}, "1.0"], [NOT_A_RESULT, NO_RESULT]),
])
def test_a_case_without_a_result_of_its_own_earns_nothing_and_is_named(results, why):
    """Every case judged needs one well-formed result of its own: nothing recorded, a skip, two
    results or something else earns nothing for that case (never full marks for nothing
    judged), and the message names the case; the others are judged as usual."""
    cases = [_expected_case("the example", [[1.0, 2.0]]),
             _expected_case("a hidden input", [[3.0]], hidden=True)]
    judged = calls.judge_results("f", _calls(*results), cases)
    forged = [k for k, w in enumerate(why) if w]
    assert judged.score == (len(cases) - len(forged)) / len(cases)
    for k, w in enumerate(why):
        line = f"f on {cases[k]['label']}: {w}, so it earns nothing."
        assert (line in judged.messages) == (w is not None), judged.messages
    stray = [r for r in results if not (type(r) is dict and r.get("case") in (0, 1))]
    assert len(judged.problems) == len(forged) + bool(stray)
    assert judged.messages[-1] == (f"f: correct on {len(cases) - len(forged)} of 2 test inputs."
                                   if forged else "f: correct on all 2 test inputs.")


@pytest.mark.parametrize("index", [2, -1, "1", True, 1.0, None, 10**6])
def test_a_result_for_a_case_never_given_earns_nothing_and_is_named(index):
    cases = [_expected_case("the example", [[1.0, 2.0]]),
             _expected_case("a hidden input", [[3.0]], hidden=True)]
    record = _calls(_result([1.0, 2.0]), _result([3.0], case=index))
    judged = calls.judge_results("f", record, cases)
    assert judged.score == 0.5
    assert f"f on a hidden input: {NO_RESULT}, so it earns nothing." in judged.messages
    assert ("f: 1 recorded result belongs to no test input it was given (an index that was "
            "never sent), ignored.") in judged.messages
    assert judged.problems == ["f on a hidden input: " + NO_RESULT,
                               "f: 1 recorded result belongs to no test input"]


def test_nothing_to_judge_is_never_full_marks():
    cases = [_expected_case("a hidden input", [[3.0]], hidden=True)]
    assert calls.judge_results("f", _calls(), cases, include_hidden=False).score == 0.0
    assert calls.judge_results("f", _calls(), []).score == 0.0
    assert calls.judge_results("f", {"type": "other"}, cases).score == 0.0


def test_a_real_failure_is_wrong_with_its_reason_and_no_sign_of_forgery():
    """A function that truly raised or ran out of time: that case is wrong, with the reason."""
    cases = [_expected_case("the example", [[1.0, 2.0]]),
             _expected_case("a hidden input", [[3.0]], hidden=True)]
    record = _calls({"type": "invalid", "reason": "raised ZeroDivisionError: division by zero",
                     "case": 0, "seconds": 0.01},
                    {"type": "invalid", "reason": "did not finish within 2 seconds", "case": 1})
    judged = calls.judge_results("f", record, cases)
    assert judged == (0.0, ["f on the example: raised ZeroDivisionError: division by zero.",
                            "f on a hidden input: did not finish within 2 seconds.",
                            "f: correct on 0 of 2 test inputs."], None, [])


def test_judge_results_of_several_returned_values_and_changed_inputs():
    cases = [_expected_case("the data", [[1.0], [2.0, 2.0]], keep_inputs=True,
                            mistakes=[("sum", "a sum instead of a mean", [[1.0], [4.0, 4.0]])])]
    judge_results = calls.judge_results
    record = _calls(_result([1.0], [4.0, 4.0]))
    score, messages, mistake, problems = judge_results("g", record, cases, outputs=2)
    assert (score, mistake, problems) == (0.0, "sum", [])
    assert messages == ["g on the data, returned value 2: 2 of 2 entries are off: entry [0] "
                        "(number 1) is too large by more than 10%; entry [1] (number 2) is too "
                        "large by more than 10%. This looks like a sum instead of a mean.",
                        "g: correct on 0 of 1 test inputs."]
    changed = _calls(_result([1.0], [2.0, 2.0], changed=["argument 1", "w"]))
    assert judge_results("g", changed, cases, outputs=2) == (0.0, [
        "g on the data: it changed the caller's arrays passed as argument 1 and w; the function "
        "must leave its inputs unchanged (work on a copy, e.g. w = w.copy() or w = w - eta * dw).",
        "g: correct on 0 of 1 test inputs."], None, [])
    one = _calls(_result([1.0], [2.0, 2.0], changed=["w"]))
    assert "changed the caller's array passed as w;" in judge_results("g", one, cases, 2)[1][0]
    cases[0]["keep_inputs"] = False
    assert judge_results("g", one, cases, 2) == (1.0, ["g: correct on the example input."], None, [])


def test_lines_are_read_from_the_childs_pipe_whole_with_a_deadline():
    import os
    read_fd, write_fd = os.pipe()
    try:
        buffer = [b""]
        os.write(write_fd, b"[0, 1]\n[1,")
        assert calls._read_line(read_fd, time.monotonic() + 5, buffer) == b"[0, 1]"
        assert buffer == [b"[1,"]
        start = time.monotonic()
        assert calls._read_line(read_fd, start + 0.1, buffer) is None        # nothing more yet
        assert time.monotonic() - start >= 0.1 and buffer == [b"[1,"]
        os.write(write_fd, b" 2]\n[2, 3]\n")
        assert calls._read_line(read_fd, time.monotonic() + 5, buffer) == b"[1, 2]"
        assert calls._read_line(read_fd, time.monotonic() - 1, buffer) == b"[2, 3]"  # buffered
        os.close(write_fd)
        write_fd = None
        assert calls._read_line(read_fd, time.monotonic() + 5, buffer) == b""       # the end
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


def _writes(z):
    sys.stdout.write("NOISE\n")
    sys.stderr.write("NOISE\n")
    return 2 * z


def test_a_function_that_writes_to_stdout_is_judged_and_silenced(capfd):
    record = calls._call(_writes, _case([1.0]), 1)
    assert record["type"] == "array" and record["data"] == [2.0]
    assert capfd.readouterr() == ("", "")


def _overflows(z):
    return np.exp(np.asarray(z) * 1e5)


def test_a_call_ignores_the_kernels_floating_point_error_settings():
    """A student may have called np.seterr(all="raise"): an overflow in their function is still
    an answer (here not finite), not an exception."""
    with np.errstate(all="raise"):
        record = calls._call(_overflows, _case([1.0]), 1)
    assert (record["type"], record["reason"]) == ("invalid", (
        "1 entry is not finite (the first, entry [0], is infinite); a finite number is expected "
        "everywhere"))


def test_each_call_is_timed_to_a_tenth_of_a_millisecond():
    record = calls._call(_doubles, _case([1.0]), 1)
    assert 0 <= record["seconds"] < HANG and record["seconds"] == round(record["seconds"], 4)
    slow = calls._call(_sleeps_then_answers, _case([[1.0], [2.0]]), 1)
    assert 0.6 <= slow["seconds"] < HANG          # at least the time it slept


def test_judge_results_names_every_returned_value_that_is_off():
    cases = [_expected_case("the data", [[1.0], [2.0, 2.0]], exact_shape=True)]
    record = _calls(_result([[1.0]], [2.0]))
    assert calls.judge_results("g", record, cases, outputs=2) == (0.0, [
        "g on the data, returned value 1: returned shape (1, 1), but the output must have the "
        "input's shape (1,).",
        "g on the data, returned value 2: returned shape (1,), but the output must have the "
        "input's shape (2,).", "g: correct on 0 of 1 test inputs."], None, [])


def _writes_to_the_pipe(z):
    """Reaches the child's report pipe through the frames above it and forges two lines."""
    frame = sys._getframe(1)
    while frame is not None and "pipe" not in frame.f_locals:
        frame = frame.f_back
    frame.f_locals["pipe"].write('[1, {"type": "array", "shape": [], "data": [1.0]}]\n[0, "x"]\n')
    frame.f_locals["pipe"].flush()
    return z


def test_lines_forged_on_the_childs_pipe_are_not_results():
    """A function that writes to the pipe its results go through: a line for another case, or
    one that is not a record, is recorded as unreadable, and judged wrong."""
    record = calls.run(_writes_to_the_pipe, {0: _case([1.0]), 1: _case([2.0])})
    assert [r["type"] for r in record["results"]] == ["invalid", "invalid"]
    assert all("could not be recorded" in r["reason"] for r in record["results"])
    assert [r["case"] for r in record["results"]] == [0, 1]
