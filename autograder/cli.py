"""The course's command line: build, release, grade a class, write feedback and grades.

    maths-of-dl release  [--course DIR] [--force]
                                                the assignment into the gradebook; source/ ->
                                                release/ only where there is none (or --force)
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
    maths-of-dl build [DIR] [--plan one|weekly] source/, release/, the kernel manifest, the PDFs
                                                and solutions/worked.md, all from course/

grade-class exit status: 0 every student graded cleanly; 1 graded, but some students need a
human look (reasons in reports/students.csv and reports/summary.md); 2 some student could not be
graded at all, or the tool failed, or the run could not start (autograder/preflight.py: one or
two lines say why, and nothing is written); 130 interrupted (Ctrl-C): the students graded so far
are kept, and the same command grades the rest.  `demo` returns 0 when the sample class (which has broken work
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

from .settings import ASSIGNMENT, REPO, db_url, tool_env, tools_on_path

WORK = ".grading"      # the tool's own files in the course folder (class_grading.WORK)
INTERRUPTED = 130      # grade-class's exit status after Ctrl-C, as a shell reports it



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


def release(course, force=False):
    """The assignment into the gradebook, and `release/` written where there is none (or
    rewritten, with `force`).  An existing release is never rewritten without `force`: students
    may already have it.  Then source/ is released into a scratch folder (which fills the
    gradebook just the same) and a release that differs from it is named, not changed."""
    course = Path(course)
    folder = course / "release" / ASSIGNMENT
    if force or not any(folder.glob("*.ipynb")):
        nbgrader(course, "generate_assignment", ASSIGNMENT, *(["--force"] if force else []))
        return 0
    scratch = Path(WORK) / "release-check"
    try:
        nbgrader(course, "generate_assignment", ASSIGNMENT, "--force",
                 f"--CourseDirectory.release_directory={scratch}")
        fresh = course / scratch / ASSIGNMENT
        differ = sorted(p.name for p in fresh.glob("*.ipynb")
                        if not (folder / p.name).exists()
                        or (folder / p.name).read_bytes() != p.read_bytes())
    finally:
        shutil.rmtree(course / scratch, ignore_errors=True)
    if differ:
        print(f"note: release/{ASSIGNMENT} differs from what source/ releases now "
              f"({', '.join(differ)}); it is left as it is, since students may have it. "
              "`maths-of-dl release --force` rewrites it.", file=sys.stderr)
    return 0


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
    """The gradebook must know the assignment: release (`release`: release/ is written only where
    there is none) when it does not."""
    from nbgrader.api import Gradebook, MissingEntry
    tools_on_path()
    wanted = {p.stem for p in (Path(course) / "source" / ASSIGNMENT).glob("*.ipynb")}
    try:
        with Gradebook(db_url(course)) as gb:   # every notebook (a release cut short has fewer)
            if {nb.name for nb in gb.find_assignment(ASSIGNMENT).notebooks} >= wanted:
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
    from .grading.sandbox.policy import unsandboxed
    from .grading.sandbox.probe import problem
    from .preflight import course_problem, roster_problem, scheduler_problem, zip_problem
    course = Path(course)
    problems = [course_problem(course)] + [zip_problem(z) for z in zips]
    if roster:
        problems.append(roster_problem(roster))
    if not scheduler and not unsandboxed() and problem():
        problems.append(f"Not grading: {problem()}.")
    if scheduler and not any(problems):    # before anything is released or imported
        problems.append(scheduler_problem(scheduler))
    if any(problems):
        for line in filter(None, problems):
            print(line, file=sys.stderr)
        return 2
    try:
        ensure_released(course)            # an import needs the release's notebook names
        if zips and import_zip(course, zips, roster) != 0:
            print("zip import failed", file=sys.stderr)
            return 2
        if roster:         # its names, for the class report (class_report.read_names)
            (course / WORK).mkdir(exist_ok=True)
            shutil.copyfile(roster, course / WORK / "roster.csv")
        result = run(course, workers=workers, scheduler=scheduler,
                     notebook_timeout=notebook_timeout, memory_mb=memory_mb, force=force,
                     notebooks=notebooks, students=students, progress=not quiet)
        if result.interrupted:
            print(interrupted_line(course, result.left), file=sys.stderr)
            return result.exit_status
        grades(course)
        summary = write_report(course)
    except KeyboardInterrupt:      # a second Ctrl-C, or one before or after the grading
        print(interrupted_line(course), file=sys.stderr)
        return INTERRUPTED
    review = result.needs_human
    print(f"graded {len(result.graded)}, unchanged {len(result.skipped)}; "
          f"{len(review)} need a look: {', '.join(review) or '-'}")
    print(f"class report: {summary}")
    return result.exit_status


def interrupted_line(course, left=None):
    """What an interrupted grade-class kept, and how to go on."""
    from .class_grading import load_manifest
    kept = sum(o.get("status") != "failed" for o in load_manifest(course).values())
    waiting = "" if left is None else f"; {len(left)} not graded yet"
    return (f"Interrupted: {kept} student(s) graded and kept (gradebook, autograded/, feedback/, "
            f".grading/manifest.json){waiting}. Run the same command again: it grades only "
            "the students not graded yet, then writes grades.csv and reports/.")


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
    parser.add_argument("--force", action="store_true",
                        help="grade-class: regrade everyone; release: rewrite release/ (which "
                             "students may already have)")
    parser.add_argument("--student", action="append", default=None,
                        help="grade-class: only these students (repeatable)")
    parser.add_argument("--students", type=int, default=30, help="demo: size of the sample class")
    parser.add_argument("--quiet", action="store_true", help="grade-class: no progress")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade-class, autograde, demo: run the grading kernels without the "
                             "bubblewrap sandbox (logged, and shown in the class report)")
    return parser


def main(argv=None):
    from_command_line = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["documents"], ["build"]):   # the instructor's tools: their own options
        here = Path.cwd()   # an instructor's tool: it lives with the course's sources
        for root in (here, REPO):   # (a console script's path has neither)
            if (root / "course" / "documents.py").is_file() and str(root) not in sys.path:
                sys.path.insert(0, str(root))
                break
        try:
            from course.build import main as build
            from course.documents import main as documents
        except ImportError:
            print(f"maths-of-dl {argv[0]}: run it from the course repository "
                  f"(python -m course.{argv[0]})", file=sys.stderr)
            return 2
        if argv[0] == "build":
            return build(argv[1:], prog="maths-of-dl build")
        return documents(argv[1:])
    args = build_parser().parse_args(argv)
    tools_on_path()
    course = Path(args.course).resolve()   # nbgrader runs inside it
    if args.command in ("release", "autograde", "feedback", "grades"):
        from .preflight import course_problem
        if course_problem(course):
            print(course_problem(course), file=sys.stderr)
            return 2
    if args.unsandboxed:                   # the nbgrader processes inherit the choice
        from .grading.sandbox.probe import UNSANDBOXED_VARIABLE
        os.environ[UNSANDBOXED_VARIABLE] = "1"
    if args.command == "grade-class":
        status = grade_class(course, workers=args.workers, scheduler=args.scheduler,
                             zips=args.zip, notebook_timeout=args.notebook_timeout,
                             memory_mb=args.memory_mb, force=args.force, students=args.student,
                             quiet=args.quiet, roster=args.roster)
        if status == INTERRUPTED and from_command_line:
            # Ctrl-C: everything is saved; Python's own clean-up of the libraries loaded
            # (seconds of CPU) would only keep the tutor waiting
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        return status
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
    if args.command == "release":
        return release(course, force=args.force)
    action = {"autograde": autograde, "feedback": feedback, "grades": grades}[args.command]
    result = action(course)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
