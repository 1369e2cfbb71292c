"""The exercise catalogue: every exercise of the lab, once.

Ids, given data, the names a student defines, points and policies follow the lab's contract, docs/lab/EXERCISES.md.
References are computed from `reference`; the notebooks' given-data cells, the checks, the worked
solutions and the tests all read from here.  Symbolic items (G6, B1, B3) take their references from
`reference.derivatives`, derived with sympy.diff.
"""
import numpy as np

from .assignment import NOTEBOOKS  # noqa: F401  (re-exported: the lab's notebooks, in teaching order)
from . import cache
from mdl_kernel.compare import CODE, Tolerance

from .exercises import Case, Exercise, Item, Mistake, Shift, Slips
from .followthrough import FollowsFrom
from .kinds import BOOLEAN, FUNCTION, INTEGER, LABEL
from .reference import activations as act, backprop as bp, descent as gd, network as net
from .reference.forward import affine
from .symbolic_exercises import B1, B3, G6


def col(*values):
    return np.array(values, dtype=float).reshape(-1, 1)


def mat(rows):
    return np.array(rows, dtype=float)


# ---------------------------------------------------------------- 01 forward pass
FORWARD_GIVEN = {
    "F1a": (mat([[1, 2], [2, 1]]), col(1, 1), col(0, 0)),
    "F1b": (mat([[1, -1], [0, 5]]), col(-1, 8), col(3, 3)),
    "F2a": (mat([[4, 4, 0], [2, 2, 4], [2, 4, 1]]), col(1, 1, -1), col(2, 2, 2)),
    "F2b": (mat([[6, -6, -2], [-3, -1, -5], [1, 1, -7]]), col(4, 4, -8), col(0, 0, 0)),
    "F3a": (mat([[1, 0, 1], [1, 2, 1]]), col(1, 2, 1), col(2, 2)),
    "F3b": (mat([[1, -1], [0, 5], [2, -2]]), col(5, -7), col(1, 1, 1)),
}
FORWARD_EXAMPLE = (mat([[1, 2], [3, -1]]), col(2, -1), col(1, 1))


def _forward(eid):
    X, w, b = FORWARD_GIVEN[eid]
    suffix = eid[1:].lower()
    mistakes = [Mistake("no_bias", "X w without adding the bias b", lambda: X @ w)]
    if X.shape[0] == X.shape[1]:
        mistakes.append(Mistake("transposed_X", "X transposed times w (rows and columns swapped)",
                                lambda: X.T @ w + b))
    return Exercise(
        id=eid, notebook="01_forward_pass", title=f"z = Xw + b ({X.shape[0]}x{X.shape[1]})",
        points=2, hand=True,
        given={f"X_{suffix}": X, f"w_{suffix}": w, f"b_{suffix}": b},
        items=(Item(f"z_{suffix}", reference=lambda: affine(X, w, b), mistakes=tuple(mistakes),
                    slips=Slips(shifts=(Shift("bias", "the bias b", lambda: b),))),))


def _integer(name, value, swapped):
    return Item(name, kind=INTEGER, reference=lambda: np.array(float(value)), tolerance=CODE,
                mistakes=(Mistake("rows_columns_swapped",
                                  "observations and inputs swapped (rows are observations)",
                                  lambda: np.array(float(swapped))),))


F4 = Exercise(
    id="F4", notebook="01_forward_pass", title="What the shape of X says", points=2,
    manual_points=2,
    items=(_integer("n_obs_2x3", 2, 3), _integer("n_inputs_2x3", 3, 2),
           _integer("n_obs_3x2", 3, 2), _integer("n_inputs_3x2", 2, 3)))

# ---------------------------------------------------------------- 02 activations
ACTIVATION_EXAMPLE = col(1, 8)
A_GIVEN = {"A1": col(8, 6), "A2": col(-8, 9, -3)}


