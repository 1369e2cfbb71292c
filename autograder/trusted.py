"""Trusted regrading: every autograded score recomputed in the tutor's process from plain data.

A student's notebook shares its kernel with the test cells, so whatever the kernel prints or returns
can be faked.  What the kernel cannot fake is the *meaning* of the plain data it records: in each
graded test cell, `grade(id, globals())` displays one output of MIME type `RECORD_MIME` holding
{"exercise", "answers": {name: plain record}, "points", "max_points"} -- numbers with a shape, True/
False, short text, a SymPy expression as a tree of whitelisted operations, the outputs of a
student's function on the hidden inputs.  `TrustedRegrade`, an nbgrader preprocessor placed in
`c.Autograde.autograde_preprocessors` right before SaveAutoGrades, reads that record (JSON only,
checked against a strict schema), judges it with `judging.judge` and the catalogue's references
loaded in the tutor's process before any kernel ran, and rewrites the test cell's outputs so that
nbgrader's `determine_grade` yields the trusted points: error and stderr outputs and every
execute_result are removed (an error becomes a one-line note), then a note
"Trusted regrade: 1.5 / 2 points." and one execute_result holding the trusted float are appended.
Nothing from the notebook is executed, imported or evaluated here.  The kernel's own score only
served the student's immediate feedback.

A test cell without exactly one well-formed record for its own exercise scores 0 (early exit,
a dead or hijacked kernel, a patched `grade`, cleared outputs...).  Records anywhere else in the
notebook are ignored.

Flags.  A notebook is flagged for a human when
    record-missing      a graded test cell has no record
    record-malformed    a record breaks the schema, is for another exercise, or is duplicated
    score-mismatch      the score nbgrader would have taken from the kernel's output (nbgrader's
                        own determine_grade on the untouched cell), or the points the record
                        claims, differ from the trusted score
    test-cell-missing   a graded test cell of the assignment is not in the notebook
    tamper:<reason>     the static scan of the notebook's code (`tamper.scan_notebook`) saw a
                        sign of tampering (reasons listed there)
The trusted score stands whatever the flags say.  Flags are logged with `log.warning` (nbgrader's
log) and written to the flags file; every regrade, flagged or not, is also kept in the autograded
notebook's metadata (`metadata["maths_of_dl"]["trusted_regrade"]`, the same object as a line).

Flags file (for the class report): `<course root>/reports/flags.jsonl` (FLAGS_FILE, relative to the
course root; `c.TrustedRegrade.flags_file` to put it elsewhere).  JSON lines, one per notebook that
is currently flagged: a regrade replaces the notebook's line, and removes it when the notebook is no
longer flagged.  The file is rewritten atomically under an exclusive lock on `flags.jsonl.lock`
(parallel graders may share it).  Each line is an object:
    format          "maths-of-dl/flags/1"
    time            UTC time of the regrade, ISO 8601
    student, assignment, notebook
    flagged         true (false only in a notebook's metadata)
    reasons         sorted reason codes, as above ("score-mismatch", "tamper:ipython-hook", ...)
    message         the reasons and the exercises concerned in one line of text, for a report
    trusted_points  the notebook's autograded points after the regrade
    kernel_points   what nbgrader would have saved from the kernel's outputs (null if it could
                    not have read them)
    exercises       {exercise id: {"trusted", "kernel", "recorded", "max": numbers or null,
                                   "problems": [sentences for the reviewer]}}
    tamper          [{"cell": index, "line": n, "reason": code, "detail": text}, ...]
`read_flags(path)` returns the lines by (student, assignment, notebook).  `current_flags(course,
db_url)` adds the notebooks nbgrader could not finish at all (a kernel that died: nbgrader aborts
the notebook before this preprocessor runs, logs an error and leaves its test cells without an
autograde score), with the reason "notebook-not-graded" and "not_graded": [their test cells]; a
class report should read the flags through it.
"""
import copy
import json
import math
import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
from nbformat.v4 import new_output
from traitlets import Unicode

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from . import tamper
from .catalogue import CATALOGUE
from .checks import plain as P
from .grading import RECORD_MIME
from .judging import judge

