"""The scripts (benchmarks, profiling, mutation testing) still fit the code they drive.

They run rarely, so a name that moves breaks them silently (profile_student.py once imported a
name that had moved).  Each script under scripts/*.py is imported as a module (its `main` is not
run), every import of the project it makes, at its top or inside a function, must resolve, and
`--help` must print its usage.  None may write the lab's assignment id: it is `assignment.LAB`.
"""
import ast
import importlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assignment import LAB

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = sorted((REPO / "scripts").glob("*.py"))
PROJECT = ("autograder", "course", "mdl_kernel")


def test_there_are_scripts():
    assert len(SCRIPTS) >= 7 and REPO / "scripts" / "bench_class.py" in SCRIPTS


def project_imports(path):
    """(line, module, name or None) of every import of the project's packages in a script,
    wherever it is written."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] in PROJECT:
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names
                      if alias.name.split(".")[0] in PROJECT]
    return found


def unresolved(path):
    """The project imports of a script that name a module or a name that does not exist."""
    missing = []
    for line, module, name in project_imports(path):
        try:
            imported = importlib.import_module(module)
        except ImportError as error:
            missing.append(f"{path.name}:{line}: {module} ({error})")
            continue
        if name is not None and not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{path.name}:{line}: {name} is not in {module}")
    return missing


def test_the_check_finds_a_moved_name(tmp_path):
    """The check itself: a name that is not where the script looks for it is named."""
    script = tmp_path / "moved.py"
    script.write_text("def main():\n    from autograder.gradebook import no_such_name\n"
                      "    from autograder.settings import ASSIGNMENT\n")
    assert unresolved(script) == ["moved.py:2: no_such_name is not in autograder.gradebook",
                                  "moved.py:3: ASSIGNMENT is not in autograder.settings"]


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_every_import_of_a_script_resolves(path):
    assert project_imports(path) or path.name == "mutation.py", path.name
    assert unresolved(path) == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_a_script_imports_as_a_module(path):
    spec = importlib.util.spec_from_file_location(f"script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    saved = list(sys.path)
    try:
        spec.loader.exec_module(module)      # not __main__: nothing runs
    finally:
        sys.path[:] = saved
    assert callable(getattr(module, "main", None)), f"{path.name} has no main"


@pytest.mark.slow
@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_a_script_prints_its_usage(path):
    done = subprocess.run([sys.executable, str(path), "--help"], capture_output=True, text=True,
                          cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage:" in done.stdout


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_script_writes_the_labs_id(path):
    code = [node.value for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    assert not [text for text in code if re.search(rf"(?<!\w){LAB.id}(?!\w)", text)], path.name
