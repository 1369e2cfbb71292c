"""Calling a student's function on test inputs, and judging what it returned.

`run` calls the function on fresh copies of each case's inputs and records each result as plain
data.  Where the system can fork, the calls run in a child process that reports each record as
soon as it has it, so a function that loops forever (even one that swallows every interruption),
calls `exit` or kills its process costs only its own cases: the kernel waits at most `seconds`
per case, then kills the child.  Elsewhere the calls run in the kernel under an alarm.  Warnings
and printing of the student's code are captured either way.

`judge_results` compares recorded results with expected outputs.  It never needs the student's
function: the tutor's process judges the recorded results with it (expected outputs computed
there), and the self-check the visible cases (expected outputs it was given).  Each result names
its case ("case": k); every case judged needs one well-formed result of its own, matched by that
index (`match_results`): a case with none, with several, with one "skipped" or with something
that is not a result earns nothing, and the message names it.  The kernel is the student's, so a
record is a claim: only what a result says against the student is believed for free.
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
from typing import NamedTuple

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


def _line_record(line, k):
    """The record of case k from the child's line [k, record]; a line that is not one (the
    student's code can reach the pipe) says so."""
    try:
        index, record = json.loads(line)
    except (ValueError, TypeError):
        index, record = None, None
    if type(index) is not int or index != k or type(record) is not dict:
        return P.invalid("its call could not be recorded (the report of the call was unreadable)")
    return record


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
                records[k] = _line_record(line, k)
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


def run(function, cases, outputs=1, seconds=None):
    """Plain data {"type": "calls", "results": [...]}: one result per case of `cases` ({index:
    encoded case}), in the order of the indices, each with its index as "case".

    Each call may take `seconds` (default CALL_SECONDS); after one call runs out of time the
    remaining cases are not run, so a test cell stays within nbgrader's cell timeout.
    """
    seconds = CALL_SECONDS if seconds is None else seconds
    if not callable(function):
        return P.invalid(f"{P.a_described(function)} where a function is expected")
    todo = sorted(cases.items())
    runner = _run_forked if hasattr(os, "fork") else _run_here
    records = runner(function, todo, outputs, seconds) if todo else {}
    return {"type": "calls", "results": [dict(records[k], case=k) for k, _ in todo]}


RESULT_TYPES = ("array", "tuple", "invalid")


def is_result(entry):
    """A result as `run` records it (the self-check's test; the tutor's process checks each one
    against its JSON Schema instead)."""
    return type(entry) is dict and entry.get("type") in RESULT_TYPES


def match_results(results, count, well_formed=is_result):
    """({case index: (result, None) or (None, why there is none)} for every index below `count`,
    the number of entries that belong to no case).

    A case has a result when exactly one entry names it ("case": its index, an int) and that
    entry is `well_formed`; otherwise why not: none recorded, several, "skipped", or not a
    result.  An entry whose index is not an int below `count` belongs to no case."""
    found, stray = {}, 0
    for entry in results if type(results) is list else ():
        k = entry.get("case") if type(entry) is dict else None
        if type(k) is not int or not 0 <= k < count:
            stray += 1
            continue
        found.setdefault(k, []).append(entry)
    matched = {}
    for k in range(count):
        entries = found.get(k, [])
        if not entries:
            matched[k] = (None, "no result was recorded for this input")
        elif len(entries) > 1:
            matched[k] = (None, f"{len(entries)} results were recorded for this input, "
                                "where one is expected")
        elif entries[0].get("type") == "skipped":
            matched[k] = (None, "the call on this input was recorded as skipped, not run")
        elif not well_formed(entries[0]):
            matched[k] = (None, "what was recorded for this input is not a result")
        else:
            matched[k] = (entries[0], None)
    if type(results) is not list:
        stray += 1
    return matched, stray


