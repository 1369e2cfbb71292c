"""Part 1: the value of the neurons of a layer, z = X w + b."""
import numpy as np


def affine(X, w, b):
    """Return z = X w + b.

    X is n x p (one row per observation), w is p x q (one column per neuron) and b is n x q
    (or broadcastable to it). Row i of z holds the q neuron values for observation i.
    """
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + np.asarray(b, dtype=float)


def architecture(shape):
    """Read an input matrix's shape (n, p) as (number of observations, number of inputs)."""
    n_obs, n_inputs = shape
    return n_obs, n_inputs
