"""The worked solutions' figures: the network of Part 3 and the loss curves of G4, drawn from the
lab's numbers, as PNG (HTML) and PDF (LaTeX) without a date."""
import io
from functools import lru_cache

import numpy as np

from autograder import catalogue as cat
from autograder.reference import descent as gd

from .blocks import Block


def figure(draw, size=(6.4, 3.6)):
    """Render `draw(ax)` as PNG (for HTML) and PDF (for LaTeX)."""
    from matplotlib.figure import Figure     # no pyplot figure: any backend, no global state
    fig = Figure(figsize=size)
    ax = fig.subplots()
    draw(ax)
    out = {}
    for kind in ("png", "pdf"):
        buf = io.BytesIO()
        meta = {"CreationDate": None} if kind == "pdf" else {"Software": None}
        fig.savefig(buf, format=kind, dpi=150, bbox_inches="tight", metadata=meta)
        out[kind] = buf.getvalue()
    return Block("figure", png=out["png"], pdf=out["pdf"])


@lru_cache(maxsize=None)
def network_figure():
    """The network of Part 3, drawn from the reference's weights."""
    from autograder.figures import draw_network
    return figure(lambda ax: draw_network(ax=ax), size=(7, 4.2))


def loss_curves(rates=cat.G4_RATES, batch_size=3, iterations=30, seed=0):
    """{eta: batch losses} of the reference mini-batch descent on the toy data, tol off."""
    curves = {}
    with np.errstate(all="ignore"):
        for eta in rates:
            losses = []
            gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=batch_size, eta=eta,
                                   max_iter=iterations, tol=0.0, rng=np.random.default_rng(seed),
                                   losses=losses)
            curves[eta] = losses
    return curves


@lru_cache(maxsize=None)
def loss_figure():
    from autograder.figures import plot_losses
    curves = loss_curves()
    return figure(lambda ax: plot_losses(curves, ax=ax))
