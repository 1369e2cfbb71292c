"""Benchmark (not a test): grade the same sample class with plain serial nbgrader and with the tool.

    PATH=.venv/bin:$PATH python scripts/bench_class.py [--students 30] [--workers 2] [--write]

Both start from the same freshly released course and the same submitted/ folder:
  serial:  `nbgrader autograde maths_of_dl` (one process, one student after another)
  tool:    autograder.class_grading.grade_class (parallel per-student nbgrader runs, private
           SQLite gradebooks merged into the course gradebook)
and report seconds per submission.  --write appends the result to docs/benchmarks.md.
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

from autograder import cli  # noqa: E402
from autograder.class_grading import grade_class  # noqa: E402
from autograder.sample_class import write_sample_class  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None,
                        help="the tool's workers (default: its own default, cores + 1)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    from autograder.class_grading import default_workers
    args.workers = args.workers or default_workers()
    os.environ.setdefault("MATHS_OF_DL_CELL_TIMEOUT", "20")
    env = cli.tool_env()
    with tempfile.TemporaryDirectory() as tmp:
        course = cli.prepare(Path(tmp) / "course")
        cli.release(course)
        write_sample_class(course, args.students)
        shutil.copy(course / "gradebook.db", Path(tmp) / "released.db")

        t = time.monotonic()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", "maths_of_dl",
                        "--log-level=ERROR"], cwd=course, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        serial = time.monotonic() - t

        shutil.rmtree(course / "autograded")
        shutil.copy(Path(tmp) / "released.db", course / "gradebook.db")
        t = time.monotonic()
        result = grade_class(course, workers=args.workers, progress=False)
        tool = time.monotonic() - t
    n = args.students
    line = (f"| {n} | {os.cpu_count()} | {os.environ['MATHS_OF_DL_CELL_TIMEOUT']} | "
            f"{serial:.1f} s ({serial / n:.2f} s/submission) | "
            f"{args.workers} | {tool:.1f} s ({tool / n:.2f} s/submission) | {serial / tool:.2f}x |")
    print(f"serial nbgrader: {serial:.1f} s, {serial / n:.2f} s per submission")
    print(f"grade-class, {args.workers} workers: {tool:.1f} s, {tool / n:.2f} s per submission "
          f"({len(result.graded)} graded, {len(result.needs_human)} need a look)")
    print(f"speed-up {serial / tool:.2f}x")
    if args.write:
        docs = REPO / "docs" / "benchmarks.md"
        docs.parent.mkdir(exist_ok=True)
        with open(docs, "a") as f:
            f.write(f"\nMeasured {time.strftime('%Y-%m-%d')} by `python scripts/bench_class.py --write`:\n\n"
                    "| students | cores | cell timeout | plain serial `nbgrader autograde` | workers "
                    "| `grade-class` | speed-up |\n|---|---|---|---|---|---|---|\n" + line + "\n")


if __name__ == "__main__":
    main()
