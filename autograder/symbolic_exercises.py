"""The symbolic exercises G6, B1 and B3: derivatives a student writes as SymPy expressions or strings.

Each item's reference and known mistakes come from `reference.derivatives` (derived with sympy.diff);
`options` tell `checks.symbolic` which names an answer may use and where to sample the points that
decide equivalence: each symbol's domain, from its meaning (`domains`: the label y of G6 is 0
or 1; inputs and weights real, in ranges where nothing overflows).  `setup` is the read-only
notebook cell that defines the symbols and the intermediate expressions; the tests check that it
builds exactly the models of `reference.derivatives`.  B3's dependent items follow through from
the student's own earlier deltas (`followthrough`).
"""
import sympy as sp

from .domains import LABEL
from .exercises import Exercise, Item, Mistake
from .followthrough import FollowsFrom
from .kinds import SYMBOLIC
from .reference import derivatives as D

INPUT, WEIGHT = (-2.0, 2.0), (-1.0, 1.0)


def _options(model, domain, parameters, shiftable):
    return {"symbols": tuple(model.symbols), "intermediates": dict(model.intermediates),
            "domain": domain, "parameters": tuple(parameters), "shiftable": tuple(shiftable)}


def _items(names, reference, mistakes, wrong, model, domain, parameters=(), shiftable=(),
           follows=None):
    return tuple(
        Item(name, kind=SYMBOLIC, reference=lambda n=name: reference(n),
             mistakes=tuple(Mistake(key, why, lambda n=name, k=key: wrong(n, k))
                            for key, why in mistakes(name)),
             options=_options(model, domain, parameters, shiftable),
             follows=(follows or {}).get(name))
        for name in names)


def _backprop_follows():
    """Backpropagation's steps from the student's own earlier ones, by the chain rule's factors of
    `reference.derivatives`: delta1_j = delta2_1 dz2/da1_j da1_j/dz1_j, dL/dw2_j1 = delta2_1
    dz2/dw2_j1, dL/dw1_ij = delta1_j dz1_j/dw1_ij."""
    m = D.network()

    def delta1(j):
        return lambda d2: d2 * D.network_factors()["dz2_da"][j] * \
            D.network_factors()["da_dz"][j]

    def w2(j):
        return lambda d2: d2 * sp.diff(m["z2_1"], m[f"w2_{j}1"])

    def w1(i, j):
        return lambda d1: d1 * sp.diff(m[f"z1_{j}"], m[f"w1_{i}{j}"])
    follows = {f"delta1_{j}": FollowsFrom(("delta2_1",), delta1(j)) for j in (1, 2)}
    follows.update({f"dL_dw2_{j}1": FollowsFrom(("delta2_1",), w2(j)) for j in (1, 2)})
    follows.update({f"dL_dw1_{i}{j}": FollowsFrom((f"delta1_{j}",), w1(i, j))
                    for i in (1, 2, 3) for j in (1, 2)})
    return follows


G6_SETUP = '''import sympy as sp

x1, x2, y = sp.symbols("x1 x2 y", real=True)    # inputs and label of one observation
w1, w2, b = sp.symbols("w1 w2 b", real=True)    # parameters
z = w1 * x1 + w2 * x2 + b
p = 1 / (1 + sp.exp(-z))                        # the sigmoid of z'''

G6 = Exercise(
    id="G6", notebook="04_gradient_descent", points=3,
    title="Derivatives of the cross-entropy of logistic regression",
    setup=G6_SETUP,
    items=_items(tuple(D.LOGISTIC_TARGETS), D.logistic_reference, D.logistic_mistakes,
                 D.logistic_wrong, D.logistic(),
                 {"x1": INPUT, "x2": INPUT, "y": LABEL, "w1": WEIGHT, "w2": WEIGHT,
                  "b": WEIGHT},
                 parameters=("w1", "w2", "b"), shiftable=("w1", "w2", "b", "z")))

B1_SETUP = '''import sympy as sp

w, b = sp.symbols("w b", real=True)'''

B1 = Exercise(
    id="B1", notebook="05_backpropagation", points=3,
    title="The gradient of the mean squared error of a line",
    setup=B1_SETUP,
    items=_items(tuple(D.LINE_TARGETS), D.line_reference, D.line_mistakes, D.line_wrong, D.line(),
                 {"w": (-3.0, 3.0), "b": (-3.0, 3.0)}, parameters=("w", "b")))

B3_SETUP = '''import sympy as sp

x1, x2, x3, y = sp.symbols("x1 x2 x3 y", real=True)   # inputs and target
# w1_ij: from input i to hidden neuron j;  w2_i1: from hidden neuron i to the output
w1_11, w1_21, w1_31, w1_12, w1_22, w1_32 = sp.symbols(
    "w1_11 w1_21 w1_31 w1_12 w1_22 w1_32", real=True)
w2_11, w2_21 = sp.symbols("w2_11 w2_21", real=True)

z1_1 = w1_11 * x1 + w1_21 * x2 + w1_31 * x3
z1_2 = w1_12 * x1 + w1_22 * x2 + w1_32 * x3
a1_1 = 1 / (1 + sp.exp(-z1_1))                       # sigmoid
a1_2 = 1 / (1 + sp.exp(-z1_2))
z2_1 = w2_11 * a1_1 + w2_21 * a1_2
y_hat = sp.exp(z2_1)                                 # exp output'''

B3 = Exercise(
    id="B3", notebook="05_backpropagation", points=11,
    title="Backpropagation by hand in the lab's Example 1",
    setup=B3_SETUP,
    items=_items(D.NETWORK_TARGETS, D.network_reference, D.network_mistakes, D.network_wrong,
                 D.network(),
                 {**{x: INPUT for x in D.INPUTS}, "y": (-1.0, 3.0),
                  **{w: WEIGHT for w in D.HIDDEN_WEIGHTS + D.OUTPUT_WEIGHTS}},
                 parameters=D.HIDDEN_WEIGHTS + D.OUTPUT_WEIGHTS,
                 shiftable=D.HIDDEN_WEIGHTS + D.OUTPUT_WEIGHTS + ("z1_1", "z1_2", "z2_1"),
                 follows=_backprop_follows()))
