"""Recording: a graded test cell's answers as plain data, for the tutor's process to judge.

In a graded test cell, `record(exercise_id, globals())` reads the names the exercise asks for,
turns each into plain data without calling any of its methods, and displays the record as one
output of MIME type RECORD_MIME:
    {"exercise": id, "answers": {name: plain record}}
It prints nothing else, judges nothing and holds nothing to judge with.  At grading time the
tutor's process hands the inputs of every test case to the kernel right before the test cell
runs (`receive`, in an execution IPython keeps in no history), so that hidden inputs never ship
with the notebooks and never appear in the notebook or in what a later cell can read back from
IPython (`In`, `_ih`, the history database, the line cache); `record` takes them, once, and the
outputs of a student's function on them are recorded.
"""
import linecache

import warnings

import numpy as np

from . import manifest
from .cases import unpack
from .kinds import KERNEL_KINDS, NOT_RECORDED

RECORD_MIME = "application/vnd.maths-of-dl.answers+json"


def collect(entry, namespace, cases=None):
    """{name: plain record} of every item of a manifest entry, read from `namespace`.

    `cases` maps a function's name to {case index: encoded inputs}; without it a function is
    called on the visible inputs only."""
    answers = {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for info in entry["items"]:
            name = info["name"]
            if name not in namespace:
                answers[name] = dict(NOT_RECORDED)
                continue
            item_cases = None
            if cases is not None and info["kind"] == "function":
                item_cases = {int(k): v for k, v in cases.get(name, {}).items()}
            answers[name] = KERNEL_KINDS[info["kind"]].read(namespace[name], info, item_cases)
    return answers


_RECEIVED = {}   # exercise id -> packed test inputs, until its record takes them


def receive(exercise_id, cases):
    """Keep the packed test inputs of an exercise for its next `record`.  The tutor's process
    calls this in a silent execution (no history); IPython still keeps the code of every
    execution in the line cache for tracebacks, so the entries holding `cases` are removed."""
    _RECEIVED[exercise_id] = cases
    for name, entry in list(linecache.cache.items()):
        if len(entry) > 2 and any(cases in line for line in entry[2]):
            linecache.cache.pop(name, None)


def record(exercise_id, namespace, cases=None):
    """Display the plain record of an exercise's answers (`cases`: packed test inputs, by
    default those the tutor's process handed over with `receive`)."""
    cases = cases or _RECEIVED.pop(exercise_id, None)
    entry = manifest.exercise(exercise_id)
    answers = collect(entry, namespace, unpack(cases) if cases else None)
    payload = {"exercise": exercise_id, "answers": answers}
    try:
        from IPython.display import display
    except ImportError:  # outside a notebook nothing is recorded
        return payload
    display({RECORD_MIME: payload, "text/plain": f"[answers of {exercise_id} recorded]"},
            raw=True)
    return None
