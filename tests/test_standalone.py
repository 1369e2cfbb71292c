"""The repository stands alone: no tracked file reads a path outside it.

A clone has nothing beside it, so whatever the project needs of the lab is kept in `docs/lab/`
(docs/lab/README.md says where it comes from).  Every tracked text file is read for the ways a
path can leave the repository:

* a relative path that climbs out (`../x`), resolved from the file's own folder (a link in a
  document), and in code also from the repository's root (where the tools and tests run);
* in Python, a folder climbed from `__file__` above the repository's root
  (`Path(__file__).resolve().parent.parent.parent`, `.parents[k]`, nested `os.path.dirname`), or
  a name bound to such a folder climbed further (`REPO.parent`, `REPO / ".."`);
* in code (Python, shell, TOML, JSON, notebooks' code), an absolute path in a place where a project
  or a user lives (`/work/...`, `/home/...`, `/srv/...`, ...) rather than the system's own
  (`/usr`, `/tmp`, `/dev`, `/proc`: the sandbox and the tools need those);
* anywhere, the name of the folder the lab was handed out in.

The few strings that only look like a way out are listed in ALLOWED, each with why; an entry that
no longer matches fails too, so the list cannot rot.
"""
import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CODE = (".py", ".sh", ".toml", ".cfg", ".json", ".js", ".j2", ".ipynb", ".lock", ".txt")
PLACES = r"(?:work|home|root|Users|mnt|srv|opt|scratch|data|media|var/lib|workspace)"
ABSOLUTE = re.compile(rf"(?<![\w.~/-])/{PLACES}(?:/[\w.+-]*)*")
CLIMB = re.compile(r"(?<![\w./-])(?:\.\.[/\\])+[\w.+-]*(?:/[\w.+-]+)*|(?<![\w./])\.\.(?=[\"'])")
SCRIPT_CLIMB = re.compile(r"\$\(dirname \"?\$(?:0|\{BASH_SOURCE\[0\]\})\"?\)((?:/\.\.)+)")   # a script's folder, up
LAB_FOLDER = re.compile("/".join(("shared", "lab")))   # the lab's folder beside the repository

# (file, string found): why it does not leave the repository.
ALLOWED = {
    ("autograder/grading/intake.py", "../../../source/..."):
        "a docstring: the symbolic link a submission may hold, which intake never follows",
    ("scripts/mutation.py", "../../.venv/bin/mutmut"):
        "run from .mutation/<group>/ inside the repository",
    ("tests/test_tamper.py", "../../../gradebook.db"):
        "a student's notebook's attack, run from submitted/<student>/<assignment>/ in a course folder",
    ("tests/test_tamper.py", "../../../nbgrader_config.py"):
        "a student's notebook's attack, run from submitted/<student>/<assignment>/ in a course folder",
    ("tests/test_tamper.py", "../../../source/maths_of_dl/05_backpropagation.ipynb"):
        "a student's notebook's attack, run from submitted/<student>/<assignment>/ in a course folder",
    ("autograder/grading/sandbox/policy.py", "/home/student"):
        "the grading kernel's home inside its sandbox, an empty tmpfs",
    ("tests/test_cli.py", "/srv/course"): "a command line parsed, not run",
    ("tests/test_readme.py", "/scratch/grading"):
        "README's placeholder for a worker's folder, replaced by a temporary one before it runs",
    ("tests/test_student.py", "/srv/x"): "a line of an nbgrader log, classified",
    ("tests/test_sandbox.py", "/root"): "an environment variable the sandbox must drop",
}
# Test files whose relative paths are a submission's attacks (symbolic links and archive members
# that climb out of a student's folder), laid inside a temporary course folder: their climbs are
# data, never read from the repository.  The other ways out are still looked for there.
ATTACK_FIXTURES = {"tests/test_intake.py", "tests/test_staging.py", "tests/test_class_grading.py",
                   "tests/test_lms.py", "tests/test_sanitize.py"}
SELF = "tests/test_standalone.py"   # the scan's own vocabulary and samples: read by test 1 only


def tracked_files():
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True,
                           check=True).stdout.split("\0")
    return [name for name in names if name]


def _text(name):
    try:
        return (REPO / name).read_text(encoding="utf-8")
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return None     # binary (the PDFs), or a submodule


def _escapes(start, relative):
    target = (start / relative.replace("\\", "/")).resolve()
    return target != REPO and REPO not in target.parents


def _depth(name):
    """How many folders a tracked file lies below the root (0 for a file at the root)."""
    return len(Path(name).parts) - 1


def _climbs(node):
    """(how many folders up from `__file__`'s file, or None; the name a chain starts from)."""
    ups = 0
    while True:
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            ups, node = ups + 1, node.value
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "parents" and isinstance(node.slice, ast.Constant):
            ups, node = ups + node.slice.value + 1, node.value.value
        elif isinstance(node, ast.Attribute) and node.attr in ("resolve", "absolute") \
                or isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("resolve", "absolute") and not node.args:
            node = node.value if isinstance(node, ast.Attribute) else node.func
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) \
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Path", "dirname", "abspath",
                                                                                  "realpath") \
                and len(node.args) == 1:
            ups += getattr(node.func, "id", getattr(node.func, "attr", "")) == "dirname"
            node = node.args[0]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) \
                and isinstance(node.right, ast.Constant) and node.right.value == "..":
            ups, node = ups + 1, node.left
        else:
            break
    if isinstance(node, ast.Name) and node.id == "__file__":
        return ups, "__file__"
    if isinstance(node, ast.Name):
        return ups, node.id
    return None, None


