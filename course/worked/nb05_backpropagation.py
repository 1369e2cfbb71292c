"""Worked solutions of notebook 05, backpropagation: B2's descent steps, B4's gradients in NumPy,
B5's and B6's trainings, and the derivatives of B1 and B3 by the chain rule."""
from autograder import catalogue as cat
from autograder.reference import backprop as bp, descent as gd

from .answers import answers
from .blocks import display, listing, md
from .numbers import eq, fmt, par, tex, tmat
from .symbolic import _paren, _sigmoid_factor, _symbolic_answer, _tidy, sym_latex


def _b2():
    ex = cat.exercise("B2")
    x, y = bp.LINE_X, bp.LINE_Y
    n = len(x)
    w, b = bp.THETA0
    thetas = [bp.THETA0] + bp.line_thetas(3)          # theta^(0), ..., theta^(3)
    parts = [rf"Data $x = {tmat(x)}$, $y = {tmat(y)}$; $\theta^{{(0)}} = ({tex(w)}, {tex(b)})$, "
             rf"$\eta = {tex(bp.LINE_ETA)}$. Each step computes the residuals "
             r"$r_i = w x_i + b - y_i$, the gradients "
             rf"$\partial\mathcal{{L}}/\partial w = \frac{{2}}{{{n}}}\sum_i r_i x_i$ and "
             rf"$\partial\mathcal{{L}}/\partial b = \frac{{2}}{{{n}}}\sum_i r_i$, and the update.", ""]
    for k in range(3):
        (w, b), (w_new, b_new) = thetas[k], thetas[k + 1]
        r = w * x + b - y                                   # the residuals shown in the sums
        dw, db = gd.mse_gradients(x.reshape(-1, 1), y, w, b)  # the line is Xw + b with X = x
        dw = dw.item()
        rl = [rf"r_{{{i + 1}}} = {tex(w)} \cdot {tex(x[i])} + {par(b)} - {tex(y[i])} {eq(r[i])} "
              rf"{tex(r[i])}" for i in range(n)]
        gl = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial w}} = \frac{{2}}{{{n}}}\big("
              + " + ".join(rf"{par(r[i])} \cdot {tex(x[i])}" for i in range(n))
              + rf"\big) {eq(dw)} {tex(dw)}",
              rf"\frac{{\partial \mathcal{{L}}}}{{\partial b}} = \frac{{2}}{{{n}}}\big("
              + " + ".join(par(r[i]) for i in range(n)) + rf"\big) {eq(db)} {tex(db)}"]
        ul = [rf"w^{{({k + 1})}} = {tex(w)} - {tex(bp.LINE_ETA)} \cdot {par(dw)} {eq(w_new)} {tex(w_new)}",
              rf"b^{{({k + 1})}} = {tex(b)} - {tex(bp.LINE_ETA)} \cdot {par(db)} {eq(b_new)} {tex(b_new)}"]
        parts += [rf"**Step {k + 1}**, from $\theta^{{({k})}} = ({tex(w)}, {tex(b)})$:", "",
                  display(*rl), "", display(*gl), "", display(*ul), "",
                  rf"so $\theta^{{({k + 1})}} = ({tex(w_new)}, {tex(b_new)})$.", ""]
    return [md(*parts)] + answers(ex)


def _b4():
    ex = cat.exercise("B4")
    return [md(
        "Backpropagation for the whole batch at once, in matrix form: the forward pass gives "
        "$\\mathbf{a}_1 = S(\\mathbf{X}\\mathbf{W}_1)$ and "
        "$\\hat{\\mathbf{y}} = \\exp(\\mathbf{a}_1\\mathbf{w}_2)$; the output delta is "
        "$\\boldsymbol{\\delta}_2 = 2(\\hat{\\mathbf{y}} - \\mathbf{y}) \\odot \\hat{\\mathbf{y}}$ "
        "(the derivative of the squared error times that of $\\exp$); it passes back through "
        "$\\mathbf{w}_2$ and the sigmoid, "
        "$\\boldsymbol{\\delta}_1 = (\\boldsymbol{\\delta}_2\\mathbf{w}_2^\\top) \\odot "
        "\\mathbf{a}_1 \\odot (1 - \\mathbf{a}_1)$; and each weight's gradient is the mean over "
        "the batch of a delta times what the weight multiplies: "
        "$\\partial\\mathcal{L}/\\partial\\mathbf{w}_2 = \\frac{1}{N}\\mathbf{a}_1^\\top"
        "\\boldsymbol{\\delta}_2$, $\\partial\\mathcal{L}/\\partial\\mathbf{W}_1 = \\frac{1}{N}"
        "\\mathbf{X}^\\top\\boldsymbol{\\delta}_1$. These are the B3 derivatives of one "
        "observation, averaged. The reference implementation:"),
        listing(bp.backprop_gradients)] + answers(ex)


