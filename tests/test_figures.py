"""The figures drawn from the lab's numbers: autograder.figures (the network of Part 3, the loss
curves of Part 4) and the kernel side's mdl_kernel.figures, which draws the network in a
student's notebook from the manifest.  Drawn with matplotlib's Agg canvas, read back from the
axes."""
import math

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from autograder import figures
from autograder.reference import network as net
from mdl_kernel import figures as kernel_figures, manifest

matplotlib.use("Agg")


def axes():
    return Figure().subplots()


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_the_figures_numbers_are_the_reference_networks():
    data = figures.network_figure()
    assert data["inputs"] == net.INPUTS and data["bias"] == net.BIAS
    assert data["hidden"] == list(net.HIDDEN) and data["output"] == list(net.OUTPUT)
    assert data["labels"] == net.LABELS
    assert {(a, b): w for a, b, w in data["edges"]} == net.EDGES
    assert len(data["edges"]) == 3 * 2 + 2 * 2


def test_the_manifest_ships_the_same_network():
    assert manifest.load()["network"] == figures.network_figure()


@pytest.mark.parametrize("draw", [lambda ax: figures.draw_network(ax=ax),
                                  lambda ax: kernel_figures.draw_network(ax)])
def test_the_network_is_drawn_with_every_number(draw):
    ax = axes()
    assert draw(ax) is ax
    shown = texts(ax)
    for name, value in net.INPUTS.items():
        assert f"{name}\n{value:g}" in shown
    for node in net.HIDDEN + net.OUTPUT:
        assert node in shown
    for weight in net.EDGES.values():
        assert f"{weight:g}" in shown
    assert shown.count(f"bias {net.BIAS:g}") == len(net.HIDDEN) + len(net.OUTPUT)
    assert {f'"{label}"' for label in net.LABELS.values()} <= set(shown)
    assert {"sigmoid", "softmax"} <= set(shown)
    assert len(ax.patches) == len(net.INPUTS) + len(net.HIDDEN) + len(net.OUTPUT)   # the nodes
    assert sum(isinstance(t, Annotation) for t in ax.texts) == len(net.EDGES)  # the edges


def test_nodes_stand_in_columns_centred_on_zero():
    ax = axes()
    kernel_figures.draw_network(ax, figures.network_figure())
    centres = sorted(tuple(p.center) for p in ax.patches)
    assert centres == sorted([(0.0, 1.0), (0.0, 0.0), (0.0, -1.0), (2.2, 0.5), (2.2, -0.5),
                              (4.4, 0.5), (4.4, -0.5)])


def test_loss_curves_one_line_per_rate_on_a_log_scale():
    ax = axes()
    curves = {0.1: [4.0, 2.0, 1.0], 0.5: [4.0, math.inf, float("nan")]}
    assert figures.plot_losses(curves, ax=ax) is ax
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["eta = 0.1", "eta = 0.5"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])          # iterations from 1
    np.testing.assert_array_equal(lines[0].get_ydata(), [4.0, 2.0, 1.0])
    np.testing.assert_array_equal(lines[1].get_ydata(), [4.0, np.nan, np.nan])   # a divergence
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "iteration (mini-batch step)"
    assert ax.get_ylabel() == "loss (MSE of the batch)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["eta = 0.1", "eta = 0.5"]
