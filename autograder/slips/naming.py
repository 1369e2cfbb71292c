"""Generic slips named in an exercise's verdict, after each item's own known mistakes.

`name_slips(exercise, answers, verdicts)` is called once, by `judging.judge`, on the verdicts the
kinds gave.  It changes only the message and the `mistake` of a wrong item that no known mistake
explained, never a score: a slip earns nothing, and a correct answer is never given one.
    across items   two items answered with each other's values (C and D, w and b): both named
    a value        `detect.explain` on its array (`Item.slips` says what N, the shifts and the
                   iteration are)
    a function     `functions.name_function`: its known mistakes and the same detectors on each
                   failing test input's returned values, named once when one explains every
                   input the function gets wrong
Everything here runs in the tutor's process; the self-check names no generic slip.
"""
from dataclasses import replace
from functools import lru_cache

import numpy as np

from mdl_kernel.plain import as_array

from .detect import Quantities, explain, fits
from .functions import name_function, prepare_function

VALUES = ("value", "integer")
ROUNDING = " The difference is about the size of rounding"


def name_slips(exercise, answers, verdicts, include_hidden=True):
    """The verdicts with generic slips named (a tuple, one per item of `exercise`)."""
    verdicts = list(verdicts)
    open_items = [k for k, (item, v) in enumerate(zip(exercise.items, verdicts))
                  if not v.correct and not v.mistake and not v.followed]
    swapped = _across(exercise, answers, open_items)
    for k, partner in swapped.items():
        first, second = (exercise.items[i].name for i in sorted((k, partner)))
        verdicts[k] = _named(verdicts[k], "slip:swapped_items",
                             f"{first} and {second} look swapped: each holds the value the other "
                             "should have.")
    for k in open_items:
        if k in swapped:
            continue
        item, record = exercise.items[k], answers.get(exercise.items[k].name)
        if item.kind.name in VALUES and _array(record):
            data = item.kind.data(item)
            slip = explain(as_array(record), data["expected"], data["tolerance"],
                           _value_quantities(item))
            if slip:
                verdicts[k] = _named(verdicts[k], slip.name, slip.sentence)
    for k, item in enumerate(exercise.items):   # known mistakes too: once per function
        if item.kind.name == "function":
            verdicts[k] = name_function(item, verdicts[k], answers.get(item.name),
                                        include_hidden)
    return tuple(verdicts)


def prepare(exercise):
    """Compute the slip quantities of every item now (grading does it before any kernel runs,
    with the references: see `grading.marking.load_references`)."""
    for item in exercise.items:
        if item.kind.name in VALUES:
            _value_quantities(item)
        elif item.kind.name == "function":
            prepare_function(item)


def _array(record):
    return isinstance(record, dict) and record.get("type") == "array"


def _named(verdict, name, sentence):
    """The verdict with the slip named: its entry-by-entry message, the advice on rounding
    dropped (a slip is the explanation), then the sentence."""
    message = verdict.message.split(ROUNDING)[0]
    return replace(verdict, mistake=name, message=f"{message} {sentence}")


def _across(exercise, answers, open_items):
    """{item index: partner index} of the wrong value items that hold each other's values, each
    with exactly one such partner and references that differ."""
    arrays = {}
    for k in open_items:
        item = exercise.items[k]
        if item.kind.name in VALUES and _array(answers.get(item.name)):
            arrays[k] = (as_array(answers[item.name]), item.kind.data(item))
    partners = {}
    for i, (got_i, data_i) in arrays.items():
        partners[i] = [j for j, (got_j, data_j) in arrays.items() if j != i
                       and fits(got_i, data_j["expected"], data_j["tolerance"])
                       and fits(got_j, data_i["expected"], data_i["tolerance"])
                       and not fits(data_i["expected"], data_j["expected"], data_j["tolerance"])]
    return {i: js[0] for i, js in partners.items()
            if len(js) == 1 and partners.get(js[0]) == [i]}


@lru_cache(maxsize=None)
def _value_quantities(item):
    """The Quantities of a value item, computed once per process from its `slips`."""
    declared = item.slips
    return Quantities(
        observations=int(declared.observations()) if declared.observations else None,
        shifts=tuple((s.key, s.words, s.sign * np.asarray(s.value(), dtype=float))
                     for s in declared.shifts),
        steps=tuple((d, np.asarray(declared.steps(d), dtype=float)) for d in (-1, 1))
        if declared.steps else ())
