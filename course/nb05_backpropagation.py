"""Notebook 05: backpropagation."""
from .cells import Counter, before_you_submit, in_notebook_only, answer, code, given, md, tests

NAME = "05_backpropagation"

BACKPROP_SOLUTION = '''
    N = X.shape[0]
    a1 = 1 / (1 + np.exp(-(X @ W1)))
    y_hat = np.exp(a1 @ w2)
    delta2 = 2 * (y_hat - y.reshape(-1, 1)) * y_hat
    delta1 = (delta2 @ w2.T) * a1 * (1 - a1)
    return X.T @ delta1 / N, a1.T @ delta2 / N
'''

GD_SOLUTION = '''
W1_hat, w2_hat = W1_start.copy(), w2_start.copy()
for _ in range(5000):
    dW1, dw2 = backprop_gradients(X_lab, y_lab, W1_hat, w2_hat)
    W1_hat = W1_hat - 0.0005 * dW1
    w2_hat = w2_hat - 0.0005 * dw2
'''

ADAM_SOLUTION = '''
lr, beta1, beta2, eps = 0.001, 0.9, 0.999, 1e-7
params = [W1_start.copy(), w2_start.copy()]
m = [np.zeros_like(q) for q in params]
v = [np.zeros_like(q) for q in params]
for t in range(1, 5001):
    grads = backprop_gradients(X_lab, y_lab, *params)
    step = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    for k in range(2):
        m[k] = beta1 * m[k] + (1 - beta1) * grads[k]
        v[k] = beta2 * v[k] + (1 - beta2) * grads[k] ** 2
        params[k] = params[k] - step * m[k] / (np.sqrt(v[k]) + eps)
W1_adam, w2_adam = params
'''

B3_SOLUTION = '''
delta2_1 = 2 * (y_hat - y) * y_hat
delta1_1 = delta2_1 * w2_11 * a1_1 * (1 - a1_1)
delta1_2 = delta2_1 * w2_21 * a1_2 * (1 - a1_2)
dL_dw2_11 = delta2_1 * a1_1
dL_dw2_21 = delta2_1 * a1_2
dL_dw1_11 = delta1_1 * x1
dL_dw1_21 = delta1_1 * x2
dL_dw1_31 = delta1_1 * x3
dL_dw1_12 = delta1_2 * x1
dL_dw1_22 = delta1_2 * x2
dL_dw1_32 = delta1_2 * x3
'''


