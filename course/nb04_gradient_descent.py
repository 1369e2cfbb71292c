"""Notebook 04: gradient descent."""
from .cells import Counter, before_you_submit, in_notebook_only, answer, code, given, manual_code, md, tests

NAME = "04_gradient_descent"

LR_SOLUTION = '''
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    N, p = X.shape
    w = np.ones((p, 1)) if w is None else np.array(w, dtype=float).reshape(-1, 1)
    b = 0.0 if b is None else float(b)
    rng = np.random.default_rng() if rng is None else rng
    batch_size = min(N, batch_size)
    prev_error = np.inf
    for iteration in range(max_iter):
        order = rng.permutation(N)
        X_shuffled, y_shuffled = X[order], y[order]
        for start in range(0, N - batch_size + 1, batch_size):
            X_batch = X_shuffled[start:start + batch_size]
            y_batch = y_shuffled[start:start + batch_size]
            y_hat = X_batch @ w + b
            error = np.mean((y_hat - y_batch) ** 2)
            if abs(error - prev_error) < tol:
                return w, b
            prev_error = error
            w = w - eta * 2 / batch_size * X_batch.T @ (y_hat - y_batch)
            b = b - eta * 2 / batch_size * np.sum(y_hat - y_batch)
    return w, b
'''

LOGISTIC_SOLUTION = '''
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1, 1)
    N, p = X.shape
    w = np.ones((p, 1)) if w is None else np.array(w, dtype=float).reshape(-1, 1)
    b = 0.0 if b is None else float(b)
    for _ in range(max_iter):
        p_hat = 1 / (1 + np.exp(-(X @ w + b)))
        w = w - eta * X.T @ (p_hat - y) / N
        b = b - eta * np.mean(p_hat - y)
    return w, b
'''

PLOT_SOLUTION = '''
def batch_losses(eta, batch_size=3, iterations=30, seed=0):
    """The loss of every mini-batch step of the lab's algorithm, tol switched off."""
    rng = np.random.default_rng(seed)
    w, b, losses = np.ones((2, 1)), 0.0, []
    for _ in range(iterations):
        order = rng.permutation(len(X_toy))
        for start in range(0, len(X_toy) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            Xb, yb = X_toy[batch], y_toy[batch]
            residual = Xb @ w + b - yb
            losses.append(float(np.mean(residual ** 2)))
            w = w - eta * 2 / batch_size * Xb.T @ residual
            b = b - eta * 2 / batch_size * np.sum(residual)
    return losses

with np.errstate(all="ignore"):
    for rate in (0.01, 0.05, 0.1, 0.3):
        losses = np.array(batch_losses(rate))
        plt.plot(np.where(np.isfinite(losses), losses, np.nan), label=f"eta = {rate}")
plt.yscale("log"); plt.xlabel("mini-batch step"); plt.ylabel("batch loss (MSE)"); plt.legend()
plt.show()
'''


