"""The flags file: notebooks a human should look at, for the class report.

`<course root>/reports/flags.jsonl` (FLAGS_FILE): JSON lines, one per notebook that is currently
flagged.  A grading replaces the notebook's line, and removes it when the notebook is no longer
flagged.  The file is rewritten atomically under an exclusive lock on `flags.jsonl.lock`
(parallel graders may share it).  Each line is the grading entry of `marking.MarkRecords` (format
FORMAT): student, assignment, notebook, reasons, message, points, and per exercise the points,
the named mistakes and the problems found.
"""
import json
import os
from pathlib import Path

from ..settings import COURSE_KEY

FORMAT = "maths-of-dl/grading/2"
FLAGS_FILE = "reports/flags.jsonl"


def key(entry):
    return entry.get("student"), entry.get("assignment"), entry.get("notebook")


def update_flags(path, entry):
    """Replace the notebook's line of the flags file by `entry` (none if it is not flagged),
    atomically and under an exclusive lock (several graders may share the file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(f"{path}.lock", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:   # no fcntl (Windows): single grader only
            pass
        kept = [json.dumps(other, sort_keys=True) for other in _entries(path)
                if key(other) != key(entry)]
        if entry["flagged"]:
            kept.append(json.dumps(entry, sort_keys=True))
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text("".join(line + "\n" for line in kept))
        os.replace(temporary, path)
    finally:
        os.close(lock)


def _entries(path):
    path = Path(path)
    if not path.exists():
        return []
    found = []
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if type(entry) is dict and entry.get("format") == FORMAT:
            found.append(entry)
    return found


def read_flags(path):
    """{(student, assignment, notebook): entry} of the flagged notebooks in a flags file."""
    return {key(entry): entry for entry in _entries(path) if entry.get("flagged")}


def amend_flags(nb, info, reason, findings, path):
    """Add `reason` and its `findings` ({cell, line, reason, detail}, as the scan's) to the
    notebook's grading entry (written by `marking.MarkRecords` in its metadata), flag it and
    rewrite its line of the flags file at `path`.  `info` is nbgrader's resources["nbgrader"]."""
    store = nb.metadata.setdefault(COURSE_KEY, {})
    entry = store.get("grading") if isinstance(store, dict) else None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        entry = {"format": FORMAT, "student": info.get("student"),
                 "assignment": info.get("assignment"), "notebook": info.get("notebook"),
                 "reasons": [], "exercises": {}, "tamper": []}
    entry["reasons"] = sorted(set(entry.get("reasons", [])) | {reason})
    entry["tamper"] = list(entry.get("tamper", [])) + list(findings)
    entry["flagged"] = True
    entry["message"] = flag_message(entry)
    nb.metadata[COURSE_KEY] = {"grading": entry}
    update_flags(path, entry)
    return entry


def flag_message(entry):
    """The reasons and the exercises concerned, in one line (the notebook is named elsewhere)."""
    if not entry["flagged"]:
        return "not flagged"
    concerned = [eid for eid, e in entry["exercises"].items() if e["problems"]]
    return ", ".join(entry["reasons"]) + (f"; {', '.join(concerned)}" if concerned else "")
