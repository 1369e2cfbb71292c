"""A function's mistake, named once: the known mistake or generic slip that explains every test
input the function gets wrong.

On each failing input (one whose returned values are not all within the case's tolerance), the
explanations of that input are
    its item's known mistakes whose values every wrong returned value equals (as `compare`
    matches them), and
    the generic slips of `detect` that explain every wrong returned value (worded without the
    input's own N), and the two returned values exchanged;
the function's mistake is what explains every failing input: a known mistake first (in the
item's order), else one generic slip (the readings of one scale factor together), else nothing.
An input that raised, timed out, changed its inputs where it must not, or returned something
other than numbers, or a case without exactly one well-formed result of its own, is explained by
nothing, so nothing is named.  The kernel side already names a
known mistake on each input where it matches; when it explains every failing input, those
per-input sentences give way to one line.
"""
from dataclasses import replace
from functools import lru_cache

import numpy as np

from mdl_kernel.plain import as_array

from .detect import Quantities, fits, matching

SWAPPED = ("slip:swapped_outputs", "Its two returned values look swapped",
           "are they returned in the order asked for")


def prepare_function(item):
    """Compute the slip quantities of every case of a function item now."""
    for k in range(len(item.cases)):
        _case_quantities(item, k)


def name_function(item, verdict, record, include_hidden=True):
    """The verdict of a function item with its mistake named once, when one explains every
    failing input: the per-input sentences of a known mistake replaced by one line, or one line
    for a generic slip when no known mistake was named.  Scores are never changed."""
    if verdict.correct:
        return verdict
    found = function_mistake(item, record, include_hidden)
    if found is None:
        return verdict
    name, sentence, known = found
    if known is None and verdict.mistake:   # a known mistake on some inputs comes first
        return verdict
    message = verdict.message
    if known is not None:
        message = message.replace(f" This looks like {known}.", "")
    return replace(verdict, mistake=name, message=f"{message}\n{item.name}, on every input "
                                                  f"where it is off: {sentence}")


@lru_cache(maxsize=None)
def _case_quantities(item, k):
    """One Quantities per returned value of case k of a function item (its `slips`, computed
    with the reference code from the case's inputs)."""
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


def _known(case, gots, wants, ok):
    """The known mistakes (name, explanation) that every wrong returned value equals."""
    found = set()
    for name, why, values in case["mistakes"]:
        if all(ok[j] or (fits(got, values[j], case["tolerance"]) and
                         not fits(np.asarray(values[j], dtype=float), want, case["tolerance"]))
               for j, (got, want) in enumerate(zip(gots, wants))):
            found.add((name, why))
    return found


def _slips(item, k, gots, wants, tolerance, ok):
    """The signatures (name, what, question) of the generic slips that explain every wrong
    returned value of case k, and the two returned values exchanged."""
    found = None
    for j, (got, want) in enumerate(zip(gots, wants)):
        if not ok[j]:
            here = {(m.name, m.what, m.question)
                    for m in matching(got, want, tolerance, _case_quantities(item, k)[j],
                                      per_case=True)}
            found = here if found is None else found & here
    found = found or set()
    if len(gots) == 2 and fits(gots[0], wants[1], tolerance) and \
            fits(gots[1], wants[0], tolerance) and not fits(wants[0], wants[1], tolerance):
        found.add(SWAPPED)
    return found


def function_mistake(item, record, include_hidden=True):
    """(name, sentence, known explanation or None) of what explains every input the function
    gets wrong, or None."""
    if not isinstance(record, dict) or record.get("type") != "calls":
        return None
    cases, outputs = item.kind.data(item)["cases"], item.options.get("outputs", 1)
    by_case = {}   # each case's well-formed results, matched by index as the judging does
    for entry in record["results"]:
        if isinstance(entry, dict) and item.kind.well_formed(item, entry):
            by_case.setdefault(entry["case"], []).append(entry)
    if sorted(by_case) != list(range(len(cases))) or any(len(r) != 1 for r in by_case.values()):
        return None   # a case without exactly one result of its own: nothing is explained
    known, slips, failing = None, None, 0
    for k, case in enumerate(cases):
        result = by_case[k][0]
        if case["hidden"] and not include_hidden:
            continue
        parts = [result] if outputs == 1 else result.get("items", [])
        if result["type"] == "invalid" or (case.get("keep_inputs") and result.get("changed")) \
                or len(parts) != outputs or any(p.get("type") != "array" for p in parts):
            return None   # off in a way no mistake explains
        gots, wants = [as_array(p) for p in parts], case["expected"]
        if case["exact_shape"] and any(g.shape != np.shape(w) for g, w in zip(gots, wants)):
            return None
        ok = [fits(g, w, case["tolerance"]) for g, w in zip(gots, wants)]
        if all(ok):
            continue
        failing += 1
        here_known = _known(case, gots, wants, ok)
        here_slips = _slips(item, k, gots, wants, case["tolerance"], ok)
        known = here_known if known is None else known & here_known
        slips = here_slips if slips is None else slips & here_slips
        if not known and not slips:
            return None
    if not failing:
        return None
    if known:
        name, why = next((m.name, m.explanation) for m in item.mistakes
                         if (m.name, m.explanation) in known)
        return name, f"This looks like {why}.", why
    found = sorted(slips)
    if len(found) > 1 and not all(name.startswith("slip:scaled") for name, _, _ in found):
        return None   # two different slips explain every input: say neither
    name = "slip:" + "+".join(n.removeprefix("slip:") for n, _, _ in found)
    what, questions = found[0][1], [q for _, _, q in found if q]
    return name, (f"{what}: {', or '.join(questions)}?" if questions else f"{what}."), None
