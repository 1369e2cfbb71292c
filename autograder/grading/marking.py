"""The grader: an nbgrader preprocessor that judges every graded test cell in the tutor's process.

In `c.Autograde.autograde_preprocessors`, `MarkRecords` runs after the kernel has executed the
notebook and before nbgrader's SaveAutoGrades.  A graded test cell runs, in the student's kernel,
the self-check and `record(id, globals())` (with the test inputs `inputs.TestInputs` handed over),
which displays one output of MIME type
RECORD_MIME: the answers as plain data (`records`).  For each such cell `MarkRecords`
  * validates the record against the exercise's JSON Schema and size budgets;
  * judges it with the catalogue's references, computed here before any kernel ran;
  * replaces the cell's outputs by one verdict (`rewrite_outputs`): an execute_result whose
    text/markdown is the points and one message per item (which entries are off and in which
    direction, the name of a known mistake, never the reference; the cause when a name is
    missing because its cell raised or was stopped, `causes`; credit that follows through from
    the student's own earlier answers, `followthrough`), and whose text/plain is the points as a
    float, from which nbgrader's determine_grade takes the cell's partial score.  What the kernel
    printed there (the self-check, the record's line, errors) is dropped.
Nothing from the notebook is executed, imported or evaluated here, and the kernel computes no
score: nothing it prints can change one.

Only the lab's assignment is judged (`autograder.assignment`, from nbgrader's resources): a
notebook of another assignment is left to nbgrader's own rules, even where its grade ids are the
lab's exercise ids.

A test cell without exactly one well-formed record for its own exercise scores 0 (an early exit,
a dead or hijacked kernel, cleared outputs...).  Records elsewhere in the notebook are ignored.

Flags.  A notebook is flagged for a human when
    record-missing      a graded test cell has no record
    record-malformed    a record breaks the schema, is for another exercise, or is duplicated
    record-incomplete   a function's record lacks a well-formed result of its own for a test
                        case it was given (none, several, "skipped", not a result), or holds
                        results for cases never given: an honest kernel records neither, so
                        the record was forged; those cases earn nothing
    check-undecided     a symbolic answer that passed the float test could not be confirmed in
                        high precision (a step overflows or leaves the real numbers): it earns
                        nothing until a human has looked
    test-cell-missing   a graded test cell of the assignment is not in the notebook
    kernel-died         the kernel died (`kernels.Execute`) before a test cell ran; the test
                        cells before it keep their points
    hidden-inputs-shown an output showed a piece of the packed hidden test inputs (a kernel that
                        caught them as they were handed over): the output is removed
    cell-metadata       its nbgrader cell metadata was broken (a copied graded cell, another
                        schema version) and was repaired or removed (`cell_metadata`)
    tamper:<reason>     the static scan of the notebook's code (`tamper.scan_notebook`) saw a
                        sign of tampering (reasons listed there)
The score stands whatever the flags say.  Flags go to nbgrader's log and to the flags file
(`flags.py`).  Every grading, flagged or not, is kept in the autograded notebook's metadata
(`metadata[COURSE_KEY]["grading"]`): per exercise its points, the named mistakes, the items
credited by follow-through and the problems found, which the class report reads instead of
judging anything again.
"""
import math
import re
from dataclasses import asdict
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from nbformat.v4 import new_output
from traitlets import Unicode

from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from ..assignment import being_graded
from ..catalogue import CATALOGUE
from ..judging import judge, packed_inputs
from ..slips import prepare as prepare_slips
from ..verdict import points_line
from . import tamper
from .causes import failed_definitions
from ..settings import COURSE_KEY
from .flags import FLAGS_FILE, FORMAT, flag_message, update_flags
from .records import RECORD_MIME, Malformed, validate
from .sandbox.policy import unsandboxed


