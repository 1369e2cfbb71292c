"""Generic slips named in an exercise's verdict, after each item's own known mistakes.

`name_slips(exercise, answers, verdicts)` is called once, by `judging.judge`, on the verdicts the
kinds gave.  It changes only the message and the `mistake` of a wrong item that no known mistake
explained, never a score: a slip earns nothing, and a correct answer is never given one.
    across items   two items answered with each other's values (C and D, w and b): both named
    a value        `detect.explain` on its array (`Item.slips` says what N, the shifts and the
                   iteration are)
    a function     the same detectors on each failing test input's returned values (and the two
                   returned values exchanged); a slip is named once, in one line, when it
                   explains every input the function gets wrong, and nothing when one input is
                   off in another way (an error, a changed input, another slip)
Everything here runs in the tutor's process; the self-check names no generic slip.
"""
from dataclasses import replace
from functools import lru_cache

import numpy as np

from mdl_kernel.compare import align
from mdl_kernel.plain import as_array

from .detect import Quantities, explain, matching

VALUES = ("value", "integer")
ROUNDING = " The difference is about the size of rounding"


def name_slips(exercise, answers, verdicts, include_hidden=True):
    """The verdicts with generic slips named (a tuple, one per item of `exercise`)."""
    verdicts = list(verdicts)
    open_items = [k for k, (item, v) in enumerate(zip(exercise.items, verdicts))
                  if not v.correct and not v.mistake]
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
        elif item.kind.name == "function":
            slip = _function_slip(item, record, include_hidden)
            if slip:
                name, sentence = slip
                verdicts[k] = replace(verdicts[k], mistake=name, message="\n".join(
                    [verdicts[k].message, f"{item.name}: on every input where it is off, what it "
                                          f"returns fits one slip. {sentence}"]))
    return tuple(verdicts)


def prepare(exercise):
    """Compute the slip quantities of every item now (grading does it before any kernel runs,
    with the references: see `grading.grader.load_references`)."""
    for item in exercise.items:
        if item.kind.name in VALUES:
            _value_quantities(item)
        elif item.kind.name == "function":
            for k in range(len(item.cases)):
                _case_quantities(item, k)


def _array(record):
    return isinstance(record, dict) and record.get("type") == "array"


def _named(verdict, name, sentence):
    """The verdict with the slip named: its entry-by-entry message, the advice on rounding
    dropped (a slip is the explanation), then the sentence."""
    message = verdict.message.split(ROUNDING)[0]
    return replace(verdict, mistake=name, message=f"{message} {sentence}")


def _fits(got, want, tolerance):
    aligned, _, _ = align(got, np.shape(want))
    return aligned is not None and bool(tolerance.close(aligned, want).all())


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
                       and _fits(got_i, data_j["expected"], data_j["tolerance"])
                       and _fits(got_j, data_i["expected"], data_i["tolerance"])
                       and not _fits(data_i["expected"], data_j["expected"], data_j["tolerance"])]
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


@lru_cache(maxsize=None)
def _case_quantities(item, k):
    """One Quantities per returned value of a function item's case k."""
    declared, outputs = item.slips, item.options.get("outputs", 1)
    args, kwargs = item.cases[k].inputs()
    n = int(declared.observations(args, kwargs)) if declared.observations else None
    steps = [[] for _ in range(outputs)]
    if declared.steps:
        for d in (-1, 1):
            value = declared.steps(args, kwargs, d)
            if value is not None:
                value = [value] if outputs == 1 else list(value)
                for j in range(outputs):
                    steps[j].append((d, np.asarray(value[j], dtype=float)))
    return tuple(Quantities(observations=n, steps=tuple(s)) for s in steps)


def _signatures(matches):
    return {(m.name, m.what, m.question) for m in matches}


def _case_slips(item, k, gots, wants, tolerance, ok):
    """The signatures (name, what, question) of the slips that explain every wrong returned value
    of case k; the two returned values exchanged is one of them."""
    found = None
    for j, (got, want) in enumerate(zip(gots, wants)):
        if not ok[j]:
            here = _signatures(matching(got, want, tolerance, _case_quantities(item, k)[j],
                                        per_case=True))
            found = here if found is None else found & here
    found = found or set()
    if len(gots) == 2 and _fits(gots[0], wants[1], tolerance) and \
            _fits(gots[1], wants[0], tolerance) and not _fits(wants[0], wants[1], tolerance):
        found.add(("slip:swapped_outputs", "Its two returned values look swapped",
                   "are they returned in the order asked for"))
    return found


def _function_slip(item, record, include_hidden):
    """(name, sentence) of the slip that explains every input the function gets wrong, or None."""
    if not isinstance(record, dict) or record.get("type") != "calls":
        return None
    cases, outputs = item.kind.data(item)["cases"], item.options.get("outputs", 1)
    if len(record["results"]) != len(cases):
        return None
    explained = None
    for k, (case, result) in enumerate(zip(cases, record["results"])):
        if result.get("type") == "skipped" or (case["hidden"] and not include_hidden):
            continue
        parts = [result] if outputs == 1 else result.get("items", [])
        if result["type"] == "invalid" or (case.get("keep_inputs") and result.get("changed")) \
                or any(p.get("type") != "array" for p in parts):
            return None   # off in a way no slip explains
        gots, wants = [as_array(p) for p in parts], case["expected"]
        if case["exact_shape"] and any(g.shape != np.shape(w) for g, w in zip(gots, wants)):
            return None
        ok = [_fits(g, w, case["tolerance"]) for g, w in zip(gots, wants)]
        if all(ok):
            continue
        here = _case_slips(item, k, gots, wants, case["tolerance"], ok)
        explained = here if explained is None else explained & here
        if not explained:
            return None
    if not explained:
        return None
    found = sorted(explained)
    if len(found) > 1 and not all(name.startswith("slip:scaled") for name, _, _ in found):
        return None   # two different slips explain every input: say neither
    name = "slip:" + "+".join(n.removeprefix("slip:") for n, _, _ in found)
    what, questions = found[0][1], [q for _, _, q in found if q]
    return name, (f"{what}: {', or '.join(questions)}?" if questions else f"{what}.")
