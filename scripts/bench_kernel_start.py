"""Benchmark (not a test): how should a student's kernels start: on demand, prestarted or forked?

    .venv/bin/python scripts/bench_kernel_start.py [--students 6] [--concurrent 3] [--write]

A student's five notebooks (the instructor's solutions, test cells removed, as in the floor of
scripts/bench_class.py) run one after another, each in a new grading kernel (same kernel spec
and sandbox as grading), three ways:

  on demand   each kernel is started when its notebook is reached (what nbgrader does);
  prestarted  while a notebook runs, the kernel of the next one is already starting;
  forked      each kernel is forked from the student's warm parent (grading.zygote: what
              `grade-class` does).

Each way is measured for one student alone (is a student's own time shortened?) and for
`--students` students run `--concurrent` at a time (is a class shortened, when the other
students already keep the cores busy?).  Wall seconds per student; --write appends the table to
docs/benchmarks.md.
"""
import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder.assignment import LAB
from autograder import cli  # noqa: E402
from autograder.settings import grading_kernel  # noqa: E402
from autograder.submissions import write_submission  # noqa: E402


def notebooks(folder):
    import nbformat
    from nbgrader import utils
    found = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nb.cells = [c for c in nb.cells
                    if not (c.cell_type == "code" and utils.is_grade(c) and not utils.is_solution(c))]
        found.append(nb)
    return found


WAYS = ("on demand", "prestarted", "forked")


async def _student(folder, way):
    from nbclient import NotebookClient
    from traitlets.config import Config

    from autograder.grading.kernels import GradingKernelManager
    config = Config()
    config.KernelManager.transport = "ipc"
    config.SandboxProvisioner.fork_kernels = way == "forked"

    def start():
        km = GradingKernelManager(kernel_name=grading_kernel(), config=config)
        return km, asyncio.ensure_future(km.start_kernel(cwd=str(folder)))

    queue = notebooks(folder)
    km, starting = start()
    for k, nb in enumerate(queue):
        await starting
        upcoming = start() if way == "prestarted" and k + 1 < len(queue) else None
        client = NotebookClient(nb, km=km, config=config, timeout=60,
                                resources={"metadata": {"path": str(folder)}})
        await client.async_execute()
        await km.shutdown_kernel(now=True)
        if k + 1 < len(queue):
            km, starting = upcoming or start()


def student(folder, way):
    """Seconds for one student's five notebooks."""
    from autograder.grading import zygote
    started = time.monotonic()
    asyncio.run(_student(folder, way))
    zygote.close()
    return time.monotonic() - started


def klass(folders, way, concurrent):
    """Seconds for every folder's student, `concurrent` at a time."""
    started = time.monotonic()
    with ProcessPoolExecutor(concurrent) as pool:
        list(pool.map(student, folders, [way] * len(folders)))
    return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--concurrent", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = cli.prepare(Path(tmp) / "course")
        cli.release(course, LAB)
        folders = []
        for i in range(args.students):
            folder = write_submission(course, f"s{i}")
            folders.append(shutil.move(folder, Path(tmp) / f"s{i}"))
        student(folders[0], "on demand")                # warm the disk cache
        alone = {way: min(student(folders[0], way) for _ in range(2)) for way in WAYS}
        together = {way: klass(folders, way, args.concurrent) for way in WAYS}
    n = args.students
    rows = [f"| {time.strftime('%Y-%m-%d')} | {way} "
            f"| {alone[way]:.2f} s | {n} students, {args.concurrent} at a time: "
            f"{together[way]:.1f} s ({together[way] / n:.2f} s each) |" for way in WAYS]
    print("\n".join(rows))
    for way in WAYS[1:]:
        print(f"{way}: a student alone {alone['on demand'] / alone[way]:.2f}x faster, "
              f"a class {together['on demand'] / together[way]:.2f}x faster")
    if args.write:
        with open(REPO / "docs" / "benchmarks.md", "a") as f:
            f.write("\n| date | kernels | one student alone | a class |\n|---|---|---|---|\n"
                    + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
