"""The course's command line: build, release, grade a class, write feedback and grades.

    maths-of-dl release [ASSIGNMENT] [--course DIR] [--force]
                                                the assignment into the gradebook; source/ ->
                                                release/ only where there is none (or --force)
    maths-of-dl sample-class --course DIR [--plan one|weekly]
                                                write the lab's sample class into DIR/submitted/
    maths-of-dl autograde [ASSIGNMENT] [--course DIR]
                                                nbgrader autograde of every submission
    maths-of-dl feedback [ASSIGNMENT] [--course DIR]
                                                feedback HTML without hidden tests
    maths-of-dl grades [ASSIGNMENT] [--course DIR] [--into FILE [--roster CSV]
                       [--lms-assignment ID]]   reports/ASSIGNMENT/grades.csv, the grade table,
                                                and FILE (Moodle's grading worksheet or Canvas's
                                                gradebook export) filled with the points, as
                                                FILE-graded.csv
    maths-of-dl grade-class [ASSIGNMENT] [--course DIR] [--workers N | --scheduler ADDRESS]
                       [--zip FILE ...]         import (LMS zip), autograde and feedback on a
                                                Dask cluster (resumable), grades,
                                                reports/ASSIGNMENT/
    maths-of-dl report [ASSIGNMENT] [--course DIR]
                                                reports/ASSIGNMENT/ only (from the gradebook and
                                                autograded/)
    maths-of-dl demo --course DIR [--students N] [--plan one|weekly]
                                                all of the above on a 30-student sample class
    maths-of-dl documents [DIR] [--out DIR]     exercises/*.pdf and solutions/*.pdf
    maths-of-dl build [DIR] [--plan one|weekly] source/, release/, the kernel manifest, the PDFs
                                                and solutions/worked.md, all from course/

ASSIGNMENT is an assignment of the course folder (a folder of its source/).  It may be left out
when the course folder holds one assignment; with several, the command says which there are and
changes nothing.  A lab assignment (`maths_of_dl`, or one of the weekly ones) is graded by the
course's grader; any other assignment (a quiz whose tests are plain asserts, say) by nbgrader's
own rules, in the same commands: autograde, feedback, grades and report work the same, and
grade-class grades it on the cluster as it does the lab.  Each assignment has its own report
folder, grades and rerun record: grading one never touches another's.

grade-class exit status: 0 every student graded cleanly; 1 graded, but some students need a
human look (reasons in reports/ASSIGNMENT/students.csv and summary.md); 2 some student could not
be graded at all, or the tool failed, or the run could not start (autograder/preflight.py: one
or two lines say why, and nothing is written); 130 interrupted (Ctrl-C): the students graded so
far are kept, and the same command grades the rest.  `demo` returns 0 when the sample class
(which has broken work on purpose) is graded with status 0 or 1.

LMS zip: Canvas, Moodle and Blackboard submission downloads are recognised by the part of each
file name the LMS writes (autograder/lms.py), as is a plain zip of <student>_<notebook>.ipynb
files; each student is graded under the LMS's id, or the id `--roster CSV` maps it to; files not
imported are listed in reports/ASSIGNMENT/import.csv.  Grades go back into the file the LMS
exports (`grades --into`, autograder/grades_export.py).

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

from .assignment import LAB, PLANS
from .settings import REPO, db_url, tool_env, tools_on_path

WORK = ".grading"      # the tool's own files in the course folder (class_grading.WORK)
INTERRUPTED = 130      # grade-class's exit status after Ctrl-C, as a shell reports it



def nbgrader(course, *args, check=True, stop=None):
    """Run `nbgrader ARGS` in the course folder with this Python's tools on PATH.  Waits in short
    steps, so that a Ctrl-C reaches this process's main thread whichever thread the system handed
    it to, and `stop` (a `class_grading.Interruption`) is looked at: either raises
    KeyboardInterrupt, with nbgrader killed."""
    return finished(started(course, *args), check, stop)


def started(course, *args):
    """`nbgrader ARGS` started in the course folder, not waited for (`finished` waits)."""
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course,
                            env=tool_env())


def finished(proc, check=True, stop=None):
    """Wait for the nbgrader `proc` as `nbgrader` does; kill it if waiting is interrupted."""
    try:
        while True:
            try:
                code = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stop:
                    raise KeyboardInterrupt from None
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if check and code:
        raise subprocess.CalledProcessError(code, proc.args)
    return subprocess.CompletedProcess(proc.args, code)


def prepare(course, plan="one"):
    """Make `course` a course folder of the lab in the release plan (`assignment.PLANS`): the
    repository's config, and source and release of each assignment of the plan.  The repository
    holds the `one` plan's; a weekly assignment's source is its notebook of the lab's (the same
    notebook, cell for cell, course/build.py), and its release is made by `release`."""
    course = Path(course)
    course.mkdir(parents=True, exist_ok=True)
    if course.resolve() != REPO:
        shutil.copy(REPO / "nbgrader_config.py", course)
        for part in ("source", "release"):
            shutil.rmtree(course / part, ignore_errors=True)
            for assignment in PLANS[plan]:
                if (REPO / part / assignment.id).is_dir():
                    shutil.copytree(REPO / part / assignment.id, course / part / assignment.id)
                elif part == "source":
                    folder = course / part / assignment.id
                    folder.mkdir(parents=True)
                    for notebook in assignment.notebooks:
                        shutil.copy(REPO / part / LAB.id / f"{notebook}.ipynb", folder)
    return course


def released(course, plan="one"):
    """Each assignment of the plan released where it is not (the gradebook learns it)."""
    for assignment in PLANS[plan]:
        if not any((Path(course) / "release" / assignment.id).glob("*.ipynb")):
            release(course, assignment)


def release(course, assignment, force=False):
    """The `assignment` into the gradebook, and `release/` written where there is none (or
    rewritten, with `force`).  An existing release is never rewritten without `force`: students
    may already have it.  Then source/ is released into a scratch folder (which fills the
    gradebook just the same) and a release that differs from it is named, not changed."""
    course, aid = Path(course), assignment.id
    folder = course / "release" / aid
    if force or not any(folder.glob("*.ipynb")):
        nbgrader(course, "generate_assignment", aid, *(["--force"] if force else []))
        return 0
    scratch = Path(WORK) / "release-check"
    try:
        nbgrader(course, "generate_assignment", aid, "--force",
                 f"--CourseDirectory.release_directory={scratch}")
        fresh = course / scratch / aid
        differ = sorted(p.name for p in fresh.glob("*.ipynb")
                        if not (folder / p.name).exists()
                        or (folder / p.name).read_bytes() != p.read_bytes())
    finally:
        shutil.rmtree(course / scratch, ignore_errors=True)
    if differ:
        print(f"note: release/{aid} differs from what source/ releases now "
              f"({', '.join(differ)}); it is left as it is, since students may have it. "
              f"`maths-of-dl release {aid} --force` rewrites it.", file=sys.stderr)
    return 0


def autograde(course, assignment):
    return nbgrader(course, "autograde", assignment.id, check=False).returncode


def feedback(course, assignment):
    """Feedback HTML (hidden tests stripped; its maths MathML, readable offline)."""
    return nbgrader(course, "generate_feedback", assignment.id, "--force",
                    check=False).returncode


def grades(course, assignment, stop=None, meanwhile=None):
    """Export the `assignment`'s grades (nbgrader's CSV, reports/<assignment>/grades.csv) and
    its grade table (grade_table.csv beside it), and print one line per student: total,
    autograded max, per-notebook.  (`stop`: as `nbgrader`'s.)  The table is made while nbgrader
    exports, and so is `meanwhile()` (the class report, on another core); returns the table's
    rows, and what `meanwhile` returned."""
    from .class_report import report_dir
    course, out = Path(course), report_dir(course, assignment)
    out.mkdir(parents=True, exist_ok=True)
    export = started(course, "export", "--to", str(out / "grades.csv"),
                     "--assignment", assignment.id)
    try:
        rows = grade_table(course, assignment, out)
        extra = meanwhile() if meanwhile else None
    except BaseException:
        export.kill()
        export.wait()
        raise
    finished(export, stop=stop)
    return rows, extra


def grade_table(course, assignment, out):
    """Print and write (`out`/grade_table.csv) the grade table; its rows."""
    from nbgrader.api import Gradebook
    db = db_url(course)
    rows = []
    with Gradebook(db) as gb:
        names = [nb.name for nb in gb.find_assignment(assignment.id).notebooks]
        for student in sorted(s.id for s in gb.students):
            try:
                sub = gb.find_submission(assignment.id, student)
            except Exception:
                continue
            per = {nb.name: nb.score for nb in sub.notebooks}
            rows.append([student, sub.score, sub.max_score] + [per.get(n, 0.0) for n in names])
    header = ["student", "score", "max"] + [n[:2] for n in names]
    print(" ".join(f"{h:>14}" if i == 0 else f"{h:>7}" for i, h in enumerate(header)))
    for row in rows:
        print(" ".join([f"{row[0]:>14}"] + [f"{v:7.2f}" for v in row[1:]]))
    with open(out / "grade_table.csv", "w", newline="") as f:
        csv.writer(f).writerows([header] + rows)
    return rows


def grades_into(course, assignment, into, roster=None, lms_assignment=None):
    """Fill the LMS's exported file (autograder.grades_export) with the `assignment`'s grades
    (`lms_assignment`: the LMS's assignment to fill): 0 every graded student written, 1 some
    could not be matched (listed), 2 the file could not be read or is no LMS export."""
    from .grades_export import NotAnLmsFile, fill_file
    try:
        filled, out = fill_file(course, assignment, into, roster, lms_assignment)
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


def import_zip(course, assignment, zips, roster=None):
    """Import the `assignment`'s LMS downloads into submitted/ (`lms.import_downloads`); 0 when
    some notebook was imported, 2 when none was.  Files not imported are listed with the
    reason."""
    from .lms import import_downloads
    imported, others = import_downloads(course, assignment, zips, roster)
    print(f"imported {len(imported)} notebooks of {len({s for s, _ in imported})} students"
          + (f"; {len(others)} files not imported (reports/{assignment.id}/import.csv):"
             if others else ""))
    for where, reason in others:
        print(f"  {where}: {reason}")
    return 0 if imported else 2


def ensure_released(course, assignment):
    """The gradebook must know the `assignment`: release (`release`: release/ is written only
    where there is none) when it does not."""
    from nbgrader.api import Gradebook, MissingEntry
    tools_on_path()
    wanted = {p.stem for p in (Path(course) / "source" / assignment.id).glob("*.ipynb")}
    try:
        with Gradebook(db_url(course)) as gb:   # every notebook (a release cut short has fewer)
            if {nb.name for nb in gb.find_assignment(assignment.id).notebooks} >= wanted:
                return
    except MissingEntry:
        pass
    release(course, assignment)


def grade_class(course, assignment, workers=None, zips=(), notebook_timeout=None,
                memory_mb=4096, force=False, notebooks=None, students=None, quiet=False,
                roster=None, scheduler=None):
    """Import, grade the `assignment` on the cluster (resumable; feedback comes back with each
    student), grades, class report; the exit status.  A lab assignment is graded by the
    course's grader, any other by nbgrader's rules (`assignment.being_graded`)."""
    from .class_grading import Interruption, grade_class as run
    from .class_report import write_report
    from .grading.sandbox.policy import unsandboxed
    from .grading.sandbox.probe import problem
    from .preflight import (course_problem, record_problem, roster_problem, scheduler_problem,
                            zip_problem)
    course = Path(course)
    problems = [course_problem(course, assignment) or record_problem(course, assignment)]
    problems += [zip_problem(z) for z in zips]
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
    if not scheduler:            # the local cluster's workers are threads of this process:
        from .grading.student import prepare_worker
        prepare_worker()         # their warm grader warms up while the class is read and staged
    try:
        ensure_released(course, assignment)   # an import needs the release's notebook names
        if zips and import_zip(course, assignment, zips, roster) != 0:
            print("zip import failed", file=sys.stderr)
            return 2
        if roster:         # its names, for the class report (class_report.read_names)
            (course / WORK).mkdir(exist_ok=True)
            shutil.copyfile(roster, course / WORK / "roster.csv")
        result = run(course, assignment, workers=workers, scheduler=scheduler,
                     notebook_timeout=notebook_timeout, memory_mb=memory_mb, force=force,
                     notebooks=notebooks, students=students, progress=not quiet)
        if result.interrupted:
            print(interrupted_line(course, assignment, result.left), file=sys.stderr)
            return result.exit_status
        with Interruption() as stop:           # Ctrl-C while grades and report are written
            _, summary = grades(course, assignment, stop=stop,
                                meanwhile=lambda: write_report(course, assignment))
        if stop:
            raise KeyboardInterrupt
    except KeyboardInterrupt:      # a second Ctrl-C, or one before or after the grading
        print(interrupted_line(course, assignment), file=sys.stderr)
        return INTERRUPTED
    review = result.needs_human
    print(f"graded {len(result.graded)}, unchanged {len(result.skipped)}; "
          f"{len(review)} need a look: {', '.join(review) or '-'}")
    print(f"class report: {summary}")
    return result.exit_status


def interrupted_line(course, assignment, left=None):
    """What an interrupted grade-class kept, and how to go on."""
    from .class_grading import load_record
    kept = sum(o.get("status") != "failed" for o in load_record(course, assignment).values())
    waiting = "" if left is None else f"; {len(left)} not graded yet"
    return (f"Interrupted: {kept} student(s) of {assignment.id} graded and kept (gradebook, "
            f"autograded/, feedback/, the rerun record .grading/graded.json){waiting}. Run the "
            "same command again: it grades only the students not graded yet, then writes the "
            f"grades and reports/{assignment.id}/.")


def demo(course, n=30, workers=None, plan="one"):
    """A sample class of `n` students graded in each assignment of the release plan: 0 when
    every assignment was graded (some students needing a look is the sample's point)."""
    from .sample_class import write_sample_class
    course = prepare(course, plan)
    for assignment in PLANS[plan]:
        release(course, assignment)
    write_sample_class(course, n, plan=plan)
    status = max(grade_class(course, assignment, workers=workers)
                 for assignment in PLANS[plan])
    return 0 if status <= 1 else status


#: (command, what it does) in the order the help lists them
COMMANDS = (
    ("release", "the assignment into the gradebook; source/ -> release/ where there is none"),
    ("sample-class", "write the lab's sample class into the course's submitted/"),
    ("autograde", "nbgrader autograde of every submission of the assignment"),
    ("feedback", "feedback HTML of the assignment, without hidden tests"),
    ("grades", "the assignment's grades.csv and grade table; with --into, the LMS's file filled"),
    ("grade-class", "import, autograde and feedback on a Dask cluster (resumable), grades and "
                    "the class report"),
    ("report", "the assignment's class report only (from the gradebook and autograded/)"),
    ("demo", "all of the above on a sample class of the lab"),
    ("build", "the course rebuilt from course/ in either release plan: source/, release/, the "
              "kernel manifest, the PDFs, worked.md (the instructor's; its own options: "
              "maths-of-dl build --help)"),
    ("documents", "exercise sheets and worked solutions as PDF (the instructor's; its own "
                  "options: maths-of-dl documents --help)"),
)
#: the instructor's tools: the course's own modules, with options of their own
INSTRUCTOR_TOOLS = ("build", "documents")
#: the commands that act on one assignment of the course folder
ON_ONE_ASSIGNMENT = ("release", "autograde", "feedback", "grades", "grade-class", "report")


def build_parser():
    """The command line: one subcommand each, `documents` included (its options are its own)."""
    parser = argparse.ArgumentParser(prog="maths-of-dl", description=__doc__.splitlines()[0],
                                     epilog="ASSIGNMENT: an assignment of the course folder "
                                            "(a folder of source/); it may be left out when "
                                            "the course folder holds only one.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    made = {}
    for name, what in COMMANDS:
        made[name] = commands.add_parser(name, help=what, description=what,
                                         add_help=name not in INSTRUCTOR_TOOLS)
        if name in INSTRUCTOR_TOOLS:
            continue
        made[name].add_argument("--course", default=".",
                                help="the course folder (default: here)")
        if name in ON_ONE_ASSIGNMENT:
            made[name].add_argument("assignment", nargs="?", metavar="ASSIGNMENT",
                                    help="the assignment (default: the course folder's only "
                                         "one)")
    for name in ("grade-class", "autograde", "demo"):
        made[name].add_argument("--unsandboxed", action="store_true",
                                help="run the grading kernels without the bubblewrap sandbox "
                                     "(logged, and shown in the class report)")
    for name in ("grade-class", "demo"):
        made[name].add_argument("--workers", type=int, default=None,
                                help="workers of the local cluster, one student each at a "
                                     "time (default: twice the number of cores, plus 1)")
    grade = made["grade-class"]
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on the Dask cluster whose scheduler is at ADDRESS "
                            "(tcp://host:8786) instead of a local one")
    grade.add_argument("--zip", action="append", default=[], metavar="FILE",
                       help="an LMS zip download (Canvas, Moodle, Blackboard) to import first "
                            "(repeatable)")
    for name in ("grade-class", "grades"):
        made[name].add_argument("--roster", metavar="CSV",
                                help="map LMS ids (Canvas user ids, Moodle participant numbers) "
                                     "to student ids (columns lms_id,student_id)")
    made["grades"].add_argument("--into", metavar="FILE",
                                help="fill the file the LMS exported (Moodle's grading "
                                     "worksheet, Canvas's gradebook export) with the points, "
                                     "into FILE-graded.csv")
    made["grades"].add_argument("--lms-assignment", "--assignment", metavar="ID",
                                dest="lms_assignment",
                                help="with --into: the LMS's assignment (Canvas: its id or "
                                     "title) to fill")
    grade.add_argument("--notebook-timeout", type=float, default=None,
                       help="wall-clock seconds one notebook may take "
                            "(default: max(120, 4 x cell timeout))")
    grade.add_argument("--memory-mb", type=int, default=4096,
                       help="address-space limit of nbgrader and its kernel")
    grade.add_argument("--force", action="store_true", help="regrade everyone")
    made["release"].add_argument("--force", action="store_true",
                                 help="rewrite release/ (which students may already have)")
    grade.add_argument("--student", action="append", default=None,
                       help="only these students (repeatable)")
    grade.add_argument("--quiet", action="store_true", help="no progress")
    made["demo"].add_argument("--students", type=int, default=30,
                              help="size of the sample class")
    for name in ("sample-class", "demo"):
        made[name].add_argument("--plan", choices=sorted(PLANS), default="one",
                                help="the lab as one assignment (default) or week by week "
                                     "(as maths-of-dl build --plan)")
    return parser


def instructor_tool(command, argv):
    """`maths-of-dl build ...` or `maths-of-dl documents ...`: the course's own `course.build` or
    `course.documents`, with their own options.  They live with the course's sources (the
    repository, or the folder the command runs in), not in the installed package."""
    here = Path.cwd()
    for root in (here, REPO):   # (a console script's path has neither)
        if (root / "course" / "documents.py").is_file() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
            break
    try:
        from course.build import main as build
        from course.documents import main as documents
    except ImportError:
        print(f"maths-of-dl {command}: run it from the course repository "
              f"(python -m course.{command})", file=sys.stderr)
        return 2
    if command == "build":
        return build(argv, prog="maths-of-dl build")
    return documents(argv)


def main(argv=None):
    from_command_line = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if args.command in INSTRUCTOR_TOOLS:   # the course's own tools, with their own options
        return instructor_tool(args.command, rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    tools_on_path()
    course = Path(args.course).resolve()   # nbgrader runs inside it
    assignment = None
    if args.command in ON_ONE_ASSIGNMENT:
        from .preflight import choose_assignment
        assignment, problem = choose_assignment(course, args.assignment, args.command)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if getattr(args, "unsandboxed", False):   # the nbgrader processes inherit the choice
        from .grading.sandbox.probe import UNSANDBOXED_VARIABLE
        os.environ[UNSANDBOXED_VARIABLE] = "1"
    if args.command == "grade-class":
        status = grade_class(course, assignment, workers=args.workers, scheduler=args.scheduler,
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
        print(write_report(course, assignment))
        return 0
    if args.command == "grades" and args.into:
        grades(course, assignment)
        return grades_into(course, assignment, args.into, args.roster, args.lms_assignment)
    if args.command == "demo":
        return demo(course, n=args.students, workers=args.workers, plan=args.plan)
    if args.command == "sample-class":
        from .sample_class import write_class
        course = prepare(course, args.plan)
        released(course, args.plan)
        print("\n".join(write_class(course, plan=args.plan)))
        return 0
    if args.command == "release":
        return release(course, assignment, force=args.force)
    action = {"autograde": autograde, "feedback": feedback, "grades": grades}[args.command]
    result = action(course, assignment)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
