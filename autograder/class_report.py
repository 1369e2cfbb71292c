"""The class report: what the class scored and which named mistakes it made, per exercise.

Read from the gradebook (scores), the rerun record (status and reasons per student) and the
autograded notebooks, whose metadata holds the grader's judgement of each exercise (its points and
named mistakes, stored when it was graded).  Nothing is judged again and no student code runs.

Writes, per assignment, into <course>/reports/<assignment>/ (one assignment's report never
touches another's):
  class_report.csv   per exercise: max, students, mean, median, score bins, mistakes (name=count),
                     generic slips (name=count: the "slip:..." names of `autograder.slips`),
                     follow-through (item=count: right from the student's own earlier error)
  mistakes.csv       per exercise and named mistake or generic slip: how many students made it,
                     and who
  students.csv       per student: name (where the LMS import gave one), score, max, points
                     awaiting formgrader, status, reasons, flags, late (the notebooks the LMS
                     download marked late), per-notebook scores
  summary.md         a readable summary: what the statuses mean, the points still to be graded
                     by hand, the students who need a look and why
  scores.png         histogram of totals and mean share per exercise (matplotlib, Agg)
The grader's flags (reports/flags.jsonl, see autograder.grading.flags) are listed per student,
each with the cells and lines concerned and what was seen there.  Points are rounded to 2 decimals.

Each CSV's columns are a list of (header, value of a row) pairs (EXERCISE_COLUMNS,
MISTAKE_COLUMNS, STUDENT_COLUMNS): a new figure is one more pair.
"""
import csv
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import nbformat

from .assignment import id_of
from .class_grading import load_record
from .grading.flags import FLAGS_FILE, read_flags
from .lms import read_students
from .settings import COURSE_KEY, db_url

SLIP = "slip:"   # the names of generic slips (autograder.slips), counted apart from listed ones
BINS = ("0", "<50%", "50-99%", "100%")   # a share of the points: none, below half, some, all
STATUSES = {    # a student's status (class_grading) and what the tutor does about it
    "ok": "graded cleanly: the score is what the work earned; nothing to do but the points "
          "graded by hand",
    "review": "graded, but a human should look: the reasons say where (a cell that timed out "
              "or raised an error, a kernel that died, a notebook missing or damaged, no points "
              "at all); open the notebook in formgrader. The score stands unless you change it",
    "failed": "not graded (its grading died twice): run grade-class again; earlier grades, if "
              "any, are kept",
    "unknown": "graded outside grade-class (plain `nbgrader autograde`): no status recorded",
}


def points(value):
    """Points as a tutor reads them: at most 2 decimals (83.4286 -> 83.43, 2.0 -> 2)."""
    return f"{round(float(value or 0), 2):g}"


def _markdown_text(text):
    """A student's text (code they wrote) shown inert in Markdown: in a code span, with no
    backtick or line break to end it."""
    return "`" + str(text).replace("`", "'").replace("\n", " ")[:200] + "`"


def _bin(share):
    """The label of BINS a share of the points falls in."""
    if share <= 0:
        return BINS[0]
    if share < 0.5:
        return BINS[1]
    return BINS[2] if share < 1 else BINS[3]


def read_scores(course, assignment):
    """{student: {"score", "max", "notebooks": {nb: score}, "cells": {grade id: (score, max)},
    "awaiting", "notebook_of": {grade id: notebook}}} of the `assignment`."""
    from nbgrader.api import Gradebook
    found = {}
    with Gradebook(db_url(course)) as gb:
        for sub in gb.assignment_submissions(id_of(assignment)):
            grades = [g for nb in sub.notebooks for g in nb.grades]
            found[sub.student_id] = {
                "score": sub.score, "max": sub.max_score,
                "notebooks": {nb.name: nb.score for nb in sub.notebooks},
                "cells": {g.name: (g.score, g.max_score) for g in grades},
                "notebook_of": {g.name: nb.name for nb in sub.notebooks for g in nb.grades},
                # graded by hand (formgrader), not graded yet: {cell: points}
                "awaiting": {g.name: g.max_score for g in grades if g.needs_manual_grade}}
    return found


