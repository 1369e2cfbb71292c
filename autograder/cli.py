"""The course's command line: build, release, grade a class, write feedback and grades.

    maths-of-dl release  [--course DIR]         source/ -> release/ (nbgrader generate_assignment)
    maths-of-dl sample-class --course DIR       write the sample class into DIR/submitted/
    maths-of-dl autograde [--course DIR]        nbgrader autograde of every submission
    maths-of-dl feedback  [--course DIR]        feedback HTML without hidden tests
    maths-of-dl grades    [--course DIR] [--into FILE [--roster CSV] [--assignment ID]]
                                                grades.csv, the grade table, and FILE (Moodle's
                                                grading worksheet or Canvas's gradebook export)
                                                filled with the points, as FILE-graded.csv
    maths-of-dl grade-class [--course DIR] [--workers N | --scheduler ADDRESS] [--zip FILE ...]
                                                import (LMS zip), autograde and feedback on a
                                                Dask cluster (resumable), grades.csv, reports/
    maths-of-dl report [--course DIR]           reports/ only (from gradebook and autograded/)
    maths-of-dl demo --course DIR               all of the above on a 30-student sample class
    maths-of-dl documents [DIR] [--out DIR]     exercises/*.pdf and solutions/*.pdf

grade-class exit status: 0 every student graded cleanly; 1 graded, but some students need a
human look (reasons in reports/students.csv and reports/summary.md); 2 some student could not be
graded at all, or the tool failed.  `demo` returns 0 when the sample class (which has broken work
on purpose) is graded with status 0 or 1.

LMS zip: Canvas, Moodle and Blackboard submission downloads are recognised by the part of each
file name the LMS writes (autograder/lms.py), as is a plain zip of <student>_<notebook>.ipynb
files; each student is graded under the LMS's id, or the id `--roster CSV` maps it to; files not
imported are listed in reports/import.csv.  Grades go back into the file the LMS exports
(`grades --into`, autograder/grades_export.py).

Every step runs the real nbgrader command in the course folder (the folder that holds
nbgrader_config.py and source/).
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .settings import ASSIGNMENT, REPO, db_url, tool_env



def nbgrader(course, *args, check=True):
    """Run `nbgrader ARGS` in the course folder with this Python's tools on PATH."""
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=tool_env(),
                          check=check)


def prepare(course):
    """Make `course` a course folder: the repository's config, source and release."""
    course = Path(course)
    course.mkdir(parents=True, exist_ok=True)
    if course.resolve() != REPO:
        shutil.copy(REPO / "nbgrader_config.py", course)
        for part in ("source", "release"):
            if (REPO / part).exists():
                shutil.rmtree(course / part, ignore_errors=True)
                shutil.copytree(REPO / part, course / part)
    return course


def release(course):
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")


def autograde(course):
    return nbgrader(course, "autograde", ASSIGNMENT, check=False).returncode


def feedback(course):
    """Feedback HTML (hidden tests stripped; its maths MathML, readable offline)."""
    return nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False).returncode


def grades(course):
    """Export grades.csv and print one line per student: total, autograded max, per-notebook."""
    course = Path(course)
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    from nbgrader.api import Gradebook
    db = db_url(course)
    rows = []
    with Gradebook(db) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        names = [nb.name for nb in assignment.notebooks]
        for student in sorted(s.id for s in gb.students):
            try:
                sub = gb.find_submission(ASSIGNMENT, student)
            except Exception:
                continue
            per = {nb.name: nb.score for nb in sub.notebooks}
            rows.append([student, sub.score, sub.max_score] + [per.get(n, 0.0) for n in names])
    header = ["student", "score", "max"] + [n[:2] for n in names]
    print(" ".join(f"{h:>14}" if i == 0 else f"{h:>7}" for i, h in enumerate(header)))
    for row in rows:
        print(" ".join([f"{row[0]:>14}"] + [f"{v:7.2f}" for v in row[1:]]))
    with open(course / "grade_table.csv", "w", newline="") as f:
        csv.writer(f).writerows([header] + rows)
    return rows


def grades_into(course, into, roster=None, assignment=None):
    """Fill the LMS's exported file (autograder.grades_export): 0 every graded student written,
    1 some could not be matched (listed), 2 the file could not be read or is no LMS export."""
    from .grades_export import NotAnLmsFile, fill_file
    try:
        filled, out = fill_file(course, into, roster, assignment)
    except (NotAnLmsFile, OSError, csv.Error) as error:
        print(f"grades --into {into}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({filled.lms}): points for {len(filled.written)} students")
    for note in filled.notes:
        print(f"  {note}")
    if filled.unmatched:
        print(f"  not in the file, not written ({len(filled.unmatched)}): "
              f"{', '.join(filled.unmatched)}; add them with --roster CSV (lms_id,student_id)")
    return 1 if filled.unmatched else 0


def import_zip(course, zips, roster=None):
    """Import LMS downloads into submitted/ (`lms.import_downloads`); 0 when some notebook was
    imported, 2 when none was.  Files not imported are listed with the reason."""
    from .lms import import_downloads
    imported, others = import_downloads(course, zips, roster)
    print(f"imported {len(imported)} notebooks of {len({s for s, _ in imported})} students"
          + (f"; {len(others)} files not imported (reports/import.csv):" if others else ""))
    for where, reason in others:
        print(f"  {where}: {reason}")
    return 0 if imported else 2


