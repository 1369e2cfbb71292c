"""Benchmark: `nbgrader autograde` of one full correct submission against plain execution of the
same five notebooks without any test cell.  Several runs each; prints the medians.

    .venv/bin/python scripts/bench_autograde.py [--runs 3]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder import cli  # noqa: E402
from autograder.submissions import write_submission  # noqa: E402


def plain_run(folder):
    """Execute each notebook of `folder` with its graded test cells removed."""
    for path in sorted(folder.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")
                    or c.metadata["nbgrader"].get("solution")]
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = cli.prepare(Path(tmp) / "course")
        cli.release(course)
        submission = write_submission(course, "bench")
        graded, plain = [], []
        for _ in range(args.runs):
            shutil.rmtree(course / "autograded", ignore_errors=True)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "maths_of_dl", "--force",
                            "--log-level=ERROR"], cwd=course, check=True,
                           env=cli.tool_env())
            graded.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_run(submission)
            plain.append(time.perf_counter() - start)
    g, p = statistics.median(graded), statistics.median(plain)
    print(f"runs: {args.runs}")
    print(f"nbgrader autograde, one submission (5 notebooks): median {g:.1f} s "
          f"(runs: {', '.join(f'{x:.1f}' for x in graded)})")
    print(f"plain execution, no test cells:                 median {p:.1f} s "
          f"(runs: {', '.join(f'{x:.1f}' for x in plain)})")
    print(f"grading overhead: {g - p:.1f} s ({g / p:.2f}x)")


if __name__ == "__main__":
    main()
