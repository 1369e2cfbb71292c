"""Part 4: gradient descent for linear and logistic regression.

Linear model yhat = X w + b 1 with mean squared error L = (1/N) (yhat - y)^T (yhat - y), whose
gradients are dL/dw = (2/N) X^T (yhat - y) and dL/db = (2/N) 1^T (yhat - y).
Logistic model p = S(X w + b 1) with mean binary cross-entropy
L = -(1/N) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)], whose gradients are
dL/dw = (1/N) X^T (p - y) and dL/db = (1/N) 1^T (p - y).
"""
import numpy as np

from .activations import sigmoid

# The lab's toy data: 12 observations of two features, y = X w_true + b_true.
TOY_X = np.array([[1, 2], [3, 1], [1, 1], [0, 1], [2, 2], [-2, 3], [1, 2], [-1, -0.5],
                  [0.5, 1.2], [2, 1], [-2, 3], [-1, 1]], dtype=float)
W_TRUE = np.array([[1.5], [1.5]])
B_TRUE = 0.1

# The lecture's logistic-regression data.
LOGISTIC_X = np.array([[1, 2], [3, 4], [5, 6]], dtype=float)
LOGISTIC_Y = np.array([[0], [1], [1]], dtype=float)


def toy_data():
    """(X, y) of the lab's example: X is 12x2 and y = X w_true + b_true a 12x1 column."""
    return TOY_X.copy(), TOY_X @ W_TRUE + B_TRUE


def column(v):
    """v as a float column vector (n, 1)."""
    return np.asarray(v, dtype=float).reshape(-1, 1)


def mse(y_pred, y_true):
    """Mean squared error (1/N) sum (yhat_i - y_i)^2."""
    return float(np.mean((np.ravel(y_pred) - np.ravel(y_true)) ** 2))


def mse_gradients(X, y, w, b):
    """(dL/dw, dL/db) = ((2/N) X^T (yhat - y), (2/N) 1^T (yhat - y)) with yhat = X w + b."""
    X = np.asarray(X, dtype=float)
    residual = X @ column(w) + b - column(y)
    n = X.shape[0]
    return 2.0 / n * X.T @ residual, 2.0 / n * float(np.sum(residual))


def gd_step(X, y, w, b, eta):
    """One gradient-descent step on (X, y): (w - eta dL/dw, b - eta dL/db)."""
    dw, db = mse_gradients(X, y, w, b)
    return descend(column(w), dw, eta), descend(float(b), db, eta)


def descend(theta, gradient, eta):
    """One step against the gradient: theta - eta gradient."""
    return theta - eta * gradient


def full_batch_descent(X, y, w, b, eta, steps):
    """`steps` full-batch gradient-descent steps from (w, b)."""
    w, b = column(w), float(b)
    for _ in range(steps):
        w, b = gd_step(X, y, w, b, eta)
    return w, b


def sgd_steps(X, y, w, b, eta, steps):
    """Stochastic gradient descent, batch size 1, visiting observations in their given order.

    Step k uses observation k mod N; `steps = N` is one epoch.
    """
    X, y = np.asarray(X, dtype=float), column(y)
    w, b = column(w), float(b)
    for k in range(steps):
        i = k % X.shape[0]
        w, b = gd_step(X[i:i + 1], y[i:i + 1], w, b, eta)
    return w, b


def lr_gradient_descent(X, y, batch_size=32, eta=0.1, w=None, b=None, max_iter=100, tol=1e-8,
                        rng=None, losses=None):
    """Mini-batch gradient descent for linear regression, as in the lab.

    Each iteration shuffles the observations with `rng` and takes N // batch_size steps, one per
    batch.  Before each step the batch's loss is compared with the previous batch's; when they differ
    by less than `tol` the current (w, b) is returned.  If `losses` is a list, every batch loss is
    appended to it.
    """
    X, y = np.asarray(X, dtype=float), column(y)
    n, p = X.shape
    w = np.ones((p, 1)) if w is None else column(w).copy()
    b = 0.0 if b is None else float(b)
    rng = np.random.default_rng() if rng is None else rng
    batch_size = min(n, batch_size)
    prev_error = np.inf
    for _ in range(max_iter):
        order = rng.permutation(n)
        Xs, ys = X[order], y[order]
        for start in range(0, n - batch_size + 1, batch_size):
            Xb, yb = Xs[start:start + batch_size], ys[start:start + batch_size]
            yhat = Xb @ w + b
            error = mse(yhat, yb)
            if losses is not None:
                losses.append(error)
            if np.abs(error - prev_error) < tol:
                return w, b
            prev_error = error
            dw, db = mse_gradients(Xb, yb, w, b)
            w, b = w - eta * dw, b - eta * db
    return w, b


def diverges(X, y, eta, batch_size, seeds=range(20), max_iter=200):
    """Whether mini-batch descent blows up (loss beyond 1e6 or non-finite) for every shuffling seed."""
    def blows_up(seed):
        losses = []
        with np.errstate(all="ignore"):
            lr_gradient_descent(X, y, batch_size=batch_size, eta=eta, max_iter=max_iter, tol=0.0,
                                rng=np.random.default_rng(seed), losses=losses)
        return not np.isfinite(losses[-1]) or losses[-1] > 1e6
    return all(blows_up(seed) for seed in seeds)


def cross_entropy_gradients(X, y, w, b):
    """(dL/dw, dL/db) = ((1/N) X^T (p - y), (1/N) 1^T (p - y)) with p = S(X w + b)."""
    X = np.asarray(X, dtype=float)
    residual = sigmoid(X @ column(w) + b) - column(y)
    n = X.shape[0]
    return X.T @ residual / n, float(np.sum(residual)) / n


def logistic_gradient_descent(X, y, eta=0.1, w=None, b=None, max_iter=1000):
    """Full-batch gradient descent on the mean cross-entropy, `max_iter` steps.

    Defaults: w = ones (p x 1), b = 0, as for the linear model.
    """
    X = np.asarray(X, dtype=float)
    w = np.ones((X.shape[1], 1)) if w is None else column(w)
    b = 0.0 if b is None else float(b)
    for _ in range(max_iter):
        dw, db = cross_entropy_gradients(X, y, w, b)
        w, b = w - eta * dw, b - eta * db
    return w, b
