"""Latency of one symbolic check (to_plain in the kernel + compare) over the test banks.

Every answer of the banks of autograder/checks/answer_banks.py (the ones tests/test_symbolic.py
checks) is checked once: equivalent forms, named mistakes,
perturbed forms and hostile strings, for every item of G6, B1 and B3.  A check's first use of an
item also derives its reference with sympy.diff and lambdifies it ("cold"); later checks reuse
the per-process cache ("warm").  Goal: median <= 50 ms, never above the hard limit of 3 s.

    .venv/bin/python scripts/bench_symbolic.py [--verbose] [--write docs/benchmarks.md]
"""
import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

import sympy as sp  # noqa: E402
from autograder.catalogue import exercise  # noqa: E402
from autograder.checks import answer_banks as banks  # noqa: E402
from autograder.checks import symbolic as S  # noqa: E402
from mdl_kernel.limits import MAX_NODES, MAX_TEXT  # noqa: E402

GOAL, LIMIT = 0.050, 3.0
HEADING = "## Symbolic checks"


def answers():
    """(exercise, item, kind, answer) for every answer of the banks."""
    for eid, name in banks.ITEMS:
        item = exercise(eid).item(name)
        for answer in banks.BANKS[eid](name):
            yield eid, name, "equivalent", answer
        for _, _, wrong in item.wrong_variants():
            yield eid, name, "mistake", wrong
        for answer in banks.perturbations(eid, name):
            yield eid, name, "perturbed", answer
        for answer in banks.finite_differences(eid, name):
            yield eid, name, "finite difference", answer
        for answer in banks.overflow_tricks(eid, name):
            yield eid, name, "overflow", answer
    for text in banks.HOSTILE:
        yield "B3", "dL_dw1_11", "hostile", text
    for answer in at_the_limits():
        yield "B3", "dL_dw1_11", "limits", answer


def _nodes(tree):
    return 1 + sum(_nodes(t) for t in tree[1:] if type(t) is list)


def at_the_limits():
    """The largest answers accepted: a SymPy sum just under MAX_NODES, a string just under
    MAX_TEXT (both wrong, so that the mistakes are matched too)."""
    n = banks.setup("B3")
    options = exercise("B3").item("dL_dw1_11").options
    terms, size = [], 0
    for k in range(1, 100):
        for w in ("w1_11", "w1_21", "w1_12"):
            term = getattr(n, w) * n.x1 ** k * sp.exp(-n.z1_1) * n.a1_2
            size += _nodes(S.to_plain(term, options)["tree"])
            if size > MAX_NODES - 100:
                yield sp.Add(*terms)
                text = " + ".join(f"w1_21*x2^{k % 9}*a1_1*y_hat" for k in range(200))
                yield text[:text.rfind(" + ", 0, MAX_TEXT)]
                return
            terms.append(term)


def one_check(eid, name, answer):
    item = exercise(eid).item(name)
    start = time.perf_counter()
    plain = S.to_plain(answer, item.options)
    verdict = S.compare(name, plain, item.expected, item.options, item.wrong_variants())
    return time.perf_counter() - start, verdict


def run(verbose=False):
    seen, rows = set(), []
    for eid, name, kind, answer in list(answers()):
        cold = (eid, name) not in seen
        seen.add((eid, name))
        seconds, verdict = one_check(eid, name, answer)
        rows.append((eid, name, kind, cold, seconds, verdict.score))
        if verbose:
            print(f"{seconds * 1000:8.2f} ms  {'cold' if cold else 'warm'}  {eid} {name:10s} "
                  f"{kind:10s} score={verdict.score:g}  {str(answer)[:50]!r}")
    return rows


def summary(rows):
    def stats(label, times):
        times = sorted(times)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        return (f"| {label} | {len(times)} | {statistics.median(times) * 1000:.1f} | "
                f"{p95 * 1000:.1f} | {times[-1] * 1000:.1f} |")
    every = [r[4] for r in rows]
    lines = ["| checks | n | median ms | p95 ms | max ms |", "|---|---|---|---|---|",
             stats("all", every), stats("warm (reference cached)", [r[4] for r in rows if not r[3]]),
             stats("cold (first check of an item)", [r[4] for r in rows if r[3]])]
    for kind in ("equivalent", "mistake", "perturbed", "finite difference", "overflow", "hostile",
                 "limits"):
        lines.append(stats(kind, [r[4] for r in rows if r[2] == kind]))
    median, worst = statistics.median(every), max(every)
    verdict = ("goal met" if median <= GOAL and worst <= LIMIT else "GOAL MISSED")
    lines.append(f"\nMedian {median * 1000:.1f} ms (goal <= {GOAL * 1000:.0f} ms), maximum "
                 f"{worst * 1000:.1f} ms (hard limit {LIMIT:g} s): {verdict}.")
    return "\n".join(lines), median <= GOAL and worst <= LIMIT


def write(path, table):
    path = Path(path)
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = (f"{HEADING}\n\nOne check = `to_plain` (kernel) + `compare` (judge) of one answer, "
               "over the banks of autograder/checks/answer_banks.py, the ones "
               "tests/test_symbolic.py checks (equivalent forms, named mistakes, "
               "perturbed forms, finite differences of the loss, overflow tricks, hostile "
               "strings) for all 16 items of G6, B1, B3, and two answers at the "
               "size limits (a SymPy sum of almost 4000 nodes, a string of almost 4000 characters); "
               "measured by "
               f"`scripts/bench_symbolic.py` on Python {platform.python_version()}, "
               f"{time.strftime('%Y-%m-%d')}. Cold = the item's first check, which also derives "
               "and lambdifies its reference and mistakes (cached per process). Every answer "
               "that agrees in floats is confirmed in 50-digit arithmetic at all 32 points.\n\n"
               f"{table}\n")
    if HEADING in text:
        before, rest = text.split(HEADING, 1)
        after = rest[rest.find("\n## "):] if "\n## " in rest else ""
        text = before + section + after.lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every check's timing")
    parser.add_argument("--write", metavar="MARKDOWN", help="write the section into this file")
    args = parser.parse_args()
    rows = run(args.verbose)
    table, ok = summary(rows)
    print(table)
    if args.write:
        write(args.write, table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