def ensure_released(course):
    """The gradebook must know the assignment (generate_assignment); release when it does not."""
    from nbgrader.api import Gradebook, MissingEntry
    try:
        with Gradebook(db_url(course)) as gb:
            if gb.find_assignment(ASSIGNMENT).notebooks:
                return
    except MissingEntry:
        pass
    release(course)


def grade_class(course, workers=None, zips=(), notebook_timeout=None, memory_mb=4096, force=False,
                notebooks=None, students=None, quiet=False, roster=None, scheduler=None):
    """Import, grade on the cluster (resumable; feedback comes back with each student), grades,
    class report; the exit status."""
    from .class_grading import grade_class as run
    from .class_report import write_report
    from .grading.sandbox import problem, unsandboxed
    course = Path(course)
    if not scheduler and not unsandboxed() and problem():
        print(f"Not grading: {problem()}.", file=sys.stderr)
        return 2
    if zips and import_zip(course, zips, roster) != 0:
        print("zip import failed", file=sys.stderr)
        return 2
    ensure_released(course)
    result = run(course, workers=workers, scheduler=scheduler, notebook_timeout=notebook_timeout,
                 memory_mb=memory_mb, force=force, notebooks=notebooks, students=students,
                 progress=not quiet)
    grades(course)
    summary = write_report(course)
    review = result.needs_human
    print(f"graded {len(result.graded)}, unchanged {len(result.skipped)}; "
          f"{len(review)} need a look: {', '.join(review) or '-'}")
    print(f"class report: {summary}")
    return result.exit_status


def demo(course, n=30, workers=None):
    from .sample_class import write_sample_class
    course = prepare(course)
    release(course)
    write_sample_class(course, n)
    status = grade_class(course, workers=workers)
    return 0 if status <= 1 else status


def build_parser():
    """The command line's options (all but `documents`, which has its own)."""
    parser = argparse.ArgumentParser(prog="maths-of-dl", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["release", "sample-class", "autograde", "feedback",
                                            "grades", "grade-class", "report", "demo"])
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    parser.add_argument("--workers", type=int, default=None,
                        help="grade-class: workers of the local cluster, one student each at a "
                             "time (default: number of cores + 1)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade-class: grade on the Dask cluster whose scheduler is at ADDRESS "
                             "(tcp://host:8786) instead of a local one")
    parser.add_argument("--zip", action="append", default=[], metavar="FILE",
                        help="grade-class: an LMS zip download (Canvas, Moodle, Blackboard) to "
                             "import first (repeatable)")
    parser.add_argument("--roster", metavar="CSV",
                        help="grade-class, grades --into: map LMS ids (Canvas user ids, Moodle "
                             "participant numbers) to student ids (columns lms_id,student_id)")
    parser.add_argument("--into", metavar="FILE",
                        help="grades: fill the file the LMS exported (Moodle's grading worksheet, "
                             "Canvas's gradebook export) with the points, into FILE-graded.csv")
    parser.add_argument("--assignment", metavar="ID",
                        help="grades --into: the Canvas assignment (its id or title) to fill")
    parser.add_argument("--notebook-timeout", type=float, default=None,
                        help="grade-class: wall-clock seconds one notebook may take "
                             "(default: max(120, 4 x cell timeout))")
    parser.add_argument("--memory-mb", type=int, default=4096,
                        help="grade-class: address-space limit of nbgrader and its kernel")
    parser.add_argument("--force", action="store_true", help="grade-class: regrade everyone")
    parser.add_argument("--student", action="append", default=None,
                        help="grade-class: only these students (repeatable)")
    parser.add_argument("--students", type=int, default=30, help="demo: size of the sample class")
    parser.add_argument("--quiet", action="store_true", help="grade-class: no progress")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade-class, autograde, demo: run the grading kernels without the "
                             "bubblewrap sandbox (logged, and shown in the class report)")
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["documents"]:   # exercise sheets and worked solutions: its own options
        try:   # an instructor's tool: it lives with the course's sources, not in the package
            from course.documents import main as documents
        except ImportError:
            print("maths-of-dl documents: run it from the course repository "
                  "(python -m course.documents)", file=sys.stderr)
            return 2
        return documents(argv[1:])
    args = build_parser().parse_args(argv)
    course = Path(args.course).resolve()   # nbgrader runs inside it
    if args.unsandboxed:                   # the nbgrader processes inherit the choice
        from .grading.sandbox import UNSANDBOXED_VARIABLE
        os.environ[UNSANDBOXED_VARIABLE] = "1"
    if args.command == "grade-class":
        return grade_class(course, workers=args.workers, scheduler=args.scheduler, zips=args.zip,
                           notebook_timeout=args.notebook_timeout, memory_mb=args.memory_mb,
                           force=args.force, students=args.student, quiet=args.quiet,
                           roster=args.roster)
    if args.command == "report":
        from .class_report import write_report
        print(write_report(course))
        return 0
    if args.command == "grades" and args.into:
        grades(course)
        return grades_into(course, args.into, args.roster, args.assignment)
    if args.command == "demo":
        return demo(course, n=args.students, workers=args.workers)
    if args.command == "sample-class":
        from .sample_class import write_class
        print("\n".join(write_class(prepare(course))))
        return 0
    action = {"release": release, "autograde": autograde, "feedback": feedback,
              "grades": grades}[args.command]
    result = action(course)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