def cells():
    ids = Counter("nb04")
    out = [
        md(ids, r"""
# Part 4: gradient descent

A network learns by choosing the weights and biases that make a loss small:
$(\mathbf{w}^*, b^*) = \arg\min_{\mathbf{w}, b} \mathcal{L}(\mathcal{D}, (\mathbf{w}, b))$.
Gradient descent gets there in small steps against the gradient,
$\mathbf{w} \leftarrow \mathbf{w} - \eta\, \partial\mathcal{L}/\partial\mathbf{w}$, with a learning
rate $\eta$. The variants differ in how many observations each step looks at: one (**stochastic**),
all of them (**batch**), or a group of $N$ (**mini-batch**).

For linear regression, $\hat{\mathbf{y}} = \mathbf{X}\mathbf{w} + b\mathbf{1}$, and the mean squared
error of a batch of $N$ observations,
$\mathcal{L} = \frac{1}{N}(\hat{\mathbf{y}} - \mathbf{y})^\top(\hat{\mathbf{y}} - \mathbf{y})$, has the
gradients

$$\frac{\partial \mathcal{L}}{\partial \mathbf{w}} = \frac{2}{N}\mathbf{X}^\top(\hat{\mathbf{y}} - \mathbf{y}),
\qquad \frac{\partial \mathcal{L}}{\partial b} = \frac{2}{N}\mathbf{1}^\top(\hat{\mathbf{y}} - \mathbf{y}).$$

The toy data has 12 observations of two inputs, generated without noise from
$\mathbf{w}_{\text{true}} = (1.5, 1.5)^\top$ and $b_{\text{true}} = 0.1$.

Hand answers (G1, G3, G5) are judged to 3 significant figures (or 3 decimals): type at least that
many, and keep more digits in the steps before the answer, since rounding early can move the third
figure. Answers computed in NumPy are exact enough as they are.
"""),
        in_notebook_only(ids, "The self-check says so when the difference is about the size of "
                              "rounding."),
        before_you_submit(ids),
        code(ids, "import numpy as np\nimport matplotlib.pyplot as plt\nfrom mdl_kernel import check, record"),
        given(ids, "G1"),
        md(ids, r"""
## Exercise G1: one mini-batch step by hand

Take the first batch of $N = 3$ observations, $\mathbf{X}_{1:3}$ and $\mathbf{y}_{1:3}$ (the
first three rows of `X_toy` and `y_toy`), start from $\mathbf{w}^{(0)} = (1, 1)^\top$,
$b^{(0)} = 0$, and use $\eta = 0.1$. Compute the gradients at the start, `dw_batch1` (a column of
2) and `db_batch1` (a number), then the parameters after one step, `w_step1` and `b_step1`.
"""),
        answer("G1", "Xb, yb = X_toy[:3], y_toy[:3]\nresidual = Xb @ w0 + b0 - yb\n"
                     "dw_batch1 = 2 / 3 * Xb.T @ residual\ndb_batch1 = 2 / 3 * np.sum(residual)\n"
                     "w_step1 = w0 - eta * dw_batch1\nb_step1 = b0 - eta * db_batch1"),
        tests("G1"),
        md(ids, r"""
## Exercise G2: mini-batch gradient descent as a function

Write `lr_gradient_descent(X, y, batch_size=32, eta=0.1, w=None, b=None, max_iter=100, tol=1e-8, rng=None)`
returning `(w, b)`. It follows the lab's algorithm:

* `w` defaults to a column of ones and `b` to 0; `rng` is a `numpy.random.Generator`
  (`np.random.default_rng()` when `None`); the batch size is at most $N$;
* each of the `max_iter` iterations shuffles the observations with `rng` and then takes one step
  per full batch of `batch_size` consecutive shuffled rows ($\lfloor N / \text{batch\_size} \rfloor$ steps);
* before each step it computes the batch's loss; if this differs from the previous batch's loss by
  less than `tol`, it returns the current `(w, b)` at once (the very first loss is compared with
  $+\infty$).

It is tested on other data too: with `batch_size = N` it must agree with full-batch descent, with
small batches it must take one step per batch and find the true parameters, and it must stop on
`tol`. Do not change the arrays passed in (`w -= ...` on the caller's `w` does): the grader checks
them after every call.
"""),
        answer("G2", LR_SOLUTION, indent="    ",
               before="def lr_gradient_descent(X, y, batch_size=32, eta=0.1, w=None, b=None, "
                      "max_iter=100, tol=1e-8, rng=None):"),
        tests("G2"),
        md(ids, r"""
## Exercise G3: stochastic gradient descent

Now use a batch of **one** observation, taking the 12 observations in their given order, from
$\mathbf{w}^{(0)} = (1, 1)^\top$, $b^{(0)} = 0$ with $\eta = 0.1$. Store the parameters after the
first observation in `w_sgd_step1`, `b_sgd_step1`, and after one full pass over the data (12 steps)
in `w_sgd_epoch1`, `b_sgd_epoch1`.
"""),
        answer("G3", "w, b = w0.astype(float), float(b0)\nfor i in range(len(X_toy)):\n"
                     "    residual = X_toy[i:i + 1] @ w + b - y_toy[i:i + 1]\n"
                     "    w, b = w - eta * 2 * X_toy[i:i + 1].T @ residual, b - eta * 2 * residual.item()\n"
                     "    if i == 0:\n        w_sgd_step1, b_sgd_step1 = w, b\n"
                     "w_sgd_epoch1, b_sgd_epoch1 = w, b"),
        tests("G3"),
        md(ids, r"""
## Exercise G4: learning rates

Run mini-batch descent on the toy data with batch size 3 and the learning rates
$\eta \in \{0.01, 0.05, 0.1, 0.3\}$. Does it diverge (the loss grows without bound) for
$\eta = 0.3$? Store `True` or `False` in `diverges_eta_0_3`.
"""),
        answer("G4", "diverges_eta_0_3 = True"),
        tests("G4"),
        md(ids, r"""
Plot the batch loss against the step for the four learning rates, on one figure with a logarithmic
vertical axis, and describe in a comment what you see. (Graded by your tutor.)

Your G2 function returns only `(w, b)`, so write the loop once more for the plot and collect the
losses as it runs: for each learning rate start again at $\mathbf{w} = (1, 1)^\top$, $b = 0$ with
`rng = np.random.default_rng(0)`; make 30 passes over the toy data, each in the order
`rng.permutation(12)`, in mini-batches of 3 (4 steps a pass, 120 steps in all, no stopping on
`tol`); at every step append the batch's mean squared error, computed before that step's update,
to a list, and plot that list. A loss that overflows to `inf` or `nan` is where the descent
diverged: plot the steps before it.
"""),
        manual_code("G4_plot", 2, PLOT_SOLUTION),
        md(ids, r"""
## Exercise G5: logistic regression by hand

For a binary label, logistic regression models $p_i = S(\mathbf{x}_i\mathbf{w} + b)$ and minimises
the mean binary cross-entropy
$\mathcal{L} = -\frac{1}{N}\sum_i \big[y_i \log p_i + (1 - y_i)\log(1 - p_i)\big]$ (natural log).
Its gradients follow from the chain rule with $S'(z) = S(z)(1 - S(z))$: G6 below asks you to
derive them for one observation (you may work G6 first), and the gradient of the mean is the mean
of the observations' gradients.

With the lecture's data below, $\mathbf{w}^{(0)} = (1, 2)^\top$, $b^{(0)} = -10$ and $\eta = 0.1$,
compute the gradients at the start, `dw_logistic_0` (a column of 2) and `db_logistic_0`, and the
parameters after three full-batch steps, `w_logistic_3` and `b_logistic_3`.
"""),
        given(ids, "G5"),
        answer("G5", "w, b = np.array([[1.0], [2.0]]), -10.0\nfor step in range(4):\n"
                     "    p_hat = 1 / (1 + np.exp(-(X_logistic @ w + b)))\n"
                     "    dw = X_logistic.T @ (p_hat - y_logistic) / 3\n    db = np.mean(p_hat - y_logistic)\n"
                     "    if step == 0:\n        dw_logistic_0, db_logistic_0 = dw, db\n"
                     "    if step == 3:\n        break\n    w, b = w - 0.1 * dw, b - 0.1 * db\n"
                     "w_logistic_3, b_logistic_3 = w, b"),
        tests("G5"),
        md(ids, r"""
## Exercise G6: the cross-entropy gradient, symbolically

Take one observation with inputs $x_1, x_2$ and label $y$, parameters $w_1, w_2, b$,
$z = w_1x_1 + w_2x_2 + b$ and $p = S(z)$. Differentiate its cross-entropy
$-\big(y\log p + (1 - y)\log(1 - p)\big)$ by hand, using $S'(z) = S(z)(1 - S(z))$, and store the
three derivatives as SymPy expressions (or strings of plain maths such as `"x1^2 - 3*log(1 + exp(-z))"`) in
`dCE_dw1`, `dCE_dw2` and `dCE_db`. The cell below defines the symbols and the expressions `z` and
`p`; any correct form of the answer is accepted. Careful: these symbols are names in the
notebook; if a later cell gives one of them a number (say `b = 0`), answers typed after it use
that number instead of the symbol.
"""),
        given(ids, "G6"),
        answer("G6", "dCE_dw1 = (p - y) * x1\ndCE_dw2 = (p - y) * x2\ndCE_db = p - y"),
        tests("G6"),
        md(ids, r"""
## Exercise G7: logistic regression by gradient descent

Write `logistic_gradient_descent(X, y, eta=0.1, w=None, b=None, max_iter=1000)` returning `(w, b)`
after `max_iter` full-batch steps on the mean cross-entropy; `w` defaults to a column of ones and
`b` to 0. It will be tested on other data too.
"""),
        answer("G7", LOGISTIC_SOLUTION, indent="    ",
               before="def logistic_gradient_descent(X, y, eta=0.1, w=None, b=None, max_iter=1000):"),
        tests("G7"),
    ]
    return out