def read_names(course):
    """{student: name}: the name column of the roster grade-class was given (`.grading/
    roster.csv`), else the name the LMS import recorded (`.grading/students.json`, written by
    autograder.lms), where it is not the id itself."""
    try:
        people = read_students(course)
    except ValueError:
        people = {}
    names = {student: str(who["name"]) for student, who in people.items()
             if isinstance(who, dict) and who.get("name")}
    roster = Path(course) / ".grading" / "roster.csv"
    if roster.exists():
        with open(roster, newline="", encoding="utf-8-sig") as f:
            names.update({row["student_id"].strip(): row["name"].strip()
                          for row in csv.DictReader(f)
                          if (row.get("name") or "").strip() and row.get("student_id")})
    return {student: name for student, name in names.items() if name != student}


def _judgements(course, assignment, student):
    """(exercise id, judgement) of every exercise the grader judged in a student's autograded
    notebooks: what it stored in their metadata when it graded them (plain JSON; nothing is
    judged again here).  A judgement that is not a dict reads as an empty one."""
    for path in sorted((Path(course) / "autograded" / student / id_of(assignment))
                       .glob("*.ipynb")):
        try:
            exercises = nbformat.read(path, as_version=4).metadata[COURSE_KEY]["grading"][
                "exercises"]
        except Exception:   # noqa: BLE001 (not graded, or not a notebook any more)
            continue
        for eid, judged in exercises.items():
            yield eid, judged if isinstance(judged, dict) else {}


def read_mistakes(course, assignment, student):
    """{exercise id: [named mistakes and generic slips]} as the grader stored them."""
    return {eid: sorted(str(m) for m in judged.get("mistakes", {}).values())
            for eid, judged in _judgements(course, assignment, student)}


def read_followed(course, assignment, student):
    """{exercise id: [items credited by follow-through]}: answers right from the student's own
    earlier wrong answers (`autograder.followthrough`), as the grader stored them."""
    return {eid: sorted(str(i) for i in judged.get("followed", []) if isinstance(i, str))
            for eid, judged in _judgements(course, assignment, student)}


def read_unsandboxed(course, assignment):
    """The students whose notebooks were graded without the sandbox (the grader's metadata)."""
    found = set()
    for path in sorted((Path(course) / "autograded").glob(f"*/{id_of(assignment)}/*.ipynb")):
        try:
            if nbformat.read(path, as_version=4).metadata[COURSE_KEY]["grading"]["sandboxed"] \
                    is False:
                found.add(path.parent.parent.name)
        except Exception:   # noqa: BLE001 (not graded, or not a notebook any more)
            continue
    return found


def read_flags_by_student(course, assignment):
    """{student: [flag text]} from the grader's flags file (see autograder.grading.flags): per
    flagged notebook its reasons, then where each was seen: the exercise and its problem, or the
    cell (counted from 1, as a tutor counts them in the notebook), line, reason and what the scan
    saw (the student's code, quoted inert).  Only the `assignment`'s notebooks: every
    assignment of the course folder shares the flags file."""
    flags = defaultdict(list)
    of = assignment
    for (student, assignment, notebook), entry in sorted(
            read_flags(Path(course) / FLAGS_FILE).items()):
        if assignment != id_of(of):     # another assignment's notebooks: not this report's
            continue
        where = []
        for eid, judged in sorted((entry.get("exercises") or {}).items()):
            for problem in (judged.get("problems") or []) if isinstance(judged, dict) else []:
                where.append(f"{eid}: {problem}")
        for finding in entry.get("tamper") or []:
            if isinstance(finding, dict):
                where.append(f"cell {int(finding.get('cell', -1)) + 1}, line "
                             f"{finding.get('line', '?')}: {finding.get('reason')}: "
                             f"{_markdown_text(finding.get('detail', ''))}")
        reasons = ", ".join(entry.get("reasons") or []) or entry.get("message") or "flagged"
        flags[student].append(f"{notebook}: {reasons}" + (f" ({'; '.join(where)})"
                                                          if where else ""))
    return dict(flags)


