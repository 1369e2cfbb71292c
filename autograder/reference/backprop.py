"""Part 5: backpropagation.

Linear regression yhat = w x + b on three points with MSE, trained by full-batch descent, and the
lab's 3-2-1 network without biases:
    a1 = S(X W1)            (N x 2; column j of W1 holds the weights into hidden neuron j)
    yhat = exp(a1 w2)       (N x 1)
    L = (1/N) sum_i (yhat_i - y_i)^2.
Backpropagation gives delta2 = 2 (yhat - y) yhat, delta1 = (delta2 w2^T) * a1 (1 - a1), and
dL/dw2 = (1/N) a1^T delta2, dL/dW1 = (1/N) X^T delta1.
"""
import numpy as np

from .activations import sigmoid
from .descent import column

# Linear regression by backpropagation: the lab's three observations (x, y).
LINE_X = np.array([2.0, 3.0, 5.0])
LINE_Y = np.array([7.0, 10.0, 16.0])
THETA0 = (1.0, 0.0)
LINE_ETA = 0.01

# The synthetic data's true weights and the training's starting point.
W1_TRUE = np.array([[0.25, 0.75], [0.5, 0.5], [0.75, 0.25]])
W2_TRUE = np.array([[2.0], [3.0]])
W1_START = np.array([[0.2, 0.4], [0.6, 0.8], [1.0, 1.2]])
W2_START = np.array([[1.0], [2.0]])
GD_ETA = 0.0005
N_STEPS = 5000
KERAS_ADAM = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-7}


def line_thetas(steps=3, theta0=THETA0, eta=LINE_ETA):
    """[theta_1, ..., theta_steps] of full-batch descent on the lab's three points, theta = (w, b).

    dL/dw = (2/N) sum (w x_i + b - y_i) x_i,  dL/db = (2/N) sum (w x_i + b - y_i).
    """
    w, b = theta0
    thetas = []
    for _ in range(steps):
        r = w * LINE_X + b - LINE_Y
        w, b = w - eta * 2 * np.mean(r * LINE_X), b - eta * 2 * np.mean(r)
        thetas.append((float(w), float(b)))
    return thetas


def synthetic_data(n=10000, seed=0):
    """The lab's data: X ~ N(0, 1)^(n x 3) from np.random.seed(seed), y = network(X; true weights)."""
    X = np.random.RandomState(seed).randn(n, 3)
    return X, network_output(X, W1_TRUE, W2_TRUE)


def network_output(X, W1, w2):
    """yhat = exp(S(X W1) w2), an N x 1 column."""
    return np.exp(sigmoid(np.asarray(X, float) @ np.asarray(W1, float)) @ column(w2))


def loss(X, y, W1, w2):
    """L = mean (yhat - y)^2."""
    return float(np.mean((network_output(X, W1, w2) - column(y)) ** 2))


def backprop_gradients(X, y, W1, w2):
    """(dL/dW1, dL/dw2) of the mean squared error, shapes 3x2 and 2x1, by backpropagation."""
    X, W1, w2 = np.asarray(X, float), np.asarray(W1, float), column(w2)
    n = X.shape[0]
    a1 = sigmoid(X @ W1)
    yhat = np.exp(a1 @ w2)
    delta2 = 2.0 * (yhat - column(y)) * yhat
    delta1 = (delta2 @ w2.T) * a1 * (1.0 - a1)
    return X.T @ delta1 / n, a1.T @ delta2 / n


def train_gd(X, y, W1=W1_START, w2=W2_START, eta=GD_ETA, steps=N_STEPS):
    """`steps` full-batch gradient-descent steps; returns (W1, w2)."""
    W1, w2 = np.array(W1, dtype=float), column(w2).copy()
    for _ in range(steps):
        dW1, dw2 = backprop_gradients(X, y, W1, w2)
        W1, w2 = W1 - eta * dW1, w2 - eta * dw2
    return W1, w2


def train_adam(X, y, W1=W1_START, w2=W2_START, steps=N_STEPS, lr=KERAS_ADAM["lr"],
               beta1=KERAS_ADAM["beta1"], beta2=KERAS_ADAM["beta2"], eps=KERAS_ADAM["eps"]):
    """Adam as Keras implements it, full batch; returns (W1, w2).

    m <- beta1 m + (1 - beta1) g,  v <- beta2 v + (1 - beta2) g^2,
    theta <- theta - lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
    """
    params = [np.array(W1, dtype=float), column(w2).copy()]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        grads = backprop_gradients(X, y, *params)
        alpha = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        for k, g in enumerate(grads):
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            params[k] = params[k] - alpha * m[k] / (np.sqrt(v[k]) + eps)
    return params[0], params[1]
