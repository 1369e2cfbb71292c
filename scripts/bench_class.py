"""Benchmark (not a test): a class graded by serial nbgrader, by `grade-class`, and the floor.

    .venv/bin/python scripts/bench_class.py [--students 30] [--workers N] [--sample] [--write]

One run, one freshly released course, one submitted/ folder (by default N students with the
instructor's solutions, every one correct; `--sample` uses the 30-student sample class instead,
with its loops and crashes), measured three ways:

  serial    plain nbgrader, one process after another: `nbgrader autograde maths_of_dl`,
            `nbgrader generate_feedback maths_of_dl`, `nbgrader export`;
  tool      `maths-of-dl grade-class` on a LocalCluster of N workers (default cores + 1), from a
            gradebook as released: autograde, feedback, grades, class report;
  floor     one correct submission's plain execution: its five notebooks, test cells removed,
            each in a new grading kernel (same kernel spec and sandbox), one after another; times
            the class size, divided by the cores: the students' own work on every core, with no
            grading at all.

It prints seconds per submission for each, the ratios tool/floor and serial/tool, and the time
projected for 300 students (tool seconds per submission x 300).  --write appends the table to
docs/benchmarks.md.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.assignment import LAB
from autograder import cli  # noqa: E402
from autograder.cluster import default_workers  # noqa: E402
from autograder.sample_class import write_sample_class  # noqa: E402
from autograder.settings import ASSIGNMENT, grading_kernel  # noqa: E402
from autograder.submissions import write_submission  # noqa: E402


def plain_execution(folder):
    """Seconds to run each notebook of `folder` without its test cells, in a new grading kernel
    each, one after another (what a student's own work costs, with no grading)."""
    import nbformat
    from nbclient import NotebookClient
    from nbgrader import utils
    from traitlets.config import Config

    from autograder.grading.kernels import GradingKernelManager
    config = Config()
    config.KernelManager.transport = "ipc"
    total = 0.0
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells
                    if not (c.cell_type == "code" and utils.is_grade(c) and not utils.is_solution(c))]
        started = time.monotonic()
        NotebookClient(nb, config=config, kernel_name=grading_kernel(), timeout=60,
                       kernel_manager_class=GradingKernelManager,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        total += time.monotonic() - started
    return total


def cpu_seconds():
    """CPU seconds the machine has spent so far at normal priority (user, system, interrupts;
    not `nice` work, such as another engineer's niced jobs)."""
    fields = open("/proc/stat").readline().split()
    return sum(int(fields[k]) for k in (1, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")


def one_student(course, released, folder):
    """(wall, CPU) seconds of one correct student graded alone by a warm grader (the second of
    two runs), and of its plain execution: is a student's grading busy all the time, or waiting?"""
    from autograder.gradebook import assignment_template
    from autograder.grading.student import CourseFiles, Limits, grade_student, warm_server
    from autograder.staging import release_cells, stage
    expected = release_cells(course, LAB)
    files = CourseFiles.of((course / "nbgrader_config.py").read_text(),
                           assignment_template(f"sqlite:///{released}"), expected, LAB.id)
    submission = stage(course, LAB, "student0000", expected)
    grade_student(submission, files, Limits(cell_timeout=60))
    wall, cpu = time.monotonic(), cpu_seconds()
    grade_student(submission, files, Limits(cell_timeout=60))
    graded = (time.monotonic() - wall, cpu_seconds() - cpu)
    warm_server().close()
    wall, cpu = time.monotonic(), cpu_seconds()
    plain_execution(folder)
    return graded, (time.monotonic() - wall, cpu_seconds() - cpu)


def quiet_run(args, course, env):
    subprocess.run(args, cwd=course, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=None,
                        help="the tool's local workers, one run each (default: its own "
                             "default, cores + 1)")
    parser.add_argument("--sample", action="store_true",
                        help="the sample class (loops, crashes, mistakes) instead of correct work")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    args.workers = args.workers or [default_workers()]
    os.environ.setdefault("MATHS_OF_DL_CELL_TIMEOUT", "20")
    env = cli.tool_env()
    cores = os.cpu_count()
    n = args.students
    with tempfile.TemporaryDirectory() as tmp:
        course = cli.prepare(Path(tmp) / "course")
        cli.release(course, LAB)
        if args.sample:
            write_sample_class(course, n)
        else:
            for i in range(n):
                write_submission(course, f"student{i:04d}")
        floor_work = write_submission(course, "floor")   # the floor's correct submission,
        shutil.move(floor_work, Path(tmp) / "floor")      # kept out of the class
        shutil.rmtree(course / "submitted" / "floor")
        shutil.copy(course / "gradebook.db", Path(tmp) / "released.db")

        started = time.monotonic()
        nbgrader = [sys.executable, "-m", "nbgrader"]
        quiet_run(nbgrader + ["autograde", ASSIGNMENT], course, env)
        quiet_run(nbgrader + ["generate_feedback", ASSIGNMENT], course, env)
        quiet_run(nbgrader + ["export", "--to", str(Path(tmp) / "serial.csv")], course, env)
        serial = time.monotonic() - started

        tools = {}
        for workers in args.workers:
            for folder in ("autograded", "feedback", ".grading", "reports"):
                shutil.rmtree(course / folder, ignore_errors=True)
            shutil.copy(Path(tmp) / "released.db", course / "gradebook.db")
            started = time.monotonic()
            quiet_run([sys.executable, "-m", "autograder.cli", "grade-class", "--course",
                       str(course), "--workers", str(workers), "--quiet"], course, env)
            tools[workers] = time.monotonic() - started

        one = plain_execution(Path(tmp) / "floor")
        floor = one * n / cores
        alone, plain_alone = one_student(course, Path(tmp) / "released.db", Path(tmp) / "floor")
    kind = "sample class" if args.sample else "correct"
    print(f"serial nbgrader (autograde, feedback, export): {serial:.1f} s, {serial / n:.2f} s each")
    print(f"floor: one plain execution {one:.2f} s x {n} / {cores} cores = {floor:.1f} s")
    rows = []
    for workers, tool in tools.items():
        print(f"grade-class, {workers} local workers: {tool:.1f} s, {tool / n:.2f} s each; "
              f"/ floor {tool / floor:.2f}x (goal <= 1.3x); serial / grade-class "
              f"{serial / tool:.2f}x (goal >= 2.5x); 300 students: {tool / n * 300 / 60:.1f} min")
        rows.append(f"| {time.strftime('%Y-%m-%d')} | {n} {kind} | {cores} | {workers} "
                    f"| {serial:.1f} s ({serial / n:.2f}) | {tool:.1f} s ({tool / n:.2f}) "
                    f"| {one:.2f} s -> {floor:.1f} s ({floor / n:.2f}) | {tool / floor:.2f}x "
                    f"| {serial / tool:.2f}x | {tool / n * 300 / 60:.1f} min |")
    alone_line = (f"one correct student alone, warm grader: {alone[0]:.2f} s wall, {alone[1]:.2f} s "
                  f"CPU; its plain execution: {plain_alone[0]:.2f} s wall, {plain_alone[1]:.2f} s CPU")
    print(alone_line)
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a") as f:
            f.write("\n| date | students | cores | workers | serial nbgrader (s/submission) "
                    "| `grade-class` | floor | tool / floor | serial / tool | 300 students |\n"
                    "|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
                    + alone_line + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