def python_ways_out(name, source):
    """Folders climbed above the root in a Python file: (line, text) of each."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    room = {"__file__": _depth(name) + 1}    # folders that may be climbed from each name
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            ups, start = _climbs(node.value)
            if start in room and ups:
                room[node.targets[0].id] = room[start] - ups
    for node in ast.walk(tree):
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.BinOp, ast.Call)):
            ups, start = _climbs(node)
            if start in room and ups and ups > room[start]:
                found.append((node.lineno, ast.get_source_segment(source, node)))
    return found


def ways_out(name, text):
    """(line, string) of every way out of the repository in a tracked file's text."""
    found = []
    is_code = name.endswith(CODE)
    for number, line in enumerate(text.splitlines(), 1):
        for m in CLIMB.finditer(line) if name not in ATTACK_FIXTURES else ():
            path = m.group(0)
            if _escapes((REPO / name).parent, path) or is_code and _escapes(REPO, path):
                found.append((number, path))
        if is_code:
            found += [(number, m.group(0)) for m in ABSOLUTE.finditer(line)]
            found += [(number, m.group(0)) for m in SCRIPT_CLIMB.finditer(line)
                      if m.group(1).count("..") > _depth(name)]
        found += [(number, m.group(0)) for m in LAB_FOLDER.finditer(line)]
    if name.endswith(".py"):
        found += python_ways_out(name, text)
    return found


def test_the_scan_finds_every_way_out():
    """The scan itself, on samples of each way out (and of ways that stay inside)."""
    samples = {
        "tests/test_x.py": ('NOTES = Path(__file__).resolve().parent.parent / "sibling"\n'
                            'LAB = REPO.parent / "notes"\n'
                            'OUT = Path(__file__).resolve().parents[2] / "x"\n'
                            'UP = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))\n'
                            'REPO = Path(__file__).resolve().parent.parent\n'
                            'open(REPO / ".." / "x")\n'
                            'text = open("../sibling/notes.md").read()\n'
                            'data = "/work/elsewhere/data.csv"\n'
                            'home = "/home/someone/lab"\n'),
        "scripts/x.sh": 'cd "$(dirname "$0")/../.."\n',
        "README.md": "Read ../sibling/notes.md first; the lab sits in " + "/".join(("shared", "lab")) + ".\n",
    }
    found = {name: {s for _, s in ways_out(name, text)} for name, text in samples.items()}
    assert found["tests/test_x.py"] >= {"REPO.parent", "../sibling/notes.md", "/work/elsewhere/data.csv",
                                        "/home/someone/lab", "REPO / \"..\""}
    assert any("parents[2]" in s for s in found["tests/test_x.py"])
    assert any(s.startswith("os.path.dirname(os.path.dirname(os.path.dirname") for s in found["tests/test_x.py"])
    assert not any(s.startswith("Path(__file__).resolve().parent.parent") and "parents" not in s
                   for s in found["tests/test_x.py"])      # to the root, not above it
    assert found["scripts/x.sh"] == {'$(dirname "$0")/../..'}
    assert found["README.md"] == {"../sibling/notes.md", "/".join(("shared", "lab"))}
    inside = {"autograder/x.py": ('ROOT = Path(__file__).resolve().parent.parent\n'
                                  'DATA = ROOT / "docs" / "lab"\n'
                                  'HERE = os.path.dirname(__file__)\n'
                                  'lab = open("docs/lab/EXERCISES.md")\n'
                                  'tmp = "/tmp/x"; usr = "/usr/bin/env"\n'),
              "docs/x.md": "See ../README.md and ./lab/EXERCISES.md.\n",
              "scripts/x.sh": 'cd "$(dirname "$0")/.."\n'}
    assert not [w for name, text in inside.items() for w in ways_out(name, text)]


def test_no_tracked_file_reads_a_path_outside_the_repository():
    found, used = [], set()
    for name in tracked_files():
        text = _text(name) if name != SELF else None
        if text is None:
            continue
        for number, string in ways_out(name, text):
            if (name, string) in ALLOWED:
                used.add((name, string))
            else:
                found.append(f"{name}:{number}: {string}")
    assert not found, "paths outside the repository:\n" + "\n".join(found)
    assert used == set(ALLOWED), f"ALLOWED entries that match nothing: {set(ALLOWED) - used}"


@pytest.mark.parametrize("name", ["EXERCISES.md", "lab-printed-numbers.txt", "README.md"])
def test_what_the_project_keeps_of_the_lab_is_tracked(name):
    assert f"docs/lab/{name}" in tracked_files()
