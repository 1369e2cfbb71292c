"""A new numeric exercise in one place: the catalogue, its notebook's module, one command.

In a copy of the repository the test does what an instructor does (README, "Adding an
exercise"): it adds G8 at the end of notebook 04 by editing only `autograder/catalogue.py` (the
exercise: given data, its item and reference) and `course/nb04_gradient_descent.py` (its prose,
given cell, answer cell and test cell), then runs `maths-of-dl build`.  No worked solution is
written and docs/lab/EXERCISES.md, the lab's contract, is not touched.  Then:

* source/, release/, the kernel side's manifest, solutions/worked.md and the PDFs (read back
  with pdftotext) have G8, its worked answer with the reference's number as the documents
  format it;
* the repository's own checks of the catalogue, the contract, the worked solutions and the
  generated files pass in the copy (`pytest` there);
* real `nbgrader autograde` in the copy gives G8's full points to a right answer and none to a
  wrong one, in a grading kernel that has the copy's kernel side (installed as setup.sh does).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from autograder.assignment import LAB
from autograder.settings import tool_env
from autograder.submissions import write_submission
from course.worked.numbers import tex

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "04_gradient_descent"
X = [[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]]
Y = [[3.0], [-1.0], [2.5]]
W = [[0.5], [1.0]]
B = 0.25
MSE = float(np.mean((np.array(X) @ np.array(W) + B - np.array(Y)) ** 2))

EXERCISE = f'''

G8 = Exercise(
    id="G8", notebook="04_gradient_descent", title="The loss before the first step", points=2,
    hand=True,
    given={{"X_g8": mat({X}), "y_g8": col({", ".join(str(v[0]) for v in Y)}),
           "w_g8": col({", ".join(str(v[0]) for v in W)}), "b_g8": {B}}},
    items=(Item("mse_g8", reference=lambda: np.array(gd.mse(
        affine(mat({X}), col({", ".join(str(v[0]) for v in W)}), {B}),
        col({", ".join(str(v[0]) for v in Y)})))),))

'''
CELLS = '''        md(ids, r"""
## Exercise G8: the loss before the first step