FORMAT = "maths-of-dl/flags/1"
FLAGS_FILE = "reports/flags.jsonl"
METADATA_KEY = "maths_of_dl"
MAX_TEXT = 1000          # characters of a string in a record (reasons, labels)
MAX_NODES = 400_000      # JSON values in one record
MAX_DEPTH = 100          # nesting of one record
MAX_NDIM = 8
SCORE_TOLERANCE = 1e-6
RECORD_KEYS = ("exercise", "answers", "points", "max_points")
TREE_OPERATIONS = {"int", "rat", "float", "sym", "add", "mul", "pow", "exp", "log", "tanh",
                   "sinh", "cosh"}


class Malformed(Exception):
    """A record that does not follow the schema; the message says where."""


# ---------------------------------------------------------------------------- the schema
def _plain(value, budget, depth=0):
    """A copy made of dict/list/str/int/float/bool/None only, within size limits."""
    budget[0] -= 1
    if budget[0] < 0:
        raise Malformed(f"the record has more than {MAX_NODES} values")
    if depth > MAX_DEPTH:
        raise Malformed(f"the record is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        if not all(type(k) is str for k in value):
            raise Malformed("the record has a key that is not text")
        return {k: _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, budget, depth + 1) for v in value]
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) is str:
        if len(value) > 100_000:
            raise Malformed("the record holds a string far too long")
        return value
    raise Malformed(f"the record holds a {type(value).__name__}, which JSON does not have")


def _keys(record, where, required, optional=()):
    if type(record) is not dict:
        raise Malformed(f"{where} is not an object")
    keys = set(record)
    missing, extra = set(required) - keys, keys - set(required) - set(optional)
    if missing or extra:
        raise Malformed(f"{where} has keys {sorted(keys)}, not {sorted(required)}")


def _number(value, where):
    if type(value) not in (int, float) or not math.isfinite(value) or abs(value) > 1e300:
        raise Malformed(f"{where} is not a finite number")
    return float(value)


def _text(value, where, limit=MAX_TEXT):
    if type(value) is not str or len(value) > limit:
        raise Malformed(f"{where} is not text of at most {limit} characters")
    return value


def _array(record, where):
    _keys(record, where, ("type", "shape", "data"))
    shape, data = record["shape"], record["data"]
    if type(shape) is not list or len(shape) > MAX_NDIM or \
            any(type(n) is not int or n < 0 for n in shape):
        raise Malformed(f"{where}.shape is not a list of at most {MAX_NDIM} sizes")
    if type(data) is not list or len(data) > P.MAX_ENTRIES or len(data) != math.prod(shape):
        raise Malformed(f"{where}.data does not hold the number of entries its shape says")
    return {"type": "array", "shape": list(shape),
            "data": [_number(x, f"{where}.data[{i}]") for i, x in enumerate(data)]}


def _invalid(record, where):
    _keys(record, where, ("type", "reason"))
    return {"type": "invalid", "reason": _text(record["reason"], f"{where}.reason")}


def _numeric(record, where):
    kind = record.get("type") if type(record) is dict else None
    if kind == "array":
        return _array(record, where)
    if kind == "invalid":
        return _invalid(record, where)
    raise Malformed(f"{where} is not a recorded number or array")


def _call_result(record, where, outputs):
    kind = record.get("type") if type(record) is dict else None
    seconds = {}
    if type(record) is dict and "seconds" in record:
        seconds = {"seconds": _number(record["seconds"], f"{where}.seconds")}
    bare = {k: v for k, v in record.items() if k != "seconds"} if type(record) is dict else record
    if kind == "invalid":
        return dict(_invalid(bare, where), **seconds)
    if outputs == 1:
        return dict(_numeric(bare, where), **seconds)
    _keys(bare, where, ("type", "items"))
    if kind != "tuple" or type(bare["items"]) is not list or len(bare["items"]) != outputs:
        raise Malformed(f"{where} is not a tuple of {outputs} recorded values")
    return dict({"type": "tuple", "items": [_numeric(v, f"{where}.items[{k}]")
                                             for k, v in enumerate(bare["items"])]}, **seconds)


