"""Benchmark (not a test): a class graded by serial nbgrader, by `grade-class`, and the floor.

    .venv/bin/python scripts/bench_class.py [--students 30] [--workers N] [--sample] [--write]

One run, one freshly released course, one submitted/ folder (by default N students with the
instructor's solutions, every one correct; `--sample` uses the 30-student sample class instead,
with its loops and crashes), measured three ways:

  serial    plain nbgrader, one process after another: `nbgrader autograde` and
            `nbgrader generate_feedback` of the lab's assignment (`LAB`), `nbgrader export`;
  tool      `maths-of-dl grade-class` on a LocalCluster of N workers (default 2 x cores + 1), from a
            gradebook as released: autograde, feedback, grades, class report;
  floor     one correct submission's own work in running kernels: its five notebooks' cells,
            test cells removed, then its functions called on every test input (`own_work`),
            each notebook in a grading kernel already started (same kernel spec and sandbox; its
            start and stop not timed), one after another, measured FLOOR_RUNS times (the
            median); times the class size, divided by the cores: the students' own work on
            every core, with no grading at all (issue #24).
  before    (--before CHECKOUT) grade-class of another checkout, set up with its own setup.sh,
            on a class of as many correct students made from its own release, same workers.

It prints seconds per submission for each, the ratios tool/floor and serial/tool, and the time
projected for 300 students (tool seconds per submission x 300).  --write appends the table to
docs/benchmarks.md.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.assignment import LAB
from autograder import cli  # noqa: E402
from autograder.catalogue import CATALOGUE  # noqa: E402
from autograder.cluster import default_workers  # noqa: E402
from autograder.sample_class import write_sample_class  # noqa: E402
from autograder.settings import grading_kernel  # noqa: E402
from autograder.submissions import write_submission  # noqa: E402


CALLS = """\
from mdl_kernel.cases import decode_case as _decode, unpack as _unpack
for _name, _cases in _unpack({packed!r}).items():
    for _case in _cases.values():
        _args, _kwargs = _decode(_case)
        try:
            globals()[_name](*_args, **_kwargs)
        except Exception:
            pass
"""


def own_work(path):
    """A notebook as the floor runs it: its cells without the test cells, then one cell per
    function exercise that calls the student's functions on every test input (visible and
    hidden: what grading calls them on), directly, with none of grading's forking, time limit,
    recording or self-check."""
    import nbformat
    from nbgrader import utils

    from autograder.grading.inputs import packed_inputs
    from autograder.submissions import grade_id
    nb = nbformat.read(path, as_version=4)
    tests = [c for c in nb.cells
             if c.cell_type == "code" and utils.is_grade(c) and not utils.is_solution(c)]
    nb.cells = [c for c in nb.cells if c not in tests]
    for cell in tests:
        packed = packed_inputs(grade_id(cell)) if grade_id(cell) in CATALOGUE else None
        if packed:
            nb.cells.append(nbformat.v4.new_code_cell(CALLS.format(packed=packed)))
    return nb


def kernel_cpu(client):
    """CPU seconds the client's kernel has used so far (asked in a silent execution)."""
    msg_id = client.kc.execute("", silent=True, user_expressions={
        "cpu": "__import__('time').process_time()"})
    reply = client.wait_for_reply(msg_id)
    return float(reply["content"]["user_expressions"]["cpu"]["data"]["text/plain"])


FLOOR_RUNS = 3


def cells_floor(folder, cpu=None):
    """Seconds a correct submission's own work takes in running kernels: each notebook's
    `own_work` in a grading kernel of its own (same kernel spec and sandbox), timed from the
    kernel being ready to the last cell's end (starting and stopping it not counted), one
    notebook after another.  `cpu`, a list, gets the kernels' CPU seconds over the same spans."""
    from nbclient import NotebookClient
    from traitlets.config import Config

    from autograder.grading.kernels import GradingKernelManager
    config = Config()
    config.KernelManager.transport = "ipc"
    total = 0.0
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = own_work(path)
        client = NotebookClient(nb, config=config, kernel_name=grading_kernel(), timeout=60,
                                kernel_manager_class=GradingKernelManager,
                                resources={"metadata": {"path": str(path.parent)}})
        with client.setup_kernel():
            used = kernel_cpu(client) if cpu is not None else 0
            started = time.monotonic()
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
            total += time.monotonic() - started
            if cpu is not None:
                cpu.append(kernel_cpu(client) - used)
    return total


def cpu_seconds():
    """CPU seconds the machine has spent so far at normal priority (user, system, interrupts;
    not `nice` work, such as another engineer's niced jobs)."""
    fields = open("/proc/stat").readline().split()
    return sum(int(fields[k]) for k in (1, 3, 6, 7)) / os.sysconf("SC_CLK_TCK")


