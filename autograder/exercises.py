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
class Shift:
    """A quantity of the exercise an answer may be off by exactly (see `autograder.slips`):
    `key` names it in records, `words` in feedback ("the bias b"); `value()` computes it with
    the reference code (an array that broadcasts to the answer); `sign` is +1 when the answer
    adds it (z = Xw + b), -1 when it subtracts it (w - eta dw).  Off by it one way, it was left
    out; the other way, it was counted twice."""
    key: str
    words: str
    value: Callable
    sign: int = 1


@dataclass(frozen=True)
class Slips:
    """What an item's generic slips are computed from, with the reference code, never typed
    numbers (see `autograder.slips`).  For a value item each is a function of nothing; for a
    function item, of a test case's inputs (args, kwargs).
        observations   N, the number of observations a mean is taken over (the scale slips N,
                       1/N, 2/N, N/2 are tried only when it is given)
        shifts         `Shift`s: quantities the answer may be off by exactly (value items)
        steps          (delta) -> the answer after one step fewer (-1) or more (+1) of the
                       item's iteration; for a function (args, kwargs, delta) -> its outputs,
                       or None where the case has no such iteration"""
    observations: Callable | None = None
    shifts: tuple = ()
    steps: Callable | None = None


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
    slips: Slips = Slips()                        # what its generic slips are computed from
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
