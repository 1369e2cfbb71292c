"""Notebook 03: the final output of a small network."""
from autograder.catalogue import NETWORK
from .cells import Counter, before_you_submit, answer, code, md, tests

NAME = "03_network_output"


def _g(x):
    return f"{float(x):g}"


def network_table():
    """The numbers of the figure as text, one arrow per row (the order of the figure's arrows,
    not the layout of the matrices N1 asks for), for readers who cannot see the figure."""
    p = NETWORK
    inputs = ", ".join(f"$x_{i + 1} = {_g(x)}$" for i, x in enumerate(p["X"][0]))
    rows = [f"| $x_{i + 1}$ | {node} | {_g(p['w1'][i, j])} |"
            for j, node in enumerate("AB") for i in range(3)]
    rows += [f"| {src} | {dst} | {_g(p['w2'][i, j])} |"
             for j, dst in enumerate("CD") for i, src in enumerate("AB")]
    biases = ", ".join(f"{node}: {_g(v)}" for node, v in
                       zip("ABCD", [*p["b1"][0], *p["b2"][0]]))
    return ("The figure's numbers as text. The observation: " + inputs + ".\n\n"
            "| from | to | weight |\n|---|---|---|\n" + "\n".join(rows) +
            f"\n\nBiases: {biases}.")


def cells():
    ids = Counter("nb03")
    return [
        md(ids, r"""
# Part 3: the output of a small network

The network below takes three inputs $x_1, x_2, x_3$. Its hidden layer has two nodes, **A** and
**B**, with the sigmoid activation; its output layer has two nodes, **C** and **D**, with softmax.
Every hidden and output node has a bias of $1$. The numbers on the arrows are the weights. Node C
stands for the answer "YES" and node D for "NO".
"""),
        before_you_submit(ids),
        code(ids, "import numpy as np\nimport matplotlib.pyplot as plt\n"
                  "from mdl_kernel import check, record\nfrom mdl_kernel.figures import draw_network\n\n"
                  "draw_network()\nplt.show()"),
        md(ids, network_table()),
        md(ids, r"""
## Exercise N1: the network as matrices

Write the network as the matrices of Part 1, for the single observation shown:

* `X`: the inputs, $1 \times 3$;
* `w1`: the weights from the inputs to the hidden layer, $3 \times 2$ (row $i$ = input $x_i$,
  column 1 = node A, column 2 = node B), and `b1`, the hidden biases, $1 \times 2$;
* `w2`: the weights from the hidden to the output layer, $2 \times 2$ (rows A, B; columns C, D), and
  `b2`, the output biases, $1 \times 2$.
"""),
        answer("N1", "X = np.array([[0.29, 0.11, 0.8]])\n"
                     "w1 = np.array([[0.3, 0.6], [0.8, 0.4], [0.1, 0.5]])\nb1 = np.array([[1.0, 1.0]])\n"
                     "w2 = np.array([[0.1, 0.5], [0.7, 0.2]])\nb2 = np.array([[1.0, 1.0]])"),
        tests("N1"),
        md(ids, r"""
## Exercise N2: the values of the nodes

Compute $(A, B) = S(\mathbf{X}\mathbf{w}_1 + \mathbf{b}_1)$ and then
$(C, D) = \sigma\big((A, B)\,\mathbf{w}_2 + \mathbf{b}_2\big)$. Store the four values as numbers in
`A`, `B`, `C` and `D` (three decimals are enough).
"""),
        answer("N2", "hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))\n"
                     "scores = np.exp(hidden @ w2 + b2)\noutput = scores / scores.sum()\n"
                     "A, B = hidden[0]\nC, D = output[0]"),
        tests("N2"),
        md(ids, r"""
## Exercise N3: the prediction

Which answer does the network predict? Store `"YES"` or `"NO"` in `prediction`.
"""),
        answer("N3", 'prediction = "YES" if C > D else "NO"'),
        tests("N3"),
        md(ids, r"""
## Exercise N4: the forward pass as a function

Write `forward_pass(X, w1, b1, w2, b2)` returning the pair `(hidden, output)`: the hidden layer's
activations and the output layer's softmax, both as one-row arrays ($1 \times 2$ here). It will be
called with other weights and inputs too.
"""),
        answer("N4", "    hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))\n"
                     "    scores = np.exp(hidden @ w2 + b2 - np.max(hidden @ w2 + b2))\n"
                     "    return hidden, scores / scores.sum()",
               before="def forward_pass(X, w1, b1, w2, b2):", indent="    "),
        tests("N4"),
    ]