def cells():
    ids = Counter("nb05")
    out = [
        md(ids, r"""
# Part 5: backpropagation

Backpropagation computes the gradient of the loss with respect to every weight by the chain rule,
from the output layer back to the input: each layer passes back the derivative of the loss with
respect to its pre-activation values, $\delta = \partial\mathcal{L}/\partial z$, and each weight's
gradient is a $\delta$ times the activation that weight multiplies. Gradient descent then updates
the weights.

## Linear regression, one parameter pair at a time

With $\hat{y}(x_i) = w x_i + b$ and the mean squared error over the batch
$\mathcal{L} = \frac{1}{N}\sum_{i=1}^{N}(\hat{y}(x_i) - y_i)^2$, the chain rule gives
$\partial\mathcal{L}/\partial w = \frac{1}{N}\sum_i 2(\hat{y}(x_i) - y_i)\,x_i$ and
$\partial\mathcal{L}/\partial b = \frac{1}{N}\sum_i 2(\hat{y}(x_i) - y_i)$.
The data are $(x_i, y_i) = (2, 7), (3, 10), (5, 16)$, which lie exactly on $y = 3x + 1$; the
cell below stores them in `x_data` and `y_data` for B1 and B2.

Hand answers (B2) are judged to 3 significant figures (or 3 decimals): type at least that many,
and keep more digits in the steps before the answer, since rounding early can move the third
figure.
"""),
        in_notebook_only(ids, "The self-check says so when the difference is about the size of "
                              "rounding."),
        before_you_submit(ids),
        code(ids, "import numpy as np\nimport sympy as sp\nfrom mdl_kernel import check, record"),
        given(ids, "B2"),
        md(ids, r"""
## Exercise B1: the gradient of the batch loss

Write $\partial\mathcal{L}/\partial w$ and $\partial\mathcal{L}/\partial b$ for these three
observations as expressions in the symbols `w` and `b`, and store them in `dL_dw` and `dL_db`
(SymPy expressions, or strings of plain maths such as `"w^2 - 4*b"`). You may write the sums
out by hand or build them from `x_data` and `y_data`.

Careful: `w` and `b` are SymPy symbols, names in the notebook like any other. If a cell gives one
of them a number (say `w, b = 1, 0` while working on B2), expressions built after it use that number
instead of the symbol. Use other names for numbers, such as `w_t` and `b_t`.
"""),
        given(ids, "B1"),
        answer("B1", "dL_dw = sp.Rational(2, 3) * ((2*w + b - 7)*2 + (3*w + b - 10)*3 + (5*w + b - 16)*5)\n"
                     "dL_db = sp.Rational(2, 3) * ((2*w + b - 7) + (3*w + b - 10) + (5*w + b - 16))"),
        tests("B1"),
        md(ids, r"""
## Exercise B2: three steps of batch gradient descent

Start from $\theta^{(0)} = (w^{(0)}, b^{(0)}) = (1, 0)$ and apply full-batch gradient descent with
learning rate $\eta = 0.01$. Store $\theta^{(1)}, \theta^{(2)}, \theta^{(3)}$ as pairs `(w, b)` in
`theta_1`, `theta_2` and `theta_3`. The data are `x_data` and `y_data`, defined above B1.

Keep the symbols `w` and `b` of B1 intact: name your numbers differently (for example `w_t`, `b_t`),
or B1's answers, if you run its cell again, are built from numbers.
"""),
        answer("B2", "w_t, b_t, thetas = 1.0, 0.0, []\nfor _ in range(3):\n"
                     "    r = w_t * x_data + b_t - y_data\n"
                     "    w_t, b_t = w_t - 0.01 * np.mean(2 * r * x_data), b_t - 0.01 * np.mean(2 * r)\n"
                     "    thetas.append((w_t, b_t))\ntheta_1, theta_2, theta_3 = thetas"),
        tests("B2"),
        md(ids, r"""
## Exercise B3: the gradients of a small network

The lab's Example 1 has three inputs, a hidden layer of two sigmoid neurons and one output with the
exponential activation, and no biases:
$a^{(1)}_j = S(z^{(1)}_j)$ with $z^{(1)}_j = w^{(1)}_{1j}x_1 + w^{(1)}_{2j}x_2 + w^{(1)}_{3j}x_3$,
and $\hat{y} = \exp(z^{(2)}_1)$ with $z^{(2)}_1 = w^{(2)}_{11}a^{(1)}_1 + w^{(2)}_{21}a^{(1)}_2$.
For one observation the loss is $\mathcal{L} = (\hat{y} - y)^2$.

Using $\delta^{(2)}_1 = \partial\mathcal{L}/\partial z^{(2)}_1$ and
$\delta^{(1)}_j = \partial\mathcal{L}/\partial z^{(1)}_j = \delta^{(2)}_1 w^{(2)}_{j1}\, S'(z^{(1)}_j)$,
write the three deltas and the eight weight gradients. The cell below defines the symbols
(`w1_ij` goes from input $i$ to hidden neuron $j$, `w2_i1` from hidden neuron $i$ to the output)
and the expressions `z1_1, z1_2, a1_1, a1_2, z2_1, y_hat`, which you may use in your answers.
Careful: these symbols are names in the notebook; if a later cell gives one of them a number
(say `x1 = 0.5`), answers typed after it use that number instead of the symbol.
"""),
        given(ids, "B3"),
        answer("B3", B3_SOLUTION),
        tests("B3"),
        md(ids, r"""
## The network in NumPy

The same network, trained on the lab's synthetic data: 10 000 observations of three standard normal
inputs, with targets made by the network itself at the true weights. In matrix form
$\mathbf{a}^{(1)} = S(\mathbf{X}\mathbf{W}_1)$ ($N \times 2$; column $j$ of $\mathbf{W}_1$ holds the
weights into hidden neuron $j$), $\hat{\mathbf{y}} = \exp(\mathbf{a}^{(1)}\mathbf{w}_2)$, and the loss
is the mean squared error over the batch.
"""),
        given(ids, "B4"),
        md(ids, r"""
## Exercise B4: backpropagation as a function

Write `backprop_gradients(X, y, W1, w2)` returning `(dW1, dw2)`, the gradients of the mean squared
error with respect to `W1` ($3 \times 2$) and `w2` ($2 \times 1$). It is tested at weights and
data you do not see.
"""),
        answer("B4", BACKPROP_SOLUTION, indent="    ", before="def backprop_gradients(X, y, W1, w2):"),
        tests("B4"),
        md(ids, r"""
## Exercise B5: training by gradient descent

From `W1_start` and `w2_start`, run 5000 full-batch gradient-descent steps with $\eta = 0.0005$
on `X_lab`, `y_lab`. Store the final weights in `W1_hat` ($3 \times 2$) and `w2_hat` ($2 \times 1$).
"""),
        answer("B5", GD_SOLUTION),
        tests("B5"),
        md(ids, r"""
## Exercise B6: training with Adam

The lab trains the same network with the Adam optimiser in Keras. Here you write Adam yourself, in
NumPy only: Keras and TensorFlow are not installed in the kernel that grades your notebook (and a
`pip install` in the notebook is flagged for your tutor), so an answer that imports them fails.
From the same start, run 5000 full-batch Adam steps with Keras's default settings (learning rate
0.001, $\beta_1 = 0.9$, $\beta_2 = 0.999$, $\epsilon = 10^{-7}$), using your `backprop_gradients`
for the gradients. The update, as Keras does it, is
$m \leftarrow \beta_1 m + (1 - \beta_1)g$, $v \leftarrow \beta_2 v + (1 - \beta_2)g^2$,
$\theta \leftarrow \theta - \text{lr}\,\frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}\,\frac{m}{\sqrt{v} + \epsilon}$.
Store the weights in `W1_adam` and `w2_adam`.
"""),
        answer("B6", ADAM_SOLUTION),
        tests("B6"),
    ]
    return out
