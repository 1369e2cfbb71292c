"""From plain data to a verdict: the one function the kernel and the trusted recheck share.

`judge(exercise_id, answers)` reads only plain data (see `checks.plain`) and the catalogue, so the
tutor's process can recompute any verdict from what a notebook recorded without running its code.
"""
import numpy as np

from .catalogue import exercise as lookup
from .checks import calls
from .checks.numeric import compare
from .checks.plain import as_array
from .verdict import ItemVerdict, Verdict


def _missing(name):
    return ItemVerdict(name, 0.0, f"{name} is not defined: run the cell where you define it "
                                  f"(the name must be exactly {name}).")


def judge_item(item, record, include_hidden=True):
    """The ItemVerdict of one item from its plain record."""
    name = item.name
    if item.kind == "function":
        score, messages, mistake = calls.judge(item, record, include_hidden)
        hidden_fail = any(c.hidden for c in item.cases) and score < 1
        return ItemVerdict(name, score, "\n".join(messages), mistake, hidden=hidden_fail)
    if record is None or record.get("type") == "missing":
        return _missing(name)
    if record["type"] == "invalid":
        return ItemVerdict(name, 0.0, f"{name}: {record['reason']}.")
    if item.kind in ("value", "integer"):
        result = compare(name, record, item.expected, item.tolerance, item.wrong_variants())
        if item.kind == "integer" and result.score == 1:
            value = as_array(record)
            if not np.all(value == np.round(value)):
                return ItemVerdict(name, 0.0, f"{name}: a whole number is expected.")
        return ItemVerdict(name, result.score, result.message, result.mistake)
    if item.kind == "boolean":
        if record["type"] != "bool":
            return ItemVerdict(name, 0.0, f"{name}: True or False is expected.")
        if record["value"] == bool(item.expected):
            return ItemVerdict(name, 1.0, f"{name}: correct.")
        return ItemVerdict(name, 0.0, f"{name}: not right. Run the experiment and look at the "
                                      "loss over the iterations before deciding.")
    if item.kind == "label":
        choices = item.options.get("choices", ())
        if record["type"] != "text":
            return ItemVerdict(name, 0.0, f"{name}: text is expected, one of {', '.join(choices)}.")
        answer = record["value"].strip().upper()
        if answer not in choices:
            return ItemVerdict(name, 0.0, f"{name}: the answer must be one of "
                                          f"{', '.join(map(repr, choices))} (any case).")
        if answer == item.expected:
            return ItemVerdict(name, 1.0, f"{name}: correct.")
        return ItemVerdict(name, 0.0, f"{name}: not the class this network predicts: compare the "
                                      "two output values.")
    if item.kind == "symbolic":
        from .checks import symbolic
        result = symbolic.compare(name, record, item.expected, item.options,
                                  item.wrong_variants())
        return ItemVerdict(name, result.score, result.message, result.mistake)
    raise ValueError(f"unknown item kind {item.kind!r}")


def judge(exercise_id, answers, include_hidden=True):
    """The Verdict of an exercise from {name: plain record}; a missing name scores 0."""
    exercise = lookup(exercise_id)
    items = tuple(judge_item(item, answers.get(item.name), include_hidden)
                  for item in exercise.items)
    return Verdict(exercise.id, exercise.points, items, exercise.weights)
