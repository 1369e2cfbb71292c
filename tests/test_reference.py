"""The reference mathematics reproduces every number the lab prints, and the catalogue follows the contract.

Every reference value here is computed by the package (`autograder.reference`, `autograder.catalogue`,
`autograder.cache`); the numbers typed below are the lab's printed output
(docs/lab/lab-printed-numbers.txt, from the lab's text) and the contract's given data
(docs/lab/EXERCISES.md), typed as they are printed there.  The contract's exercises (ids,
notebooks, names, points) are read from EXERCISES.md itself (tests/contract.py).
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest

from autograder import cache, catalogue
from contract import exercises as contract_exercises, notebook_points
from autograder.reference import activations as act
from autograder.reference import backprop as bp
from autograder.reference import descent as gd
from autograder.reference import network as net
from autograder.reference.forward import affine, architecture

# ------------------------------------------------------------------ the lab's printed numbers
LAB_EXAMPLE_X = [[1, 2], [3, -1]]
LAB_EXAMPLE_W = [[2], [-1]]
LAB_EXAMPLE_B = [[1], [1]]
LAB_EXAMPLE_Z = [[1], [8]]

LAB_SIGMOID_1_8 = [0.73105858, 0.99966465]
LAB_TANH_1_8 = [0.76159416, 0.99999977]
LAB_SOFTMAX_1_8 = [0.000911, 0.999089]

LAB_A, LAB_B, LAB_C, LAB_D = 0.77816418, 0.83451912, 0.52647369, 0.47352631

LAB_TOY_X = [[1, 2], [3, 1], [1, 1], [0, 1], [2, 2], [-2, 3], [1, 2], [-1, -0.5], [0.5, 1.2],
             [2, 1], [-2, 3], [-1, 1]]
LAB_TOY_Y = [4.6, 6.1, 3.1, 1.6, 6.1, 1.6, 4.6, -2.15, 2.65, 4.6, 1.6, 0.1]
LAB_G1_DW = [[-6.], [-4.26666667]]
LAB_G1_DB = -3.1999999999999993
LAB_G1_W = [[1.6], [1.42666667]]
LAB_G1_B = 0.31999999999999995
LAB_LR_GD_W = [[1.49985359], [1.49973438]]     # one unseeded run of the lab: batch 3, 1000 iterations
LAB_LR_GD_B = 0.10057783016938827

LAB_B5_W1_COLUMNS = ([0.24985576, 0.5000211, 0.75018656], [0.74987578, 0.49998626, 0.25009692])
LAB_B5_W2 = [[1.99874327], [3.00125615]]
LAB_KERAS_W1 = [[0.25250572, 0.75124925], [0.49919188, 0.50062895], [0.74790984, 0.2485936]]
LAB_KERAS_W2 = [[2.0164018], [2.983464]]


def printed(decimals):
    """Tolerance of a number printed with `decimals` decimals (half a unit of the last digit)."""
    return 0.5 * 10.0 ** -decimals + 1e-15


# ------------------------------------------------------------------ 01 forward pass
def test_forward_worked_example_gives_1_8():
    X, w, b = catalogue.FORWARD_EXAMPLE
    np.testing.assert_array_equal(X, LAB_EXAMPLE_X)
    np.testing.assert_array_equal(w, LAB_EXAMPLE_W)
    np.testing.assert_array_equal(b, LAB_EXAMPLE_B)
    z = affine(X, w, b)
    assert z.shape == (2, 1)
    np.testing.assert_array_equal(z, LAB_EXAMPLE_Z)


CONTRACT_FORWARD = {   # EXERCISES.md, 01_forward_pass
    "F1a": ([[1, 2], [2, 1]], [[1], [1]], [[0], [0]]),
    "F1b": ([[1, -1], [0, 5]], [[-1], [8]], [[3], [3]]),
    "F2a": ([[4, 4, 0], [2, 2, 4], [2, 4, 1]], [[1], [1], [-1]], [[2], [2], [2]]),
    "F2b": ([[6, -6, -2], [-3, -1, -5], [1, 1, -7]], [[4], [4], [-8]], [[0], [0], [0]]),
    "F3a": ([[1, 0, 1], [1, 2, 1]], [[1], [2], [1]], [[2], [2]]),
    "F3b": ([[1, -1], [0, 5], [2, -2]], [[5], [-7]], [[1], [1], [1]]),
}


@pytest.mark.parametrize("eid", sorted(CONTRACT_FORWARD))
def test_forward_exercise_given_data_and_reference(eid):
    X, w, b = CONTRACT_FORWARD[eid]
    ex = catalogue.exercise(eid)
    suffix = eid[1:].lower()
    np.testing.assert_array_equal(ex.given[f"X_{suffix}"], X)
    np.testing.assert_array_equal(ex.given[f"w_{suffix}"], w)
    np.testing.assert_array_equal(ex.given[f"b_{suffix}"], b)
    # z_i = sum_j X_ij w_j + b_i, written out entry by entry
    expected = [[sum(X[i][j] * w[j][0] for j in range(len(w))) + b[i][0]] for i in range(len(X))]
    ref = ex.item(f"z_{suffix}").expected
    assert ref.shape == (len(X), 1)
    np.testing.assert_array_equal(ref, expected)


@pytest.mark.parametrize("shape", [(2, 3), (3, 2), (1, 5), (4, 1)])
def test_architecture_reads_rows_as_observations(shape):
    """What `architecture` says is what `affine` does: one row of z per observation (each row of
    X alone gives its row of z), and w needs one row per input."""
    n_obs, n_inputs = architecture(shape)
    rng = np.random.default_rng(0)
    X, w = rng.normal(size=shape), rng.normal(size=(n_inputs, 1))
    z = affine(X, w, np.zeros((n_obs, 1)))
    assert z.shape == (n_obs, 1)
    for i in range(n_obs):
        np.testing.assert_allclose(affine(X[i:i + 1], w, 0), z[i:i + 1], rtol=1e-15)


def test_f4_asks_what_a_matrix_shape_says():
    """Each item of F4 names its matrix's shape (`n_obs_2x3`: a 2 x 3 matrix); its reference and
    its named mistake are read from that shape, the other way round."""
    f4 = catalogue.exercise("F4")
    for item in f4.items:
        what, shape = item.name.rsplit("_", 1)
        n_obs, n_inputs = architecture(tuple(int(n) for n in shape.split("x")))
        right, swapped = (n_obs, n_inputs) if what == "n_obs" else (n_inputs, n_obs)
        assert float(item.expected) == right, item.name
        (mistake,) = item.mistakes
        assert mistake.name == "rows_columns_swapped" and float(mistake.wrong()) == swapped


# ------------------------------------------------------------------ 02 activations
def test_activation_worked_example_z_1_8():
    z = catalogue.ACTIVATION_EXAMPLE
    np.testing.assert_array_equal(z, [[1], [8]])
    s, t, r, sm = act.sigmoid(z), act.tanh(z), act.relu(z), act.softmax(z)
    for value in (s, t, r, sm):
        assert value.shape == (2, 1)
    np.testing.assert_allclose(s.ravel(), LAB_SIGMOID_1_8, rtol=0, atol=printed(8))
    np.testing.assert_allclose(t.ravel(), LAB_TANH_1_8, rtol=0, atol=printed(8))
    np.testing.assert_allclose(sm.ravel(), LAB_SOFTMAX_1_8, rtol=0, atol=printed(6))
    np.testing.assert_array_equal(r, [[1], [8]])


def test_activations_match_the_lab_formulas_at_moderate_z():
    z = np.linspace(-6, 6, 25).reshape(-1, 1)
    np.testing.assert_allclose(act.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(act.tanh(z), (np.exp(2 * z) - 1) / (np.exp(2 * z) + 1),
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(act.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_allclose(act.softmax(z), np.exp(z) / np.exp(z).sum(), rtol=1e-13)
    np.testing.assert_allclose(act.sigmoid_prime(z), act.sigmoid(z) * (1 - act.sigmoid(z)))


@pytest.mark.parametrize("z", [np.array([[1000.0], [-1000.0], [0.0]]), np.array([[-1000.0], [1000.0]]),
                               np.array([1000.0, -1000.0]), np.array([[1000.0, -1000.0, 3.0]]),
                               np.array(1000.0), np.array(-1000.0)],
                         ids=["column3", "column2", "flat", "row", "scalar+", "scalar-"])
def test_stable_activations_no_nan_no_warning_at_1000(z):
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        values = {name: fn(z) for name, fn in act.ACTIVATIONS.items()}
        values["sigmoid_prime"] = act.sigmoid_prime(z)
    for name, value in values.items():
        assert value.shape == np.shape(z), name
        assert np.all(np.isfinite(value)), name
    big, small = np.asarray(z) >= 1000, np.asarray(z) <= -1000
    np.testing.assert_array_equal(values["sigmoid"][big], 1.0)
    np.testing.assert_array_equal(values["tanh"][big], 1.0)
    assert np.all(values["sigmoid"][small] < 1e-300) and np.all(values["sigmoid"][small] >= 0)
    np.testing.assert_array_equal(values["tanh"][small], -1.0)
    np.testing.assert_array_equal(values["relu"][small], 0.0)
    np.testing.assert_allclose(values["softmax"].sum(), 1.0)
    np.testing.assert_allclose(values["softmax"][np.asarray(z) == np.max(z)], 1.0)


def test_softmax_of_a_column_normalises_over_all_entries():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(5, 1))
    s = act.softmax(z)
    assert s.shape == (5, 1)
    assert s.sum() == pytest.approx(1.0, abs=1e-15)
    assert not np.allclose(s, 1.0)                       # not the axis=1 mistake
    np.testing.assert_allclose(s.ravel(), act.softmax(z.ravel()), rtol=1e-15)
    np.testing.assert_allclose(s.T, act.softmax(z.T), rtol=1e-15)
    # a matrix too: over all entries
    m = rng.normal(size=(3, 4))
    assert act.softmax(m).sum() == pytest.approx(1.0)
    # softmax_rows is the per-row version used at a network's output
    np.testing.assert_allclose(act.softmax_rows(m).sum(axis=1), 1.0)
    np.testing.assert_allclose(act.softmax_rows(z.T), act.softmax(z.T))


def test_activation_exercise_data():
    np.testing.assert_array_equal(catalogue.exercise("A1").given["z_1"], [[8], [6]])
    np.testing.assert_array_equal(catalogue.exercise("A2").given["z_2"], [[-8], [9], [-3]])
    a1 = catalogue.exercise("A1")
    np.testing.assert_array_equal(a1.item("relu_1").expected, [[8], [6]])
    np.testing.assert_allclose(a1.item("softmax_1").expected.sum(), 1.0)


# ------------------------------------------------------------------ 03 network
def test_network_parameters_follow_the_figure():
    p = net.parameters()
    np.testing.assert_array_equal(p["X"], [[0.29, 0.11, 0.8]])
    np.testing.assert_array_equal(p["w1"], [[0.3, 0.6], [0.8, 0.4], [0.1, 0.5]])
    np.testing.assert_array_equal(p["b1"], [[1, 1]])
    np.testing.assert_array_equal(p["w2"], [[0.1, 0.5], [0.7, 0.2]])
    np.testing.assert_array_equal(p["b2"], [[1, 1]])
    for name in p:
        np.testing.assert_array_equal(catalogue.exercise("N1").item(name).expected, p[name])


def test_network_values_and_prediction():
    values = net.node_values()
    assert list(values) == ["A", "B", "C", "D"]
    assert all(type(v) is float for v in values.values())
    np.testing.assert_allclose([values[k] for k in "ABCD"], [LAB_A, LAB_B, LAB_C, LAB_D],
                               rtol=0, atol=printed(8))
    assert values["C"] + values["D"] == pytest.approx(1.0)
    assert net.prediction() == "YES"
    n2 = catalogue.exercise("N2")
    for k, v in zip("ABCD", (LAB_A, LAB_B, LAB_C, LAB_D)):
        assert float(n2.item(k).expected) == pytest.approx(v, abs=printed(8))
    assert catalogue.exercise("N3").item("prediction").expected == "YES"


def test_forward_pass_shapes():
    hidden, output = net.forward_pass(**net.parameters())
    assert hidden.shape == (1, 2) and output.shape == (1, 2)


# ------------------------------------------------------------------ 04 gradient descent
def test_toy_data_is_the_labs():
    X, y = gd.toy_data()
    np.testing.assert_array_equal(X, LAB_TOY_X)
    assert y.shape == (12, 1)
    np.testing.assert_allclose(y.ravel(), LAB_TOY_Y, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(gd.W_TRUE, [[1.5], [1.5]])
    assert gd.B_TRUE == 0.1


def test_g1_gradients_and_step_as_printed():
    X, y = gd.toy_data()
    dw, db = gd.mse_gradients(X[:3], y[:3], [[1], [1]], 0)
    np.testing.assert_allclose(dw, LAB_G1_DW, rtol=0, atol=printed(8))
    assert db == pytest.approx(LAB_G1_DB, abs=1e-12)
    assert db == pytest.approx(-3.2, abs=1e-12)
    w, b = gd.gd_step(X[:3], y[:3], [[1], [1]], 0, 0.1)
    np.testing.assert_allclose(w, LAB_G1_W, rtol=0, atol=printed(8))
    assert b == pytest.approx(LAB_G1_B, abs=1e-12)
    assert b == pytest.approx(0.32, abs=1e-12)
    # the same numbers through the catalogue's G1 items
    g1 = catalogue.exercise("G1")
    np.testing.assert_allclose(g1.item("dw_batch1").expected, LAB_G1_DW, atol=printed(8))
    assert float(g1.item("db_batch1").expected) == pytest.approx(-3.2)
    np.testing.assert_allclose(g1.item("w_step1").expected, LAB_G1_W, atol=printed(8))
    assert float(g1.item("b_step1").expected) == pytest.approx(0.32)
    # the lab's 3-decimal rendering (9), (10), (12), (13)
    np.testing.assert_allclose(np.round(dw.ravel(), 3), [-6.000, -4.267])
    np.testing.assert_allclose(np.round(w.ravel(), 3), [1.600, 1.427])


def test_g3_sgd_first_step_exactly():
    # observation 1: x = (1, 2), y = 4.6, yhat = 3, residual -1.6; dw = 2 r x, db = 2 r
    g3 = catalogue.exercise("G3")
    np.testing.assert_allclose(g3.item("w_sgd_step1").expected, [[1.32], [1.64]], atol=1e-12)
    assert float(g3.item("b_sgd_step1").expected) == pytest.approx(0.32, abs=1e-12)
    # one epoch in the given order, written out in exact arithmetic
    w1, w2, b = Fraction(1), Fraction(1), Fraction(0)
    eta = Fraction(1, 10)
    for (x1, x2), t in zip(LAB_TOY_X, LAB_TOY_Y):
        x1, x2, t = Fraction(str(x1)), Fraction(str(x2)), Fraction(str(t))
        r = w1 * x1 + w2 * x2 + b - t
        w1, w2, b = w1 - eta * 2 * r * x1, w2 - eta * 2 * r * x2, b - eta * 2 * r
    np.testing.assert_allclose(g3.item("w_sgd_epoch1").expected, [[float(w1)], [float(w2)]],
                               rtol=1e-12)
    assert float(g3.item("b_sgd_epoch1").expected) == pytest.approx(float(b), rel=1e-12)


def test_g5_logistic_gradient_at_the_start():
    import math
    X, y, w, b = [[1, 2], [3, 4], [5, 6]], [0, 1, 1], (1, 2), -10
    p = [1 / (1 + math.exp(-(r[0] * w[0] + r[1] * w[1] + b))) for r in X]
    dw = [sum((p[i] - y[i]) * X[i][j] for i in range(3)) / 3 for j in range(2)]
    db = sum(p[i] - y[i] for i in range(3)) / 3
    g5 = catalogue.exercise("G5")
    np.testing.assert_array_equal(g5.given["X_logistic"], X)
    np.testing.assert_array_equal(np.ravel(g5.given["y_logistic"]), y)
    np.testing.assert_allclose(g5.item("dw_logistic_0").expected, np.reshape(dw, (2, 1)), rtol=1e-12)
    assert float(g5.item("db_logistic_0").expected) == pytest.approx(db, rel=1e-12)
    # three full-batch steps
    wv, bv = np.array([[1.0], [2.0]]), -10.0
    for _ in range(3):
        pv = 1 / (1 + np.exp(-(np.array(X) @ wv + bv)))
        r = pv - np.array(y, float).reshape(-1, 1)
        wv, bv = wv - 0.1 * np.array(X).T @ r / 3, bv - 0.1 * r.mean()
    np.testing.assert_allclose(g5.item("w_logistic_3").expected, wv, rtol=1e-12)
    assert float(g5.item("b_logistic_3").expected) == pytest.approx(bv, rel=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("given", [True, False])
def test_lr_gradient_descent_with_batch_size_n_is_full_batch(seed, given):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(15, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.2 + 0.1 * rng.normal(size=(15, 1))
    w0, b0 = (np.array([[0.1], [0.2], [0.3]]), -0.4) if given else (np.ones((3, 1)), 0.0)
    kwargs = {"w": w0.copy(), "b": b0} if given else {}
    w, b = gd.lr_gradient_descent(X, y, batch_size=15, eta=0.05, max_iter=40, tol=0.0,
                                  rng=np.random.default_rng(seed), **kwargs)
    wf, bf = gd.full_batch_descent(X, y, w0, b0, 0.05, 40)
    np.testing.assert_allclose(w, wf, rtol=1e-10, atol=1e-12)
    assert b == pytest.approx(bf, rel=1e-10, abs=1e-12)
    # a batch size above N is N
    w2, b2 = gd.lr_gradient_descent(X, y, batch_size=32, eta=0.05, max_iter=40, tol=0.0,
                                    rng=np.random.default_rng(seed), **kwargs)
    np.testing.assert_allclose(w2, wf, rtol=1e-10, atol=1e-12)


def test_lr_gradient_descent_does_not_mutate_its_inputs():
    X, y = gd.toy_data()
    w0 = np.array([[0.3], [0.7]])
    before = (X.copy(), y.copy(), w0.copy())
    gd.lr_gradient_descent(X, y, batch_size=3, w=w0, b=0.5, max_iter=5, rng=np.random.default_rng(0))
    for a, b in zip((X, y, w0), before):
        np.testing.assert_array_equal(a, b)


def test_lr_gradient_descent_stops_on_tol_after_one_step():
    X, y = gd.toy_data()
    losses = []
    w, b = gd.lr_gradient_descent(X, y, batch_size=12, eta=0.1, max_iter=100, tol=1e10, losses=losses)
    assert len(losses) == 2
    wf, bf = gd.full_batch_descent(X, y, np.ones((2, 1)), 0.0, 0.1, 1)
    np.testing.assert_allclose(w, wf, rtol=1e-12)
    assert b == pytest.approx(bf)


def test_lr_gradient_descent_reaches_w_true_on_the_toy_data():
    X, y = gd.toy_data()
    w, b = gd.lr_gradient_descent(X, y, batch_size=3, eta=0.1, max_iter=1000, tol=0.0,
                                  rng=np.random.default_rng(3))
    np.testing.assert_allclose(w, [[1.5], [1.5]], atol=1e-9)
    assert b == pytest.approx(0.1, abs=1e-9)


def test_the_labs_printed_run_is_typical_of_the_reference():
    """The lab's run is unseeded (tol = 1e-8 stops it early): its result is typical of the reference's."""
    X, y = gd.toy_data()
    gaps = []
    for seed in range(10):
        w, b = gd.lr_gradient_descent(X, y, batch_size=3, max_iter=1000, rng=np.random.default_rng(seed))
        gaps.append(max(np.max(np.abs(w - LAB_LR_GD_W)), abs(b - LAB_LR_GD_B)))
    assert np.median(gaps) < 5e-4
    np.testing.assert_allclose(LAB_LR_GD_W, [[1.5], [1.5]], atol=1e-3)   # the contract's 1e-3


def test_g4_eta_0_3_diverges_and_small_rates_do_not():
    X, y = gd.toy_data()
    assert bool(catalogue.exercise("G4").item("diverges_eta_0_3").expected) is True
    assert gd.diverges(X, y, eta=0.3, batch_size=3)
    for eta in (0.01, 0.05, 0.1):
        assert not gd.diverges(X, y, eta=eta, batch_size=3, seeds=range(5))


def test_logistic_gradient_descent_default_start():
    w, b = gd.logistic_gradient_descent(gd.LOGISTIC_X, gd.LOGISTIC_Y, max_iter=1)
    dw, db = gd.cross_entropy_gradients(gd.LOGISTIC_X, gd.LOGISTIC_Y, np.ones((2, 1)), 0.0)
    np.testing.assert_allclose(w, np.ones((2, 1)) - 0.1 * dw)
    assert b == pytest.approx(-0.1 * db)


# ------------------------------------------------------------------ 05 backpropagation
def test_b2_thetas_exactly():
    x, t = [Fraction(2), Fraction(3), Fraction(5)], [Fraction(7), Fraction(10), Fraction(16)]
    w, b, eta = Fraction(1), Fraction(0), Fraction(1, 100)
    thetas = []
    for _ in range(3):
        r = [w * xi + b - ti for xi, ti in zip(x, t)]
        w, b = (w - eta * 2 * sum(ri * xi for ri, xi in zip(r, x)) / 3,
                b - eta * 2 * sum(r) / 3)
        thetas.append((float(w), float(b)))
    np.testing.assert_allclose(bp.line_thetas(3), thetas, rtol=1e-13)
    b2 = catalogue.exercise("B2")
    for k in (1, 2, 3):
        np.testing.assert_allclose(b2.item(f"theta_{k}").expected, thetas[k - 1], rtol=1e-13)
    np.testing.assert_array_equal(b2.given["x_data"], [2, 3, 5])
    np.testing.assert_array_equal(b2.given["y_data"], [7, 10, 16])


def test_synthetic_data_is_the_labs():
    X, y = bp.synthetic_data()
    rs = np.random.RandomState(0)          # the lab's np.random.seed(0); np.random.randn(10000, 3)
    X_lab = rs.randn(10000, 3)
    np.testing.assert_array_equal(X, X_lab)

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    w1_1, w1_2, w2_1 = np.array([[0.25], [0.5], [0.75]]), np.array([[0.75], [0.5], [0.25]]), \
        np.array([[2.0], [3.0]])
    y_lab = np.exp(np.concatenate((sigmoid(X_lab @ w1_1), sigmoid(X_lab @ w1_2)), axis=1) @ w2_1)
    assert y.shape == (10000, 1)
    np.testing.assert_allclose(y, y_lab, rtol=1e-13)


def _finite_difference(X, y, W1, w2, h=1e-6):
    dW1, dw2 = np.zeros_like(W1), np.zeros_like(w2)
    for grad, param in ((dW1, W1), (dw2, w2)):
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + h
            up = bp.loss(X, y, W1, w2)
            param[idx] = old - h
            down = bp.loss(X, y, W1, w2)
            param[idx] = old
            grad[idx] = (up - down) / (2 * h)
    return dW1, dw2


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_backprop_gradients_agree_with_finite_differences(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    y = bp.network_output(X, bp.W1_TRUE, bp.W2_TRUE) + 0.1 * rng.normal(size=(40, 1))
    W1, w2 = rng.normal(0.5, 0.5, size=(3, 2)), rng.normal(1.0, 0.5, size=(2, 1))
    dW1, dw2 = bp.backprop_gradients(X, y, W1, w2)
    assert dW1.shape == (3, 2) and dw2.shape == (2, 1)
    fW1, fw2 = _finite_difference(X, y, W1.copy(), w2.copy())
    np.testing.assert_allclose(dW1, fW1, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(dw2, fw2, rtol=1e-5, atol=1e-7)
    # flat w2 and flat y are read as columns
    f1, f2 = bp.backprop_gradients(X, y.ravel(), W1, w2.ravel())
    np.testing.assert_allclose(f1, dW1)
    np.testing.assert_allclose(f2, dw2)


def test_backprop_gradients_at_the_labs_start_match_the_labs_deltas():
    X, y = bp.synthetic_data()
    X, y = X[:500], y[:500]

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    w1_1, w1_2, w2_1 = np.array([[0.2], [0.6], [1.0]]), np.array([[0.4], [0.8], [1.2]]), \
        np.array([[1.0], [2.0]])
    z1_1, z1_2 = X @ w1_1, X @ w1_2
    a1 = np.concatenate((sigmoid(z1_1), sigmoid(z1_2)), axis=1)
    z2 = a1 @ w2_1
    y_hat = np.exp(z2).reshape(len(y), 1)
    delta2_1 = 2 * (y_hat - y) * np.exp(z2)
    delta1_1 = w2_1[0] * delta2_1 * sigmoid(z1_1) * (1 - sigmoid(z1_1))
    delta1_2 = w2_1[1] * delta2_1 * sigmoid(z1_2) * (1 - sigmoid(z1_2))
    dW1, dw2 = bp.backprop_gradients(X, y, bp.W1_START, bp.W2_START)
    np.testing.assert_allclose(dw2, np.mean(delta2_1 * a1, axis=0).reshape(2, 1), rtol=1e-12)
    np.testing.assert_allclose(dW1[:, :1], np.mean(delta1_1 * X, axis=0).reshape(3, 1), rtol=1e-12)
    np.testing.assert_allclose(dW1[:, 1:], np.mean(delta1_2 * X, axis=0).reshape(3, 1), rtol=1e-12)
    np.testing.assert_array_equal(bp.W1_START, [[0.2, 0.4], [0.6, 0.8], [1.0, 1.2]])
    np.testing.assert_array_equal(bp.W2_START, [[1.0], [2.0]])


LAB_GD_ETA = 0.0005                                                      # the lab's training code
LAB_ADAM = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}       # Keras's Adam defaults


def test_the_trainings_first_steps_follow_the_labs_settings():
    """The first steps of both trainings, worked here from the lab's settings: a descent step is
    -eta times the gradient; Adam's first step moves each weight by lr against the sign of its
    gradient, and its second step is Keras's update with beta1, beta2 and eps."""
    X, y = bp.synthetic_data()
    X, y = X[:200], y[:200]
    g1 = bp.backprop_gradients(X, y, bp.W1_START, bp.W2_START)
    starts = (bp.W1_START, bp.W2_START)
    for got, start, g in zip(bp.train_gd(X, y, steps=1), starts, g1):
        np.testing.assert_allclose(got, start - LAB_GD_ETA * g, rtol=1e-15)
    lr, beta1, beta2, eps = (LAB_ADAM[k] for k in ("lr", "beta1", "beta2", "eps"))
    first = bp.train_adam(X, y, steps=1)
    for got, start, g in zip(first, starts, g1):
        np.testing.assert_allclose(got - start, -lr * np.sign(g), rtol=1e-6)
    g2 = bp.backprop_gradients(X, y, *first)
    for got, before, a, b in zip(bp.train_adam(X, y, steps=2), first, g1, g2):
        m = beta1 * (1 - beta1) * a + (1 - beta1) * b
        v = beta2 * (1 - beta2) * a * a + (1 - beta2) * b * b
        step = lr * np.sqrt(1 - beta2 ** 2) / (1 - beta1 ** 2) * m / (np.sqrt(v) + eps)
        np.testing.assert_allclose(got, before - step, rtol=1e-12)


