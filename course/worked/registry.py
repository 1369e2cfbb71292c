"""Which worked solution each exercise of the catalogue has: `steps(exercise_id)` (its `Block`s),
`markdown(exercise_id)` (their text), and what the symbolic derivations arrive at
(`derivation`, `chain_rule`)."""
from autograder import catalogue as cat

from .answers import answers
from .nb01_forward_pass import _f4, _forward
from .nb02_activations import _a0, _activations
from .nb03_network_output import _n1, _n2, _n3, _n4
from .nb04_gradient_descent import _g1, _g2, _g3, _g4, _g5, _g6, _g7
from .nb05_backpropagation import _b1, _b2, _b3, _b4, _b5, _b6


SYMBOLIC = {"G6": _g6, "B1": _b1, "B3": _b3}


def derivation(exercise_id):
    """{item name: SymPy expression} that the worked derivation of G6, B1 or B3 arrives at, in the
    symbols and intermediate names of the catalogue's model (tests compare them with its references)."""
    return SYMBOLIC[exercise_id]()[1]


def chain_rule(exercise_id):
    """{item name: terms} of the chain rule the worked derivation writes out: the item is the sum
    of the terms, each term the product of its factors, a list of (name, SymPy expression) such as
    ("dp/dz", p (1 - p)) or ("delta2_1", ...) for a factor that is itself a derived item."""
    return SYMBOLIC[exercise_id]()[2]


WORKERS = {**{eid: (lambda eid=eid: _forward(eid)) for eid in cat.FORWARD_GIVEN},
           "F4": _f4, "A0": _a0, "A1": lambda: _activations("A1"),
           "A2": lambda: _activations("A2"), "N1": _n1, "N2": _n2, "N3": _n3, "N4": _n4,
           "G1": _g1, "G2": _g2, "G3": _g3, "G4": _g4, "G5": _g5, "G7": _g7,
           "B2": _b2, "B4": _b4, "B5": _b5, "B6": _b6,
           **{eid: (lambda eid=eid: SYMBOLIC[eid]()[0]) for eid in SYMBOLIC}}


def steps(exercise_id):
    """The worked solution of one exercise of the catalogue, as a list of `Block`s.

    An exercise without worked steps here still gets the catalogue's reference answers.
    """
    ex = cat.exercise(exercise_id)
    worker = WORKERS.get(exercise_id)
    return worker() if worker else answers(ex)


def markdown(exercise_id):
    """The text of an exercise's worked solution (Markdown and code, figures left out)."""
    out = []
    for block in steps(exercise_id):
        if block.kind == "markdown":
            out.append(block.text)
        elif block.kind == "code":
            out.append("```python\n" + block.text + "\n```")
    return "\n\n".join(out)
