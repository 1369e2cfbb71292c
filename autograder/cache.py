"""Slow references (the 5000-step trainings of B5 and B6), computed once and stored.

`slow(key)` reads autograder/data/slow_references.json, written by `python -m autograder.cache`;
tests check that the stored values equal a fresh computation.  Within a process the file is read
once.
"""
import json
from functools import lru_cache
from pathlib import Path

import numpy as np

PATH = Path(__file__).with_name("data") / "slow_references.json"


def compute():
    """Fresh values: B5 by 5000 steps of gradient descent, B6 by 5000 steps of Keras-style Adam."""
    from .reference import backprop as bp
    X, y = bp.synthetic_data()
    W1, w2 = bp.train_gd(X, y)
    W1a, w2a = bp.train_adam(X, y)
    return {"B5": {"W1": W1.tolist(), "w2": w2.tolist()},
            "B6": {"W1": W1a.tolist(), "w2": w2a.tolist()}}


def write(path=PATH):
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(compute(), indent=1) + "\n")


@lru_cache(maxsize=None)
def _stored():
    if PATH.exists():
        return json.loads(PATH.read_text())
    return compute()


def slow(key):
    """{"W1": array, "w2": array} for "B5" or "B6"."""
    return {name: np.array(value) for name, value in _stored()[key].items()}


if __name__ == "__main__":
    write()
    print(f"wrote {PATH}")