def test_the_trainings_run_the_labs_number_of_steps():
    """5000 steps by default: one more or one fewer gives another result."""
    X, y = bp.synthetic_data()
    X, y = X[:50], y[:50]
    for train in (bp.train_gd, bp.train_adam):
        default = train(X, y)
        np.testing.assert_array_equal(default[0], train(X, y, steps=5000)[0])
        assert not np.array_equal(default[0], train(X, y, steps=4999)[0])


def test_b5_cached_reference_reproduces_the_labs_printout():
    ref = cache.slow("B5")
    assert ref["W1"].shape == (3, 2) and ref["w2"].shape == (2, 1)
    np.testing.assert_allclose(ref["W1"][:, 0], LAB_B5_W1_COLUMNS[0], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ref["W1"][:, 1], LAB_B5_W1_COLUMNS[1], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ref["w2"], LAB_B5_W2, rtol=0, atol=1e-8)
    b5 = catalogue.exercise("B5")
    np.testing.assert_array_equal(b5.item("W1_hat").expected, ref["W1"])
    np.testing.assert_array_equal(b5.item("w2_hat").expected, ref["w2"])


def test_b6_cached_reference_is_within_1e_5_of_keras():
    ref = cache.slow("B6")
    assert ref["W1"].shape == (3, 2) and ref["w2"].shape == (2, 1)
    np.testing.assert_allclose(ref["W1"], LAB_KERAS_W1, rtol=0, atol=1e-5)
    np.testing.assert_allclose(ref["w2"], LAB_KERAS_W2, rtol=0, atol=1e-5)
    b6 = catalogue.exercise("B6")
    np.testing.assert_array_equal(b6.item("W1_adam").expected, ref["W1"])
    np.testing.assert_array_equal(b6.item("w2_adam").expected, ref["w2"])


