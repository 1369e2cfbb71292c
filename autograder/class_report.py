"""The class report: what the class scored and which named mistakes it made, per exercise.

Read from the gradebook (scores), the grading manifest (status and reasons per student) and the
autograded notebooks, whose metadata holds the grader's judgement of each exercise (its points and
named mistakes, stored when it was graded).  Nothing is judged again and no student code runs.

Writes into <course>/reports/:
  class_report.csv   per exercise: max, students, mean, median, score bins, mistakes (name=count),
                     generic slips (name=count: the "slip:..." names of `autograder.slips`)
  mistakes.csv       per exercise and named mistake or generic slip: how many students made it
  students.csv       per student: score, max, status, reasons, flags, late (the notebooks the
                     LMS download marked late), per-notebook scores
  summary.md         a readable summary
  scores.png         histogram of totals and mean share per exercise (matplotlib, Agg)
The grader's flags (reports/flags.jsonl, see autograder.grading.flags) are listed per student.
"""
import csv
import os
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import nbformat

from .class_grading import load_manifest
from .grading.flags import FLAGS_FILE, read_flags
from .grading.grader import METADATA_KEY
from .lms import read_students
from .settings import ASSIGNMENT, db_url

SLIP = "slip:"   # the names of generic slips (autograder.slips), counted apart from listed ones
BINS = ("0", "<50%", "50-99%", "100%")   # a share of the points: none, below half, some, all


def _bin(share):
    """The label of BINS a share of the points falls in."""
    if share <= 0:
        return BINS[0]
    if share < 0.5:
        return BINS[1]
    return BINS[2] if share < 1 else BINS[3]


def read_scores(course):
    """{student: {"score", "max", "notebooks": {nb: score}, "cells": {grade id: (score, max)}}}."""
    from nbgrader.api import Gradebook
    found = {}
    with Gradebook(db_url(course)) as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            found[sub.student_id] = {
                "score": sub.score, "max": sub.max_score,
                "notebooks": {nb.name: nb.score for nb in sub.notebooks},
                "cells": {g.name: (g.score, g.max_score) for nb in sub.notebooks for g in nb.grades}}
    return found