def _tree(tree, where, budget, depth=0):
    from .checks import symbolic
    budget[0] -= 1
    if budget[0] < 0 or depth > symbolic.MAX_DEPTH:
        raise Malformed(f"{where} is an expression tree larger than the grader accepts")
    if type(tree) is not list or not tree or type(tree[0]) is not str or \
            tree[0] not in TREE_OPERATIONS:
        raise Malformed(f"{where} is not a node of a whitelisted operation")
    op, args = tree[0], tree[1:]
    if op == "int":
        if len(args) != 1 or type(args[0]) is not int:
            raise Malformed(f"{where} is not an integer node")
    elif op == "rat":
        if len(args) != 2 or any(type(a) is not int for a in args):
            raise Malformed(f"{where} is not a rational node")
    elif op in ("float", "sym"):
        if len(args) != 1:
            raise Malformed(f"{where} is not a {op} node")
        _text(args[0], f"{where}[1]", limit=64)
    else:
        if not args:
            raise Malformed(f"{where} has no operands")
        for k, arg in enumerate(args):
            _tree(arg, f"{where}[{k + 1}]", budget, depth + 1)
    return tree


def _answer(item, record, where):
    """The validated plain record of one item (a fresh copy)."""
    kind = record.get("type") if type(record) is dict else None
    if kind == "missing":
        _keys(record, where, ("type",))
        return {"type": "missing"}
    if kind == "invalid" and item.kind != "function":
        return _invalid(record, where)
    if item.kind in ("value", "integer"):
        return _array(record, where) if kind == "array" else _numeric(record, where)
    if item.kind == "boolean":
        _keys(record, where, ("type", "value"))
        if kind != "bool" or type(record["value"]) is not bool:
            raise Malformed(f"{where} is not a recorded True/False")
        return {"type": "bool", "value": record["value"]}
    if item.kind == "label":
        _keys(record, where, ("type", "value"))
        if kind != "text":
            raise Malformed(f"{where} is not recorded text")
        return {"type": "text", "value": _text(record["value"], f"{where}.value", 200)}
    if item.kind == "function":
        if kind == "invalid":
            return _invalid(record, where)
        _keys(record, where, ("type", "results"))
        results = record["results"]
        if kind != "calls" or type(results) is not list or len(results) != len(item.cases):
            raise Malformed(f"{where} does not hold one result per test input "
                            f"({len(item.cases)})")
        outputs = item.options.get("outputs", 1)
        return {"type": "calls", "results": [_call_result(r, f"{where}.results[{k}]", outputs)
                                             for k, r in enumerate(results)]}
    if item.kind == "symbolic":
        from .checks import symbolic
        _keys(record, where, ("type", "tree"))
        if kind != "expr":
            raise Malformed(f"{where} is not a recorded expression")
        return {"type": "expr", "tree": _tree(copy.deepcopy(record["tree"]), f"{where}.tree",
                                              [symbolic.MAX_NODES])}
    raise Malformed(f"{where}: the grader does not know items of kind {item.kind!r}")


def validate(record, exercise_id):
    """The answers of a record for `exercise_id`, checked and copied; raises Malformed."""
    exercise = CATALOGUE[exercise_id]
    record = _plain(record, [MAX_NODES])
    _keys(record, "the record", RECORD_KEYS)
    if record["exercise"] != exercise_id:
        raise Malformed(f"the record is for exercise {str(record['exercise'])[:20]!r}, "
                        f"not {exercise_id}")
    _number(record["points"], "the record's points")
    if _number(record["max_points"], "the record's max_points") != float(exercise.points):
        raise Malformed("the record's max_points are not the exercise's")
    answers = record["answers"]
    names = [item.name for item in exercise.items]
    _keys(answers, "the record's answers", names)
    return {item.name: _answer(item, answers[item.name], f"answers.{item.name}")
            for item in exercise.items}