# ------------------------------------------------------------------ the catalogue against the contract
# docs/lab/EXERCISES.md is the lab's contract, honoured exactly: every row is in the catalogue as
# written (notebook, names, points, kind), in the contract's order, and each notebook's exercises
# of the contract add up to its heading's points.  The course may add exercises beyond it (README,
# "Adding an exercise"): an extra needs no row, and is checked by everything that reads the
# catalogue (manifest, test cells, worked solutions, grading), not against the contract.
CONTRACT = contract_exercises()           # docs/lab/EXERCISES.md: id -> notebook, names, points
NOTEBOOK_POINTS = notebook_points()   # EXERCISES.md headings: (auto, manual)


def test_catalogue_holds_the_contracts_exercises_in_order():
    """Every exercise of the contract, the symbolic G6, B1 and B3 included, in its order (an
    exercise the course adds may stand anywhere)."""
    assert [eid for eid in catalogue.CATALOGUE if eid in CONTRACT] == list(CONTRACT)


@pytest.mark.parametrize("eid", list(CONTRACT))
def test_exercise_names_points_and_notebook(eid):
    row = CONTRACT[eid]
    ex = catalogue.exercise(eid)
    assert ex.id == eid
    assert ex.notebook == row.notebook
    assert [i.name for i in ex.items] == list(row.names) and row.names
    assert ex.points == row.points
    assert ex.manual_points == row.manual
    assert sum(ex.weights) == pytest.approx(1.0)
    if eid != "B3":     # "split evenly over its items unless stated"
        assert len(set(ex.weights)) == 1
    assert ({i.kind.name for i in ex.items} == {"symbolic"}) == (row.kind == "symbolic")
    assert ({i.kind.name for i in ex.items} == {"function"}) == (row.kind == "function")


