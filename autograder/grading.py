"""The layer notebooks call: `check` (a student's self-check) and `grade` (the graded test).

A test cell is one line, `grade("F1a", globals())`.  In the student's kernel it reads the names the
exercise asks for from the notebook's namespace, turns them into plain data (`collect`), judges
them (`judging.judge`), prints the feedback, records the plain data in the cell's output for the
trusted recheck, and returns the points as a plain float: nbgrader takes a number in a test cell's
last output as its partial score.
"""
import json
import warnings

import numpy as np

from .catalogue import exercise as lookup
from .checks import calls, plain as P
from .judging import judge

RECORD_MIME = "application/vnd.maths-of-dl.answers+json"


def collect(exercise, namespace, include_hidden=True):
    """{name: plain record} for every item of the exercise, read from `namespace`."""
    answers = {}
    for item in exercise.items:
        if item.name not in namespace:
            answers[item.name] = {"type": "missing"}
            continue
        value = namespace[item.name]
        if item.kind in ("value", "integer"):
            answers[item.name] = P.numeric(value)
        elif item.kind == "boolean":
            answers[item.name] = P.boolean(value)
        elif item.kind == "label":
            answers[item.name] = P.text(value)
        elif item.kind == "function":
            answers[item.name] = calls.run(value, item, include_hidden)
        elif item.kind == "symbolic":
            from .checks import symbolic
            answers[item.name] = symbolic.to_plain(value, item.options)
    return answers


def _display(record, summary):
    try:
        from IPython.display import display
    except ImportError:  # outside a notebook nothing is recorded
        return
    display({RECORD_MIME: record, "text/plain": summary}, raw=True)


def _safely(exercise_id, namespace, include_hidden):
    exercise = lookup(exercise_id)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        answers = collect(exercise, namespace, include_hidden)
        verdict = judge(exercise_id, answers, include_hidden)
    return answers, verdict


def grade(exercise_id, namespace):
    """Grade an exercise from the notebook's namespace; print feedback and return the points."""
    answers, verdict = _safely(exercise_id, namespace, include_hidden=True)
    record = {"exercise": exercise_id, "answers": answers, "points": verdict.points,
              "max_points": verdict.max_points}
    _display(json.loads(json.dumps(record)), f"[answers of {exercise_id} recorded for grading]")
    hidden = [v for v in verdict.items if v.hidden]
    for v in hidden:
        print(v.message)
    print(f"{exercise_id}: {verdict.points:g} / {verdict.max_points:g} points")
    return float(verdict.points)


def check(exercise_id, namespace):
    """A student's self-check: judge the visible part of an exercise and print why, never the answer."""
    _, verdict = _safely(exercise_id, namespace, include_hidden=False)
    print(f"Self-check of {exercise_id}:")
    for v in verdict.items:
        for line in v.message.splitlines():
            print("  " + line)
    if all(v.correct for v in verdict.items):
        print("  All correct so far." + (" Your functions will also be tested on hidden inputs."
                                         if any(i.kind == "function" for i in lookup(exercise_id).items)
                                         else ""))
