"""The course's command line: build, release, grade a class, write feedback and grades.

    maths-of-dl release  [--course DIR]         source/ -> release/ (nbgrader generate_assignment)
    maths-of-dl sample-class --course DIR       write the sample class into DIR/submitted/
    maths-of-dl autograde [--course DIR]        nbgrader autograde of every submission
    maths-of-dl feedback  [--course DIR]        feedback HTML without hidden tests
    maths-of-dl grades    [--course DIR]        grades.csv and the grade table
    maths-of-dl demo --course DIR               all of the above on the sample class

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

ASSIGNMENT = "maths_of_dl"
REPO = Path(__file__).resolve().parent.parent


def nbgrader(course, *args, check=True):
    """Run `nbgrader ARGS` in the course folder with this Python's tools on PATH."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
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
    return nbgrader(course, "generate_feedback", ASSIGNMENT, "--force", check=False).returncode


def grades(course):
    """Export grades.csv and print one line per student: total, autograded max, per-notebook."""
    course = Path(course)
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    from nbgrader.api import Gradebook
    db = os.environ.get("MATHS_OF_DL_DB_URL") or f"sqlite:///{course / 'gradebook.db'}"
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


def demo(course):
    from .sample_class import write_class
    course = prepare(course)
    release(course)
    write_class(course)
    status = autograde(course)
    feedback(course)
    grades(course)
    return status


def main(argv=None):
    parser = argparse.ArgumentParser(prog="maths-of-dl", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["release", "sample-class", "autograde", "feedback",
                                            "grades", "demo"])
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    args = parser.parse_args(argv)
    course = Path(args.course)
    if args.command == "sample-class":
        from .sample_class import write_class
        print("\n".join(write_class(prepare(course))))
        return 0
    action = {"release": release, "autograde": autograde, "feedback": feedback, "grades": grades,
              "demo": demo}[args.command]
    result = action(course)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
