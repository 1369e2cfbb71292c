"""Part 2: activation functions, numerically stable for large |z|.

sigmoid S(z) = 1 / (1 + e^{-z}), tanh(z) = (e^{2z} - 1) / (e^{2z} + 1), ReLU(z) = max(0, z) act
entrywise; softmax sigma(z)_i = e^{z_i} / sum_j e^{z_j} normalises over *all* entries of a vector,
whatever its orientation. The stable forms never exponentiate a large positive number.
"""
import numpy as np


def sigmoid(z):
    """S(z) = 1/(1+e^{-z}) computed as e^{-|z|}-based branches so that no exp overflows."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """S'(z) = S(z) (1 - S(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z) = (e^{2z} - 1)/(e^{2z} + 1) = 2 S(2z) - 1, bounded in (-1, 1)."""
    return np.tanh(np.asarray(z, dtype=float))


def relu(z):
    """ReLU(z) = max(0, z) entrywise."""
    return np.maximum(0.0, np.asarray(z, dtype=float))


def softmax(z):
    """sigma(z)_i = e^{z_i - m} / sum_j e^{z_j - m} with m = max_j z_j, over all entries of z."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def softmax_rows(Z):
    """Softmax of each row of a matrix separately (the output layer of a batch)."""
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "softmax": softmax}
