"""Part 3: the final output of the lab's small network.

Three inputs feed two sigmoid hidden nodes A, B; these feed two softmax output nodes C ("YES") and
D ("NO"); every node has bias 1.  With X (1x3), w1 (3x2), b1 (1x2), w2 (2x2), b2 (1x2):
hidden = S(X w1 + b1) = (A, B), output = softmax(hidden w2 + b2) = (C, D).
"""
import numpy as np

from .activations import sigmoid, softmax_rows

INPUTS = {"x1": 0.29, "x2": 0.11, "x3": 0.8}
BIAS = 1.0
# weight of each edge of the figure, (from, to) -> weight
EDGES = {
    ("x1", "A"): 0.3, ("x1", "B"): 0.6,
    ("x2", "A"): 0.8, ("x2", "B"): 0.4,
    ("x3", "A"): 0.1, ("x3", "B"): 0.5,
    ("A", "C"): 0.1, ("A", "D"): 0.5,
    ("B", "C"): 0.7, ("B", "D"): 0.2,
}
HIDDEN = ("A", "B")
OUTPUT = ("C", "D")
LABELS = {"C": "YES", "D": "NO"}


def parameters():
    """X (1x3), w1 (3x2: rows inputs, columns A, B), b1 (1x2), w2 (2x2: rows A, B, columns C, D), b2."""
    inputs = tuple(INPUTS)
    X = np.array([[INPUTS[i] for i in inputs]])
    w1 = np.array([[EDGES[(i, h)] for h in HIDDEN] for i in inputs])
    w2 = np.array([[EDGES[(h, o)] for o in OUTPUT] for h in HIDDEN])
    b1 = np.full((1, len(HIDDEN)), BIAS)
    b2 = np.full((1, len(OUTPUT)), BIAS)
    return {"X": X, "w1": w1, "b1": b1, "w2": w2, "b2": b2}


def forward_pass(X, w1, b1, w2, b2):
    """Return (hidden, output) = (S(X w1 + b1), softmax(hidden w2 + b2)), softmax over each row."""
    hidden = sigmoid(np.asarray(X, float) @ np.asarray(w1, float) + np.asarray(b1, float))
    output = softmax_rows(hidden @ np.asarray(w2, float) + np.asarray(b2, float))
    return hidden, output


def node_values():
    """The values A, B, C, D of the figure's network as floats."""
    hidden, output = forward_pass(**parameters())
    return dict(zip(HIDDEN + OUTPUT, map(float, np.concatenate([hidden[0], output[0]]))))


def prediction():
    """The class of the larger output node: "YES" for C, "NO" for D."""
    return predicted_class(node_values())


def predicted_class(values):
    """The label of the larger of the output nodes' values {"C": ..., "D": ...}."""
    return LABELS[max(OUTPUT, key=lambda node: float(values[node]))]
