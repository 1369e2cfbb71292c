"""Calling a student's function on test inputs, and judging what it returned.

`run` calls the function on fresh copies of each case's inputs and records each result as plain
data.  Where the system can fork, the calls run in a child process that reports each record as
soon as it has it, so a function that loops forever (even one that swallows every interruption),
calls `exit` or kills its process costs only its own cases: the kernel waits at most `seconds`
per case, then kills the child.  Elsewhere the calls run in the kernel under an alarm.  Warnings
and printing of the student's code are captured either way.

`judge_results` compares recorded results with expected outputs.  It never needs the student's
function: the tutor's process judges the recorded results with it (expected outputs computed
there), and the self-check the visible cases (expected outputs it was given).
"""
import contextlib
import io
import json
import os
import select
import signal
import threading
import time
import warnings

import numpy as np

from . import plain as P
from .cases import decode_case
from .compare import compare
from .limits import CALL_SECONDS


class TimeLimit(BaseException):
    """Raised inside a student's function that runs past its time limit."""


@contextlib.contextmanager
def time_limit(seconds):
    """Interrupt the block after `seconds` (main thread with setitimer only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
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


def record_output(output, outputs):
    """Plain data of what a function returned: one array, or a tuple of `outputs` arrays."""
    if outputs == 1:
        return P.numeric(output)
    if type(output) not in (tuple, list) or len(output) != outputs:
        what = f"{len(output)} values" if type(output) in (tuple, list) else P.a_described(output)
        return P.invalid(f"returned {what}; a tuple of {outputs} values is expected")
    return {"type": "tuple", "items": [P.numeric(o) for o in output]}


def _changed(args, kwargs, case):
    """Which arrays passed to the call were changed by it: "argument k" (counted from 1) or the
    keyword's name.  Only our own ndarray objects are compared, with fresh copies decoded from the
    case (same shape, np.array_equal); nothing the student's function returned is looked at."""
    fresh_args, fresh_kwargs = decode_case(case)
    passed = [(f"argument {k + 1}", a, f) for k, (a, f) in enumerate(zip(args, fresh_args))]
    passed += [(name, kwargs[name], fresh_kwargs[name]) for name in fresh_kwargs]
    changed = []
    for label, given, fresh in passed:
        if type(fresh) is np.ndarray and type(given) is np.ndarray and not (
                given.shape == fresh.shape and given.dtype == fresh.dtype
                and np.array_equal(given, fresh, equal_nan=True)):
            changed.append(label)
    return changed


def _call(function, case, outputs, seconds=None):
    """The plain record of one call: its output, or why there is none; "changed" lists the input
    arrays the call changed in place (see `_changed`)."""
    args, kwargs = decode_case(case)
    # the student's function gets its own list and dict: it cannot swap what we compare
    given_args, given_kwargs = list(args), dict(kwargs)
    start = time.perf_counter()
    sink = io.StringIO()
    limit = time_limit(seconds) if seconds else contextlib.nullcontext()
    try:
        with limit, warnings.catch_warnings(), np.errstate(all="ignore"), \
                contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            output = function(*given_args, **given_kwargs)
            record = record_output(output, outputs)
        changed = _changed(args, kwargs, case)
        if changed:
            record["changed"] = changed
    except TimeLimit:
        record = P.invalid(f"did not finish within {seconds:g} seconds")
    except (Exception, SystemExit) as error:  # the student's code raised: report it, grade the rest
        text = str(error).splitlines()[0][:120] if str(error) else ""
        record = P.invalid(f"raised {type(error).__name__}" + (f": {text}" if text else ""))
    record["seconds"] = round(time.perf_counter() - start, 4)
    return record


def _report(function, todo, outputs, pipe):
    """One JSON line [k, record] per case (k, encoded inputs) of `todo`, written to `pipe` as soon
    as the call returns."""
    for k, case in todo:
        pipe.write(json.dumps([k, _call(function, case, outputs)]) + "\n")
        pipe.flush()


