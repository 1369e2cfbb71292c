"""Where a symbol's values come from: its meaning.

Symbolic answers are judged, and a wrong one shown a counterexample, at points sampled for each
symbol from its meaning's domain, declared with the item (`Item.options["domain"]`): a label is 0
or 1 (a counterexample at y = 0.472 would be no observation at all), an input or a weight is any
real number in a range where nothing overflows, a probability lies in (0, 1).

A domain is an interval `(low, high)`, sampled uniformly and rounded to 3 decimals, or `Values`,
a finite set sampled uniformly.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Values:
    """A symbol that takes only these values (a class label, a count)."""
    values: tuple

    def __post_init__(self):
        if not self.values:
            raise ValueError("a domain of values needs at least one value")


LABEL = Values((0.0, 1.0))              # a binary class label y
PROBABILITY = (0.01, 0.99)              # a probability, away from 0 and 1 (log stays finite)
DEFAULT = (-1.0, 1.0)


def sample(domain, rng, n):
    """n values of a symbol with this domain, drawn with `rng` (numpy Generator)."""
    if isinstance(domain, Values):
        return rng.choice(np.asarray(domain.values, dtype=float), size=n)
    low, high = domain
    return np.round(rng.uniform(low, high, size=n), 3)


def contains(domain, values):
    """Whether every value lies in the domain."""
    values = np.asarray(values, dtype=float)
    if isinstance(domain, Values):
        return bool(np.isin(values, np.asarray(domain.values, dtype=float)).all())
    low, high = domain
    return bool(np.all((low <= values) & (values <= high)))