def graded_test_cells(nb, resources):
    """{cell index: exercise id} of the notebook's autograded test cells of the lab's assignment
    that nbgrader is grading (`resources`); none when it grades another assignment, whatever
    its cells' grade ids."""
    assignment = being_graded(resources)
    if assignment is None:
        return {}
    tests = {}
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") == "code" and utils.is_grade(cell) and \
                not utils.is_solution(cell):
            grade_id = cell.metadata["nbgrader"].get("grade_id")
            if grade_id in assignment.catalogue:
                tests[index] = grade_id
    return tests


@lru_cache(maxsize=None)
def load_references():
    """Compute every reference and judge it once, in this process, before any kernel runs.

    A kernel may run with the tutor's rights when no sandbox is used: anything this process read
    lazily from disk (the stored slow trainings, modules imported on first use) could be read
    after a kernel rewrote it.  So every reference, known mistake and module the judging needs is
    loaded here, by judging each exercise's own reference answers, which must earn full points.
    Returns the ids of the exercises whose references do not (an empty tuple when all is well).
    """
    failures = []
    for exercise in CATALOGUE.values():
        answers = {item.name: item.kind.reference_record(item) for item in exercise.items}
        record = {"exercise": exercise.id, "answers": answers}
        if judge(exercise.id, validate(record, exercise.id)).points != exercise.points:
            failures.append(exercise.id)
        prepare_slips(exercise)   # what the generic slips of wrong answers are computed from
    return tuple(failures)


# ---------------------------------------------------------------------------- one test cell
def _records(cell):
    return [o for o in cell.get("outputs", []) if isinstance(o.get("data"), dict)
            and RECORD_MIME in o["data"]]


def _errors(cell):
    return [f"{o.get('ename', 'error')}: {str(o.get('evalue', ''))[:200]}"
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def grade_cell(cell, exercise_id, causes=None, earlier=None):
    """Judge a graded test cell from its record (the cell is unchanged): {"points", "max",
    "mistakes": {item: mistake}, "problems": [...], "reasons": [...], "feedback": [one message
    per item], "errors": [the cell's own errors], "answers": the validated record or None}.
    `causes`: {name: why it is missing} (`causes.failed_definitions`), said instead of "not
    defined"; `earlier`: the answers recorded by the notebook's earlier test cells."""
    exercise = CATALOGUE[exercise_id]
    summary = {"points": 0.0, "max": float(exercise.points), "mistakes": {}, "problems": [],
               "reasons": [], "feedback": [], "errors": _errors(cell), "answers": None,
               "followed": []}
    records = _records(cell)
    if not records:
        errors = summary["errors"]
        summary["problems"].append("no record of the answers in the test cell" +
                                   (f" (the cell raised {'; '.join(errors)})" if errors else ""))
        summary["reasons"].append("record-missing")
        summary["feedback"] = ["No record of your answers was found in this cell: the notebook "
                               "stopped, or the cell's output was changed, before it ran."]
        return summary
    if len(records) > 1 or records[0].get("output_type") != "display_data":
        summary["problems"].append(f"{len(records)} records in the test cell, "
                                   f"as {', '.join(r.get('output_type', '?') for r in records)}; "
                                   "exactly one displayed record is expected")
        summary["reasons"].append("record-malformed")
        summary["feedback"] = ["The record of your answers in this cell could not be read."]
        return summary
    try:
        answers = validate(records[0]["data"][RECORD_MIME], exercise_id)
        verdict = judge(exercise_id, answers, earlier=earlier)
        points = float(verdict.points)
        if not (math.isfinite(points) and 0 <= points <= summary["max"]):
            raise Malformed(f"judging gave {points!r} points")
    except Exception as error:   # noqa: BLE001 (whatever judging untrusted data raises)
        summary["problems"].append(f"the record is malformed: {str(error)[:300]}")
        summary["reasons"].append("record-malformed")
        summary["feedback"] = ["The record of your answers in this cell could not be read."]
        return summary
    causes = causes or {}
    summary["points"] = points
    summary["answers"] = answers
    summary["mistakes"] = {v.item: v.mistake for v in verdict.items if v.mistake}
    for reason, detail in verdict.flags:
        summary["problems"].append(f"{reason}: {detail}")
        if reason not in summary["reasons"]:
            summary["reasons"].append(reason)
    summary["followed"] = [v.item for v in verdict.items if v.followed]
    summary["feedback"] = [
        causes[v.item] if v.item in causes and _missing(answers.get(v.item)) else v.message
        for v in verdict.items]
    return summary


def _missing(record):
    return record is None or (isinstance(record, dict) and record.get("type") == "missing")


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~&])")