# ---------------------------------------------------------------------------- references
def _reference_record(item):
    """The plain record of an item's own reference answer, as the kernel would record it."""
    from .checks import calls, symbolic
    if item.kind in ("value", "integer"):
        return P.numeric(np.asarray(item.expected, dtype=float))
    if item.kind == "boolean":
        return P.boolean(bool(item.expected))
    if item.kind == "label":
        return P.text(str(item.expected))
    if item.kind == "function":
        outputs = item.options.get("outputs", 1)
        return {"type": "calls",
                "results": [calls._record(case.expected(), outputs) for case in item.cases]}
    return symbolic.to_plain(item.expected, item.options)


@lru_cache(maxsize=None)
def load_references():
    """Compute every reference and judge it once, in this process, before any kernel runs.

    A student's kernel runs as the tutor's user: anything this process read lazily from disk (the
    stored slow trainings, modules imported on first use) could be read after a kernel rewrote
    it.  So every reference, known mistake and module the judging needs is loaded here, by judging
    each exercise's own reference answers, which must earn full points.  Returns the ids of the
    exercises whose references do not (an empty tuple when all is well).
    """
    from . import cache
    from .checks import symbolic  # noqa: F401 (imported now, not from disk later)
    cache._stored()
    failures = []
    for exercise in CATALOGUE.values():
        for item in exercise.items:
            if item.kind != "function":
                item.wrong_variants()
        answers = {item.name: _reference_record(item) for item in exercise.items}
        if judge(exercise.id, validate({"exercise": exercise.id, "answers": answers,
                                        "points": exercise.points,
                                        "max_points": exercise.points}, exercise.id)
                 ).points != exercise.points:
            failures.append(exercise.id)
    return tuple(failures)


# ---------------------------------------------------------------------------- one test cell
def _records(cell):
    return [o for o in cell.get("outputs", []) if isinstance(o.get("data"), dict)
            and RECORD_MIME in o["data"]]


def _kernel_score(cell):
    """What nbgrader would have saved from the cell as the kernel left it (None if it cannot)."""
    try:
        score, _ = utils.determine_grade(copy.deepcopy(cell), None)
    except Exception:   # noqa: BLE001 (e.g. a value above the maximum: nbgrader fails on it)
        return None
    return None if score is None else float(score)


