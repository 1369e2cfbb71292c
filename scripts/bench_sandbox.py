"""Benchmark: the cost of the sandbox per kernel start.

Starts the grading kernel (the `maths-of-dl-grading` kernel spec, Unix sockets, as grading does)
RUNS times sandboxed and RUNS times unsandboxed, alternating, and times each start until the
kernel answers (`wait_for_ready`).  Prints the medians and their difference.

    .venv/bin/python scripts/bench_sandbox.py [--runs 10]
"""
import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from autograder.grading.kernels import GradingKernelManager  # noqa: E402
from autograder.grading.sandbox.probe import UNSANDBOXED_VARIABLE  # noqa: E402
from autograder.settings import grading_kernel  # noqa: E402


async def start_once(sandboxed):
    if sandboxed:
        os.environ.pop(UNSANDBOXED_VARIABLE, None)
    else:
        os.environ[UNSANDBOXED_VARIABLE] = "1"
    km = GradingKernelManager(kernel_name=grading_kernel(), transport="ipc")
    start = time.perf_counter()
    await km.start_kernel(cwd=os.getcwd())
    client = km.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    seconds = time.perf_counter() - start
    client.stop_channels()
    await km.shutdown_kernel(now=True)
    return seconds


async def main(runs):
    times = {True: [], False: []}
    await start_once(True)                       # warm the file cache once
    for _ in range(runs):
        for sandboxed in (True, False):
            times[sandboxed].append(await start_once(sandboxed))
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"runs: {runs} each, alternating")
    print(f"kernel start, sandboxed:   median {on * 1000:.0f} ms "
          f"(min {min(times[True]) * 1000:.0f}, max {max(times[True]) * 1000:.0f})")
    print(f"kernel start, unsandboxed: median {off * 1000:.0f} ms "
          f"(min {min(times[False]) * 1000:.0f}, max {max(times[False]) * 1000:.0f})")
    print(f"cost of the sandbox per kernel start: {(on - off) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    asyncio.run(main(parser.parse_args().runs))