def one_student(course, released, folder):
    """(wall, CPU) seconds of one correct student graded alone by a warm grader (the second of
    two runs), and of its plain execution: is a student's grading busy all the time, or waiting?"""
    from autograder.grading.student import CourseFiles, Limits, grade_student, warm_server
    from autograder.staging import release_cells, stage
    expected = release_cells(course, LAB)
    files = CourseFiles.of_course(course, LAB, expected, f"sqlite:///{released}")
    submission = stage(course, LAB, "student0000", expected)
    grade_student(submission, files, Limits(cell_timeout=60))
    wall, cpu = time.monotonic(), cpu_seconds()
    grade_student(submission, files, Limits(cell_timeout=60))
    graded = (time.monotonic() - wall, cpu_seconds() - cpu)
    warm_server().close()
    wall, cpu = time.monotonic(), cpu_seconds()
    cells_floor(folder)
    return graded, (time.monotonic() - wall, cpu_seconds() - cpu)


MAKE_CLASS = """\
import sys
from autograder import cli
from autograder.submissions import write_submission
course = cli.prepare(sys.argv[1])
cli.release(course)
for i in range(int(sys.argv[2])):
    write_submission(course, f"student{i:04d}")
"""


def before_tool(checkout, course, n, workers):
    """Seconds of grade-class of another checkout (its own .venv, set up by its own setup.sh),
    on a class of n correct students made by that checkout from its own release."""
    python = str(checkout / ".venv" / "bin" / "python")
    env = dict(os.environ, PATH=f"{checkout / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([python, "-c", MAKE_CLASS, str(course), str(n)], cwd=checkout, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    started = time.monotonic()
    quiet_run([python, "-m", "autograder.cli", "grade-class", "--course", str(course),
               "--workers", str(workers), "--quiet"], course, env)
    return time.monotonic() - started


def quiet_run(args, course, env):
    subprocess.run(args, cwd=course, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=None,
                        help="the tool's local workers, one run each (default: its own "
                             "default, 2 x cores + 1)")
    parser.add_argument("--sample", action="store_true",
                        help="the sample class (loops, crashes, mistakes) instead of correct work")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--before", default=None, metavar="CHECKOUT",
                        help="also time grade-class of another checkout (set up with its own "
                             "scripts/setup.sh) on the same class, in the same run")
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
        quiet_run(nbgrader + ["autograde", LAB.id], course, env)
        quiet_run(nbgrader + ["generate_feedback", LAB.id], course, env)
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
        before = None
        if args.before:
            before = before_tool(Path(args.before), Path(tmp) / "before", n, args.workers[0])

        runs = []                # the floor, FLOOR_RUNS times: the median (one run varies most)
        for _ in range(FLOOR_RUNS):
            kernel = []
            runs.append((cells_floor(Path(tmp) / "floor", kernel), sum(kernel)))
        one, kernel_cpu_s = statistics.median_low(runs)
        floor = one * n / cores
        alone, plain_alone = one_student(course, Path(tmp) / "released.db", Path(tmp) / "floor")
    kind = "sample class" if args.sample else "correct"
    print(f"serial nbgrader (autograde, feedback, export): {serial:.1f} s, {serial / n:.2f} s each")
    print(f"floor: one submission's cells and function calls in running kernels {one:.2f} s "
          f"(its kernels' CPU {kernel_cpu_s:.2f} s; median of "
          f"{', '.join(f'{r:.2f}' for r, _ in runs)}) x {n} / {cores} cores = {floor:.1f} s")
    if before is not None:
        print(f"grade-class of {args.before}, {args.workers[0]} local workers: {before:.1f} s, "
              f"{before / n:.2f} s each; this checkout / that one: "
              f"{tools[args.workers[0]] / before:.2f}x")
    rows = []
    for workers, tool in tools.items():
        print(f"grade-class, {workers} local workers: {tool:.1f} s, {tool / n:.2f} s each; "
              f"/ floor {tool / floor:.2f}x (goal <= 1.5x); serial / grade-class "
              f"{serial / tool:.2f}x (goal >= 3.5x); 300 students: {tool / n * 300 / 60:.1f} min")
        rows.append(f"| {time.strftime('%Y-%m-%d')} | {n} {kind} | {cores} | {workers} "
                    f"| {serial:.1f} s ({serial / n:.2f}) | {tool:.1f} s ({tool / n:.2f}) "
                    f"| {one:.2f} s -> {floor:.1f} s ({floor / n:.2f}) | {tool / floor:.2f}x "
                    f"| {serial / tool:.2f}x | {tool / n * 300 / 60:.1f} min |")
    alone_line = (f"one correct student alone, warm grader: {alone[0]:.2f} s wall, {alone[1]:.2f} s "
                  f"CPU; its cells and calls in running kernels (the floor's work, kernels "
                  f"started and stopped included): {plain_alone[0]:.2f} s wall, "
                  f"{plain_alone[1]:.2f} s CPU")
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