class Judged(NamedTuple):
    """A function item's verdict: `problems` lists what is wrong with the record itself (cases
    without a well-formed result of their own, entries of no case), which an honest kernel never
    records: a sign of a forged record, for a human to look at."""
    score: float
    messages: list
    mistake: str | None = None
    problems: list = []


def judge_results(name, record, cases, outputs=1, include_hidden=True, well_formed=is_result):
    """Judged(score, messages, mistake, problems) for a function item's call records.

    `cases` describes each test input: {"label", "hidden", "exact_shape", "tolerance",
    "expected": [one array per returned value], "mistakes": [(name, explanation, [arrays])],
    "keep_inputs": whether the call must leave the arrays passed to it unchanged}.
    The cases judged are all of them (or, without `include_hidden`, the visible ones).  The score
    is the fraction of the cases judged that have a well-formed result of their own
    (`match_results`) on which every returned value is correct (and, where `keep_inputs`, no
    input array was changed).  A case without such a result is judged wrong, never left out.
    """
    if record is None or record.get("type") == "missing":
        return Judged(0.0, [f"{name} is not defined: run the cell that defines it "
                            f"(the function must be called exactly {name})."])
    if record.get("type") == "invalid":
        return Judged(0.0, [f"{name}: {record.get('reason', 'not a function')}."])
    judged = [k for k, case in enumerate(cases) if include_hidden or not case["hidden"]]
    if not judged:
        return Judged(0.0, [f"{name}: no test input to judge it on."])
    if record.get("type") != "calls":
        return Judged(0.0, [f"{name}: the record of its calls could not be read."],
                      problems=["the record of its calls is not a record of calls"])
    matched, stray = match_results(record.get("results"), len(cases), well_formed)
    passed, messages, problems, mistake = 0, [], [], None
    for k in judged:
        case, (result, missing) = cases[k], matched[k]
        where = f"{name} on {case['label']}"
        if missing:
            messages.append(f"{where}: {missing}, so it earns nothing.")
            problems.append(f"{where}: {missing}")
            continue
        if result["type"] == "invalid":
            messages.append(f"{where}: {result['reason']}.")
            continue
        parts = [result] if outputs == 1 else result["items"]
        wrong = []   # what is wrong on this input: nothing, and the case is passed
        if case.get("keep_inputs") and result.get("changed"):
            arrays = " and ".join(result["changed"])
            wrong.append(f"{where}: it changed the caller's array{'s' if len(result['changed']) > 1 else ''} "
                         f"passed as {arrays}; the function must leave its inputs unchanged "
                         f"(work on a copy, e.g. w = w.copy() or w = w - eta * dw).")
        for j, (got, want) in enumerate(zip(parts, case["expected"])):
            label = where if outputs == 1 else f"{where}, returned value {j + 1}"
            variants = [(m, why, values[j]) for m, why, values in case["mistakes"]]
            if case["exact_shape"] and got["type"] == "array" and \
                    tuple(got["shape"]) != np.shape(want):
                wrong.append(f"{label}: returned shape {tuple(got['shape'])}, but the output "
                             f"must have the input's shape {np.shape(want)}.")
                continue
            verdict = compare(label, got, want, case["tolerance"], variants)
            if verdict.score < 1:
                wrong.append(verdict.message)
                mistake = mistake or verdict.mistake
        messages += wrong
        passed += not wrong
    if stray:
        what = "result belongs" if stray == 1 else "results belong"
        messages.append(f"{name}: {stray} recorded {what} to no test input it was given "
                        "(an index that was never sent), ignored.")
        problems.append(f"{name}: {stray} recorded {what} to no test input")
    inputs = "the example input" if len(judged) == 1 else f"all {len(judged)} test inputs"
    if passed == len(judged):
        messages.append(f"{name}: correct on {inputs}.")
    else:
        messages.append(f"{name}: correct on {passed} of {len(judged)} test inputs.")
    return Judged(passed / len(judged), messages, mistake, problems)
