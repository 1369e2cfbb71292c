"""Notebook 02: activation functions."""
from autograder.catalogue import A_GIVEN, ACTIVATION_EXAMPLE
from .cells import Counter, before_you_submit, answer, code, given, given_math, latex, md, tests

NAME = "02_activations"

SOLUTION_FUNCTIONS = '''
def sigmoid(z):
    """S(z) = 1 / (1 + exp(-z)), entrywise, without overflow."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def tanh(z):
    """(exp(2z) - 1) / (exp(2z) + 1), entrywise."""
    return np.tanh(z)


def relu(z):
    """max(0, z), entrywise."""
    return np.maximum(0, z)


def softmax(z):
    """exp(z_i) / sum_j exp(z_j) over all entries, shifted by the largest entry."""
    e = np.exp(z - np.max(z))
    return e / np.sum(e)
'''


def cells():
    ids = Counter("nb02")
    z = ACTIVATION_EXAMPLE
    out = [
        md(ids, r"""
# Part 2: activation functions

The value $z = \mathbf{X}\mathbf{w} + \mathbf{b}$ of a neuron can be any real number. An
**activation function** transforms it, often to squeeze it into a range:

| name | formula | range |
|---|---|---|
| sigmoid | $S(z_i) = \dfrac{1}{1 + e^{-z_i}}$ | $(0, 1)$ |
| tanh | $\tanh(z_i) = \dfrac{e^{2z_i} - 1}{e^{2z_i} + 1}$ | $(-1, 1)$ |
| ReLU | $\mathrm{ReLU}(z_i) = \max(0, z_i)$ | $[0, \infty)$ |
| softmax | $\sigma(\mathbf{z})_i = \dfrac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}$ | $[0, 1]$, entries sum to 1 |

The first three act on each entry on its own. Softmax looks at the whole vector: its entries are
positive and add up to one, so they can be read as probabilities. That is why it is a common choice
for the output layer of a classifier.
"""),
        before_you_submit(ids),
        code(ids, "import numpy as np\nfrom mdl_kernel import check, record"),
        md(ids, rf"""
## Exercise A0: the four functions in NumPy

Write `sigmoid(z)`, `tanh(z)`, `relu(z)` and `softmax(z)`. Each takes a NumPy vector (a column,
a row or a flat array) and returns an array **of the same shape**. Softmax normalises over all the
entries of the vector, whatever its orientation.

Your functions will also be called on inputs you do not see, including very large ones such as
$z = 1000$ and $z = -1000$ (try yours on the column $(1000, -1000, 0)$ to see at once whether
they survive). $e^{{1000}}$ overflows to `inf`, and `inf / inf` is `nan`: find a way to
write each formula that never exponentiates a large positive number. (Hint: softmax does not change
if the same constant is subtracted from every $z_i$.)

As a check, for $\mathbf{{z}} = {latex(z)}$: $S(\mathbf{{z}}) \approx (0.7311, 0.9997)$,
$\tanh(\mathbf{{z}}) \approx (0.7616, 0.99999977)$ (below 1, as every value of tanh is), $\sigma(\mathbf{{z}}) \approx (0.0009, 0.9991)$.
"""),
        answer("A0", SOLUTION_FUNCTIONS),
        tests("A0"),
    ]
    for eid in A_GIVEN:
        n = eid[1]
        data = given_math(eid, {f"z_{n}": r"\mathbf{z}"})
        out += [
            md(ids, rf"""
## Exercise {eid}

For ${data}$, compute the four activations by hand (a
calculator for $e^x$ is fine) and store them in `sigmoid_{n}`, `tanh_{n}`, `relu_{n}` and
`softmax_{n}`, each a vector of the same length as $\mathbf{{z}}$. Three decimals are enough.
"""),
            given(ids, eid),
            answer(eid, f"sigmoid_{n} = sigmoid(z_{n})\ntanh_{n} = tanh(z_{n})\n"
                        f"relu_{n} = relu(z_{n})\nsoftmax_{n} = softmax(z_{n})"),
            tests(eid),
        ]
    out.append(md(ids, r"""
**For extra practice** (not graded): apply the four functions to the vectors $\mathbf{z}$ you found
in Part 1.
"""))
    return out
