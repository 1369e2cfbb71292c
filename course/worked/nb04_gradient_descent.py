"""Worked solutions of notebook 04, gradient descent: each step of G1-G5 and G7, and G6's
derivative of the cross-entropy by the chain rule."""
import numpy as np

from autograder import catalogue as cat
from autograder.reference import activations as act, descent as gd, forward as fw

from .answers import answers
from .blocks import display, listing, md
from .figures import loss_curves, loss_figure
from .numbers import eq, fmt, pair, par, tex, tmat
from .symbolic import _paren, _sigmoid_factor, _symbolic_answer, _tidy, sym_latex


def _mse_step(X, y, w, b, eta, index=""):
    """The lines of one gradient-descent step on the MSE: yhat, residual, gradient, update."""
    X, y, w = np.asarray(X, float), gd.column(y), gd.column(w)
    n = X.shape[0]
    yhat = fw.affine(X, w, b)
    r = yhat - y
    dw, db = gd.mse_gradients(X, y, w, b)
    w1, b1 = gd.gd_step(X, y, w, b, eta)
    coef = rf"\frac{{2}}{{{n}}}"
    yh = [rf"\hat{{y}}_{{{i + 1}}} = " + " + ".join(rf"{par(X[i, j])} \cdot {par(w[j, 0])}"
                                                    for j in range(X.shape[1]))
          + rf" + {par(b)} {eq(yhat[i, 0])} {tex(yhat[i, 0])}" for i in range(n)]
    res = [rf"r_{{{i + 1}}} = \hat{{y}}_{{{i + 1}}} - y_{{{i + 1}}} = {tex(yhat[i, 0])} - "
           rf"{par(y[i, 0])} {eq(r[i, 0])} {tex(r[i, 0])}" for i in range(n)]
    grads = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}} = {coef}\big("
             + " + ".join(rf"{par(X[i, j])} \cdot {par(r[i, 0])}" for i in range(n))
             + rf"\big) {eq(dw[j, 0])} {tex(dw[j, 0])}" for j in range(X.shape[1])]
    grads.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = {coef}\big("
                 + " + ".join(par(r[i, 0]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}")
    upd = [rf"w_{{{j + 1}}}^{{{index}}} = {tex(w[j, 0])} - {tex(eta)} \cdot {par(dw[j, 0])} "
           rf"{eq(w1[j, 0])} {tex(w1[j, 0])}" for j in range(X.shape[1])]
    upd.append(rf"b^{{{index}}} = {tex(b)} - {tex(eta)} \cdot {par(db)} {eq(b1)} {tex(b1)}")
    return yh, res, grads, upd


def _g1():
    ex = cat.exercise("G1")
    Xb, yb = cat.BATCH1
    yh, res, grads, upd = _mse_step(Xb, yb, cat.W0, cat.B0, cat.ETA, "(1)")
    return [md(
        rf"The first batch is $\mathbf{{X}}_{{1:3}} = {tmat(Xb)}$, "
        rf"$\mathbf{{y}}_{{1:3}} = {tmat(yb)}$ (with $\mathbf{{y}} = \mathbf{{X}}\mathbf{{w}}_"
        r"{\text{true}} + b_{\text{true}}$), "
        rf"$\mathbf{{w}}^{{(0)}} = {tmat(cat.W0)}$, $b^{{(0)}} = {tex(cat.B0)}$, "
        rf"$\eta = {tex(cat.ETA)}$.", "",
        "Predictions $\\hat{y}_i = \\mathbf{x}_i\\mathbf{w}^{(0)} + b^{(0)}$:", "", display(*yh), "",
        "Residuals:", "", display(*res), "",
        r"Gradients, $\frac{2}{N}\mathbf{X}^\top\mathbf{r}$ and $\frac{2}{N}\mathbf{1}^\top"
        r"\mathbf{r}$ with $N = 3$:", "", display(*grads), "",
        r"One step against the gradient, $\theta^{(1)} = \theta^{(0)} - \eta\, \partial"
        r"\mathcal{L}/\partial\theta$:", "", display(*upd))] + answers(ex)


def _g2():
    ex = cat.exercise("G2")
    w, b = gd.lr_gradient_descent(cat.TOY_X, cat.TOY_Y, batch_size=3, eta=0.1, max_iter=1000,
                                  tol=0.0, rng=np.random.default_rng(0))
    return [md(
        "The reference implementation follows the lab's algorithm: start from a column of ones "
        "and $b = 0$; in each of `max_iter` iterations shuffle the rows with `rng`, then walk "
        "through the $\\lfloor N / \\text{batch\\_size} \\rfloor$ full batches; for each batch "
        "compute the loss, stop at once if it differs from the previous batch's loss by less than "
        "`tol` (the first loss is compared with $+\\infty$), and otherwise take one step "
        "$\\mathbf{w} \\leftarrow \\mathbf{w} - \\eta\\frac{2}{N_b}\\mathbf{X}_b^\\top"
        "(\\hat{\\mathbf{y}}_b - \\mathbf{y}_b)$, "
        "$b \\leftarrow b - \\eta\\frac{2}{N_b}\\mathbf{1}^\\top(\\hat{\\mathbf{y}}_b - "
        "\\mathbf{y}_b)$. (Its extra argument `losses` only records the batch losses for plots.)"),
        listing(gd.lr_gradient_descent, gd.mse_gradients),
        md("With batches of 3, $\\eta = 0.1$, 1000 iterations, `tol = 0` and "
           "`rng = np.random.default_rng(0)` it recovers the true parameters "
           rf"$\mathbf{{w}}_{{\text{{true}}}} = {tmat(gd.W_TRUE)}$, "
           rf"$b_{{\text{{true}}}} = {tex(gd.B_TRUE)}$:", "",
           display(rf"\mathbf{{w}} = {tmat(w)}, \quad b = {tex(b)}"))] + answers(ex)


def _g3():
    ex = cat.exercise("G3")
    X, y = cat.TOY_X, cat.TOY_Y
    yh, res, grads, upd = _mse_step(X[:1], y[:1], cat.W0, cat.B0, cat.ETA, "(1)")
    # compact rows: pandoc keeps a pipe table's natural column widths when no line is long
    rows1 = ["|$k$|$\\mathbf{x}_k$|$y_k$|$\\hat{y}_k$|$r_k$|∂L/∂w₁|∂L/∂w₂|∂L/∂b|",
             "|--:|:-:|--:|--:|--:|--:|--:|--:|"]
    rows2 = ["|$k$|$w_1^{(k)}$|$w_2^{(k)}$|$b^{(k)}$|", "|--:|--:|--:|--:|"]
    # the parameters after k steps, k = 0 .. N, from the reference's stochastic descent
    params = [gd.sgd_steps(X, y, cat.W0, cat.B0, cat.ETA, k) for k in range(X.shape[0] + 1)]
    for k in range(X.shape[0]):
        xk, yk = X[k:k + 1], y[k:k + 1]
        (w, b), (w_next, b_next) = params[k], params[k + 1]
        yhat = fw.affine(xk, w, b).item()
        dw, db = gd.mse_gradients(xk, yk, w, b)
        rows1.append(f"|{k + 1}|{pair(xk)}|{fmt(yk[0, 0])}|{fmt(yhat)}|{fmt(yhat - yk[0, 0])}"
                     f"|{fmt(dw[0, 0])}|{fmt(dw[1, 0])}|{fmt(db)}|")
        rows2.append(f"|{k + 1}|{fmt(w_next[0, 0])}|{fmt(w_next[1, 0])}|{fmt(b_next)}|")
    return [md(
        r"With one observation per step the gradients are $2 r_k \mathbf{x}_k^\top$ and $2 r_k$, "
        r"where $r_k = \hat{y}_k - y_k$. The first step, from $\mathbf{w}^{(0)} = "
        rf"{tmat(cat.W0)}$, $b^{{(0)}} = {tex(cat.B0)}$, $\eta = {tex(cat.ETA)}$:", "",
        display(*yh, *res, *grads), "", display(*upd), "",
        "All twelve steps, taking the observations in their given order; step $k$ uses "
        "observation $k$ and the parameters after step $k - 1$:", "", *rows1, "",
        "The parameters after each step:", "", *rows2, "",
        "Step 1 gives `w_sgd_step1`, `b_sgd_step1`; step 12 (one pass over the data) gives "
        "`w_sgd_epoch1`, `b_sgd_epoch1`.")] + answers(ex)


def _g4():
    ex = cat.exercise("G4")
    curves = loss_curves()
    rows = ["|η|first batch loss|loss after 10 steps|last loss|", "|--:|--:|--:|--:|"]
    for eta, losses in curves.items():
        rows.append(f"|{fmt(eta)}|{fmt(losses[0])}|{fmt(losses[10])}|{fmt(losses[-1])}|")
    verdict = "diverges" if ex.items[0].expected else "does not diverge"
    return [md(
        "Mini-batch descent with batches of 3 on the toy data, 30 iterations (4 steps each), "
        "`tol` switched off, the same shuffling for every learning rate "
        "(`rng = np.random.default_rng(0)`):", "", *rows, "",
        rf"Small rates converge slowly, larger ones faster; at $\eta = 0.3$ each step overshoots "
        rf"and the loss grows without bound, so mini-batch descent {verdict}. The reference "
        "decides it over 20 different shufflings, all of which blow up."),
        loss_figure()] + answers(ex)


def _g5():
    ex = cat.exercise("G5")
    X, y = gd.LOGISTIC_X, gd.LOGISTIC_Y
    n = X.shape[0]
    w, b = cat.LOG_W0, cat.LOG_B0
    parts = [rf"Data $\mathbf{{X}} = {tmat(X)}$, $\mathbf{{y}} = {tmat(y)}$, start "
             rf"$\mathbf{{w}}^{{(0)}} = {tmat(w)}$, $b^{{(0)}} = {tex(b)}$, $\eta = {tex(cat.ETA)}$. "
             r"Each step computes $z_i = \mathbf{x}_i\mathbf{w} + b$, $p_i = S(z_i)$, the gradients "
             r"$\frac{1}{N}\mathbf{X}^\top(\mathbf{p} - \mathbf{y})$ and "
             r"$\frac{1}{N}\mathbf{1}^\top(\mathbf{p} - \mathbf{y})$, then the update.", ""]
    for t in range(3):
        # theta^(t) -> theta^(t + 1): the reference's descent, one step further each time
        w, b = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0, b=cat.LOG_B0,
                                            max_iter=t)
        w_new, b_new = gd.logistic_gradient_descent(X, y, eta=cat.ETA, w=cat.LOG_W0,
                                                    b=cat.LOG_B0, max_iter=t + 1)
        z = fw.affine(X, w, b)
        p = act.sigmoid(z)
        dw, db = gd.cross_entropy_gradients(X, y, w, b)
        zl = [rf"z_{{{i + 1}}} = " + " + ".join(rf"{par(X[i, j])} \cdot {par(w[j, 0])}"
                                               for j in range(X.shape[1]))
              + rf" + {par(b)} {eq(z[i, 0])} {tex(z[i, 0])}" for i in range(n)]
        pl = [rf"p_{{{i + 1}}} = S({tex(z[i, 0])}) {eq(p[i, 0])} {tex(p[i, 0])}, \quad "
              rf"p_{{{i + 1}}} - y_{{{i + 1}}} = {tex(p[i, 0])} - {tex(y[i, 0])} "
              rf"{eq(p[i, 0] - y[i, 0])} {tex(p[i, 0] - y[i, 0])}" for i in range(n)]
        gl = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w_{{{j + 1}}}}} = \frac{{1}}{{{n}}}\big("
              + " + ".join(rf"{par(X[i, j])} \cdot {par(p[i, 0] - y[i, 0])}" for i in range(n))
              + rf"\big) {eq(dw[j, 0])} {tex(dw[j, 0])}" for j in range(X.shape[1])]
        gl.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = \frac{{1}}{{{n}}}\big("
                  + " + ".join(par(p[i, 0] - y[i, 0]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}")
        ul = [rf"\mathbf{{w}}^{{({t + 1})}} = {tmat(w)} - {tex(cat.ETA)}{tmat(dw)} {eq(w_new)} "
              rf"{tmat(w_new)}", rf"b^{{({t + 1})}} = {tex(b)} - {tex(cat.ETA)} \cdot {par(db)} "
              rf"{eq(b_new)} {tex(b_new)}"]
        title = "the gradient at the start" if t == 0 else f"at $\\theta^{{({t})}}$"
        parts += [f"**Step {t + 1}** ({title}):", "", display(*zl, *pl), "", display(*gl), "",
                  display(*ul), ""]
    parts.append("The gradients of step 1 are `dw_logistic_0`, `db_logistic_0`; the parameters "
                 "after step 3 are `w_logistic_3`, `b_logistic_3`.")
    return [md(*parts)] + answers(ex)


def _g7():
    ex = cat.exercise("G7")
    return [md(
        "Full-batch descent on the mean cross-entropy: `max_iter` times, compute "
        "$\\mathbf{p} = S(\\mathbf{X}\\mathbf{w} + b)$, the gradients "
        "$\\frac{1}{N}\\mathbf{X}^\\top(\\mathbf{p} - \\mathbf{y})$ and "
        "$\\frac{1}{N}\\mathbf{1}^\\top(\\mathbf{p} - \\mathbf{y})$ (the same form as for the "
        "squared error, without the factor 2), and step against them. The reference "
        "implementation:"),
        listing(gd.logistic_gradient_descent, gd.cross_entropy_gradients)] + answers(ex)


def _g6():
    """(blocks, derived, chains) of G6: dCE/dtheta = dCE/dp * dp/dz * dz/dtheta (see `chain_rule`)."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("G6")
    m = D.logistic()
    z, p = sp.Symbol("z", real=True), sp.Symbol("p", real=True)
    ce = m.loss.subs(m["p"], p)                       # the cross-entropy as a function of p
    dce_dp = sp.diff(ce, p)
    dp_dz_raw, dp_dz = _sigmoid_factor(z, p)
    derived, chains, eqs = {}, {}, []
    for name, target in D.LOGISTIC_TARGETS.items():
        theta = m[target]
        dz = sp.diff(m["z"], theta)
        result = _tidy(sp.simplify(dce_dp * dp_dz * dz))
        derived[name] = result
        chains[name] = [[("dCE/dp", dce_dp), ("dp/dz", dp_dz), (f"dz/d{target}", dz)]]
        eqs.append(rf"\frac{{\partial \mathrm{{CE}}}}{{\partial {sym_latex(theta)}}} = "
                   rf"{_paren(dce_dp)} \cdot {_paren(dp_dz)} \cdot {_paren(dz)} = {sym_latex(result)}")
    lines = [rf"With $z = {sym_latex(m['z'])}$, $p = S(z)$ and "
             rf"$\mathrm{{CE}} = {sym_latex(ce)}$, the chain rule gives "
             r"$\frac{\partial \mathrm{CE}}{\partial \theta} = \frac{\partial \mathrm{CE}}{\partial p}"
             r"\cdot\frac{\partial p}{\partial z}\cdot\frac{\partial z}{\partial \theta}$ for each "
             r"parameter $\theta$. The first two factors are shared:", "",
             display(rf"\frac{{\partial \mathrm{{CE}}}}{{\partial p}} = {sym_latex(dce_dp)}",
                     rf"\frac{{\partial p}}{{\partial z}} = {sym_latex(dp_dz_raw)} = {sym_latex(dp_dz)}"),
             "", r"(the second written with $p = S(z)$, that is $e^{-z} = (1 - p)/p$). "
             r"The last factor, $\partial z/\partial\theta$, is what the parameter multiplies "
             r"($1$ for the bias). Parameter by parameter:", "", display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


#: {exercise id: (blocks, derived, chains)} of the derivations by the chain rule (`registry`).
DERIVATIONS = {"G6": _g6}
#: {exercise id: its worked solution's blocks}, for this notebook's exercises (`registry`).
SOLUTIONS = {"G1": _g1, "G2": _g2, "G3": _g3, "G4": _g4, "G5": _g5, "G7": _g7,
             **{eid: (lambda eid=eid: DERIVATIONS[eid]()[0]) for eid in DERIVATIONS}}