def _markdown(text):
    """Plain text as Markdown that shows exactly that text: no emphasis, link, HTML or maths."""
    return "  \n  ".join(MARKDOWN_SPECIAL.sub(r"\\\1", line) for line in str(text).splitlines())


def verdict_markdown(exercise_id, summary):
    """The cell's one verdict: its points, then each item's message (Markdown, so it wraps)."""
    lines = [f"**{points_line(exercise_id, summary['points'], summary['max'])}**", ""]
    lines += [f"- {_markdown(message)}" for message in summary["feedback"]]
    if summary.get("errors") and summary.get("answers") is not None:
        lines += ["", _markdown("(The self-check in this cell raised an error; your answers "
                                "were graded from their record all the same.)")]
    return "\n".join(lines) + "\n"


def rewrite_outputs(cell, exercise_id, summary):
    """The cell's outputs become one: the verdict, as Markdown for a reader and as the points
    for nbgrader's determine_grade (text/plain, a float).  What the kernel printed there (the
    self-check, the record's line, errors) is dropped: the record stays in the notebook's
    metadata, the errors in the verdict."""
    cell.outputs = [new_output(
        "execute_result", execution_count=cell.get("execution_count"), metadata={},
        data={"text/plain": repr(float(summary["points"])),
              "text/markdown": verdict_markdown(exercise_id, summary)})]
    return cell


