"""Figures drawn from the lab's numbers: the network of Part 3 and loss curves of Part 4."""
import numpy as np

from .reference import network as net


def network_figure():
    """The figure's numbers as the kernel's `figures.draw_network` takes them (given data)."""
    return {"inputs": net.INPUTS, "bias": net.BIAS, "hidden": list(net.HIDDEN),
            "output": list(net.OUTPUT), "labels": net.LABELS,
            "edges": [[a, b, w] for (a, b), w in net.EDGES.items()]}


def draw_network(ax=None):
    """The network of Part 3, drawn by the kernel side's own function from the reference's
    numbers."""
    from mdl_kernel.figures import draw_network as draw
    return draw(ax, network_figure())


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
