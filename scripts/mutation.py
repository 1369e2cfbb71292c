"""Mutation testing of the grader's core with mutmut, on each module's fast tests.

    .venv/bin/python scripts/mutation.py [GROUP ...] [--max-children N] [--mutants GLOB ...]
                                         [--write docs/quality.md]

Installs mutmut from requirements-mutation.txt into .venv (it is not in requirements.lock: CI
never runs this; it takes from minutes to hours on two cores).  For each group it lays the two
packages side by side in `.mutation/<group>/` (mutmut wants the code it mutates at the top of its
folder: `autograder/`, `course/` and the kernel side's `mdl_kernel/`), with the tests and the
course files they read, runs `mutmut run` there (only the group's files are mutated, only the
group's test files run, and each mutant only against the tests that reach the mutated function)
and prints, per mutated file: mutants, killed (a test failed, or the mutant ran past mutmut's
time limit), survived, no tests (no selected test reaches the mutant), and the kill rate
(killed / all).  `--mutants` limits the run to mutants whose names match (e.g.
`"course.worked.nb01_forward_pass.x__forward*"`), for a run within a time budget; `--write` puts
the table into the "## Figures" section of that file.  Surviving mutants are listed in `.mutation/<group>/survived.txt`
(see them with `cd .mutation/<group> && ../../.venv/bin/mutmut show NAME`).

`--survivors` runs again only the mutants that were not killed in the group's last run, against
the tests as they are now, and counts the group's figures from the last run's results updated by
these: for tests added after a long run.  It refuses when a mutated file has changed since that
run (the mutants would not be the same), and the table says which figures come from such a rerun.
"""
import argparse
import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
WORK = ROOT / ".mutation"

# The fast tests.  (None of them runs the grader's core in a fresh Python: `python -c ...` would
# import the code as installed, never a mutant.)
FAST = ["-m", "not slow", "-p", "no:cacheprovider", "-q", "-W", "ignore", "-x"]
GROUPS = {   # name: (files mutated, test files: the modules' fast tests)
    "plain": (["mdl_kernel/plain.py"], ["tests/test_plain.py",
              "tests/test_numeric.py", "tests/test_functions.py", "tests/test_marking.py"]),
    "compare": (["mdl_kernel/compare.py"], ["tests/test_compare.py", "tests/test_numeric.py",
                                           "tests/test_functions.py"]),
    "symbolic": (["autograder/checks/symbolic.py", "mdl_kernel/expressions.py"],
                 ["tests/test_expressions.py", "tests/test_symbolic.py"]),
    "calls": (["mdl_kernel/calls.py"], ["tests/test_functions.py"]),
    "judging": (["autograder/judging.py", "autograder/kinds/*.py"],
                ["tests/test_judging.py", "tests/test_numeric.py", "tests/test_functions.py",
                 "tests/test_symbolic.py", "tests/test_marking.py"]),
    "records": (["autograder/grading/records.py"], ["tests/test_records.py", "tests/test_marking.py"]),
    "worked": (["course/worked/*.py"], ["tests/test_worked.py"]),
}
COPIED = ["tests", "source", "release", "nbgrader_config.py", "exercises", "solutions"]
HEADING = "## Figures"


def install():
    subprocess.run([VENV / "python", "-m", "pip", "install", "-q", "-r",
                    ROOT / "requirements-mutation.txt"], check=True)


def toml_list(items):
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


def lay_out(group):
    """The group's folder: the code, the tests, the course files, mutmut's configuration."""
    files, tests = GROUPS[group]
    folder = WORK / group
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "autograder", folder / "autograder", ignore=ignore)
    shutil.copytree(ROOT / "course", folder / "course", ignore=ignore)
    shutil.copytree(ROOT / "kernel" / "mdl_kernel", folder / "mdl_kernel", ignore=ignore)
    for name in COPIED:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, folder / name, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, folder / name)
    config = (ROOT / "pyproject.toml").read_text() + f"""
[tool.mutmut]
source_paths = ["autograder", "course", "mdl_kernel"]
only_mutate = {toml_list(files)}
also_copy = {toml_list(COPIED)}
pytest_add_cli_args = {toml_list(FAST)}
pytest_add_cli_args_test_selection = {toml_list(tests)}
# each mutant from a fresh process that has only collected the tests: forked from the process
# that ran them, a mutant would find the references, the kinds' data and every lru_cache already
# computed by the unmutated code, and survive
process_isolation = "forkserver"
# a mutant is stopped after (its tests' time + 5 s) x 5 of wall-clock time: at least 25 s, room
# for tests waiting on a loaded machine (this runs under nice on shared cores); a timeout counts
# as killed, so it must mean a loop
timeout_constant = 5.0
timeout_multiplier = 5.0
"""
    (folder / "pyproject.toml").write_text(config)
    return folder