def read_mistakes(course, student):
    """{exercise id: [named mistakes]}: the judgement the grader stored in each autograded
    notebook's metadata when it graded it (plain JSON; nothing is judged again here)."""
    found = {}
    for path in sorted((Path(course) / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
            exercises = nb.metadata[METADATA_KEY]["grading"]["exercises"]
        except Exception:   # noqa: BLE001 (not graded, or not a notebook any more)
            continue
        for eid, judged in exercises.items():
            mistakes = judged.get("mistakes", {}) if isinstance(judged, dict) else {}
            found[eid] = sorted(str(m) for m in mistakes.values())
    return found


def read_unsandboxed(course):
    """The students whose notebooks were graded without the sandbox (the grader's metadata)."""
    found = set()
    for path in sorted((Path(course) / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb")):
        try:
            if nbformat.read(path, as_version=4).metadata[METADATA_KEY]["grading"]["sandboxed"] \
                    is False:
                found.add(path.parent.parent.name)
        except Exception:   # noqa: BLE001 (not graded, or not a notebook any more)
            continue
    return found


def read_flags_by_student(course):
    """{student: [flag text]} of the lab's notebooks in the flags file (autograder.grading.flags),
    which every assignment of the course folder shares."""
    flags = defaultdict(list)
    for (student, assignment, notebook), entry in sorted(
            read_flags(Path(course) / FLAGS_FILE).items()):
        if assignment != ASSIGNMENT:    # another assignment's notebooks: not this report's
            continue
        flags[student].append(f"{notebook}: {entry.get('message') or entry.get('reasons')}")
    return dict(flags)


def write_report(course, out=None):
    """Write the report files; returns the path of summary.md."""
    from .catalogue import CATALOGUE
    course = Path(course)
    out = Path(out or course / "reports")
    out.mkdir(parents=True, exist_ok=True)
    scores = read_scores(course)
    manifest = load_manifest(course, ASSIGNMENT)
    flags = read_flags_by_student(course)
    students = sorted(scores)
    mistakes = {s: read_mistakes(course, s) for s in students}
    exercises = [e for e in CATALOGUE if any(e in scores[s]["cells"] for s in students)]

    rows, mistake_rows = [], []
    per_ex = {}
    for eid in exercises:
        got = [scores[s]["cells"][eid] for s in students if eid in scores[s]["cells"]]
        maxp = got[0][1] if got else CATALOGUE[eid].points
        values = sorted(v for v, _ in got)
        bins = Counter(_bin(v / maxp if maxp else 0) for v in values)
        every = Counter(m for s in students for m in set(mistakes[s].get(eid, [])))
        named = Counter({m: n for m, n in every.items() if not m.startswith(SLIP)})
        slips = Counter({m: n for m, n in every.items() if m.startswith(SLIP)})
        mean = sum(values) / len(values) if values else 0.0
        median = statistics.median(values) if values else 0.0
        per_ex[eid] = (mean, maxp, named)
        rows.append([eid, CATALOGUE[eid].notebook, maxp, len(values), round(mean, 3), median]
                    + [bins.get(label, 0) for label in BINS]
                    + ["; ".join(f"{k}={v}" for k, v in named.most_common())]
                    + ["; ".join(f"{k}={v}" for k, v in slips.most_common())])
        mistake_rows += [[eid, k, v] for k, v in named.most_common() + slips.most_common()]
    with open(out / "class_report.csv", "w", newline="") as f:
        csv.writer(f).writerows([["exercise", "notebook", "max", "students", "mean", "median"]
                                 + [f"bin_{label}" for label in BINS] + ["mistakes", "slips"]] + rows)
    with open(out / "mistakes.csv", "w", newline="") as f:
        csv.writer(f).writerows([["exercise", "mistake", "students"]] + mistake_rows)

    notebooks = sorted({nb for s in students for nb in scores[s]["notebooks"]})
    late = {s: who.get("late", []) for s, who in read_students(course).items()}
    with open(out / "students.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", "score", "max", "status", "reasons", "flags", "late"] + notebooks)
        for s in students:
            entry = manifest.get(s, {})
            reasons = "; ".join(f"{nb}: {r}" for nb, rs in sorted(entry.get("reasons", {}).items())
                                for r in rs)
            w.writerow([s, scores[s]["score"], scores[s]["max"], entry.get("status", "unknown"),
                        reasons, "; ".join(flags.get(s, [])), "; ".join(late.get(s, []))]
                       + [scores[s]["notebooks"].get(nb, 0.0) for nb in notebooks])

    totals = [scores[s]["score"] for s in students]
    maximum = max((scores[s]["max"] for s in students), default=0)
    unsandboxed = read_unsandboxed(course)
    sandbox = ("Every grading kernel ran in the bubblewrap sandbox." if not unsandboxed else
               f"**Graded WITHOUT the sandbox** ({len(unsandboxed)} students: "
               f"{', '.join(sorted(unsandboxed))}): their code ran with the tutor's rights.")
    lines = [f"# Class report: {ASSIGNMENT}", "", sandbox, "",
             f"{len(students)} students; mean {sum(totals) / max(len(totals), 1):.1f} / {maximum:g}"
             f" points; median {statistics.median(totals) if totals else 0:g}.", "",
             "![scores](scores.png)", "", "## Per exercise", "",
             "| exercise | max | mean | 0 | <50% | 50-99% | 100% | named mistakes (students) "
             "| generic slips (students) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row[0]} | {row[2]:g} | {row[4]:.2f} | {row[6]} | {row[7]} | {row[8]} | "
                     f"{row[9]} | {row[10] or '-'} | {row[11] or '-'} |")
    review = [s for s in students if manifest.get(s, {}).get("status", "ok") != "ok" or s in flags]
    lines += ["", f"## Students who need a look ({len(review)})", ""]
    for s in review:
        entry = manifest.get(s, {})
        lines.append(f"- **{s}** ({scores[s]['score']:g} / {scores[s]['max']:g}, "
                     f"{entry.get('status', 'unknown')})")
        for nb, rs in sorted(entry.get("reasons", {}).items()):
            for r in rs:
                lines.append(f"  - {nb}: {r}")
        for flag in flags.get(s, []):
            lines.append(f"  - flagged: {flag}")
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    _plot(out / "scores.png", totals, maximum, per_ex)
    return out / "summary.md"


def _plot(path, totals, maximum, per_ex):
    os.environ.setdefault("MPLBACKEND", "Agg")
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