def _training(eid, trainer, what):
    ex = cat.exercise(eid)
    W1, w2 = (item.expected for item in ex.items)
    X, y = bp.synthetic_data()
    before, after = bp.loss(X, y, bp.W1_START, bp.W2_START), bp.loss(X, y, W1, w2)
    return [md(
        f"{what} from $\\mathbf{{W}}_1 = {tmat(bp.W1_START)}$, "
        f"$\\mathbf{{w}}_2 = {tmat(bp.W2_START)}$, on the lab's 10 000 observations, using the "
        "gradients of B4. The reference implementation:"),
        listing(trainer),
        md(rf"The loss falls from ${tex(before)}$ to ${tex(after)}$; the weights approach the true "
           rf"ones, $\mathbf{{W}}_1 = {tmat(bp.W1_TRUE)}$, $\mathbf{{w}}_2 = {tmat(bp.W2_TRUE)}$:", "",
           display(rf"\mathbf{{W}}_1 {eq(W1)} {tmat(W1)}, \quad \mathbf{{w}}_2 {eq(w2)} {tmat(w2)}"))
    ] + answers(ex)


def _b5():
    return _training("B5", bp.train_gd, f"{bp.N_STEPS} full-batch gradient-descent steps with "
                                        f"$\\eta = {tex(bp.GD_ETA)}$")


def _b6():
    a = bp.KERAS_ADAM
    return _training("B6", bp.train_adam, f"{bp.N_STEPS} full-batch Adam steps with Keras's "
                                          f"defaults (learning rate {fmt(a['lr'])}, "
                                          f"$\\beta_1 = {tex(a['beta1'])}$, "
                                          f"$\\beta_2 = {tex(a['beta2'])}$, "
                                          f"$\\epsilon = {tex(a['eps'])}$)")


