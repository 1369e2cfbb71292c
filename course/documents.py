"""Release documents: worked-solution PDFs and printable exercise sheets, per assignment.

    python -m course.documents [COURSE] [--plan one|weekly] [--out DIR] [--regenerate] [--jobs N]
                               [--notebook NAME]
    python -m course.documents --apt-packages      # what a Debian/Ubuntu machine needs

COURSE is the course folder (nbgrader_config.py, source/, release/; default: the current folder).
The plan (`autograder.assignment.PLANS`) says which assignments the lab is released as: `one`
(the default, `maths_of_dl`, five notebooks) or `weekly` (`week1_forward_pass` ...
`week5_backpropagation`, one notebook each).  Each assignment's release notebooks are read from
COURSE/release/<assignment>/; when there are none (a clean checkout), or with --regenerate, they
are generated from COURSE/source/ by `nbgrader generate_assignment` in a temporary copy of the
course, so the checkout is left untouched.  Written below DIR (default COURSE):

* `exercises/<document>.pdf`: the release notebook as students get it, for paper: prose, given
  data and figures, each answer cell replaced by a framed working space; no solution stubs, no
  check or grade cells.
* `solutions/<document>.pdf`: the same prose and given data, and in place of each answer the
  worked solution of `worked.steps` (computed from the reference code the grader uses), the model
  answers of the manually graded cells, and the figures; no hidden tests, grader calls or
  nbgrader markers (every document is checked for them before it is typeset).
* `solutions/worked.md`: the text of every worked solution of the plan (`worked.markdown`: words,
  numbers, equations and code, figures left out), exercise by exercise, as plain Markdown.
  Committed with the PDFs, so a change to what students read shows in a commit's diff, and
  tests/test_worked.py compares it with the worked steps in seconds (no TeX needed).

A document is named after its notebook (`01_forward_pass`) in an assignment of several notebooks,
and after its assignment (`week1_forward_pass`) in an assignment of one: a weekly release has one
exercise sheet and one worked-solutions PDF a week, each with that week's exercises only.

The documents are made by `course.sheets` (notebook to sheet and worked solutions), typeset by
`course.typesetting` (nbconvert, XeLaTeX) in parallel processes, with the tools `course.tools`
finds.  Builds are reproducible: the PDFs' dates come from SOURCE_DATE_EPOCH (fixed unless set),
so building the same course twice gives the same bytes.  Missing tools are reported with the
packages that provide them, and what can still be built is: HTML instead of PDF without XeLaTeX;
the exit status is then 1 (2 for other problems).

The PDFs are committed in exercises/ and solutions/ (tests/test_documents.py fails when they are
stale); after changing the notebooks or the worked steps, rebuild them with

    python -m course.documents .          (or `maths-of-dl build`, which rebuilds everything)
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import nbformat

from autograder.assignment import LAB, PLANS
from autograder.settings import tool_env

from .sheets import COURSE_TITLE, DOCUMENTS, exercise_of, exercise_sheet, role, \
    solution_notebook, worked_text
from .tools import APT_PACKAGES, install_hint, missing_tools
from .typesetting import build_one, reproducible_process

ASSIGNMENT = LAB.id
WORKED_TEXT = Path("solutions") / "worked.md"


# ---------------------------------------------------------------- the release
def generate_release(course_root, workdir, assignment=ASSIGNMENT):
    """Run `nbgrader generate_assignment` in a copy of the course; return the release folder."""
    course_root = Path(course_root)
    source = course_root / "source" / assignment
    if not any(source.glob("*.ipynb")):
        raise FileNotFoundError(f"no source notebooks in {source}")
    copy = Path(workdir) / "course"
    (copy / "source").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, copy / "source" / assignment, dirs_exist_ok=True)
    config = course_root / "nbgrader_config.py"
    if config.exists():
        shutil.copy(config, copy / "nbgrader_config.py")
    run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment,
                          "--force"], cwd=copy, capture_output=True, text=True, env=tool_env())
    release = copy / "release" / assignment
    if run.returncode != 0 or not any(release.glob("*.ipynb")):
        raise RuntimeError("nbgrader generate_assignment failed:\n" + run.stdout[-2000:]
                           + run.stderr[-2000:])
    return release


def release_notebooks(course_root, workdir, assignment=ASSIGNMENT, regenerate=False):
    """{name: notebook} of the release, generated from source/ when there is none."""
    release = Path(course_root) / "release" / assignment
    if regenerate or not any(release.glob("*.ipynb")):
        release = generate_release(course_root, workdir, assignment)
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))}


def model_answers(course_root, assignment=ASSIGNMENT):
    """{notebook: {grade id: text}} of the source's answer cells, markers removed ({} if none)."""
    from autograder.submissions import solutions
    source = Path(course_root) / "source" / assignment
    return solutions(source) if source.exists() else {}


