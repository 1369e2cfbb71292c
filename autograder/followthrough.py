"""Follow-through (error carried forward): credit for an answer that is right from the student's
own earlier answers.

A student who transposes w2 in N1 and then computes the network correctly with it gets C and D
that are not the network's, and a prediction that follows from those.  A marker of maths gives
such answers credit.  Here a dependent item (`Item.follows`, a `FollowsFrom` in the catalogue)
names the earlier answers it is computed from and the reference code that computes it; when the
item is wrong against the reference, at least one of those earlier answers is itself wrong, and
the answer equals what the reference code gives from the student's own recorded values (within
the item's tolerance), the item earns the catalogue's follow-through credit (`FULL` by default,
`HALF`, or `NONE` for strict grading) and says so.  Everything runs in the tutor's process, from
the plain records (never from a kernel's judgement); an earlier answer that cannot be read, or
from which the reference code cannot compute, gives no follow-through.
"""
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from mdl_kernel import plain as P

FULL, HALF, NONE = 1.0, 0.5, 0.0


@dataclass(frozen=True)
class FollowsFrom:
    """An item computed from the student's earlier answers `names` by `compute(*values)`."""
    names: tuple
    compute: Callable
    credit: float = FULL


def _value(record, item):
    """A record as a number array, a label, a bool or a SymPy expression in the item's symbols
    (rebuilt by `checks.symbolic`, never evaluated as code); None if it holds no answer."""
    if not isinstance(record, dict):
        return None
    if record.get("type") == "array":
        return P.as_array(record)
    if record.get("type") in ("text", "bool"):
        return record.get("value")
    if record.get("type") == "expr":
        from .checks import symbolic as S
        try:
            return S.to_sympy(record.get("tree"), item.options)
        except Exception:   # noqa: BLE001 (a tree the rebuild refuses)
            return None
    return None


def _judge_against(item, record, expected):
    """The item's kind judging `record` as if `expected` were the reference: its score."""
    kernel = item.kind.kernel
    if item.kind.name == "symbolic":
        from .checks import symbolic as S
        return S.compare(item.name, record, expected, item.options).score
    if item.kind.name in ("value", "integer"):
        data = {"expected": np.asarray(expected, dtype=float), "tolerance": item.tolerance,
                "mistakes": []}
    else:
        data = {"expected": expected, "hint": ""}
    score, message, _ = kernel.judge(item.name, record, item.kind.info(item), data)
    return score


def _item(name, notebook):
    """The catalogue's item `name` of this notebook (a notebook's names are unique)."""
    from .catalogue import in_notebook
    return next(i for e in in_notebook(notebook) for i in e.items if i.name == name)


def follow_through(exercise, verdicts, answers, earlier):
    """The verdicts, where a wrong dependent answer follows correctly from the student's own
    earlier answers (`earlier`: the notebook's earlier records; `answers`: this exercise's)."""
    out = []
    for item, verdict in zip(exercise.items, verdicts):
        rule = getattr(item, "follows", None)
        record = answers.get(item.name)
        if rule is None or verdict.correct or _value(record, item) is None:
            out.append(verdict)
            continue
        sources = {n: answers.get(n, earlier.get(n)) for n in rule.names}
        items = {n: _item(n, exercise.notebook) for n in rule.names}
        values = [_value(sources[n], items[n]) for n in rule.names]
        wrong = [n for n, v in zip(rule.names, values) if v is not None
                 and items[n].kind.judge(items[n], sources[n]).score < 1.0]
        if any(v is None for v in values) or not wrong:
            out.append(verdict)
            continue
        try:
            with np.errstate(all="ignore"):
                expected = rule.compute(*values)
            followed = _judge_against(item, record, expected) >= 1.0
        except Exception:   # noqa: BLE001 (earlier answers of any shape: no follow-through)
            followed = False
        if not followed:
            out.append(verdict)
            continue
        mine = " and ".join(wrong)
        credit = {FULL: "full credit", HALF: "half credit", NONE: "no credit in this course"}.get(
            rule.credit, f"{rule.credit:.0%} of the credit")
        out.append(replace(verdict, score=float(rule.credit), followed=True, mistake=None,
                           message=f"{item.name}: follows correctly from your own {mine} "
                                   f"({credit})."))
    return tuple(out)
