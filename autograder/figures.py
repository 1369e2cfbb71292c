"""Figures drawn from the lab's numbers: the network of Part 3 and loss curves of Part 4."""
import numpy as np

from .reference import network as net


def draw_network(ax=None):
    """Draw the figure's 3-2-2 network: nodes in columns, each edge labelled with its weight."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.2))
    layers = [tuple(net.INPUTS), net.HIDDEN, net.OUTPUT]
    position = {}
    for x, layer in enumerate(layers):
        for k, node in enumerate(layer):
            position[node] = (2.2 * x, (len(layer) - 1) / 2 - k)
    for (a, b), weight in net.EDGES.items():
        (x0, y0), (x1, y1) = position[a], position[b]
        ax.annotate("", xy=(x1 - 0.25, y1), xytext=(x0 + 0.25, y0),
                    arrowprops=dict(arrowstyle="->", color="0.45", lw=1))
        t = 0.3 if a in net.INPUTS else 0.35
        ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0) + 0.07, f"{weight:g}", fontsize=9,
                ha="center", color="tab:blue")
    for node, (x, y) in position.items():
        ax.add_patch(plt.Circle((x, y), 0.25, fc="white", ec="black", zorder=3))
        label = f"{node}\n{net.INPUTS[node]:g}" if node in net.INPUTS else node
        ax.text(x, y, label, ha="center", va="center", fontsize=10, zorder=4)
        if node not in net.INPUTS:
            ax.text(x, y - 0.38, f"bias {net.BIAS:g}", ha="center", fontsize=8, color="tab:red")
    for node in net.OUTPUT:
        x, y = position[node]
        ax.text(x + 0.4, y, f'"{net.LABELS[node]}"', va="center", fontsize=10)
    ax.text(2.2, 1.25, "sigmoid", ha="center", fontsize=9)
    ax.text(4.4, 1.25, "softmax", ha="center", fontsize=9)
    ax.set_xlim(-0.6, 5.4)
    ax.set_ylim(-1.6, 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def plot_losses(curves, ax=None):
    """Plot loss per iteration for several learning rates: `curves` maps eta -> list of losses."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for eta, losses in curves.items():
        losses = np.asarray(losses, dtype=float)
        ax.plot(np.arange(1, len(losses) + 1), np.where(np.isfinite(losses), losses, np.nan),
                label=f"eta = {eta:g}")
    ax.set_yscale("log")
    ax.set_xlabel("iteration (mini-batch step)")
    ax.set_ylabel("loss (MSE of the batch)")
    ax.legend()
    return ax