# ---------------------------------------------------------------- the build
@dataclass
class Report:
    """What a build wrote and what went wrong."""
    out_root: Path
    pdfs: list = field(default_factory=list)
    fallbacks: list = field(default_factory=list)   # HTML (and .tex) written instead of PDFs
    missing: list = field(default_factory=list)     # `Requirement`s this machine lacks
    problems: list = field(default_factory=list)    # everything else that went wrong
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.missing and not self.problems

    @property
    def exit_code(self):
        return 2 if self.problems else (1 if self.missing else 0)

    def summary(self):
        lines = [f"{len(self.pdfs)} PDF(s) written below {self.out_root} in {self.seconds:.1f} s"]
        lines += [f"  {p}" for p in self.pdfs]
        if self.fallbacks:
            lines.append(f"{len(self.fallbacks)} fallback file(s) written instead of PDFs:")
            lines += [f"  {p}" for p in self.fallbacks]
        if self.missing:
            lines.append(install_hint(self.missing))
        lines += [f"PROBLEM: {p}" for p in self.problems]
        return "\n".join(lines)


def _missing_exercises(notebooks):
    """Exercises of the catalogue (in these notebooks) that have no answer cell in the release."""
    from autograder.catalogue import CATALOGUE
    present = {exercise_of(c) for nb in notebooks.values() for c in nb.cells
               if role(c) == "answer"}
    return [eid for eid, ex in CATALOGUE.items() if ex.notebook in notebooks and eid not in present]


def document_name(assignment, notebook):
    """A document's file name (no suffix): its notebook's in an assignment of several notebooks,
    its assignment's in an assignment of one."""
    return assignment.id if len(assignment.notebooks) == 1 else notebook


def title(assignment, kind, plan):
    """The document's title: the course's, and the week's in a plan of several assignments."""
    week = re.match(r"week(\d+)_", assignment.id)
    if len(plan) == 1:
        return f"{COURSE_TITLE}: {DOCUMENTS[kind]}"
    part = f"week {week.group(1)}" if week else assignment.id
    return f"{COURSE_TITLE}, {part}: {DOCUMENTS[kind]}"


def _documents_of(assignment, release, models, plan, report):
    """[(kind, file name, document)] of one assignment's release notebooks."""
    documents = []
    for name, nb in release.items():
        file_name = document_name(assignment, name)
        made = [("exercises", lambda: exercise_sheet(nb)),
                ("solutions", lambda: solution_notebook(nb, models.get(name, {})))]
        for kind, make in made:
            try:
                document = make()
            except Exception as error:       # a worked step that cannot be computed
                report.problems.append(f"{kind}/{file_name}: {type(error).__name__}: {error}")
                continue
            document.metadata["title"] = title(assignment, kind, plan)
            documents.append((kind, file_name, document))
    return documents