LINE = re.compile(r"^\s*(\S+): (.+)$")


def results(folder):
    """{mutant name: status} of the group's last run."""
    out = subprocess.run([VENV / "mutmut", "results", "--all", "true"], cwd=folder,
                         capture_output=True, text=True, check=True).stdout
    return {m.group(1): m.group(2).strip() for m in map(LINE.match, out.splitlines()) if m}


def module_of(name):
    """`mdl_kernel.plain.x_numeric__mutmut_3` -> `mdl_kernel.plain`."""
    return re.sub(r"\.(x_|xǁ).*$", "", name)


def code_hash(group):
    """A hash of the group's mutated files as they are now (the mutants are made from them)."""
    digest = hashlib.sha256()
    for pattern in GROUPS[group][0]:
        top, _, rest = pattern.partition("/")
        base = ROOT / "kernel" / top if top == "mdl_kernel" else ROOT / top
        for path in sorted(base.glob(rest)):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# A mutant whose test run raised inside mutmut's fork server exits 255, which mutmut reports as a
# "timeout" (counted as killed); and some mutants "survive" in the fork server that fail their
# tests when run alone.  Each of those is run again here, in a process of its own, with mutmut's
# own pytest runner and the tests mutmut chose for it, and its real result is written back.
RECHECK = """
import json, os, sys
name, tests = sys.argv[1], json.loads(sys.stdin.read())
sys.argv = ["mutmut"]
from mutmut.runners.harness import PytestRunner
from mutmut.utils.file_utils import setup_source_paths
setup_source_paths()
os.environ["MUTANT_UNDER_TEST"] = name
sys.stdout = sys.stderr = open(os.devnull, "w")
os._exit(PytestRunner().run_tests(mutant_name=name, tests=tests))
"""


def recheck_errors(folder, codes=(255, 0), workers=2):
    """Run again, each in a process of its own, the mutants that exited 255 (their tests raised
    in the fork server) or survived (a survivor is what the figures rest on: some survived in
    the fork server and are killed when run alone); returns how many were run."""
    from concurrent.futures import ThreadPoolExecutor
    stats = json.loads((folder / "mutants" / "mutmut-stats.json").read_text())
    tests_of = stats["tests_by_mangled_function_name"]
    metas = {meta: json.loads(meta.read_text()) for meta in (folder / "mutants").rglob("*.meta")}
    todo = [(meta, name) for meta, data in metas.items()
            for name, code in data["exit_code_by_key"].items() if code in codes]

    def one(job):
        meta, name = job
        tests = sorted(tests_of.get(name.rsplit("__mutmut_", 1)[0], ()))
        try:
            done = subprocess.run(["nice", "-n", "19", VENV / "python", "-c", RECHECK, name],
                                  cwd=folder, input=json.dumps(tests).encode(),
                                  capture_output=True, timeout=600, start_new_session=True)
            return meta, name, done.returncode if done.returncode >= 0 else 1
        except subprocess.TimeoutExpired:
            return meta, name, 36                    # mutmut's code for a timeout

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for meta, name, code in pool.map(one, todo):
            metas[meta]["exit_code_by_key"][name] = code
            meta.write_text(json.dumps(metas[meta], indent=4))
    return len(todo)