def _in_child(function, todo, outputs, write_fd):
    """Body of the forked child: its output to /dev/null, the records to the pipe (`_report`),
    then exit without cleanup."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with os.fdopen(write_fd, "w") as pipe:
            _report(function, todo, outputs, pipe)
    except BaseException:
        pass
    finally:
        os._exit(0)


def _read_line(fd, deadline, buffer):
    """The next complete line from `fd`, waiting until `deadline`; None on timeout, b"" at EOF."""
    while b"\n" not in buffer[0]:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        buffer[0] += chunk
    line, buffer[0] = buffer[0].split(b"\n", 1)
    return line


def _run_forked(function, todo, outputs, seconds):
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # Python 3.12+ warns about fork in threaded processes
        pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _in_child(function, todo, outputs, write_fd)
    os.close(write_fd)
    records, buffer, ended = {}, [b""], None
    try:
        for k, case in todo:
            if ended:
                records[k] = P.invalid(ended)
                continue
            line = _read_line(read_fd, time.monotonic() + seconds, buffer)
            if line is None:
                records[k] = P.invalid(f"did not finish within {seconds:g} seconds")
                ended = "was not run again after it failed to finish on an earlier input"
            elif line == b"":
                records[k] = P.invalid("ended the process (it called exit or crashed) "
                                       "instead of returning")
                ended = "was not run after the process ended on an earlier input"
            else:
                records[k] = json.loads(line)[1]
    finally:
        os.close(read_fd)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return records


def _run_here(function, todo, outputs, seconds):
    records, ended = {}, False
    for k, case in todo:
        if ended:   # one endless call is enough: keep the cell within its time limit
            records[k] = P.invalid("was not run again after it failed to finish on an earlier input")
            continue
        records[k] = _call(function, case, outputs, seconds)
        ended = records[k].get("reason", "").startswith("did not finish")
    return records


def run(function, cases, count, outputs=1, seconds=None):
    """Plain data {"type": "calls", "results": [...]}: one result per case index below `count`,
    {"type": "skipped"} for the indices `cases` ({index: encoded case}) does not give.

    Each call may take `seconds` (default CALL_SECONDS); after one call runs out of time the
    remaining cases are not run, so a test cell stays within nbgrader's cell timeout.
    """
    seconds = CALL_SECONDS if seconds is None else seconds
    if not callable(function):
        return P.invalid(f"{P.a_described(function)} where a function is expected")
    todo = sorted(cases.items())
    runner = _run_forked if hasattr(os, "fork") else _run_here
    records = runner(function, todo, outputs, seconds) if todo else {}
    return {"type": "calls", "results": [records.get(k, {"type": "skipped"}) for k in range(count)]}


def judge_results(name, record, cases, outputs=1, include_hidden=True):
    """(score, messages, mistake) for a function item's call records.

    `cases` describes each test input: {"label", "hidden", "exact_shape", "tolerance",
    "expected": [one array per returned value], "mistakes": [(name, explanation, [arrays])],
    "keep_inputs": whether the call must leave the arrays passed to it unchanged}.
    The score is the fraction of judged cases on which every returned value is correct (and, where
    `keep_inputs`, no input array was changed).
    """
    if record is None or record.get("type") == "missing":
        return 0.0, [f"{name} is not defined: run the cell that defines it "
                     f"(the function must be called exactly {name})."], None
    if record["type"] == "invalid":
        return 0.0, [f"{name}: {record['reason']}."], None
    results = record["results"]
    if len(results) != len(cases):
        return 0.0, [f"{name}: the record of its calls is incomplete."], None
    passed, judged, messages, mistake = 0, 0, [], None
    for case, result in zip(cases, results):
        if result.get("type") == "skipped" or (case["hidden"] and not include_hidden):
            continue
        judged += 1
        where = f"{name} on {case['label']}"
        if result["type"] == "invalid":
            messages.append(f"{where}: {result['reason']}.")
            continue
        parts = [result] if outputs == 1 else result["items"]
        problems = []   # what is wrong on this input: none, and the case is passed
        if case.get("keep_inputs") and result.get("changed"):
            arrays = " and ".join(result["changed"])
            problems.append(f"{where}: it changed the caller's array{'s' if len(result['changed']) > 1 else ''} "
                            f"passed as {arrays}; the function must leave its inputs unchanged "
                            f"(work on a copy, e.g. w = w.copy() or w = w - eta * dw).")
        for k, (got, want) in enumerate(zip(parts, case["expected"])):
            label = where if outputs == 1 else f"{where}, returned value {k + 1}"
            variants = [(m, why, values[k]) for m, why, values in case["mistakes"]]
            if case["exact_shape"] and got["type"] == "array" and \
                    tuple(got["shape"]) != np.shape(want):
                problems.append(f"{label}: returned shape {tuple(got['shape'])}, but the output "
                                f"must have the input's shape {np.shape(want)}.")
                continue
            verdict = compare(label, got, want, case["tolerance"], variants)
            if verdict.score < 1:
                problems.append(verdict.message)
                mistake = mistake or verdict.mistake
        messages += problems
        passed += not problems
    if judged == 0:
        return 1.0, [], None
    inputs = "the example input" if judged == 1 else f"all {judged} test inputs"
    if passed == judged:
        messages.append(f"{name}: correct on {inputs}.")
    else:
        messages.append(f"{name}: correct on {passed} of {judged} test inputs.")
    return passed / judged, messages, mistake