def build_documents(course_root=".", out_root=None, *, plan="one", regenerate=False,
                    jobs=None, notebooks=None, tools=None):
    """Build exercises/*.pdf and solutions/*.pdf of the plan's assignments (`PLANS[plan]`, or a
    tuple of `Assignment`s) below `out_root` (default: the course folder) and
    solutions/worked.md of their exercises, and return a `Report`.  `notebooks` limits the build
    to these notebook names; `tools` overrides the detected missing requirements (a list of
    `Requirement`; for tests)."""
    start = time.perf_counter()
    assignments = PLANS[plan] if isinstance(plan, str) else tuple(plan)
    course_root = Path(course_root).resolve()
    out_root = Path(out_root).resolve() if out_root else course_root
    report = Report(out_root)
    report.missing = list(missing_tools() if tools is None else tools)
    can_pdf = not report.missing
    can_tex = not any(m.package == "pandoc" for m in report.missing)
    documents = []          # (kind, name, notebook)
    with tempfile.TemporaryDirectory(prefix="maths-of-dl-documents-") as tmp:
        found = set()
        for assignment in assignments:
            try:
                release = release_notebooks(course_root, tmp, assignment.id, regenerate)
            except (FileNotFoundError, RuntimeError) as error:
                report.problems.append(str(error))
                continue
            found |= set(release)
            release = {n: nb for n, nb in release.items()
                       if n in assignment.notebooks and (notebooks is None or n in notebooks)}
            absent = _missing_exercises(release)
            if absent:
                report.problems.append(
                    f"exercises {', '.join(absent)} of the catalogue have no answer cell in the "
                    f"release of {assignment.id}: rebuild the course (maths-of-dl build)")
            documents += _documents_of(assignment, release,
                                       model_answers(course_root, assignment.id), assignments,
                                       report)
        unknown = sorted(set(notebooks or ()) - found)
        if unknown:
            report.problems.append(f"no notebook(s) {', '.join(unknown)} in the release")
        if report.problems and not documents:
            report.seconds = time.perf_counter() - start
            return report
        for kind in DOCUMENTS:
            (out_root / kind).mkdir(parents=True, exist_ok=True)
        try:
            exercises = [eid for a in assignments for eid in a.catalogue]
            (out_root / WORKED_TEXT).write_text(worked_text(exercises))
        except Exception as error:           # a worked step that cannot be computed
            report.problems.append(f"{WORKED_TEXT}: {type(error).__name__}: {error}")

        workers = jobs or min(len(documents), max(1, os.cpu_count() or 1))
        one = partial(build_one, out_root=out_root, can_pdf=can_pdf, can_tex=can_tex)
        with ProcessPoolExecutor(max_workers=max(1, workers),
                                 initializer=reproducible_process) as pool:
            for pdf, fallbacks, problem in pool.map(one, documents):
                if pdf:
                    report.pdfs.append(pdf)
                report.fallbacks += fallbacks
                if problem:
                    report.problems.append(problem)
    report.pdfs.sort()
    report.seconds = time.perf_counter() - start
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.documents",
                                     description="Build solutions/*.pdf (worked solutions) and "
                                                 "exercises/*.pdf (printable exercise sheets).",
                                     epilog="The committed PDFs are rebuilt, in the course folder, "
                                            "with: python -m course.documents .")
    parser.add_argument("course", nargs="?", default=".",
                        help="the course folder (nbgrader_config.py, source/, release/)")
    parser.add_argument("--out", help="where solutions/ and exercises/ go (default: the course)")
    parser.add_argument("--plan", choices=sorted(PLANS), default="one",
                        help="the lab as one assignment (default) or week by week")
    parser.add_argument("--regenerate", action="store_true",
                        help="generate the release from source/ even if release/ exists")
    parser.add_argument("--jobs", type=int, help="documents typeset in parallel (default: CPUs)")
    parser.add_argument("--notebook", action="append", dest="notebooks", metavar="NAME",
                        help="build only this notebook's documents (repeatable)")
    parser.add_argument("--apt-packages", action="store_true",
                        help="print the Debian/Ubuntu packages the documents need, and exit")
    args = parser.parse_args(argv)
    if args.apt_packages:
        print(" ".join(APT_PACKAGES))
        return 0
    report = build_documents(args.course, args.out, plan=args.plan,
                             regenerate=args.regenerate, jobs=args.jobs,
                             notebooks=args.notebooks)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