def _softmax_axis_mistake(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _activation_values(eid):
    z = A_GIVEN[eid]
    n = eid[1:]
    items = []
    for name, fn in act.ACTIVATIONS.items():
        mistakes = ()
        if name == "softmax":
            mistakes = (Mistake("softmax_axis", "normalising each row separately (axis=1), "
                                "which gives all ones for a column", lambda z=z: np.ones_like(z)),)
        if name == "tanh":
            mistakes = (Mistake("tanh_as_sigmoid", "the sigmoid instead of tanh",
                                lambda z=z: act.sigmoid(z)),)
        items.append(Item(f"{name}_{n}", reference=lambda fn=fn, z=z: fn(z), mistakes=mistakes))
    return Exercise(id=eid, notebook="02_activations", title=f"Activations of z = {z.ravel().tolist()}",
                    points=4, hand=True, given={f"z_{eid[1:]}": z}, items=tuple(items))


def _activation_cases(fn):
    rng = np.random.default_rng(20240)
    inputs = [
        ("the worked example z = (1, 8) as a column", ACTIVATION_EXAMPLE, False),
        ("a random column of 5 entries", rng.normal(0, 3, size=(5, 1)), True),
        ("a flat vector of 4 entries", rng.normal(0, 3, size=4), True),
        ("a row vector of shape (1, 3)", rng.normal(0, 3, size=(1, 3)), True),
        ("a column with large entries (1000, -1000, 0)", col(1000, -1000, 0), False),
        ("a column with large entries (-1000, 1000)", col(-1000, 1000), True),
        ("a column of equal entries", col(2, 2, 2, 2), True),
    ]
    return tuple(Case(label, (lambda z=z: ((z.copy(),), {})), (lambda z=z: fn(z)), hidden=hidden,
                      exact_shape=True) for label, z, hidden in inputs)


A0 = Exercise(
    id="A0", notebook="02_activations", title="The four activation functions in NumPy", points=8,
    items=tuple(Item(name, kind=FUNCTION, cases=_activation_cases(fn),
                     mistakes=(Mistake("softmax_axis", "normalising each row separately (axis=1) "
                                       "instead of over all entries", _softmax_axis_mistake),)
                     if name == "softmax" else ())
                for name, fn in act.ACTIVATIONS.items()))

# ---------------------------------------------------------------- 03 network output
NETWORK = net.parameters()


def _node(name):
    return lambda: np.array(net.node_values()[name])


N1 = Exercise(
    id="N1", notebook="03_network_output", title="The network's matrices", points=5,
    items=(Item("X", reference=lambda: NETWORK["X"]),
           Item("w1", reference=lambda: NETWORK["w1"]),
           Item("b1", reference=lambda: NETWORK["b1"]),
           Item("w2", reference=lambda: NETWORK["w2"],
                mistakes=(Mistake("transposed_w2", "w2 with rows and columns swapped (rows must "
                                  "be the hidden nodes A, B)", lambda: NETWORK["w2"].T),)),
           Item("b2", reference=lambda: NETWORK["b2"])))


def _without_bias():
    p = dict(NETWORK, b1=0 * NETWORK["b1"], b2=0 * NETWORK["b2"])
    hidden, output = net.forward_pass(**p)
    return dict(zip("ABCD", np.concatenate([hidden[0], output[0]])))


def _sigmoid_output():
    hidden, _ = net.forward_pass(**NETWORK)
    return act.sigmoid(hidden @ NETWORK["w2"] + NETWORK["b2"])[0]


def _node_mistakes(node):
    found = [Mistake("no_bias", "the value without the bias of 1", lambda: _without_bias()[node])]
    if node in net.OUTPUT:
        k = net.OUTPUT.index(node)
        found.append(Mistake("sigmoid_output", "a sigmoid at the output where softmax belongs",
                             lambda: _sigmoid_output()[k]))
    return tuple(found)


def _node_from(node):
    """Node `node`'s value from the student's own X, w1, b1, w2, b2 (N1), by the reference code."""
    def compute(X, w1, b1, w2, b2):
        hidden, output = net.forward_pass(X, w1, b1, w2, b2)
        values = np.concatenate([np.ravel(hidden), np.ravel(output)])
        return np.array(dict(zip(net.HIDDEN + net.OUTPUT, values, strict=True))[node])
    return FollowsFrom(("X", "w1", "b1", "w2", "b2"), compute)


N2 = Exercise(
    id="N2", notebook="03_network_output", title="The values of A, B, C, D", points=4, hand=True,
    items=tuple(Item(node, reference=_node(node), mistakes=_node_mistakes(node),
                     follows=_node_from(node)) for node in "ABCD"))

N3 = Exercise(
    id="N3", notebook="03_network_output", title="The predicted class", points=1,
    items=(Item("prediction", kind=LABEL, reference=net.prediction,
                options={"choices": ("YES", "NO")},
                hint="not the class this network predicts: compare the two output values.",
                follows=FollowsFrom(("C", "D"), lambda C, D: net.predicted_class(
                    {"C": float(np.ravel(C)[0]), "D": float(np.ravel(D)[0])}))),))


def _network_case(label, seed, hidden=True):
    if seed is None:
        params = NETWORK
    else:
        rng = np.random.default_rng(seed)
        params = {"X": rng.normal(size=(1, 3)), "w1": rng.normal(size=(3, 2)),
                  "b1": rng.normal(size=(1, 2)), "w2": rng.normal(size=(2, 2)),
                  "b2": rng.normal(size=(1, 2))}
    keys = ("X", "w1", "b1", "w2", "b2")
    return Case(label, lambda: (tuple(params[k].copy() for k in keys), {}),
                lambda: net.forward_pass(*(params[k] for k in keys)), hidden=hidden)


def _forward_without_biases(X, w1, b1, w2, b2):
    return net.forward_pass(X, w1, 0 * b1, w2, 0 * b2)


N4 = Exercise(
    id="N4", notebook="03_network_output", title="forward_pass in NumPy", points=3,
    items=(Item("forward_pass", kind=FUNCTION, options={"outputs": 2},
                mistakes=(Mistake("no_bias", "a forward pass without the biases b1 and b2",
                                  _forward_without_biases),), cases=(
        _network_case("the network of the figure", None, hidden=False),
        _network_case("random weights and inputs (1)", 1),
        _network_case("random weights and inputs (2)", 2),
        _network_case("random weights and inputs (3)", 3))),))

# ---------------------------------------------------------------- 04 gradient descent
TOY_X, TOY_Y = gd.toy_data()
W0, B0, ETA = col(1, 1), 0.0, 0.1
BATCH1 = (TOY_X[:3], TOY_Y[:3])


def _step_slips(kind):
    """G1's slips: N for a gradient; one learning-rate step eta dw (or eta db) for a step."""
    X, y = BATCH1
    if kind in ("dw", "db"):
        return Slips(observations=lambda: X.shape[0])
    k = ("w", "b").index(kind)
    words = ("one learning-rate step eta * dw", "one learning-rate step eta * db")[k]
    return Slips(shifts=(Shift(f"step_{kind}", words,
                               lambda: ETA * np.asarray(gd.mse_gradients(X, y, W0, B0)[k]),
                               sign=-1),))


def _step_mistakes(kind):
    """Wrong variants of the first batch's gradient or step: factor 2, sum vs mean, sign."""
    X, y = BATCH1
    dw, db = gd.mse_gradients(X, y, W0, B0)
    variants = {"missing_factor_2": ("the gradient without the factor 2 of the squared error", 0.5),
                "sum_not_mean": ("the sum over the batch instead of the mean (a factor N)", 3.0),
                "sign_error": ("a sign error, (y - yhat) in place of (yhat - y)", -1.0)}
    out = []
    for name, (why, factor) in variants.items():
        value = {"dw": lambda f=factor: f * dw, "db": lambda f=factor: f * db,
                 "w": lambda f=factor: W0 - ETA * f * dw, "b": lambda f=factor: B0 - ETA * f * db}[kind]
        out.append(Mistake(name, why, value))
    return tuple(out)


G1 = Exercise(
    id="G1", notebook="04_gradient_descent", title="One mini-batch step by hand", points=4, hand=True,
    given={"X_toy": TOY_X, "w_true": gd.W_TRUE, "b_true": gd.B_TRUE, "w0": W0, "b0": B0,
           "eta": ETA},
    setup="y_toy = X_toy @ w_true + b_true   # the toy targets, a 12 x 1 column",
    items=(Item("dw_batch1", reference=lambda: gd.mse_gradients(*BATCH1, W0, B0)[0],
                mistakes=_step_mistakes("dw"), slips=_step_slips("dw")),
           Item("db_batch1", reference=lambda: np.array(gd.mse_gradients(*BATCH1, W0, B0)[1]),
                mistakes=_step_mistakes("db"), slips=_step_slips("db")),
           Item("w_step1", reference=lambda: gd.gd_step(*BATCH1, W0, B0, ETA)[0],
                mistakes=_step_mistakes("w"), slips=_step_slips("w"),
                follows=FollowsFrom(("dw_batch1",), lambda dw: gd.descend(W0, dw, ETA))),
           Item("b_step1", reference=lambda: np.array(gd.gd_step(*BATCH1, W0, B0, ETA)[1]),
                mistakes=_step_mistakes("b"), slips=_step_slips("b"),
                follows=FollowsFrom(("db_batch1",), lambda db: gd.descend(B0, db, ETA)))))


def _lr_case(label, X, y, hidden=True, tolerance=CODE, expected=None, **kwargs):
    def inputs():
        kw = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
        if "rng_seed" in kw:
            kw["rng"] = np.random.default_rng(kw.pop("rng_seed"))
        return (X.copy(), y.copy()), kw

    return Case(label, inputs, expected or (lambda: _full_batch(X, y, kwargs)), hidden=hidden,
                tolerance=tolerance, keep_inputs=True)


def _full_batch(X, y, kwargs, extra=0):
    """lr_gradient_descent's (w, b) on a full-batch case: max_iter steps when tol = 0, one step
    when tol is so large that it stops at the first comparison; `extra` steps more."""
    steps = (kwargs["max_iter"] if kwargs.get("tol", 1e-8) == 0 else 1) + extra
    w = kwargs.get("w", np.ones((X.shape[1], 1)))
    w, b = gd.full_batch_descent(X, y, w, kwargs.get("b", 0.0), kwargs.get("eta", 0.1), steps)
    return w, np.array(b)


def _lr_steps(args, kwargs, delta):
    """G2's iteration slip: one full-batch step fewer or more; None for a mini-batch case."""
    X, y = args
    if "rng" in kwargs or kwargs.get("batch_size") != X.shape[0]:
        return None
    return _full_batch(X, y, kwargs, delta)


def _one_epoch_first_order(X, y, batch_size, eta):
    """One epoch of mini-batch descent from w = ones, b = 0, to first order in eta: the batches
    partition the data, so the sum of their gradients is N / batch_size times the full-batch
    gradient g, and the epoch moves (w, b) by -eta (N / batch_size) g + O(eta^2), whatever the
    order of the observations.  A full-batch step moves it by only -eta g."""
    w, b = np.ones((X.shape[1], 1)), 0.0
    dw, db = gd.mse_gradients(X, y, w, b)
    steps = X.shape[0] // batch_size
    return w - eta * steps * dw, np.array(b - eta * steps * db)


_rng = np.random.default_rng(7)
_X20 = _rng.normal(size=(20, 3))
_Y20 = _X20 @ col(0.5, -1.0, 2.0) + 0.3 + 0.1 * _rng.normal(size=(20, 1))

G2 = Exercise(
    id="G2", notebook="04_gradient_descent", title="Mini-batch gradient descent", points=7,
    items=(Item("lr_gradient_descent", kind=FUNCTION, options={"outputs": 2},
                slips=Slips(steps=_lr_steps), cases=(
        _lr_case("the toy data, batch_size = N (full batch), 50 iterations, tol = 0", TOY_X, TOY_Y,
                 hidden=False, batch_size=12, eta=0.1, max_iter=50, tol=0.0),
        _lr_case("other data (20 x 3), full batch, given w and b, eta = 0.05, tol = 0", _X20, _Y20,
                 batch_size=20, eta=0.05, w=col(0.1, 0.2, 0.3), b=-0.5, max_iter=30, tol=0.0),
        _lr_case("default w and b (w = ones, b = 0), full batch, 20 iterations, tol = 0",
                 TOY_X, TOY_Y, batch_size=12, eta=0.1, max_iter=20, tol=0.0),
        _lr_case("a very large tol: it must stop at the second loss comparison, after one step",
                 TOY_X, TOY_Y, batch_size=12, eta=0.1, max_iter=100, tol=1e10),
        _lr_case("the toy data, batch_size = 3, one iteration with eta = 0.0001, tol = 0: "
                 "four mini-batch steps, whatever the shuffle order",
                 TOY_X, TOY_Y, batch_size=3, eta=1e-4, max_iter=1, tol=0.0, rng_seed=5,
                 tolerance=Tolerance(atol=2e-5, rtol=0.0, kind="code"),
                 expected=lambda: _one_epoch_first_order(TOY_X, TOY_Y, 3, 1e-4)),
        _lr_case("the toy data, batch_size = 3, 1000 iterations, tol = 0: reaches w_true, b_true",
                 TOY_X, TOY_Y, batch_size=3, eta=0.1, max_iter=1000, tol=0.0, rng_seed=3,
                 tolerance=Tolerance(atol=1e-3, rtol=0.0, kind="code"),
                 expected=lambda: (gd.W_TRUE, np.array(gd.B_TRUE))),
        _lr_case("other data, batch_size = 5, 3000 iterations, tol = 0: reaches the least-squares fit",
                 _X20, _Y20, batch_size=5, eta=0.05, max_iter=3000, tol=0.0, rng_seed=4,
                 tolerance=Tolerance(atol=2e-2, rtol=0.0, kind="code"),
                 expected=lambda: _least_squares(_X20, _Y20)))),))


def _least_squares(X, y):
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return coef[:-1], np.array(coef[-1, 0])


def _sgd(steps):
    return gd.sgd_steps(TOY_X, TOY_Y, W0, B0, ETA, steps)


def _sgd_steps(steps, k):
    """Slips of the SGD answer after `steps` steps (k: 0 for w, 1 for b): one step fewer or more."""
    return Slips(steps=lambda delta: np.array(_sgd(steps + delta)[k]))


G3 = Exercise(
    id="G3", notebook="04_gradient_descent", title="Stochastic gradient descent", points=4, hand=True,
    items=(Item("w_sgd_step1", reference=lambda: _sgd(1)[0], slips=_sgd_steps(1, 0)),
           Item("b_sgd_step1", reference=lambda: np.array(_sgd(1)[1]), slips=_sgd_steps(1, 1)),
           Item("w_sgd_epoch1", reference=lambda: _sgd(12)[0],
                mistakes=(Mistake("full_batch", "a full-batch step instead of 12 single-observation "
                                  "steps", lambda: gd.gd_step(TOY_X, TOY_Y, W0, B0, ETA)[0]),),
                slips=_sgd_steps(12, 0)),
           Item("b_sgd_epoch1", reference=lambda: np.array(_sgd(12)[1]), slips=_sgd_steps(12, 1))))

G4_RATES = (0.01, 0.05, 0.1, 0.3)
G4 = Exercise(
    id="G4", notebook="04_gradient_descent", title="Learning rates", points=2, manual_points=2,
    items=(Item("diverges_eta_0_3", kind=BOOLEAN,
                reference=lambda: gd.diverges(TOY_X, TOY_Y, eta=0.3, batch_size=3),
                hint="not right. Run the experiment and look at the loss over the iterations "
                     "before deciding."),))

LOG_W0, LOG_B0 = col(1, 2), -10.0


def _logistic(steps):
    return gd.logistic_gradient_descent(gd.LOGISTIC_X, gd.LOGISTIC_Y, eta=ETA, w=LOG_W0, b=LOG_B0,
                                        max_iter=steps)


def _ce_mistakes(kind):
    dw, db = gd.cross_entropy_gradients(gd.LOGISTIC_X, gd.LOGISTIC_Y, LOG_W0, LOG_B0)
    out = []
    for name, why, f in (("ce_sign", "a sign error: the difference between the predictions and "
                          "the labels taken the other way round", -1.0),
                         ("sum_not_mean", "the sum over observations instead of the mean", 3.0)):
        out.append(Mistake(name, why, {"dw": lambda f=f: f * dw, "db": lambda f=f: f * db}[kind]))
    return tuple(out)


G5 = Exercise(
    id="G5", notebook="04_gradient_descent", title="Logistic regression by hand", points=4, hand=True,
    given={"X_logistic": gd.LOGISTIC_X, "y_logistic": gd.LOGISTIC_Y},
    items=(Item("dw_logistic_0", reference=lambda: gd.cross_entropy_gradients(
                gd.LOGISTIC_X, gd.LOGISTIC_Y, LOG_W0, LOG_B0)[0], mistakes=_ce_mistakes("dw"),
                slips=Slips(observations=lambda: gd.LOGISTIC_X.shape[0])),
           Item("db_logistic_0", reference=lambda: np.array(gd.cross_entropy_gradients(
                gd.LOGISTIC_X, gd.LOGISTIC_Y, LOG_W0, LOG_B0)[1]), mistakes=_ce_mistakes("db"),
                slips=Slips(observations=lambda: gd.LOGISTIC_X.shape[0])),
           Item("w_logistic_3", reference=lambda: _logistic(3)[0],
                slips=Slips(steps=lambda delta: _logistic(3 + delta)[0])),
           Item("b_logistic_3", reference=lambda: np.array(_logistic(3)[1]),
                slips=Slips(steps=lambda delta: np.array(_logistic(3 + delta)[1])))))


def _logistic_case(label, X, y, hidden=True, **kwargs):
    def inputs():
        return (X.copy(), y.copy()), {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                      for k, v in kwargs.items()}

    def expected():
        w, b = gd.logistic_gradient_descent(X, y, **kwargs)
        return w, np.array(b)
    return Case(label, inputs, expected, hidden=hidden)


def _logistic_steps(args, kwargs, delta):
    """G7's iteration slip: max_iter (1000 when not given) one step fewer or more."""
    steps = kwargs.get("max_iter", 1000) + delta
    w, b = gd.logistic_gradient_descent(*args, **dict(kwargs, max_iter=steps))
    return w, np.array(b)


_rng = np.random.default_rng(11)
_X30 = _rng.normal(size=(30, 2))
_Y30 = (_X30 @ col(1.0, -2.0) + 0.3 * _rng.normal(size=(30, 1)) > 0).astype(float)

G7 = Exercise(
    id="G7", notebook="04_gradient_descent", title="Logistic regression by gradient descent",
    points=3, items=(Item("logistic_gradient_descent", kind=FUNCTION, options={"outputs": 2},
                          slips=Slips(steps=_logistic_steps), cases=(
        _logistic_case("the lecture's data, w = (1, 2), b = -10, 3 steps", gd.LOGISTIC_X,
                       gd.LOGISTIC_Y, hidden=False, eta=0.1, w=LOG_W0, b=LOG_B0, max_iter=3),
        _logistic_case("other data (30 x 2), eta = 0.5, 200 steps", _X30, _Y30,
                       eta=0.5, w=col(0.0, 0.0), b=0.0, max_iter=200),
        _logistic_case("the lecture's data, eta = 0.05, 1000 steps (the default max_iter)",
                       gd.LOGISTIC_X, gd.LOGISTIC_Y, eta=0.05, w=col(0.5, -0.5), b=1.0))),))

# ---------------------------------------------------------------- 05 backpropagation
def _theta(k):
    return lambda: np.array(bp.line_thetas(3)[k - 1])


def _theta_mistakes(k):
    def variant(eta_factor):
        return lambda: np.array(bp.line_thetas(3, eta=bp.LINE_ETA * eta_factor)[k - 1])
    return (Mistake("missing_factor_2", "descent without the factor 2 of the squared error",
                    variant(0.5)),
            Mistake("sum_not_mean", "the summed gradient instead of the mean (a factor N)",
                    variant(3.0)))


def _theta_steps(k):
    """theta after k - 1 or k + 1 steps (theta_0, the start, before the first)."""
    return lambda delta: np.array(([bp.THETA0] + bp.line_thetas(k + 1))[k + delta])


def _theta_from(k):
    """theta_k one descent step from the student's own theta_(k-1), by the reference code."""
    return FollowsFrom((f"theta_{k - 1}",), lambda theta: np.array(
        bp.line_thetas(1, theta0=tuple(float(t) for t in np.ravel(theta)))[0]))


B2 = Exercise(
    id="B2", notebook="05_backpropagation", title="theta 1 to 3 by full-batch descent", points=3,
    hand=True, given={"x_data": bp.LINE_X, "y_data": bp.LINE_Y},
    items=tuple(Item(f"theta_{k}", reference=_theta(k), mistakes=_theta_mistakes(k),
                     slips=Slips(steps=_theta_steps(k)),
                     follows=_theta_from(k) if k > 1 else None)
                for k in (1, 2, 3)))


def _backprop_case(label, seed, n, hidden=True):
    def data():
        if seed is None:
            X, y = bp.synthetic_data()
            return X[:n], y[:n], bp.W1_START, bp.W2_START
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(n, 3))
        y = bp.network_output(X, bp.W1_TRUE, bp.W2_TRUE) + 0.1 * rng.normal(size=(n, 1))
        return X, y, rng.normal(0.5, 0.5, size=(3, 2)), rng.normal(1.0, 0.5, size=(2, 1))

    return Case(label, lambda: (tuple(a.copy() for a in data()), {}),
                lambda: bp.backprop_gradients(*data()), hidden=hidden)


