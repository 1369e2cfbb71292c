"""Worked solutions of notebook 03, the network's output: N1 (the matrices), N2 (each node), N3
(the predicted class), N4 (the forward pass in NumPy)."""
import numpy as np

from autograder import catalogue as cat
from autograder.reference import activations as act, forward as fw, network as net

from .answers import answers
from .blocks import display, listing, md
from .numbers import eq, par, tex, tmat


def _n1():
    ex = cat.exercise("N1")
    p = cat.NETWORK
    return [md(
        "Read the matrices off the network's figure. $\\mathbf{X}$ holds the inputs $x_1, x_2, x_3$ as one "
        "row (one observation). Row $i$ of $\\mathbf{w}_1$ holds the weights leaving $x_i$, column 1 "
        "those into A and column 2 those into B; row $j$ of $\\mathbf{w}_2$ holds the weights "
        "leaving the hidden node A or B, column 1 into C and column 2 into D. Every hidden and "
        "output node has bias 1:", "",
        display(rf"\mathbf{{X}} = {tmat(p['X'])}, \quad \mathbf{{w}}_1 = {tmat(p['w1'])}, \quad "
                rf"\mathbf{{b}}_1 = {tmat(p['b1'])}, \quad \mathbf{{w}}_2 = {tmat(p['w2'])}, \quad "
                rf"\mathbf{{b}}_2 = {tmat(p['b2'])}"))] + answers(ex)


def _n2():
    ex = cat.exercise("N2")
    p = cat.NETWORK
    inputs = list(net.INPUTS)
    z_hidden = fw.affine(p["X"], p["w1"], p["b1"])[0]
    hidden, output = net.forward_pass(**p)
    z_out = fw.affine(hidden, p["w2"], p["b2"])[0]
    hidden, output = hidden[0], output[0]
    lines = []
    for k, node in enumerate(net.HIDDEN):
        terms = " + ".join(rf"{tex(net.INPUTS[i])} \cdot {par(net.EDGES[(i, node)])}" for i in inputs)
        lines.append(rf"z_{node} = {terms} + {tex(net.BIAS)} {eq(z_hidden[k])} {tex(z_hidden[k])}")
    sig = [rf"{node} = S(z_{node}) = \frac{{1}}{{1 + e^{{{tex(-z_hidden[k])}}}}} {eq(hidden[k])} "
           rf"{tex(hidden[k])}" for k, node in enumerate(net.HIDDEN)]
    out_lines = []
    for k, node in enumerate(net.OUTPUT):
        terms = " + ".join(rf"{tex(hidden[j])} \cdot {par(net.EDGES[(h, node)])}"
                           for j, h in enumerate(net.HIDDEN))
        symbolic = " + ".join(rf"{h} \cdot {tex(net.EDGES[(h, node)])}" for h in net.HIDDEN)
        out_lines.append(rf"z_{node} = {symbolic} + {tex(net.BIAS)} = {terms} + {tex(net.BIAS)} "
                         rf"{eq(z_out[k])} {tex(z_out[k])}")
    e = np.exp(z_out)
    soft = [rf"e^{{z_{node}}} = e^{{{tex(z_out[k])}}} {eq(e[k])} {tex(e[k])}"
            for k, node in enumerate(net.OUTPUT)]
    soft += [rf"{node} = \frac{{e^{{z_{node}}}}}{{e^{{z_C}} + e^{{z_D}}}} = "
             rf"\frac{{{tex(e[k])}}}{{{tex(e.sum())}}} {eq(output[k])} {tex(output[k])}"
             for k, node in enumerate(net.OUTPUT)]
    return [md(
        "**Hidden layer.** Each hidden node adds up its weighted inputs and its bias, "
        "$(z_A, z_B) = \\mathbf{X}\\mathbf{w}_1 + \\mathbf{b}_1$:", "", display(*lines), "",
        "and applies the sigmoid:", "", display(*sig), "",
        "**Output layer.** The same with the hidden values as inputs, "
        "$(z_C, z_D) = (A, B)\\,\\mathbf{w}_2 + \\mathbf{b}_2$:", "", display(*out_lines), "",
        "and softmax over the two output nodes:", "", display(*soft), "",
        rf"Check: $C + D = {tex(output.sum())}$.")] + answers(ex)


def _n3():
    ex = cat.exercise("N3")
    values = net.node_values()
    c, d = (values[n] for n in net.OUTPUT)
    winner = max(net.OUTPUT, key=values.get)
    relation = ">" if c > d else "<"
    return [md(rf"$C = {tex(c)} {relation} D = {tex(d)}$: node {winner} has the larger softmax "
               rf'value, so the network predicts "{net.LABELS[winner]}".')] + answers(ex)


def _n4():
    ex = cat.exercise("N4")
    return [md(
        "The forward pass is the two steps of N2 as matrix products: "
        "`hidden` $= S(\\mathbf{X}\\mathbf{w}_1 + \\mathbf{b}_1)$ and "
        "`output` $= \\sigma(\\text{hidden}\\,\\mathbf{w}_2 + \\mathbf{b}_2)$, softmax over each "
        "row (one row per observation). The reference implementation:"),
        listing(net.forward_pass, act.sigmoid, act.softmax_rows)] + answers(ex)


#: {exercise id: its worked solution's blocks}, for this notebook's exercises (`registry`).
SOLUTIONS = {"N1": _n1, "N2": _n2, "N3": _n3, "N4": _n4}