# (header, value) per column; a value is a function of the row's facts (a dict)
EXERCISE_COLUMNS = [
    ("exercise", lambda r: r["exercise"]), ("notebook", lambda r: r["notebook"]),
    ("max", lambda r: r["max"]), ("students", lambda r: len(r["values"])),
    ("mean", lambda r: round(r["mean"], 3)), ("median", lambda r: round(r["median"], 3)),
] + [(f"bin_{label}", lambda r, label=label: r["bins"].get(label, 0)) for label in BINS] + [
    ("mistakes", lambda r: "; ".join(f"{k}={v}" for k, v in r["named"].most_common())),
    ("slips", lambda r: "; ".join(f"{k}={v}" for k, v in r["slips"].most_common())),
    ("follow_through", lambda r: "; ".join(f"{k}={v}" for k, v in r["followed"].most_common())),
]
MISTAKE_COLUMNS = [
    ("exercise", lambda r: r["exercise"]), ("mistake", lambda r: r["mistake"]),
    ("students", lambda r: len(r["who"])), ("who", lambda r: " ".join(r["who"])),
]
STUDENT_COLUMNS = [
    ("student", lambda r: r["student"]), ("name", lambda r: r["name"]),
    ("score", lambda r: round(r["score"], 2)), ("max", lambda r: round(r["max"], 2)),
    ("awaiting_manual", lambda r: round(float(sum(r["awaiting"].values())), 2)),
    ("status", lambda r: r["status"]), ("reasons", lambda r: "; ".join(r["reasons"])),
    ("flags", lambda r: "; ".join(r["flags"])), ("late", lambda r: "; ".join(r["late"])),
]