def run_isolated(group, workers, globs=()):
    """Run the mutants of the group's folder that have no result yet one by one, each in a
    session of its own (mutmut's own runner, the tests mutmut chose): a mutant of
    `mdl_kernel.calls._run_forked` can make the parent kill its own process group
    (`os.kill(0, SIGKILL)`), which takes mutmut and its queue down with it.  A mutant whose tests
    kill their own process is counted killed (its tests did not pass)."""
    from concurrent.futures import ThreadPoolExecutor
    folder = WORK / group
    stats = json.loads((folder / "mutants" / "mutmut-stats.json").read_text())
    tests_of, durations = stats["tests_by_mangled_function_name"], stats["duration_by_test"]
    metas = {meta: json.loads(meta.read_text()) for meta in (folder / "mutants").rglob("*.meta")}
    todo = [(meta, name) for meta, data in metas.items()
            for name, code in data["exit_code_by_key"].items() if code is None
            and (not globs or any(fnmatch.fnmatch(name, g) for g in globs))]

    def one(job):
        meta, name = job
        tests = sorted(tests_of.get(name.rsplit("__mutmut_", 1)[0], ()))
        if not tests:
            return meta, name, 33
        limit = (sum(durations.get(t, 0) for t in tests) + 5) * 5
        try:
            done = subprocess.run(["nice", "-n", "19", VENV / "python", "-c", RECHECK, name],
                                  cwd=folder, input=json.dumps(tests).encode(),
                                  capture_output=True, timeout=limit, start_new_session=True)
            code = done.returncode if done.returncode >= 0 else 1   # killed by its own mutant
        except subprocess.TimeoutExpired:
            code = 36                                                # mutmut's timeout
        return meta, name, code

    print(f"{group}: {len(todo)} mutant(s) run one by one", flush=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for k, (meta, name, code) in enumerate(pool.map(one, todo), 1):
            metas[meta]["exit_code_by_key"][name] = code
            meta.write_text(json.dumps(metas[meta], indent=4))
            print(f"  {k}/{len(todo)} {name}: {code}", flush=True)


def run(group, max_children, mutants, survivors=False):
    before = {}
    if survivors:
        path = WORK / group / "results.json"
        if not path.exists():
            sys.exit(f"{group}: no results of an earlier run to take the survivors from")
        earlier = json.loads(path.read_text())
        if earlier["hash"] != code_hash(group):
            sys.exit(f"{group}: a mutated file changed since the last run; run the group again")
        before = earlier["statuses"]
        # timeouts too: a mutant stopped for time may only have waited for a loaded machine
        mutants = sorted(n for n, s in before.items() if s != "killed" and s not in SKIPPED)
        if not mutants:
            print(f"{group}: no survivors to run again")
            return
    folder = lay_out(group)
    start = time.monotonic()
    print(f"{group}: mutmut run in {folder} (progress in {folder / 'run.log'})", flush=True)
    with open(folder / "run.log", "w") as log:
        subprocess.run([VENV / "mutmut", "run", "--max-children", str(max_children), *mutants],
                       cwd=folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    errors = recheck_errors(folder, workers=max_children)
    if errors:
        print(f"{group}: {errors} mutant(s) that survived, or whose tests raised in mutmut's fork "
              "server, run again one by one", flush=True)
    if survivors:
        rerun = {n: s for n, s in results(folder).items() if n in mutants}
        collect(group, time.monotonic() - start, earlier["mutants"], dict(before, **rerun),
                rerun=dict(earlier.get("rerun", {}), **{time.strftime("%Y-%m-%d %H:%M"): {
                    "mutants": len(rerun),
                    "killed": sum(s in KILLED for s in rerun.values())}}),
                seconds_before=earlier["seconds"])
    else:
        collect(group, time.monotonic() - start, mutants)


KILLED, SKIPPED = ("killed", "timeout"), ("not checked", "skipped")


def collect(group, seconds, mutants, found=None, rerun=None, seconds_before=0.0):
    """Count the group's results (the last run's, or `found`); write survived.txt, results.json
    and figures.json."""
    folder = WORK / group
    found = results(folder) if found is None else found
    rows = {}
    for name, status in found.items():
        if status in ("not checked", "skipped"):
            continue
        row = rows.setdefault(module_of(name), {"mutants": 0, "killed": 0, "survived": 0,
                                                "no tests": 0, "other": 0, "timeout": 0})
        row["mutants"] += 1
        key = {"killed": "killed", "timeout": "killed", "survived": "survived",
               "no tests": "no tests"}.get(status, "other")
        row[key] += 1
        row["timeout"] += status == "timeout"
    (folder / "survived.txt").write_text("".join(
        f"{name}: {status}\n" for name, status in sorted(found.items())
        if status not in ("killed", "timeout", "not checked", "skipped")))
    (folder / "results.json").write_text(json.dumps(
        {"statuses": found, "hash": code_hash(group), "mutants": list(mutants),
         "seconds": seconds_before + seconds, "rerun": rerun or {}}, indent=1))
    (folder / "figures.json").write_text(json.dumps(
        {"rows": rows, "seconds": seconds_before + seconds, "mutants": list(mutants),
         "rerun": rerun or {}, "date": time.strftime("%Y-%m-%d")}, indent=1))


def table():
    """The figures of every group run so far (`.mutation/<group>/figures.json`)."""
    lines = ["| module | mutants | killed (of which timeouts) | survived | no tests | other | "
             "kill rate | minutes |", "|---|---|---|---|---|---|---|---|"]
    for group in GROUPS:
        path = WORK / group / "figures.json"
        if not path.exists():
            continue
        figures = json.loads(path.read_text())
        samples = [m for m in figures["mutants"] if m.startswith("*")]
        reruns = figures.get("rerun", {})
        for module, r in sorted(figures["rows"].items()):
            globs = [m for m in figures["mutants"] if m.split("*")[0].startswith(module)]
            subset = f" (only {', '.join(f'`{m}`' for m in globs)})" if globs else ""
            if samples:
                subset += f" (sample: names matching {', '.join(f'`{m}`' for m in samples)})"
            if reruns:
                subset += " (survivors run again: " + ", ".join(
                    f"{v['killed']} of {v['mutants']} killed {k}" for k, v in reruns.items()) + ")"
            rate = r["killed"] / r["mutants"] if r["mutants"] else float("nan")
            lines.append(f"| `{module}`{subset} | {r['mutants']} | {r['killed']} "
                         f"({r.get('timeout', 0)}) | "
                         f"{r['survived']} | {r['no tests']} | {r['other']} | {rate:.1%} | "
                         f"{figures['seconds'] / 60:.1f} |")
    return "\n".join(lines)


def write(path, text):
    path = Path(path)
    doc = path.read_text()
    before, _, rest = doc.partition(HEADING)
    after = rest[rest.find("\n## "):] if "\n## " in rest else ""
    path.write_text(f"{before}{HEADING}\n\n{text}\n{after}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP",
                        help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--mutants", nargs="*", default=[], metavar="GLOB",
                        help="only the mutants whose names match")
    parser.add_argument("--write", metavar="MARKDOWN",
                        help="write the table of every group run so far into this file")
    parser.add_argument("--table", action="store_true", help="only print that table")
    parser.add_argument("--collect", type=float, metavar="MINUTES",
                        help="count the groups' last results again (their run took MINUTES)")
    parser.add_argument("--survivors", action="store_true",
                        help="run again only the mutants the group's last run did not kill")
    parser.add_argument("--isolated", action="store_true",
                        help="run the mutants of the group's last run that have no result yet one "
                             "by one, each in a session of its own, and count the group again")
    parser.add_argument("--no-install", action="store_true")
    args = parser.parse_args()
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s): {', '.join(sorted(unknown))}")
    args.groups = args.groups or list(GROUPS)
    if args.isolated:
        for group in args.groups:
            start = time.monotonic()
            run_isolated(group, args.max_children, args.mutants)
            earlier = json.loads((WORK / group / "results.json").read_text()) \
                if (WORK / group / "results.json").exists() else {"seconds": 0, "mutants": []}
            collect(group, time.monotonic() - start, earlier["mutants"],
                    seconds_before=earlier["seconds"])
        args.groups = []
    elif args.collect is not None:
        for group in args.groups:
            collect(group, args.collect * 60, args.mutants)
        args.groups = []
    elif args.table:
        args.groups = []
    elif not args.no_install:
        install()
    for group in args.groups:
        run(group, args.max_children, args.mutants, args.survivors)
    text = table()
    print(text)
    if args.write:
        write(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
