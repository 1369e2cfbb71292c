"""Which worked solution each exercise of the catalogue has: `steps(exercise_id)` (its `Block`s),
`markdown(exercise_id)` (their text), and what the symbolic derivations arrive at
(`derivation`, `chain_rule`).

Each notebook's module (`nbXX_<name>`, one per notebook of `autograder.assignment.NOTEBOOKS`)
lists its own exercises' worked solutions in its `SOLUTIONS` (and its derivations by the chain
rule in `DERIVATIONS`); this module only gathers them.  tests/test_catalogue.py checks that every
exercise of the lab's contract has one, and that none is of an exercise the catalogue does not
hold; an exercise the course adds may have none (`steps` works its answer).
"""
import importlib

from autograder import catalogue as cat
from autograder.assignment import NOTEBOOKS

from .answers import worked_answer

#: The worked solutions' modules, one per notebook, in teaching order.
MODULES = tuple(importlib.import_module(f"{__package__}.nb{nb}") for nb in NOTEBOOKS)
#: {exercise id: a function that returns its worked solution's blocks}.
SOLUTIONS = {eid: solve for module in MODULES for eid, solve in module.SOLUTIONS.items()}
#: {exercise id: a function that returns (blocks, derived, chains)} of G6, B1 and B3.
DERIVATIONS = {eid: derive for module in MODULES
               for eid, derive in getattr(module, "DERIVATIONS", {}).items()}


def derivation(exercise_id):
    """{item name: SymPy expression} that the worked derivation of G6, B1 or B3 arrives at, in the
    symbols and intermediate names of the catalogue's model (tests compare them with its references)."""
    return DERIVATIONS[exercise_id]()[1]


def chain_rule(exercise_id):
    """{item name: terms} of the chain rule the worked derivation writes out: the item is the sum
    of the terms, each term the product of its factors, a list of (name, SymPy expression) such as
    ("dp/dz", p (1 - p)) or ("delta2_1", ...) for a factor that is itself a derived item."""
    return DERIVATIONS[exercise_id]()[2]


def steps(exercise_id):
    """The worked solution of one exercise of the catalogue, as a list of `Block`s.

    The lab's exercises have hand-written steps (their module's `SOLUTIONS`); an exercise the
    course adds without them gets a worked answer from what the catalogue knows
    (`answers.worked_answer`: its given data and the reference's answers).
    """
    solve = SOLUTIONS.get(exercise_id)
    return solve() if solve else worked_answer(cat.exercise(exercise_id))


def markdown(exercise_id):
    """The text of an exercise's worked solution (Markdown and code, figures left out)."""
    out = []
    for block in steps(exercise_id):
        if block.kind == "markdown":
            out.append(block.text)
        elif block.kind == "code":
            out.append("```python\n" + block.text + "\n```")
    return "\n\n".join(out)