def _errors(cell):
    return [f"{o.get('ename', 'error')}: {str(o.get('evalue', ''))[:200]}"
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def regrade_cell(cell, exercise_id):
    """Judge a graded test cell from its record; returns a summary dict (the cell is unchanged)."""
    exercise = CATALOGUE[exercise_id]
    max_points = float(exercise.points)
    summary = {"trusted": 0.0, "kernel": _kernel_score(cell), "recorded": None,
               "max": max_points, "problems": [], "reasons": []}
    records = _records(cell)
    if not records:
        errors = _errors(cell)
        summary["problems"].append("no record of the answers in the test cell" +
                                   (f" (the cell raised {'; '.join(errors)})" if errors else ""))
        summary["reasons"].append("record-missing")
    elif len(records) > 1 or records[0].get("output_type") != "display_data":
        summary["problems"].append(f"{len(records)} records in the test cell, "
                                   f"as {', '.join(r.get('output_type', '?') for r in records)}; "
                                   "exactly one displayed record is expected")
        summary["reasons"].append("record-malformed")
    else:
        record = records[0]["data"][RECORD_MIME]
        try:
            answers = validate(record, exercise_id)
            verdict = judge(exercise_id, answers)
            points = float(verdict.points)
            if not (math.isfinite(points) and 0 <= points <= max_points):
                raise Malformed(f"judging gave {points!r} points")
        except Exception as error:   # noqa: BLE001 (whatever judging untrusted data raises)
            summary["problems"].append(f"the record is malformed: {str(error)[:300]}")
            summary["reasons"].append("record-malformed")
        else:
            summary["trusted"] = points
            summary["recorded"] = float(record["points"])
    kernel, trusted = summary["kernel"], summary["trusted"]
    if kernel is None or abs(kernel - trusted) > SCORE_TOLERANCE:
        shown = "an unreadable score" if kernel is None else f"{kernel:g}"
        summary["problems"].append(f"the kernel's output would have scored {shown}, "
                                   f"the trusted regrade {trusted:g}")
        summary["reasons"].append("score-mismatch")
    recorded = summary["recorded"]
    if recorded is not None and abs(recorded - trusted) > SCORE_TOLERANCE:
        summary["problems"].append(f"the record claims {recorded:g} points, "
                                   f"the trusted regrade gives {trusted:g}")
        summary["reasons"].append("score-mismatch")
    return summary


def rewrite_outputs(cell, points, max_points, note=""):
    """Outputs from which nbgrader's determine_grade reads exactly `points`."""
    kept = []
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        if kind == "execute_result":
            continue
        if kind == "error":
            error = output.get("ename", "an error")
            kept.append(new_output("stream", name="stdout",
                                   text=f"[the test cell raised {error}]\n"))
            continue
        if kind == "stream" and output.get("name") != "stdout":
            continue
        kept.append(output)
    kept.append(new_output("stream", name="stdout",
                           text=f"Trusted regrade: {points:g} / {max_points:g} points.{note}\n"))
    kept.append(new_output("execute_result", data={"text/plain": repr(float(points))},
                           metadata={}, execution_count=cell.get("execution_count")))
    cell.outputs = kept
    return cell


# ---------------------------------------------------------------------------- the preprocessor
class TrustedRegrade(NbGraderPreprocessor):
    """Recompute every autograded score from the recorded plain data; flag what looks wrong."""

    flags_file = Unicode(
        "", help="JSON-lines file of the regrades for the class report "
                 "(default: <course root>/reports/flags.jsonl)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        failures = load_references()
        if failures:
            self.log.error("The references of %s do not earn full points in the trusted regrade: "
                           "check the catalogue", ", ".join(failures))

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        tests = {}
        for index, cell in enumerate(nb.cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.get("cell_type") == "code" and utils.is_grade(cell) and \
                    not utils.is_solution(cell) and grade_id in CATALOGUE:
                tests[index] = grade_id
        expected = self._expected_tests(info)
        if not tests and not expected:
            return nb, resources   # not a notebook of this course
        exercises, reasons = {}, set()
        for index, grade_id in tests.items():
            cell = nb.cells[index]
            summary = regrade_cell(cell, grade_id)
            reasons.update(summary.pop("reasons"))
            exercises[grade_id] = summary
            max_points = float(cell.metadata["nbgrader"].get("points", summary["max"]))
            if max_points != summary["max"]:
                self.log.warning("Test cell %s is worth %g points in the notebook but %g in the "
                                 "catalogue: rebuild the notebooks", grade_id, max_points,
                                 summary["max"])
            points = min(summary["trusted"], max_points)
            note = "" if summary["recorded"] is not None else \
                " (no valid record of your answers was found in this cell)"
            rewrite_outputs(cell, points, summary["max"], note)
        for grade_id in sorted(expected - set(tests.values())):
            exercises[grade_id] = {"trusted": 0.0, "kernel": None, "recorded": None,
                                   "max": float(CATALOGUE[grade_id].points),
                                   "problems": ["the graded test cell is not in the notebook"]}
            reasons.add("test-cell-missing")
        findings = tamper.scan_notebook(nb, skip=set(tests))
        reasons.update(f"tamper:{f.reason}" for f in findings)
        kernel = [e["kernel"] for e in exercises.values()]
        entry = {
            "format": FORMAT,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "student": info.get("student"), "assignment": info.get("assignment"),
            "notebook": info.get("notebook"),
            "flagged": bool(reasons), "reasons": sorted(reasons),
            "trusted_points": round(sum(e["trusted"] for e in exercises.values()), 4),
            "kernel_points": None if None in kernel else round(sum(kernel), 4),
            "exercises": exercises,
            "tamper": [f.as_dict() for f in findings],
        }
        entry["message"] = _message(entry)
        nb.metadata[METADATA_KEY] = {"trusted_regrade": entry}   # whatever the student put there
        self._report(entry)
        return nb, resources

    def _expected_tests(self, info):
        """Grade ids of the assignment's autograded test cells of this notebook (gradebook)."""
        if not info.get("db_url") or not info.get("notebook") or not info.get("assignment"):
            return set()
        try:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
                return {c.name for c in notebook.grade_cells
                        if c.name in CATALOGUE and c.cell_type == "code"}
        except MissingEntry:
            return set()

    def _path(self):
        if self.flags_file:
            return Path(self.flags_file)
        return Path(CourseDirectory(config=self.config).root) / FLAGS_FILE

    def _report(self, entry):
        where = f"{entry['student']}/{entry['assignment']}/{entry['notebook']}"
        self.log.info("Trusted regrade of %s: %g points (the kernel's output: %s)", where,
                      entry["trusted_points"], entry["kernel_points"])
        if entry["flagged"]:
            details = [f"{eid}: {p}" for eid, e in entry["exercises"].items()
                       for p in e["problems"]]
            details += [f"cell {f['cell']} line {f['line']}: {f['reason']}: {f['detail']}"
                        for f in entry["tamper"]]
            self.log.warning("FLAGGED for review: %s (%s)\n    %s", where,
                             ", ".join(entry["reasons"]), "\n    ".join(details))
        update_flags(self._path(), entry)


def _message(entry):
    """The reasons and the exercises concerned, in one line (the notebook is named elsewhere)."""
    if not entry["flagged"]:
        return "not flagged"
    scores = [f"{eid} trusted {e['trusted']:g} (kernel "
              f"{'?' if e['kernel'] is None else format(e['kernel'], 'g')})"
              for eid, e in entry["exercises"].items() if e["problems"]]
    return ", ".join(entry["reasons"]) + (f"; {', '.join(scores)}" if scores else "")


def _key(entry):
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
        lines = path.read_text().splitlines() if path.exists() else []
        kept = []
        for line in lines:
            try:
                other = json.loads(line)
            except json.JSONDecodeError:
                continue
            if type(other) is dict and _key(other) != _key(entry):
                kept.append(line)
        if entry["flagged"]:
            kept.append(json.dumps(entry, sort_keys=True))
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text("".join(line + "\n" for line in kept))
        os.replace(temporary, path)
    finally:
        os.close(lock)


# ---------------------------------------------------------------------------- reading the flags
def read_flags(path, flagged_only=True):
    """{(student, assignment, notebook): entry} of a flags file (missing file: {})."""
    current = {}
    path = Path(path)
    if not path.exists():
        return current
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if type(entry) is not dict or entry.get("format") != FORMAT:
            continue
        current[_key(entry)] = entry
    if flagged_only:
        current = {k: e for k, e in current.items() if e["flagged"]}
    return current


def current_flags(course, db_url=None, assignment="maths_of_dl"):
    """Flagged notebooks of a course: the flags file's, plus those nbgrader could not finish.

    A notebook whose autograded test cells have no autograde score in the gradebook was aborted
    by nbgrader (its kernel died, say) before the regrade ran: it is reported with the reason
    "notebook-not-graded".
    """
    course = Path(course)
    flags = read_flags(course / FLAGS_FILE)
    db_url = db_url or f"sqlite:///{(course / 'gradebook.db').resolve()}"
    with Gradebook(db_url) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            submissions = []
        for submission in submissions:
            for notebook in submission.notebooks:
                unscored = sorted(g.name for g in notebook.grades
                                  if g.name in CATALOGUE and g.auto_score is None)
                if not unscored:
                    continue
                key = (submission.student.id, assignment, notebook.name)
                entry = flags.get(key, {"format": FORMAT, "student": key[0],
                                        "assignment": assignment, "notebook": key[2],
                                        "exercises": {}, "tamper": [], "reasons": []})
                entry = dict(entry, flagged=True,
                             reasons=sorted(set(entry["reasons"]) | {"notebook-not-graded"}),
                             not_graded=unscored,
                             message=f"notebook-not-graded: nbgrader could not finish it; "
                                     f"{', '.join(unscored)} have no autograde score")
                flags[key] = entry
    return flags