def test_catalogue_point_totals():
    """The contract's points, notebook by notebook (the course's own exercises add to them)."""
    present = {eid: e for eid, e in catalogue.CATALOGUE.items() if eid in CONTRACT}
    auto = sum(e.points for e in present.values())
    manual = sum(e.manual_points for e in present.values())
    assert (auto, manual) == tuple(map(sum, zip(*NOTEBOOK_POINTS.values()))) and auto and manual
    for notebook, (want_auto, want_manual) in NOTEBOOK_POINTS.items():
        exs = [e for e in catalogue.in_notebook(notebook) if e.id in CONTRACT]
        assert sum(e.points for e in exs) == want_auto, notebook
        assert sum(e.manual_points for e in exs) == want_manual, notebook
    assert sum(want for want, _ in NOTEBOOK_POINTS.values()) == auto


def test_unknown_exercise_id_names_the_known_ones():
    with pytest.raises(KeyError, match="F1a"):
        catalogue.exercise("Z9")


def test_hand_answers_are_the_contracts():
    hand = {e.id for e in catalogue.CATALOGUE.values() if e.hand}
    assert {"F1a", "F1b", "F2a", "F2b", "F3a", "F3b", "A1", "A2", "G1", "G3", "G5"} <= hand
    for eid in hand:
        for item in catalogue.exercise(eid).items:
            assert (item.tolerance.atol, item.tolerance.rtol) == (5e-4, 1e-3), (eid, item.name)
    for eid in ("B5",):
        for item in catalogue.exercise(eid).items:
            assert (item.tolerance.atol, item.tolerance.rtol) == (1e-9, 1e-6)
    for item in catalogue.exercise("B6").items:
        assert item.tolerance.atol == 1e-4
