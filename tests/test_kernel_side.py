"""The kernel side alone, as a student's machine or the grading kernel has it: no answers.

The kernel package is built in the `format` release mode and installed alone into a fresh virtual
environment (NumPy only beside it).  Everything an import or a read can reach there is searched
for what only the tutor's side should hold: every reference value of a hand or code answer (to 3
significant figures, as numbers in files and as values of imported objects), the reference
implementations (source text), and the hidden test inputs of every function exercise.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.assignment import LAB
from autograder import kernel_data
from mdl_kernel import cases
from autograder.catalogue import CATALOGUE


def _arrays(args, kwargs):
    return [v for v in list(args) + list(kwargs.values()) if isinstance(v, np.ndarray)]


def _given_numbers():
    """What a student is given anyway: the exercises' given data, the network of the figure and
    the inputs of the visible test cases (N1's answers are the figure's numbers, say)."""
    from autograder.figures import network_figure
    numbers = set()
    for exercise in CATALOGUE.values():
        for value in exercise.given.values():
            numbers.update(np.ravel(np.asarray(value, dtype=float)).tolist())
        for item in exercise.items:
            for case in getattr(item, "cases", ()):
                if not case.hidden:
                    for value in _arrays(*case.inputs()):
                        numbers.update(value.ravel().astype(float).tolist())
    network = network_figure()
    numbers.update(network["inputs"].values())
    numbers.update(w for _, _, w in network["edges"])
    return numbers


def _reference_numbers():
    """Every number of every reference answer that is neither a small whole number (those occur
    in any file: shapes, counts, the exercise names n_obs_2x3 themselves) nor given data."""
    numbers = set()
    for exercise in CATALOGUE.values():
        for item in exercise.items:
            if item.kind.name in ("value", "integer"):
                values = np.ravel(np.asarray(item.expected, dtype=float))
            elif item.kind.name == "function":
                values = np.concatenate([np.ravel(np.asarray(e, dtype=float))
                                         for case in item.cases if case.hidden
                                         for e in _outputs(case.expected())])
            else:
                continue
            numbers.update(float(v) for v in values
                           if np.isfinite(v) and not (v == round(v) and abs(v) < 10_000))
    given = np.array(sorted(_given_numbers()))
    return {x for x in numbers if not np.any(np.abs(given - x) <= 1e-12 * (1 + abs(x)))}


def _outputs(expected):
    return expected if isinstance(expected, tuple) else (expected,)


def _hidden_inputs():
    """Numbers of the hidden test inputs (arrays given to a student's function at grading) that
    are not given data too."""
    numbers = set()
    for exercise in CATALOGUE.values():
        for item in exercise.items:
            for case in getattr(item, "cases", ()):
                if not case.hidden:
                    continue
                args, kwargs = case.inputs()
                for value in _arrays(args, kwargs):
                    numbers.update(float(v) for v in value.ravel()
                                   if not (v == round(v) and abs(v) < 10_000))
    return numbers - _given_numbers()      # the lecture's data is reused in hidden cases


def _forms(x, given_forms):
    """How a number can be written, to 3 significant figures and more; a 3-figure form that a
    given number shares, or that reads as a whole number, proves nothing."""
    short = {f"{x:.3g}", f"{x:.3f}"} - given_forms
    return {f for f in short | {f"{x:.6g}", repr(x)}
            if not re.fullmatch(r"-?\d+(\.0+)?", f) and f not in ("0.000", "-0.000")}


def _written(text, x, given_forms):
    return any(re.search(rf"(?<![\d.]){re.escape(form)}(?!\d)", text)
               for form in _forms(x, given_forms))


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    root = tmp_path_factory.mktemp("kernel-side")
    package = kernel_data.package("format", root / "package")
    env = root / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    numpy_version = np.__version__
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"numpy=={numpy_version}"],
                   check=True, capture_output=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(package)],
                   check=True, capture_output=True)
    site = Path(subprocess.run([str(python), "-c", "import mdl_kernel, os; "
                                "print(os.path.dirname(mdl_kernel.__file__))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    return python, site


@pytest.mark.slow
def test_the_tutor_side_cannot_be_imported(kernel_env):
    python, _ = kernel_env
    for module in ("autograder", "autograder.catalogue", "course", "nbgrader"):
        done = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True,
                              text=True, cwd="/")
        assert done.returncode != 0 and "No module named" in done.stderr, module


@pytest.mark.slow
def test_no_answer_can_be_read_from_any_file_of_the_kernel_side(kernel_env):
    _, site = kernel_env
    text = "\n".join(p.read_text(errors="replace") for p in sorted(site.rglob("*"))
                     if p.is_file() and p.suffix in (".py", ".json", ".txt", ".toml", ""))
    assert '"exercises"' in text and len(text) > 10_000           # the search reads something
    given_forms = {form for g in _given_numbers() for form in (f"{g:.3g}", f"{g:.3f}")}
    found = sorted(x for x in _reference_numbers() if _written(text, x, given_forms))
    assert found == [], f"reference values readable on the kernel side: {found[:10]}"
    hidden = sorted(x for x in _hidden_inputs() if f"{x:.6g}" in text or repr(x) in text)
    assert hidden == [], f"hidden test inputs readable on the kernel side: {hidden[:10]}"
    manifest = json.loads((site / "data" / "manifest.json").read_text())
    assert manifest["mode"] == "format" and "answers" not in manifest
    for model in ("def forward_pass", "def lr_gradient_descent", "def backprop_gradients",
                  "def logistic_gradient_descent", "def softmax", "def sigmoid"):
        assert model not in text, model


WALK = r"""
import importlib, json, math, pkgutil, sys
import numpy as np
import mdl_kernel
from mdl_kernel import manifest
names = ["mdl_kernel"] + [m.name for m in pkgutil.walk_packages(mdl_kernel.__path__, "mdl_kernel.")]
seen, numbers = set(), []
def walk(value, depth=0):
    if id(value) in seen or depth > 12:
        return
    seen.add(id(value))
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        numbers.append(float(value))
    elif isinstance(value, np.ndarray) and value.dtype.kind in "iuf" and value.size < 10**6:
        numbers.extend(value.ravel().astype(float).tolist())
    elif isinstance(value, dict):
        for v in list(value.values()):
            walk(v, depth + 1)
    elif isinstance(value, (list, tuple, set)):
        for v in list(value):
            walk(v, depth + 1)
    elif type(value).__module__.startswith("mdl_kernel"):
        walk(vars(value) if hasattr(value, "__dict__") else None, depth + 1)
for name in names:
    module = importlib.import_module(name)
    walk(vars(module))
walk(manifest.load())
for eid in manifest.load()["exercises"]:
    for info in manifest.exercise(eid)["items"]:
        walk(manifest.answers(eid, info["name"]))
print(json.dumps(sorted(set(x for x in numbers if math.isfinite(x)))))
"""


@pytest.mark.slow
def test_no_answer_can_be_imported_from_the_kernel_side(kernel_env):
    python, _ = kernel_env
    done = subprocess.run([str(python), "-c", WALK], capture_output=True, text=True, cwd="/",
                          check=True)
    reachable = json.loads(done.stdout)
    assert len(reachable) > 20                                 # the walk reaches the manifest
    reachable = np.array(reachable)
    found = sorted(x for x in _reference_numbers()
                   if np.any(np.abs(reachable - x) <= 1e-9 * (1 + abs(x))))
    assert found == [], f"reference values importable on the kernel side: {found[:10]}"


def test_full_mode_ships_the_answers_packed_and_format_mode_does_not():
    full, form = kernel_data.manifest("full"), kernel_data.manifest("format")
    assert "answers" in full and "answers" not in form
    assert full["exercises"] == form["exercises"]
    plain = json.dumps(full["exercises"])
    given_forms = {form for g in _given_numbers() for form in (f"{g:.3g}", f"{g:.3f}")}
    assert [x for x in _reference_numbers() if _written(plain, x, given_forms)] == []
    assert any(_written(json.dumps(cases.unpack(full["answers"])), x, given_forms)
               for x in _reference_numbers())               # the packed data does hold them


# ---------------------------------------------------------------------------- what a student installs
@pytest.mark.slow
def test_one_install_command_gives_a_student_everything_the_notebooks_need(tmp_path):
    """README's one command for students, `pip install "./kernel[lab]"`, into a fresh virtual
    environment and nothing else: Jupyter there runs each of the five release notebooks, with the
    instructor's solutions filled in, from a fresh kernel to its end (restart and run all)
    without an error, and every self-check says the answer is right.  (pip may use its cache;
    the packages come from PyPI.)"""
    import shutil

    import nbformat
    from autograder.submissions import write_submission
    repo = Path(__file__).resolve().parent.parent
    kernel = shutil.copytree(repo / "kernel", tmp_path / "kernel",
                             ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    python = env / "bin" / "python"
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", f"{kernel}[lab]"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    course = tmp_path / "course"                       # the release and its solutions, read only
    course.mkdir()
    for folder in ("release", "source"):
        (course / folder).symlink_to(repo / folder)
    notebooks = write_submission(course, "student")
    home = tmp_path / "home"
    home.mkdir()
    clean = {"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
             "MPLBACKEND": "Agg"}
    paths = sorted(notebooks.glob("*.ipynb"))
    assert [p.name for p in paths] == [p.name for p in sorted((repo / "release" / LAB.id).glob("*.ipynb"))]
    assert len(paths) == 5
    for path in paths:
        done = subprocess.run([str(env / "bin" / "jupyter"), "nbconvert", "--to", "notebook",
                               "--execute", "--ExecutePreprocessor.timeout=600", "--output",
                               f"{path.stem}.run", str(path)], cwd=notebooks, env=clean,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{path.name}: {done.stderr[-3000:]}"
        ran = nbformat.read(notebooks / f"{path.stem}.run.ipynb", as_version=4)
        checks = [c for c in ran.cells if c.cell_type == "code" and "check(" in c.source]
        assert checks, path.name
        for cell in checks:
            text = "".join(o.get("text", "") for o in cell.outputs)
            assert text.startswith("Self-check of") and "All correct" in text, (path.name, text)
