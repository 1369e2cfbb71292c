"""Benchmark: `nbgrader autograde` of one full correct submission against plain execution of the
same five notebooks without any test cell.  Several runs each, interleaved; prints the medians.

    .venv/bin/python scripts/bench_autograde.py [--runs 3] [--baseline CHECKOUT]

With --baseline, the same correct work is also autograded, in the same runs, by the course of
another checkout of this repository (e.g. `git worktree add /tmp/base <commit>`), whose own
`autograder` is put first on PYTHONPATH: before/after figures from one run.
"""
import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbgrader import utils

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.assignment import LAB
from autograder import cli  # noqa: E402
from autograder.submissions import write_submission  # noqa: E402


def plain_run(folder):
    """Execute each notebook of `folder` with its graded test cells removed."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if not utils.is_grade(c) or utils.is_solution(c)]
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()


def autograde(course, env):
    """Seconds of one `nbgrader autograde` of the course's submission."""
    shutil.rmtree(course / "autograded", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB.id, "--force",
                    "--log-level=ERROR"], cwd=course, check=True, env=env)
    return time.perf_counter() - start


def baseline_course(checkout, folder):
    """A course folder made from another checkout, released by that checkout's code."""
    checkout = Path(checkout).resolve()
    folder.mkdir(parents=True)
    shutil.copy(checkout / "nbgrader_config.py", folder)
    for part in ("source", "release"):
        shutil.copytree(checkout / part, folder / part)
    env = cli.tool_env(PYTHONPATH=str(checkout))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB.id,
                    "--force", "--log-level=ERROR"], cwd=folder, check=True, env=env)
    write_submission(folder, "bench")
    return folder, env


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", metavar="CHECKOUT",
                        help="also autograde the same work with another checkout's course")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = cli.prepare(Path(tmp) / "course")
        cli.release(course, LAB)
        submission = write_submission(course, "bench")
        base = baseline_course(args.baseline, Path(tmp) / "baseline") if args.baseline else None
        graded, plain, before = [], [], []
        for _ in range(args.runs):
            graded.append(autograde(course, cli.tool_env()))
            if base:
                before.append(autograde(*base))
            start = time.perf_counter()
            plain_run(submission)
            plain.append(time.perf_counter() - start)
    g, p = statistics.median(graded), statistics.median(plain)
    print(f"runs: {args.runs}")
    if before:
        b = statistics.median(before)
        print(f"nbgrader autograde, baseline {args.baseline}: median {b:.1f} s "
              f"(runs: {', '.join(f'{x:.1f}' for x in before)}); this course / baseline "
              f"{g / b:.2f}")
    print(f"nbgrader autograde, one submission (5 notebooks): median {g:.1f} s "
          f"(runs: {', '.join(f'{x:.1f}' for x in graded)})")
    print(f"plain execution, no test cells:                 median {p:.1f} s "
          f"(runs: {', '.join(f'{x:.1f}' for x in plain)})")
    print(f"grading overhead: {g - p:.1f} s ({g / p:.2f}x)")


if __name__ == "__main__":
    main()