def _write_csv(path, columns, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([header for header, _ in columns])
        w.writerows([value(row) for _, value in columns] for row in rows)


def needs_a_look(row):
    """A student whose status is not "ok" (see STATUSES), or whom the grader flagged."""
    return row["status"] != "ok" or bool(row["flags"])


def report_dir(course, assignment):
    """Where the `assignment`'s report is written: reports/<assignment>/."""
    return Path(course) / "reports" / id_of(assignment)


def write_report(course, assignment, out=None):
    """Write the `assignment`'s report files; returns the path of summary.md.  Its exercises
    are the catalogue's (in teaching order) for a lab assignment, the grade cells of the
    gradebook (by name) for any other."""
    course = Path(course)
    out = Path(out or report_dir(course, assignment))
    out.mkdir(parents=True, exist_ok=True)
    catalogue = assignment.catalogue
    scores = read_scores(course, assignment)
    record = load_record(course, assignment)
    flags = read_flags_by_student(course, assignment)
    names = read_names(course)
    students = sorted(scores)
    mistakes = {s: read_mistakes(course, assignment, s) for s in students}
    follows = {s: read_followed(course, assignment, s) for s in students}
    cells = {c for s in students for c in scores[s]["cells"]}
    exercises = [e for e in catalogue if e in cells] or sorted(cells - set(catalogue))
    notebook_of = {c: nb for s in students for c, nb in scores[s]["notebook_of"].items()}

    rows, mistake_rows = [], []
    per_ex = {}
    for eid in exercises:
        got = [scores[s]["cells"][eid] for s in students if eid in scores[s]["cells"]]
        maxp = got[0][1]
        values = sorted(v for v, _ in got)
        who = defaultdict(list)      # named mistake or slip -> the students who made it
        for s in students:
            for m in sorted(set(mistakes[s].get(eid, []))):
                who[m].append(s)
        named = Counter({m: len(w) for m, w in who.items() if not m.startswith(SLIP)})
        slips = Counter({m: len(w) for m, w in who.items() if m.startswith(SLIP)})
        followed = Counter(i for s in students for i in set(follows[s].get(eid, [])))
        row = {"exercise": eid, "notebook": notebook_of.get(eid, ""), "max": maxp,
               "values": values, "named": named, "slips": slips, "followed": followed,
               "mean": sum(values) / len(values) if values else 0.0,
               "median": statistics.median(values) if values else 0.0,
               "bins": Counter(_bin(v / maxp if maxp else 0) for v in values)}
        per_ex[eid] = (row["mean"], maxp, named)
        rows.append(row)
        mistake_rows += [{"exercise": eid, "mistake": m, "who": who[m]}
                         for m, _ in named.most_common() + slips.most_common()]
    _write_csv(out / "class_report.csv", EXERCISE_COLUMNS, rows)
    _write_csv(out / "mistakes.csv", MISTAKE_COLUMNS, mistake_rows)

    notebooks = sorted({nb for s in students for nb in scores[s]["notebooks"]})
    late = {s: who.get("late", []) for s, who in read_students(course, assignment).items()}
    people = []
    for s in students:
        entry = record.get(s, {})
        people.append(dict(
            scores[s], student=s, name=names.get(s, ""), status=entry.get("status", "unknown"),
            reasons=[r if nb == "*" else f"{nb}: {r}"       # "*": the whole submission
                     for nb, rs in sorted(entry.get("reasons", {}).items()) for r in rs],
            flags=flags.get(s, []), late=late.get(s, [])))
    _write_csv(out / "students.csv", STUDENT_COLUMNS + [
        (nb, lambda r, nb=nb: round(r["notebooks"].get(nb, 0.0), 2)) for nb in notebooks], people)

    totals = [scores[s]["score"] for s in students]
    maximum = max((scores[s]["max"] for s in students), default=0)
    unsandboxed = read_unsandboxed(course, assignment)
    sandbox = ("Every grading kernel ran in the bubblewrap sandbox." if not unsandboxed else
               f"**Graded WITHOUT the sandbox** ({len(unsandboxed)} students: "
               f"{', '.join(sorted(unsandboxed))}): their code ran with the tutor's rights.")
    lines = [f"# Class report: {assignment.id}", "", sandbox, "",
             f"{len(students)} students; mean {sum(totals) / max(len(totals), 1):.1f} / {maximum:g}"
             f" points; median {points(statistics.median(totals) if totals else 0)}.", ""]
    lines += _awaiting_lines(people)
    lines += ["![scores](scores.png)", "", "## Per exercise", "",
              "| exercise | max | mean | 0 | <50% | 50-99% | 100% | named mistakes (students) "
              "| generic slips (students) | follow-through (students) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        bins = " | ".join(str(row["bins"].get(label, 0)) for label in BINS)
        counts = [("; ".join(f"{k}={v}" for k, v in row[key].most_common()) or "-")
                  for key in ("named", "slips", "followed")]
        lines.append(f"| {row['exercise']} | {row['max']:g} | {row['mean']:.2f} | {bins} | "
                     + " | ".join(counts) + " |")
    review = [row for row in people if needs_a_look(row)]
    lines += ["", f"## Students who need a look ({len(review)})", ""]
    for row in review:
        name = f" ({row['name']})" if row["name"] else ""
        lines.append(f"- **{row['student']}**{name} ({points(row['score'])} / "
                     f"{points(row['max'])}, {row['status']})")
        lines += [f"  - {reason}" for reason in row["reasons"]]
        lines += [f"  - flagged: {flag}" for flag in row["flags"]]
    lines += ["", "## What the statuses mean", ""]
    lines += [f"- **{status}**: {meaning}." for status, meaning in STATUSES.items()]
    lines += ["- **flagged**: the grader saw a sign of tampering or a test it could not run; the "
              "cell and line are named. The score stands; look at the code there and change "
              "the score in formgrader if it was gamed."]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    _plot(out / "scores.png", totals, maximum, per_ex)
    return out / "summary.md"


def _awaiting_lines(people):
    """The points graded by hand that formgrader has not graded yet: until then the totals lack
    them, and grades exported now would too."""
    waiting = [row for row in people if row["awaiting"]]
    if not waiting:
        return []
    cells = sorted({cell for row in waiting for cell in row["awaiting"]})
    most = max(sum(row["awaiting"].values()) for row in waiting)
    return [f"**Not final yet:** up to {points(most)} points per student ({', '.join(cells)}) "
            f"are graded by hand, and {len(waiting)} of {len(people)} students still await "
            "them. The totals here leave them out. Grade them in formgrader, then "
            "`maths-of-dl feedback` and `maths-of-dl grades`.", ""]


def _plot(path, totals, maximum, per_ex):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1, 2]})
    a.hist(totals, bins=min(20, max(len(totals), 1)), range=(0, maximum or 1), color="#4472c4")
    a.set_xlabel("total points")
    a.set_ylabel("students")
    a.set_title("Totals")
    names = list(per_ex)
    b.bar(names, [per_ex[e][0] / per_ex[e][1] if per_ex[e][1] else 0 for e in names],
          color="#70ad47")
    b.set_ylim(0, 1)
    b.set_ylabel("mean share of points")
    b.set_title("Per exercise")
    b.tick_params(axis="x", rotation=90)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