def _b1():
    """(blocks, derived, chains) of B1: dL/dtheta = sum_i dL/dyhat_i * dyhat_i/dtheta."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("B1")
    m = D.line()
    w, b = m["w"], m["b"]
    xs = [sp.Rational(v) for v in bp.LINE_X]
    ys = [sp.Rational(v) for v in bp.LINE_Y]
    n = len(xs)
    yh = sp.symbols(f"yhat1:{n + 1}", real=True)
    loss = sum((yh[i] - ys[i]) ** 2 for i in range(n)) / n
    model = {yh[i]: w * xs[i] + b for i in range(n)}
    derived, chains, eqs = {}, {}, []
    for name, target in D.LINE_TARGETS.items():
        theta = m[target]
        terms = [(sp.factor(sp.diff(loss, yh[i]).xreplace(model)), sp.diff(model[yh[i]], theta))
                 for i in range(n)]
        chains[name] = [[(f"dL/dyhat{i + 1}", outer), (f"dyhat{i + 1}/d{target}", inner)]
                        for i, (outer, inner) in enumerate(terms)]
        shown = " + ".join(rf"{_paren(outer)} \cdot {_paren(inner)}" if inner != 1
                           else _paren(outer) for outer, inner in terms)
        total = sp.expand(sum(outer * inner for outer, inner in terms))
        derived[name] = total
        eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {theta}}} = {shown} = {sym_latex(total)}")
    factors = [rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(yh[i])}}} = "
               rf"{sym_latex(sp.factor(sp.diff(loss, yh[i])))}" for i in range(n)]
    lines = [r"With $\hat{y}_i = w x_i + b$ and $\mathcal{L} = \frac{1}{N}\sum_i (\hat{y}_i - y_i)^2$, "
             rf"here $\mathcal{{L}} = {sym_latex(loss)}$. The chain rule runs through each "
             r"prediction, $\frac{\partial\mathcal{L}}{\partial \theta} = \sum_i "
             r"\frac{\partial\mathcal{L}}{\partial\hat{y}_i}\frac{\partial\hat{y}_i}{\partial \theta}$, "
             r"with $\frac{\partial\hat{y}_i}{\partial w} = x_i$, "
             r"$\frac{\partial\hat{y}_i}{\partial b} = 1$ and", "", display(*factors), "",
             r"Substituting $\hat{y}_i = w x_i + b$ and adding up:", "", display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


def _b3():
    """(blocks, derived, chains) of B3: each delta and weight gradient as a product of chain-rule
    factors."""
    import sympy as sp
    from autograder.reference import derivatives as D
    ex = cat.exercise("B3")
    m = D.network()
    S = {name: sp.Symbol(name, real=True) for name in m.intermediates}   # z1_j, a1_j, z2_1, y_hat
    a1, z1 = {j: S[f"a1_{j}"] for j in (1, 2)}, {j: S[f"z1_{j}"] for j in (1, 2)}
    z2, y_hat = S["z2_1"], S["y_hat"]
    loss = m.loss.subs(m["y_hat"], y_hat)                        # (y_hat - y)^2
    z2_of_a = m["z2_1"].subs({m["a1_1"]: a1[1], m["a1_2"]: a1[2]})
    # the chain-rule factors, each by sympy.diff
    dL_dyhat = _tidy(sp.diff(loss, y_hat))
    dyhat_dz2 = sp.diff(m["y_hat"].subs(m["z2_1"], z2), z2).subs(sp.exp(z2), y_hat)
    delta2 = _tidy(dL_dyhat * dyhat_dz2)
    d2 = sp.Symbol("delta2_1")
    derived = {"delta2_1": delta2}
    chains = {"delta2_1": [[("dL/dy_hat", dL_dyhat), ("dy_hat/dz2_1", dyhat_dz2)]]}
    lines = [r"Forward: $z^{(1)}_j = " + " + ".join(rf"w^{{(1)}}_{{{i}j}}x_{{{i}}}" for i in (1, 2, 3))
             + r"$, $a^{(1)}_j = S(z^{(1)}_j)$, "
             rf"$z^{{(2)}}_1 = {sym_latex(z2_of_a)}$, $\hat{{y}} = e^{{z^{{(2)}}_1}}$, "
             rf"$\mathcal{{L}} = {sym_latex(loss)}$. Every derivative is the product of the "
             "factors along the path from the loss back to the weight, each factor the "
             "derivative of one step of the forward pass.", "",
             "**Output delta**, through the loss and the exponential output:", "",
             display(rf"\delta^{{(2)}}_1 = \frac{{\partial \mathcal{{L}}}}{{\partial \hat{{y}}}}"
                     rf"\cdot\frac{{\partial \hat{{y}}}}{{\partial z^{{(2)}}_1}} = "
                     rf"{_paren(dL_dyhat)} \cdot {_paren(dyhat_dz2)} = {sym_latex(delta2)}"), "",
             r"**Hidden deltas**, back through $w^{(2)}_{j1}$ and the sigmoid (its derivative "
             r"written with $a = S(z)$):", ""]
    eqs, delta1 = [], {}
    for j in (1, 2):
        dz2_da = sp.diff(z2_of_a, a1[j])
        _, da_dz = _sigmoid_factor(z1[j], a1[j])
        delta1[j] = _tidy(delta2 * dz2_da * da_dz)
        derived[f"delta1_{j}"] = delta1[j]
        chains[f"delta1_{j}"] = [[("delta2_1", delta2), (f"dz2_1/da1_{j}", dz2_da),
                                  (f"da1_{j}/dz1_{j}", da_dz)]]
        eqs.append(rf"\delta^{{(1)}}_{j} = \delta^{{(2)}}_1 \cdot \frac{{\partial z^{{(2)}}_1}}"
                   rf"{{\partial a^{{(1)}}_{j}}} \cdot \frac{{\partial a^{{(1)}}_{j}}}{{\partial z^{{(1)}}_{j}}}"
                   rf" = {sym_latex(d2)} \cdot {_paren(dz2_da)} \cdot {_paren(da_dz)} = "
                   rf"{sym_latex(delta1[j])}")
    lines += [display(*eqs), "", "**Output weights**: the output delta times the activation the "
              "weight multiplies:", ""]
    eqs = []
    for j in (1, 2):
        weight = m[f"w2_{j}1"]
        dz2_dw = sp.diff(z2_of_a, weight)
        result = _tidy(delta2 * dz2_dw)
        derived[f"dL_dw2_{j}1"] = result
        chains[f"dL_dw2_{j}1"] = [[("delta2_1", delta2), (f"dz2_1/dw2_{j}1", dz2_dw)]]
        eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(weight)}}} = "
                   rf"\delta^{{(2)}}_1 \cdot \frac{{\partial z^{{(2)}}_1}}{{\partial {sym_latex(weight)}}}"
                   rf" = {sym_latex(d2)} \cdot {_paren(dz2_dw)} = {sym_latex(result)}")
    lines += [display(*eqs), "", "**Hidden weights**: a hidden delta times the input the weight "
              "multiplies:", ""]
    eqs = []
    for j in (1, 2):
        for i in (1, 2, 3):
            weight = m[f"w1_{i}{j}"]
            dz1_dw = sp.diff(m[f"z1_{j}"], weight)
            result = _tidy(delta1[j] * dz1_dw)
            derived[f"dL_dw1_{i}{j}"] = result
            chains[f"dL_dw1_{i}{j}"] = [[(f"delta1_{j}", delta1[j]), (f"dz1_{j}/dw1_{i}{j}", dz1_dw)]]
            eqs.append(rf"\frac{{\partial \mathcal{{L}}}}{{\partial {sym_latex(weight)}}} = "
                       rf"\delta^{{(1)}}_{j} \cdot \frac{{\partial z^{{(1)}}_{j}}}"
                       rf"{{\partial {sym_latex(weight)}}} = \delta^{{(1)}}_{j} \cdot "
                       rf"{_paren(dz1_dw)} = {sym_latex(result)}")
    lines += [display(*eqs)]
    return [md(*lines)] + _symbolic_answer(ex, derived), derived, chains


#: {exercise id: (blocks, derived, chains)} of the derivations by the chain rule (`registry`).
DERIVATIONS = {"B1": _b1, "B3": _b3}
#: {exercise id: its worked solution's blocks}, for this notebook's exercises (`registry`).
SOLUTIONS = {"B2": _b2, "B4": _b4, "B5": _b5, "B6": _b6,
             **{eid: (lambda eid=eid: DERIVATIONS[eid]()[0]) for eid in DERIVATIONS}}
