"""Notebook 01: neuron values z = Xw + b."""
from autograder.catalogue import FORWARD_EXAMPLE, FORWARD_GIVEN
from .cells import Counter, before_you_submit, in_notebook_only, answer, code, given, given_math, latex, manual_text, md, tests

NAME = "01_forward_pass"
TITLES = {"F1": "Two-by-two matrices", "F2": "Three-by-three matrices", "F3": "Matrices that are not square"}


def cells():
    ids = Counter("nb01")
    X, w, b = FORWARD_EXAMPLE
    out = [
        md(ids, r"""
# Part 1: the values of the neurons of a layer

Every neuron of a hidden or output layer takes the outputs of the layer before it, weighs them and
adds a bias. For a whole batch of observations at once this is one matrix product:

$$\mathbf{z} = \mathbf{X}\mathbf{w} + \mathbf{b}$$

* $\mathbf{X}$ is $n \times p$: one **row per observation**, one column per input;
* $\mathbf{w}$ is $p \times q$: column $j$ holds the weights going into neuron $j$ of this layer;
* $\mathbf{b}$ is $n \times q$: the biases, repeated for every observation.

Each exercise gives you $\mathbf{X}$, $\mathbf{w}$ and $\mathbf{b}$ in a read-only cell. Work the
answer out on paper, then type it in (three decimals are enough), or compute it with NumPy.
"""),
        in_notebook_only(ids, "Run the check cell below each answer: it tells you whether you are "
                              "right, and if not, where."),
        before_you_submit(ids),
        code(ids, "import numpy as np\nfrom mdl_kernel import check, record"),
        md(ids, rf"""
## Worked example (not graded)

With $\mathbf{{X}} = {latex(X)}$, $\mathbf{{w}} = {latex(w)}$ and $\mathbf{{b}} = {latex(b)}$:
the first observation gives $1 \cdot 2 + 2 \cdot (-1) + 1 = 1$ and the second
$3 \cdot 2 + (-1)(-1) + 1 = 8$, so $\mathbf{{z}} = {latex(X @ w + b)}$. In NumPy, `@` is the matrix
product:
"""),
        code(ids, "X = np.array([[1, 2], [3, -1]])\nw = np.array([[2], [-1]])\nb = np.array([[1], [1]])\n"
                  "X @ w + b"),
    ]
    for group in TITLES:
        out.append(md(ids, f"## Exercise {group[1]}: {TITLES[group]}"))
        for eid in (e for e in FORWARD_GIVEN if e.startswith(group)):
            suffix = eid[1:].lower()
            data = given_math(eid, {f"X_{suffix}": r"\mathbf{X}", f"w_{suffix}": r"\mathbf{w}",
                                    f"b_{suffix}": r"\mathbf{b}"})
            out += [
                md(ids, rf"""
### {eid}

Compute $\mathbf{{z}}$ for
${data}$.
Store it in `z_{suffix}` (a column vector, as a NumPy array or a list).
"""),
                given(ids, eid),
                answer(eid, f"z_{suffix} = X_{suffix} @ w_{suffix} + b_{suffix}"),
                tests(eid),
            ]
    out += [
        md(ids, r"""
## Exercise 4: what the shape of $\mathbf{X}$ tells you (F4)

Suppose the input matrix $\mathbf{X}$ of a layer is $2 \times 3$. How many observations are in the
batch, and how many inputs does each neuron of the layer receive? Answer the same for a
$3 \times 2$ matrix. Store whole numbers in `n_obs_2x3`, `n_inputs_2x3`, `n_obs_3x2` and
`n_inputs_3x2`.
"""),
        answer("F4", "n_obs_2x3, n_inputs_2x3 = 2, 3\nn_obs_3x2, n_inputs_3x2 = 3, 2"),
        tests("F4"),
        md(ids, r"""
In the cell below, explain in two or three sentences what a $2 \times 3$ and a $3 \times 2$ input
matrix say about the network: the size of the input layer, the shape $\mathbf{w}$ must have for a
layer of $q$ neurons, and what changes if the batch grows. (Graded by your tutor.)
"""),
        manual_text("F4_explanation", 2, r"""
Rows of $\mathbf{X}$ are observations and columns are inputs. A $2 \times 3$ matrix holds 2
observations of 3 inputs each, so the input layer has 3 nodes and a layer of $q$ neurons needs a
$3 \times q$ weight matrix; $\mathbf{z}$ is then $2 \times q$. A $3 \times 2$ matrix holds 3
observations of 2 inputs: 2 input nodes, $\mathbf{w}$ of shape $2 \times q$ and $\mathbf{z}$ of shape
$3 \times q$. The number of rows is the batch size and does not change the architecture; the
number of columns fixes the number of input nodes.
"""),
    ]
    return out
