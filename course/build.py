"""Build the course from course/ and the catalogue, as one assignment or week by week.

The plan (`autograder.assignment.PLANS`) is `one` assignment of five notebooks
(`source/maths_of_dl/`, the default and the repository's own) or `weekly`, one notebook an
assignment (`source/week1_forward_pass/01_forward_pass.ipynb` ...).

    python -m course.build [COURSE] [--plan one|weekly]            # source/ only
    maths-of-dl build [COURSE] [--plan one|weekly] [--no-documents]

`maths-of-dl build` (`build_course`) regenerates everything that follows from the course code,
in order: source/ (this module), release/ (`nbgrader generate_assignment ASSIGNMENT --force`
for each assignment of the plan, in the course folder), the kernel side's manifest
(`autograder.kernel_data`, rewritten only when it changed: it is keyed by exercise, so one
manifest serves every assignment of either plan), and the exercise sheets, worked-solution PDFs
and solutions/worked.md (`course.documents`, one sheet and one PDF of worked solutions per
notebook, named after the week in the weekly plan).  A new exercise is written in
`autograder/catalogue.py` and its notebook's `course/nbXX_*.py`, then this one command.

A course folder without `nbgrader_config.py` gets the repository's.  Assignments of the other
plan already in the folder are left as they are (students may have their release).
"""
import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.assignment import PLANS
from autograder.settings import tool_env

ROOT = Path(__file__).resolve().parent.parent
KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}


def notebook(module):
    nb = nbformat.v4.new_notebook(cells=module.cells(), metadata=KERNEL)
    for k, cell in enumerate(nb.cells):   # stable ids, so rebuilding changes nothing
        cell.id = f"{module.NAME[:2]}-{k:03d}"
    return nb


def build(root=ROOT, plan="one"):
    """Write source/<assignment>/<notebook>.ipynb for every assignment of the plan; the paths."""
    paths = []
    for assignment in PLANS[plan]:
        folder = Path(root) / "source" / assignment.id
        folder.mkdir(parents=True, exist_ok=True)
        for module in assignment.course_modules:
            path = folder / f"{module.NAME}.ipynb"
            nbformat.write(notebook(module), path)
            paths.append(path)
    return paths


def release(course, plan="one"):
    """`nbgrader generate_assignment ID --force` for every assignment of the plan, in the course
    folder (the gradebook learns each assignment); the release folders.  RuntimeError with
    nbgrader's last words when one fails."""
    folders = []
    for assignment in PLANS[plan]:
        run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment",
                              assignment.id, "--force"], cwd=course, capture_output=True,
                             text=True, env=tool_env())
        folder = Path(course) / "release" / assignment.id
        if run.returncode != 0 or not any(folder.glob("*.ipynb")):
            raise RuntimeError(f"nbgrader generate_assignment {assignment.id} failed:\n"
                               + run.stdout[-2000:] + run.stderr[-2000:])
        folders.append(folder)
    return folders


def build_course(course=ROOT, plan="one", documents=True, out=print):
    """Source, release, kernel manifest and (with `documents`) the PDFs and worked.md of the
    course folder in the plan; the exit status (the documents' own: 1 when tools are missing)."""
    from autograder import kernel_data
    course = Path(course).resolve()
    course.mkdir(parents=True, exist_ok=True)
    if not (course / "nbgrader_config.py").exists():
        shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    out(f"source: {len(build(course, plan))} notebooks in "
        f"{', '.join(a.id for a in PLANS[plan])}")
    try:
        out(f"release: {', '.join(str(f) for f in release(course, plan))}")
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    if kernel_data.MANIFEST.parent.is_dir():          # the kernel side's sources are here
        wrote = kernel_data.refresh()
        out(f"kernel manifest: {kernel_data.MANIFEST} " + (
            "rewritten (scripts/setup.sh installs it into the grading kernel)" if wrote
            else "unchanged"))
    if not documents:
        return 0
    from .documents import build_documents
    report = build_documents(course, plan=plan)
    out(report.summary())
    return report.exit_code


def main(argv=None, prog="python -m course.build"):
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    default = str(ROOT) if prog == "python -m course.build" else "."
    parser.add_argument("course", nargs="?", default=default,
                        help=f"the course folder (default: {default})")
    parser.add_argument("--plan", choices=sorted(PLANS), default="one",
                        help="the lab as one assignment (default) or week by week")
    if prog != "python -m course.build":
        parser.add_argument("--no-documents", action="store_true",
                            help="leave out the PDFs and worked.md (they need XeLaTeX)")
    args = parser.parse_args(argv)
    if prog == "python -m course.build":
        for path in build(args.course, args.plan):
            print(f"wrote {path}")
        return 0
    return build_course(args.course, args.plan, documents=not args.no_documents)


if __name__ == "__main__":
    sys.exit(main())
