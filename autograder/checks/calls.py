"""Calling a student's function on the cases of a function item, and judging what it returned.

In the kernel, `run` calls the function on fresh copies of each case's inputs under a time limit,
with its warnings and printing captured, and records each result as plain data.  `judge` compares
those records with the expected outputs; it never needs the student's function, so the tutor's
process can judge the same records again.
"""
import contextlib
import io
import signal
import threading
import time
import warnings

import numpy as np

from . import plain as P
from .numeric import compare

CALL_SECONDS = 10.0


class TimeLimit(BaseException):
    """Raised inside a student's function that runs past its time limit."""


@contextlib.contextmanager
def time_limit(seconds):
    """Interrupt the block after `seconds` (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise TimeLimit()
    previous = signal.signal(signal.SIGALRM, alarm)
    # fire again every second in case the student's code swallows the first interruption
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _record(output, outputs):
    if outputs == 1:
        return P.numeric(output)
    if type(output) not in (tuple, list) or len(output) != outputs:
        what = f"{len(output)} values" if type(output) in (tuple, list) else f"a {P.describe(output)}"
        return P.invalid(f"returned {what}; a tuple of {outputs} values is expected")
    return {"type": "tuple", "items": [P.numeric(o) for o in output]}


def run(function, item, include_hidden=True, seconds=None):
    """Plain data {"type": "calls", "results": [...]} for each case (hidden ones only if asked).

    Each call may take `seconds` (default CALL_SECONDS); after one call runs out of time the
    remaining cases are not run, so a test cell stays within nbgrader's cell timeout.
    """
    seconds = CALL_SECONDS if seconds is None else seconds
    if not callable(function):
        return P.invalid(f"a {P.describe(function)} where a function is expected")
    outputs = item.options.get("outputs", 1)
    results, timed_out = [], False
    for case in item.cases:
        if case.hidden and not include_hidden:
            results.append({"type": "skipped"})
            continue
        if timed_out:   # one endless call is enough: keep the cell within its time limit
            results.append(P.invalid("was not run again after it failed to finish on an earlier input"))
            continue
        args, kwargs = case.inputs()
        start = time.perf_counter()
        sink = io.StringIO()
        try:
            with time_limit(seconds), warnings.catch_warnings(), np.errstate(all="ignore"), \
                    contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                warnings.simplefilter("ignore")
                output = function(*args, **kwargs)
            results.append(_record(output, outputs))
        except TimeLimit:
            timed_out = True
            results.append(P.invalid(f"did not finish within {seconds:g} seconds"))
        except Exception as error:  # the student's code raised: report it, grade the rest
            text = str(error).splitlines()[0][:120] if str(error) else ""
            results.append(P.invalid(f"raised {type(error).__name__}" + (f": {text}" if text else "")))
        results[-1]["seconds"] = round(time.perf_counter() - start, 4)
    return {"type": "calls", "results": results}


def judge(item, record, include_hidden=True):
    """(score, messages, mistake, any_hidden_failed) for a function item's call records.

    The score is the fraction of judged cases on which every returned value is correct.
    """
    name = item.name
    if record is None or record.get("type") == "missing":
        return 0.0, [f"{name} is not defined: run the cell that defines it "
                     f"(the function must be called exactly {name})."], None
    if record["type"] == "invalid":
        return 0.0, [f"{name}: {record['reason']}."], None
    results = record.get("results", [])
    if len(results) != len(item.cases):
        return 0.0, [f"{name}: the record of its calls is incomplete."], None
    passed, judged, messages, mistake = 0, 0, [], None
    outputs = item.options.get("outputs", 1)
    for case, result in zip(item.cases, results):
        if result.get("type") == "skipped" or (case.hidden and not include_hidden):
            continue
        judged += 1
        where = f"{name} on {case.label}"
        if result["type"] == "invalid":
            messages.append(f"{where}: {result['reason']}.")
            continue
        expected = case.expected()
        parts = [result] if outputs == 1 else result["items"]
        wants = [expected] if outputs == 1 else list(expected)
        args = case.inputs()[0]
        wrongs = [m.wrong(*args) for m in item.mistakes]
        ok = True
        for k, (got, want) in enumerate(zip(parts, wants)):
            label = where if outputs == 1 else f"{where}, returned value {k + 1}"
            variants = [(m.name, m.explanation, w if outputs == 1 else w[k])
                        for m, w in zip(item.mistakes, wrongs)]
            if case.exact_shape and got["type"] == "array" and \
                    tuple(got["shape"]) != np.shape(want):
                messages.append(f"{label}: returned shape {tuple(got['shape'])}, but the output "
                                f"must have the input's shape {np.shape(want)}.")
                ok = False
                continue
            verdict = compare(label, got, want, case.tolerance, variants)
            if verdict.score < 1:
                ok = False
                messages.append(verdict.message)
                mistake = mistake or verdict.mistake
        if ok:
            passed += 1
    if judged == 0:
        return 1.0, [], None
    inputs = "the example input" if judged == 1 else f"all {judged} test inputs"
    if passed == judged:
        messages.append(f"{name}: correct on {inputs}.")
    else:
        messages.append(f"{name}: correct on {passed} of {judged} test inputs.")
    return passed / judged, messages, mistake