def _without_sigmoid_derivative(X, y, W1, w2):
    """backprop_gradients with delta1 = delta2 w2^T: the sigmoid's derivative a1 (1 - a1) left out
    (dL/dw2 is unchanged)."""
    X, w2 = np.asarray(X, float), gd.column(w2)
    a1 = act.sigmoid(X @ np.asarray(W1, float))
    yhat = np.exp(a1 @ w2)
    delta2 = 2.0 * (yhat - gd.column(y)) * yhat
    return X.T @ (delta2 @ w2.T) / X.shape[0], bp.backprop_gradients(X, y, W1, w2)[1]


def _backprop_mistakes():
    return (Mistake("missing_sigmoid_derivative",
                    "a backward pass without the sigmoid's derivative a1 (1 - a1) in delta1",
                    _without_sigmoid_derivative),
            Mistake("sum_not_mean", "the summed gradient instead of the mean (a factor N)",
                    lambda X, y, W1, w2: tuple(g * X.shape[0] for g in bp.backprop_gradients(X, y, W1, w2))),
            Mistake("missing_factor_2", "the gradient without the factor 2 of the squared error",
                    lambda X, y, W1, w2: tuple(g / 2 for g in bp.backprop_gradients(X, y, W1, w2))))


LAB_DATA_SETUP = """\
# the lab's synthetic data: 10000 observations of 3 standard normal inputs
X_lab = np.random.RandomState(0).randn(10000, 3)
y_lab = np.exp((1 / (1 + np.exp(-(X_lab @ W1_true)))) @ w2_true)"""