With the data and parameters below, compute the mean squared error of the linear model's
predictions, $\\frac{1}{N}\\sum_i (\\mathbf{x}_i\\mathbf{w} + b - y_i)^2$, and store it in `mse_g8`.
"""),
        given(ids, "G8"),
        answer("G8", "mse_g8 = float(np.mean((X_g8 @ w_g8 + b_g8 - y_g8) ** 2))"),
        tests("G8"),
'''
WRONG = "mse_g8 = float(np.sum((X_g8 @ w_g8 + b_g8 - y_g8) ** 2))"   # sum, not mean


def _edit(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name}: {old!r} is not there once"
    path.write_text(text.replace(old, new))


def add_g8(copy):
    """The instructor's two edits: the catalogue and the notebook's module."""
    catalogue = copy / "autograder" / "catalogue.py"
    _edit(catalogue, "\n# ---------------------------------------------------------------- the catalogue\n",
          EXERCISE + "\n# ---------------------------------------------------------------- the catalogue\n")
    _edit(catalogue, " G7, B1,", " G7, G8, B1,")
    _edit(copy / "course" / f"nb{NOTEBOOK}.py", "        tests(\"G7\"),\n    ]\n",
          "        tests(\"G7\"),\n" + CELLS + "    ]\n")


def _copy_repository(target):
    skip = shutil.ignore_patterns(".git", ".venv", ".grading-kernel", ".mutation", "course_run",
                                  "__pycache__", "*.egg-info", "build", ".pytest_cache",
                                  "gradebook.db", ".grading")
    return Path(shutil.copytree(REPO, target, ignore=skip, symlinks=True))


def _grading_kernel(copy, env):
    """The copy's grading kernel: this worktree's environment (hard links: nothing of it is
    written) with the copy's kernel side installed as setup.sh installs it (the `format`
    manifest), registered under a name of its own in a Jupyter path of the copy's."""
    original = REPO / ".grading-kernel"
    kernel_env = copy / ".grading-kernel"
    site = next(original.glob("lib/python3*/site-packages"))
    own = {site / "mdl_kernel", *site.glob("maths_of_dl_kernel*")}

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:                  # another file system: a copy
            shutil.copy2(src, dst)

    def ignore(folder, names):
        return [n for n in names if Path(folder) / n in own or n == "kernel-side"]

    shutil.copytree(original, kernel_env, symlinks=True, copy_function=link, ignore=ignore)
    python = kernel_env / "bin" / "python"
    side = copy / "kernel-side"
    subprocess.run([sys.executable, "-m", "autograder.kernel_data", "--mode", "format",
                    "--out", str(side)], cwd=copy, env=env, check=True, capture_output=True)
    shutil.copytree(side / "mdl_kernel", kernel_env / site.relative_to(original) / "mdl_kernel")
    code = ("import sys; from autograder.kernel_data import install_kernel_spec; "
            f"install_kernel_spec({str(python)!r}, 'maths-of-dl-grading-g8', {str(copy / 'jupyter-prefix')!r})")
    subprocess.run([sys.executable, "-c", code], cwd=copy, env=env, check=True)
    return "maths-of-dl-grading-g8", copy / "jupyter-prefix" / "share" / "jupyter"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    copy = _copy_repository(tmp_path_factory.mktemp("new-exercise") / "repo")
    add_g8(copy)
    env = tool_env(PYTHONPATH=os.pathsep.join([str(copy), str(copy / "kernel")]))
    env.pop("MATHS_OF_DL_DB_URL", None)
    maths_of_dl = Path(sys.executable).parent / "maths-of-dl"
    done = subprocess.run([str(maths_of_dl), "build", "."], cwd=copy, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return copy, env


def _test_cells(path):
    nb = nbformat.read(path, as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata["nbgrader"].get("solution")]


def test_the_build_writes_g8_everywhere(built):
    copy, _ = built
    for part in ("source", "release"):
        cells = _test_cells(copy / part / LAB.id / f"{NOTEBOOK}.ipynb")
        assert "G8" in cells and cells.index("G8") == cells.index("G7") + 1, (part, cells)
    release = (copy / "release" / LAB.id / f"{NOTEBOOK}.ipynb").read_text()
    assert "X_g8" in release and "mse_g8" in release
    assert "np.mean((X_g8" not in release                 # the solution stays in source/
    manifest = json.loads((copy / "kernel" / "mdl_kernel" / "data" / "manifest.json").read_text())
    assert [i["name"] for i in manifest["exercises"]["G8"]["items"]] == ["mse_g8"]
    worked = (copy / "solutions" / "worked.md").read_text()
    section = worked[worked.index("G8"):]
    assert tex(MSE) in section and r"\texttt{X\_g8}" in section and "**Answer.**" in section
    assert worked.count("G8") >= 1 and (REPO / "solutions" / "worked.md").read_text() != worked


def test_the_pdfs_have_g8(built):
    copy, _ = built
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")

    def text(pdf):
        return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout

    sheets = "\n".join(text(p) for p in sorted((copy / "exercises").glob("*.pdf")))
    solutions = "\n".join(text(p) for p in sorted((copy / "solutions").glob("*.pdf")))
    assert "G8" in sheets and "loss before the first step" in sheets
    assert "G8" in solutions and tex(MSE) in solutions[solutions.index("G8"):]


def test_the_repositorys_own_checks_pass_with_g8(built):
    """The catalogue, the contract (untouched: G8 is the course's own), the worked solutions, the
    kernel manifest and the generated files, checked by the repository's tests in the copy."""
    copy, env = built
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",
         "-m", "not slow", "tests/test_catalogue.py", "tests/test_reference.py",
         "tests/test_worked.py", "tests/test_kernel_data.py", "-k", "not benchmark"],
        cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "G8" in subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/test_catalogue.py"], cwd=copy, env=env, capture_output=True, text=True).stdout
    assert (copy / "docs" / "lab" / "EXERCISES.md").read_bytes() == \
        (REPO / "docs" / "lab" / "EXERCISES.md").read_bytes()


def test_nbgrader_gives_g8_full_points_right_and_none_wrong(built):
    copy, env = built
    kernel, jupyter = _grading_kernel(copy, env)
    env = dict(env, JUPYTER_PATH=str(jupyter), MATHS_OF_DL_GRADING_KERNEL=kernel)
    write_submission(copy, "right", notebooks=[NOTEBOOK])
    write_submission(copy, "wrong", notebooks=[NOTEBOOK],
                     answers={NOTEBOOK: {"G8_answer": WRONG}})
    done = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB.id],
                          cwd=copy, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    with Gradebook(f"sqlite:///{copy / 'gradebook.db'}") as gb:
        points = {}
        for student in ("right", "wrong"):
            nb = gb.find_submission_notebook(NOTEBOOK, LAB.id, student)
            points[student] = {g.name: (g.score, g.max_score) for g in nb.grades}
    assert points["right"]["G8"] == (2, 2)
    assert points["wrong"]["G8"] == (0, 2)
    assert points["wrong"]["G7"] == points["right"]["G7"] == (points["right"]["G7"][1],) * 2
    graded = nbformat.read(copy / "autograded" / "wrong" / LAB.id / f"{NOTEBOOK}.ipynb", 4)
    verdict = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                   == "G8")
    (shown,) = [o["data"]["text/markdown"] for o in verdict.outputs if "data" in o]
    assert shown.startswith("**G8: 0 / 2 points**") and "mse\\_g8: the value is too large" in shown
    assert tex(MSE) not in shown and str(MSE) not in shown      # never the reference
