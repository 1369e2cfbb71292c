"""The shape of an exercise: what a student defines, how each item is judged, what it is worth.

An `Exercise` has `Item`s, one per name the student defines.  An item's `kind` (see `kinds`) says
how it is read and judged: VALUE (numbers against a reference), INTEGER, BOOLEAN, LABEL (a word),
FUNCTION (called on `Case`s, visible and hidden) or SYMBOLIC (an expression in SymPy symbols).
Reference values are computed lazily, once per process, from the functions in `reference`.
"""
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from mdl_kernel.compare import CODE, HAND, Tolerance

from .kinds import VALUE


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: `wrong` computes it (from the case's inputs for a function item)."""
    name: str
    explanation: str     # completes "This looks like ..."
    wrong: Callable


@dataclass(frozen=True)
class Case:
    """One call of a student's function: inputs built fresh each time, and the expected output."""
    label: str                       # what the input is, in words a student understands
    inputs: Callable[[], tuple]      # () -> (args, kwargs)
    expected: Callable[[], Any]      # () -> array, or tuple of arrays for several return values
    hidden: bool = True
    tolerance: Tolerance = CODE
    exact_shape: bool = False        # the output's shape must equal the expected shape exactly
    keep_inputs: bool = False        # the call must leave the arrays passed to it unchanged


@dataclass(frozen=True, eq=False)
class Item:
    name: str
    kind: Any = VALUE
    reference: Callable | None = None
    tolerance: Tolerance = HAND
    cases: tuple = ()
    mistakes: tuple = ()
    weight: float = 1.0
    options: dict = field(default_factory=dict)   # kind-specific settings (symbols, outputs...)
    hint: str = ""                                # what to do when a boolean or label is wrong
    follows: Any = None                           # followthrough.FollowsFrom: earlier answers

    @cached_property
    def expected(self):
        """The reference answer, computed on first use."""
        return self.reference()

    def wrong_variants(self, *args):
        """(name, explanation, value) of each known mistake, as numeric.compare expects."""
        return [(m.name, m.explanation, m.wrong(*args)) for m in self.mistakes]


@dataclass(frozen=True, eq=False)
class Exercise:
    id: str
    notebook: str
    title: str
    points: float
    items: tuple
    given: dict = field(default_factory=dict)    # name -> value shown to the student
    manual_points: float = 0.0
    hand: bool = False                           # may be worked on paper
    setup: str = ""                              # code for the read-only given cell, if any

    @property
    def weights(self):
        total = sum(item.weight for item in self.items)
        return tuple(item.weight / total for item in self.items)

    def item(self, name):
        return next(i for i in self.items if i.name == name)