B4 = Exercise(
    id="B4", notebook="05_backpropagation", title="backprop_gradients in NumPy", points=4,
    given={"W1_true": bp.W1_TRUE, "w2_true": bp.W2_TRUE, "W1_start": bp.W1_START,
           "w2_start": bp.W2_START}, setup=LAB_DATA_SETUP,
    items=(Item("backprop_gradients", kind=FUNCTION, options={"outputs": 2},
                mistakes=_backprop_mistakes(),
                slips=Slips(observations=lambda args, kwargs: args[0].shape[0]), cases=(
        _backprop_case("the lab's first 100 observations at the starting weights", None, 100,
                       hidden=False),
        _backprop_case("other data (50 x 3) at random weights (1)", 1, 50),
        _backprop_case("other data (7 x 3) at random weights (2)", 2, 7),
        _backprop_case("other data (1 x 3): one observation", 3, 1))),))

B5 = Exercise(
    id="B5", notebook="05_backpropagation", title="5000 steps of gradient descent", points=3,
    items=(Item("W1_hat", reference=lambda: cache.slow("B5")["W1"], tolerance=CODE),
           Item("w2_hat", reference=lambda: cache.slow("B5")["w2"], tolerance=CODE)))

ADAM_TOLERANCE = Tolerance(atol=1e-4, rtol=0.0, kind="code")
B6 = Exercise(
    id="B6", notebook="05_backpropagation", title="5000 steps of Adam", points=2,
    items=(Item("W1_adam", reference=lambda: cache.slow("B6")["W1"], tolerance=ADAM_TOLERANCE),
           Item("w2_adam", reference=lambda: cache.slow("B6")["w2"], tolerance=ADAM_TOLERANCE)))

# ---------------------------------------------------------------- the catalogue

#: Every exercise, in teaching order (notebook by notebook, as each notebook's test cells come):
#: the one list of the lab's exercise ids.
CATALOGUE = {e.id: e for e in (*(_forward(eid) for eid in FORWARD_GIVEN), F4, A0,
                               *(_activation_values(eid) for eid in A_GIVEN), N1, N2, N3, N4,
                               G1, G2, G3, G4, G5, G6, G7, B1, B2, B3, B4, B5, B6)}


def exercise(exercise_id):
    """The exercise with this id; a KeyError names the known ids."""
    try:
        return CATALOGUE[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise id {exercise_id!r}; known: {', '.join(CATALOGUE)}") from None


def in_notebook(notebook):
    return [e for e in CATALOGUE.values() if e.notebook == notebook]


def with_kind(*kinds):
    """The ids of the exercises with an item of one of these answer kinds (by name: "value",
    "integer", "boolean", "label", "function", "symbolic"), in teaching order."""
    return [eid for eid, e in CATALOGUE.items() if any(i.kind.name in kinds for i in e.items)]