def verdict_of(cell):
    """The text of the verdict that `rewrite_outputs` wrote into a cell ('' if none)."""
    text = "".join(o.get("data", {}).get("text/markdown", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "execute_result")
    return re.sub(r"\\(.)", r"\1", text.replace("**", ""))


# ---------------------------------------------------------------------------- the preprocessor
class MarkRecords(NbGraderPreprocessor):
    """Judge every graded test cell's record; write feedback and points; flag what looks wrong."""

    flags_file = Unicode(
        "", help="JSON-lines file of flagged notebooks for the class report "
                 "(default: <course root>/reports/flags.jsonl)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        failures = load_references()
        if failures:
            self.log.error("The references of %s do not earn full points when graded: "
                           "check the catalogue", ", ".join(failures))

    def preprocess(self, nb, resources):
        assignment = being_graded(resources)
        if assignment is None:
            return nb, resources   # another assignment: graded by nbgrader's own rules
        info = resources.get("nbgrader", {})
        tests = graded_test_cells(nb, resources)
        expected = self._expected_tests(info, assignment)
        if not tests and not expected:
            return nb, resources   # not a notebook of this course
        exercises, reasons = {}, set()
        intake = (nb.metadata.get(COURSE_KEY) or {}).get("intake") or []   # cell_metadata
        if intake:
            reasons.add("cell-metadata")
        noted = resources.get(COURSE_KEY, {})
        died_in = noted.get("kernel_died_in")
        earlier = {}    # the answers recorded by the test cells above, for follow-through
        for index, grade_id in tests.items():
            cell = nb.cells[index]
            causes = failed_definitions(nb, index, noted.get("timed_out"))
            summary = grade_cell(cell, grade_id, causes, earlier)
            if died_in is not None and index >= died_in and "record-missing" in summary["reasons"]:
                summary["reasons"] = ["kernel-died"]
                summary["problems"] = [f"the kernel died in cell {died_in}, before this test ran"]
                summary["feedback"] = [f"Not graded: the kernel died in cell {died_in + 1} of the "
                                       "notebook (a crash, os._exit or the memory limit), before "
                                       "this test could run. Earlier answers keep their points."]
            max_points = float(cell.metadata["nbgrader"].get("points", summary["max"]))
            if max_points != summary["max"]:
                self.log.warning("Test cell %s is worth %g points in the notebook but %g in the "
                                 "catalogue: rebuild the notebooks", grade_id, max_points,
                                 summary["max"])
                summary["points"] = min(summary["points"], max_points)
            rewrite_outputs(cell, grade_id, summary)
            reasons.update(summary.pop("reasons"))
            earlier.update(summary.pop("answers") or {})
            for key in ("feedback", "errors"):
                summary.pop(key)
            exercises[grade_id] = summary
        for grade_id in sorted(expected - set(tests.values())):
            exercises[grade_id] = {"points": 0.0, "max": float(CATALOGUE[grade_id].points),
                                   "mistakes": {},
                                   "problems": ["the graded test cell is not in the notebook"]}
            reasons.add("test-cell-missing")
        if remove_hidden_inputs(nb, set(tests.values())):
            reasons.add("hidden-inputs-shown")
        findings = tamper.scan_notebook(nb, skip=set(tests))
        reasons.update(f"tamper:{f.reason}" for f in findings)
        entry = {
            "format": FORMAT,
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "student": info.get("student"), "assignment": info.get("assignment"),
            "notebook": info.get("notebook"),
            "flagged": bool(reasons), "reasons": sorted(reasons),
            "sandboxed": not unsandboxed(),
            "points": round(sum(e["points"] for e in exercises.values()), 4),
            "exercises": exercises,
            "tamper": [asdict(f) for f in findings],
            "cell_metadata": list(intake),
        }
        entry["message"] = flag_message(entry)
        nb.metadata[COURSE_KEY] = {"grading": entry}   # whatever the student put there
        self._report(entry)
        return nb, resources

    def _expected_tests(self, info, assignment):
        """Grade ids of the `assignment`'s autograded test cells of this notebook (gradebook)."""
        if not info.get("db_url") or not info.get("notebook") or not info.get("assignment"):
            return set()
        try:
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_notebook(info["notebook"], info["assignment"])
                return {c.name for c in notebook.grade_cells
                        if c.name in assignment.catalogue and c.cell_type == "code"}
        except MissingEntry:
            return set()

    def _path(self):
        if self.flags_file:
            return Path(self.flags_file)
        return Path(CourseDirectory(config=self.config).root) / FLAGS_FILE

    def _report(self, entry):
        where = f"{entry['student']}/{entry['assignment']}/{entry['notebook']}"
        self.log.info("Graded %s: %g points", where, entry["points"])
        if entry["flagged"]:
            details = [f"{eid}: {p}" for eid, e in entry["exercises"].items()
                       for p in e["problems"]]
            details += [f"cell {f['cell']} line {f['line']}: {f['reason']}: {f['detail']}"
                        for f in entry["tamper"]]
            details += entry["cell_metadata"]
            self.log.warning("FLAGGED for review: %s (%s)\n    %s", where,
                             ", ".join(entry["reasons"]), "\n    ".join(details))
        update_flags(self._path(), entry)


CHUNK = 24   # a piece of packed inputs this long is theirs, not chance


def remove_hidden_inputs(nb, exercise_ids):
    """Remove every output that shows a piece of the packed test inputs of these exercises (a
    kernel that caught them as they were handed over and printed them); a note says so.
    Returns how many were removed.  (They reach no notebook otherwise: `inputs.TestInputs`.)"""
    chunks = [packed[k:k + CHUNK] for packed in map(packed_inputs, sorted(exercise_ids)) if packed
              for k in range(0, len(packed) - CHUNK + 1, CHUNK)]
    if not chunks:
        return 0
    removed = 0
    for cell in nb.cells:
        for k, output in enumerate(cell.get("outputs", [])):
            text = str(output.get("text", "")) + str(output.get("data", "")) + \
                str(output.get("evalue", "")) + str(output.get("traceback", ""))
            if any(chunk in text for chunk in chunks):
                removed += 1
                cell.outputs[k] = new_output("stream", name="stdout", text=REMOVED)
    return removed


REMOVED = "[output removed: it showed hidden test inputs]\n"
