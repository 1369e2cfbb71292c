"""The lab's figures that a notebook draws: the network of Part 3, from its given numbers."""
from . import manifest


class _Network:
    """The network's numbers as attributes: INPUTS {name: value}, BIAS, EDGES {(a, b): weight},
    HIDDEN, OUTPUT (node names), LABELS {output node: class}."""

    def __init__(self, data):
        self.INPUTS = dict(data["inputs"])
        self.BIAS = data["bias"]
        self.EDGES = {(a, b): w for a, b, w in data["edges"]}
        self.HIDDEN, self.OUTPUT = tuple(data["hidden"]), tuple(data["output"])
        self.LABELS = dict(data["labels"])


def draw_network(ax=None, network=None):
    """Draw the figure's 3-2-2 network (the lab's numbers, from the manifest unless `network` is
    given): nodes in columns, each edge labelled with its weight, each node's bias below it."""
    import matplotlib.pyplot as plt
    net = _Network(network or manifest.load()["network"])
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
