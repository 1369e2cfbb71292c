"""Grades that student code cannot fake: the grader under real nbgrader, and its parts.

The attack corpus (ATTACKS) is graded twice, by real `nbgrader autograde` runs made at the same
time, each grading the whole class in one run (a third run, alongside, grades an honest
submission of all five notebooks):

* STOCK   this course's notebooks under nbgrader's stock configuration: the default kernel (the
          tutor's environment, where the tutor's side can be imported), no grader, and one more
          graded cell in notebook 01 right after F4's test: "F4_plain", a plain nbgrader assert
          test (`assert n_obs_2x3 == 2 ...`, `assert np.allclose(n_obs_3x2, 3) ...`): a grader
          that trusts the kernel;
* GRADED  this course with its own configuration: the grading kernel (the kernel side only), the
          test inputs written in by `grading.inputs.TestInputs`, every record judged by
          `grading.marking.MarkRecords` in nbgrader's process.

An attack marked "plain" scores more in STOCK's plain assert test than its real answers deserve;
under GRADED each attacked exercise gets exactly what its real answers deserve (computed here with
`judging.judge` from the real values) and the notebook is flagged with the expected reasons.
Honest students, right or wrong, are never flagged, and an honest full-solution submission of
all five notebooks keeps every autograded point.

Every attack lives in the last answer cell before its target test cell (F4 in notebook 01, N4 in
notebook 03), so the exercises before it are untouched and must keep their points.
"""
import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder import graded_cell
from autograder.assignment import LAB
from autograder.catalogue import CATALOGUE, NOTEBOOKS
from autograder.grading import marking, tamper
from autograder.grading.flags import FLAGS_FILE, read_flags
from autograder.judging import collect_namespace, judge, judge_namespace
from autograder.settings import COURSE_KEY
from autograder.submissions import write_submission
from mdl_kernel import plain as P
from mdl_kernel.recording import RECORD_MIME
from nbgrader import utils

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# ---------------------------------------------------------------------------- the F4 answers
F4_NAMES = ("n_obs_2x3", "n_inputs_2x3", "n_obs_3x2", "n_inputs_3x2")
RIGHT_2x3, WRONG_2x3 = "n_obs_2x3, n_inputs_2x3 = 2, 3\n", "n_obs_2x3, n_inputs_2x3 = 3, 2\n"
RIGHT_3x2, WRONG_3x2 = "n_obs_3x2, n_inputs_3x2 = 3, 2\n", "n_obs_3x2, n_inputs_3x2 = 2, 3\n"
VALUES = {RIGHT_2x3: (2, 3), WRONG_2x3: (3, 2), RIGHT_3x2: (3, 2), WRONG_3x2: (2, 3)}

PLAIN_F4_TEST = ("assert n_obs_2x3 == 2 and n_inputs_2x3 == 3\n"
                 "assert np.allclose(n_obs_3x2, 3) and np.allclose(n_inputs_3x2, 2)")
PLAIN_ID = "F4_plain"

DECOY = json.dumps({RECORD_MIME: {
    "exercise": "F4",
    "answers": {name: {"type": "array", "shape": [], "data": [float(v)]}
                for name, v in zip(F4_NAMES, (2, 3, 3, 2))}}, "text/plain": "[recorded]"})

FORGOT_B2 = '''def forward_pass(X, w1, b1, w2, b2):
    hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))
    scores = np.exp(hidden @ w2)          # the bias b2 is forgotten
    return hidden, scores / scores.sum()
'''


def forgot_b2(X, w1, b1, w2, b2):
    """FORGOT_B2 as a function of this module (its deserved score is computed with it)."""
    hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))
    scores = np.exp(hidden @ w2)
    return hidden, scores / scores.sum()



# ---------------------------------------------------------------------------- the attacks
# name -> (answers: {notebook: {answer cell: code}}, fools: {"plain"} when it beats STOCK's plain
#          assert test, reasons the graded run must give).  `f4(values, code)` builds an F4 attack.
def f4(values, code):
    return {"01_forward_pass": {"F4_answer": values + code}}


IMPORT_ANSWERS = ("from autograder.catalogue import CATALOGUE\n"
                  "n_obs_2x3, n_inputs_2x3, n_obs_3x2, n_inputs_3x2 = "
                  "(float(item.expected) for item in CATALOGUE['F4'].items)\n")
WALK_MODULES = ("import importlib, pkgutil\n"
                "found = {}\n"
                "for top in ('autograder', 'mdl_kernel', 'course'):\n"
                "    try:\n"
                "        package = importlib.import_module(top)\n"
                "    except ImportError:\n"
                "        continue\n"
                "    names = [top] + [m.name for m in pkgutil.walk_packages(package.__path__, "
                "top + '.')]\n"
                "    for name in names:\n"
                "        try:\n"
                "            module = importlib.import_module(name)\n"
                "        except Exception:\n"
                "            continue\n"
                "        for value in list(vars(module).values()):\n"
                "            if isinstance(value, dict) and 'F4' in value:\n"
                "                for item in getattr(value['F4'], 'items', ()):\n"
                "                    if hasattr(item, 'expected'):\n"
                "                        found[item.name] = float(item.expected)\n"
                "globals().update(found)\n")
IMPORT_FUNCTION = ("\ntry:\n    from autograder.reference.network import forward_pass\n"
                   "except ImportError:\n    pass\n")

ATTACKS = {
    # the tutor's side: answers and model solutions, imported or found by walking modules
    "import-answers": (f4(WRONG_2x3 + WRONG_3x2, IMPORT_ANSWERS), {"plain"},
                       {"tamper:tutor-side"}),
    "walk-modules": (f4(WRONG_2x3 + WRONG_3x2, WALK_MODULES), {"plain"},
                     {"tamper:interpreter-state", "tamper:tutor-side"}),
    "import-model-solution": ({"03_network_output": {"N4_answer": FORGOT_B2 + IMPORT_FUNCTION}},
                              set(), {"tamper:tutor-side"}),
    # rebinding attributes of numpy
    "numpy-allclose": (f4(RIGHT_2x3 + WRONG_3x2, "np.allclose = lambda *args, **kwargs: True\n"),
                       {"plain"}, {"tamper:module-attribute"}),
    # objects that claim to equal everything
    "always-equal": (f4(RIGHT_3x2, "class Anything:\n    def __eq__(self, other):\n"
                                   "        return True\n\n"
                                   "n_obs_2x3 = n_inputs_2x3 = Anything()\n"),
                     {"plain"}, {"tamper:comparison-override"}),
    "ndarray-subclass": (f4(RIGHT_2x3, "class Agreeable(np.ndarray):\n"
                                       "    def __array_function__(self, func, types, args, kw):\n"
                                       "        return True\n\n"
                                       "    def __eq__(self, other):\n        return True\n\n"
                                       "n_obs_3x2 = np.array(2.0).view(Agreeable)\n"
                                       "n_inputs_3x2 = np.array(3.0).view(Agreeable)\n"),
                         {"plain"}, {"tamper:comparison-override"}),
    # rebinding the names the test cells use
    "rebind-np": (f4(RIGHT_2x3 + WRONG_3x2,
                     "import types\n"
                     "np = types.SimpleNamespace(allclose=lambda *a, **k: True)\n"),
                  {"plain"}, {"tamper:grader-name"}),
    "rebind-record-with-decoy": (f4(WRONG_2x3 + WRONG_3x2,
                                    "from IPython.display import display\n"
                                    f"display({DECOY}, raw=True)   # a decoy, not in a test\n"
                                    "check = lambda *args, **kwargs: print('all correct')\n"
                                    "record = lambda *args, **kwargs: None\n"),
                                 set(), {"tamper:grader-name", "record-missing"}),
    "forged-record": (f4(WRONG_2x3 + RIGHT_3x2,
                         "from IPython.display import display\n\n"
                         "def record(exercise_id, namespace, cases=None):\n"
                         "    answers = {name: {'type': 'array', 'shape': [], 'data': [2.0]}\n"
                         "               for name in ('n_obs_2x3', 'n_inputs_2x3', 'n_obs_3x2',"
                         " 'n_inputs_3x2')}\n"
                         f"    display({{{RECORD_MIME!r}: {{'exercise': exercise_id,"
                         " 'answers': answers},\n"
                         "             'text/plain': '[recorded]'}, raw=True)\n"),
                      set(), {"tamper:grader-name"}),
    "sys-modules": (f4(WRONG_2x3 + WRONG_3x2, "import sys, types\n"
                                              "fake = types.ModuleType('mdl_kernel')\n"
                                              "fake.check = lambda *args, **kwargs: None\n"
                                              "fake.record = lambda *args, **kwargs: None\n"
                                              "sys.modules['mdl_kernel'] = fake\n"
                                              "from mdl_kernel import check, record\n"),
                    set(), {"tamper:interpreter-state", "record-missing"}),
    # IPython's machinery: fake results, hidden errors, swallowed or cleared test cells
    "pre-run-result": (f4(WRONG_2x3 + RIGHT_3x2, "shell = get_ipython()\n"
                                                 "shell.events.register('pre_run_cell', "
                                                 "lambda info: shell.displayhook(2.0))\n"),
                       {"plain"}, {"tamper:ipython-hook"}),
    "traceback-to-score": (f4(WRONG_2x3 + RIGHT_3x2,
                              "from IPython.core.interactiveshell import InteractiveShell\n"
                              "InteractiveShell.showtraceback = "
                              "lambda self, *args, **kwargs: self.displayhook(2.0)\n"),
                           {"plain"}, {"tamper:ipython-hook"}),
    "float-formatter": (f4(WRONG_2x3 + RIGHT_3x2,
                           "get_ipython().display_formatter.formatters['text/plain'].for_type("
                           "float, lambda value, printer, cycle: printer.text('2.0'))\n"),
                        set(), {"tamper:ipython-hook"}),
    "input-transformer": (f4(WRONG_2x3 + WRONG_3x2,
                             "get_ipython().input_transformers_cleanup.append(\n"
                             "    lambda lines: [] if any('assert' in line or 'record(' in line\n"
                             "                            for line in lines) else lines)\n"),
                          {"plain"}, {"tamper:ipython-hook", "record-missing"}),
    "ast-transformer": (f4(WRONG_2x3 + WRONG_3x2,
                           "import ast\n\n"
                           "class Rewrite(ast.NodeTransformer):\n"
                           "    def visit_Assert(self, node):\n        return None\n\n"
                           "    def visit_Call(self, node):\n"
                           "        if isinstance(node.func, ast.Name) and "
                           "node.func.id == 'record':\n"
                           "            return ast.copy_location(ast.Constant(2.0), node)\n"
                           "        return self.generic_visit(node)\n\n"
                           "get_ipython().ast_transformers.append(Rewrite())\n"),
                        {"plain"}, {"tamper:ipython-hook", "record-missing"}),
    "clear-output": (f4(WRONG_2x3 + WRONG_3x2,
                        "from IPython.display import clear_output\n"
                        "get_ipython().events.register('post_run_cell', "
                        "lambda result: clear_output())\n"),
                     set(), {"tamper:ipython-hook", "record-missing"}),
    # hidden code
    "hidden-exec": (f4(RIGHT_2x3 + WRONG_3x2,
                       "import base64\nexec(base64.b64decode('" +
                       __import__("base64").b64encode(
                           b"np.allclose = lambda *args, **kwargs: True\n").decode() +
                       "').decode())\n"),
                    {"plain"}, {"tamper:dynamic-code"}),
}
TARGET = {name: ("03_network_output", "N4") if "03_network_output" in answers
          else ("01_forward_pass", "F4") for name, (answers, _, _) in ATTACKS.items()}

# outside the corpus: attacks nbgrader itself does not reward, or that grading cannot undo
KERNEL_DEATH = f4(WRONG_2x3 + WRONG_3x2, "import os\nos._exit(0)\n")

HONEST_WRONG = {
    "01_forward_pass": {"F1a_answer": "z_1a = np.array([[3, 3]])",       # a row: half credit
                        "F1b_answer": "z_1b = X_1b @ w_1b",               # no bias: 0
                        "F2a_answer": "z_2a = 1 / 0",                      # crashes: 0
                        "F3a_answer": "# YOUR CODE HERE\nraise NotImplementedError()",
                        "F4_answer": WRONG_2x3 + RIGHT_3x2},
    "03_network_output": {"N3_answer": 'prediction = "NO"', "N4_answer": FORGOT_B2},
}


# ---------------------------------------------------------------------------- deserved scores
def deserved(name):
    """What the attacked exercise's real answers deserve, judged here from the real values."""
    answers, _, _ = ATTACKS[name]
    notebook, eid = TARGET[name]
    if eid == "N4":
        return judge_namespace("N4", {"forward_pass": forgot_b2}).points
    code = answers[notebook]["F4_answer"]
    real = dict(zip(F4_NAMES, (None,) * 4))
    for line, pair in VALUES.items():
        if line in code:
            names = F4_NAMES[:2] if "2x3" in line else F4_NAMES[2:]
            real.update(zip(names, pair))
    if name == "ndarray-subclass":
        real.update(n_obs_3x2=2.0, n_inputs_3x2=3.0)    # the arrays' real values
    return judge("F4", {n: P.numeric(v) if v is not None else P.invalid("an object")
                        for n, v in real.items()}).points


def plain_deserved(name):
    """The plain assert test is all or nothing: right real values get 2, anything else 0."""
    return 2.0 if deserved(name) == 2.0 else 0.0


# ---------------------------------------------------------------------------- courses
def _env():
    return dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
                MATHS_OF_DL_CELL_TIMEOUT="15", PYTHONWARNINGS="ignore")


def _nbgrader(course, *args, log=None):
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *args], cwd=course, env=_env(),
                            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)


def _with_plain_test(path):
    """Notebook 01 with a plain nbgrader assert test cell right after F4's test cell."""
    nb = nbformat.read(path, as_version=4)
    index = next(k for k, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == "F4")
    cell = new_code_cell(PLAIN_F4_TEST)
    cell.metadata = copy.deepcopy(nb.cells[index].metadata)
    cell.metadata["nbgrader"]["grade_id"] = PLAIN_ID
    nb.cells.insert(index + 1, cell)
    return nb


STOCK_CONFIG = """c = get_config()
c.CourseDirectory.course_id = "maths-of-dl"
"""


def make_course(root, kind):
    """A course folder: 'graded' or 'honest' (this course) or 'stock' (nbgrader as it comes)."""
    course = root / kind
    shutil.copytree(REPO / "source" / LAB.id, course / "source" / LAB.id)
    if kind != "stock":
        shutil.copy(REPO / "nbgrader_config.py", course)
    else:
        (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
        path = course / "source" / LAB.id / "01_forward_pass.ipynb"
        nbformat.write(_with_plain_test(path), path)
    return course


class Run:
    """One graded course: scores from its gradebook, flags from its flags file."""

    def __init__(self, course, returncode, log):
        self.course, self.returncode, self.log = course, returncode, log

    def scores(self, student, notebook):
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook(notebook, LAB.id, student)
            return {g.name: (g.score, g.auto_score, g.needs_manual_grade) for g in nb.grades
                    if g.name in CATALOGUE or g.name == PLAIN_ID}

    def score(self, student, notebook, eid):
        return self.scores(student, notebook)[eid][0]

    def flags(self):
        return read_flags(self.course / FLAGS_FILE)

    def flag(self, student, notebook):
        return self.flags()[(student, LAB.id, notebook)]

    def entry(self, student, notebook):
        """The grading kept in the autograded notebook's metadata (flagged or not)."""
        path = self.course / "autograded" / student / LAB.id / f"{notebook}.ipynb"
        return nbformat.read(path, as_version=4).metadata[COURSE_KEY]["grading"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The courses, their classes written and graded by one autograde run each, all at once: the
    attackers (with honest students among them) graded by this course and by stock nbgrader, and
    an honest full submission of all five notebooks graded by this course."""
    root = tmp_path_factory.mktemp("graded")
    courses = {kind: make_course(root, kind) for kind in ("graded", "stock", "honest")}
    for proc in [_nbgrader(c, "generate_assignment", LAB.id, "--force")
                 for c in courses.values()]:
        assert proc.wait(timeout=120) == 0
    attackers = {f"atk_{name}": answers for name, (answers, _, _) in ATTACKS.items()}
    classes = {"graded": dict(attackers), "stock": dict(attackers),
               "honest": {"honest_full": None}}
    classes["stock"]["honest"] = {"01_forward_pass": {}}
    classes["graded"].update({"honest_01": {"01_forward_pass": {}}, "honest_wrong": HONEST_WRONG,
                              "x_kernel_death": KERNEL_DEATH})
    for kind, students in classes.items():
        for student, answers in students.items():
            notebooks = list(NOTEBOOKS) if answers is None else list(answers)
            write_submission(courses[kind], student, answers=answers or {}, notebooks=notebooks)
    logs = {kind: open(root / f"{kind}.log", "w") for kind in courses}
    procs = {kind: _nbgrader(c, "autograde", LAB.id, log=logs[kind])
             for kind, c in courses.items()}
    runs = {}
    for kind, proc in procs.items():
        code = proc.wait(timeout=600)
        logs[kind].close()
        runs[kind] = Run(courses[kind], code, (root / f"{kind}.log").read_text())
    return runs


# ---------------------------------------------------------------------------- end to end
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(n for n, (_, fools, _) in ATTACKS.items() if fools))
def test_attack_fools_a_grader_that_trusts_the_kernel(graded, name):
    """Under stock nbgrader the attack scores more than its real answers deserve."""
    notebook, _ = TARGET[name]
    assert graded["stock"].score(f"atk_{name}", notebook, PLAIN_ID) > plain_deserved(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_what_its_answers_deserve_and_is_flagged(graded, name):
    _, _, reasons = ATTACKS[name]
    notebook, eid = TARGET[name]
    run, student = graded["graded"], f"atk_{name}"
    scores = run.scores(student, notebook)
    assert scores[eid][0] == pytest.approx(deserved(name), abs=1e-9)
    for other, (score, _, _) in scores.items():   # the exercises before the attack keep theirs
        if other != eid:
            assert score == CATALOGUE[other].points, other
    entry = run.flag(student, notebook)
    assert entry["flagged"]
    assert reasons <= set(entry["reasons"]), entry["reasons"]
    assert entry["exercises"][eid]["points"] == pytest.approx(deserved(name), abs=1e-9)
    assert f"FLAGGED for review: {student}/{LAB.id}/{notebook}" in run.log


@pytest.mark.slow
def test_honest_full_submission_keeps_every_point_and_is_not_flagged(graded):
    run = graded["honest"]
    flags = run.flags()
    total = 0
    for notebook in NOTEBOOKS:
        assert ("honest_full", LAB.id, notebook) not in flags
        entry = run.entry("honest_full", notebook)
        assert not entry["flagged"], (notebook, entry["reasons"], entry["exercises"])
        assert entry["tamper"] == []
        for eid, (score, auto, needs_manual) in run.scores("honest_full", notebook).items():
            assert score == auto == CATALOGUE[eid].points, (notebook, eid)
            assert not needs_manual
            total += score
    assert total == sum(e.points for e in CATALOGUE.values()) >= 96   # the contract's 96, and
    #                                                                   any exercise the course adds
    entry = graded["graded"].entry("honest_01", "01_forward_pass")
    assert not entry["flagged"] and entry["points"] == 14


@pytest.mark.slow
def test_honest_wrong_submission_is_graded_and_not_flagged(graded):
    run = graded["graded"]
    n4 = judge_namespace("N4", {"forward_pass": forgot_b2}).points
    for notebook, eid, points in [("01_forward_pass", "F1a", 1.0), ("01_forward_pass", "F1b", 0.0),
                                  ("01_forward_pass", "F2a", 0.0), ("01_forward_pass", "F3a", 0.0),
                                  ("01_forward_pass", "F4", 1.0), ("03_network_output", "N3", 0.0),
                                  ("03_network_output", "N4", n4)]:
        assert run.score("honest_wrong", notebook, eid) == pytest.approx(points), eid
    assert 0 < n4 < CATALOGUE["N4"].points       # right only where the bias b2 is equal
    for notebook in ("01_forward_pass", "03_network_output"):
        assert ("honest_wrong", LAB.id, notebook) not in run.flags()
        entry = run.entry("honest_wrong", notebook)
        assert not entry["flagged"], entry["reasons"]
    mistakes = run.entry("honest_wrong", "01_forward_pass")["exercises"]["F1b"]["mistakes"]
    assert mistakes == {"z_1b": "no_bias"}


@pytest.mark.slow
def test_stock_course_grades_an_honest_student_fully(graded):
    scores = graded["stock"].scores("honest", "01_forward_pass")
    assert scores[PLAIN_ID][0] == 2.0
    assert all(score == 2.0 for score, _, _ in scores.values())


@pytest.mark.slow
def test_a_dead_kernel_keeps_the_points_of_the_cells_before_it(graded):
    """os._exit kills the kernel in F4's answer cell: the exercises before it keep their points,
    F4 scores 0 with the reason in its feedback, and the notebook is flagged kernel-died."""
    run = graded["graded"]
    scores = run.scores("x_kernel_death", "01_forward_pass")
    for eid, (score, auto, _) in scores.items():
        expected = 0.0 if eid == "F4" else CATALOGUE[eid].points
        assert score == auto == expected, eid
    entry = run.flag("x_kernel_death", "01_forward_pass")
    assert "kernel-died" in entry["reasons"]
    path = run.course / "autograded" / "x_kernel_death" / LAB.id / "01_forward_pass.ipynb"
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "F4")
    assert "the kernel died in cell" in marking.verdict_of(cell)


@pytest.mark.slow
def test_autograded_notebook_holds_the_feedback_and_the_points(graded):
    run = graded["graded"]
    path = run.course / "autograded" / "honest_wrong" / LAB.id / "01_forward_pass.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "F1a")
    assert [o.data["text/plain"] for o in cell.outputs] == ["1.0"]   # the one output
    assert utils.determine_grade(cell)[0] == 1.0
    text = marking.verdict_of(cell)
    assert "half credit" in text and "F1a: 1 / 2 points" in text


@pytest.mark.slow
def test_hidden_inputs_reach_no_notebook(graded):
    """The release holds no hidden input, and neither does the autograded notebook: the inputs
    reach the kernel outside the notebook (`inputs.TestInputs`, `kernels.Execute`), and the
    function was still judged on every one of them."""
    from autograder.grading.inputs import packed_inputs
    release = (REPO / "release" / LAB.id / "03_network_output.ipynb").read_text()
    assert "cases=" not in release
    path = graded["graded"].course / "autograded" / "honest_wrong" / LAB.id / \
        "03_network_output.ipynb"
    text = path.read_text()
    assert "cases=" not in text and packed_inputs("N4")[:40] not in text
    cell = next(c for c in nbformat.reads(text, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "N4")
    assert graded_cell.exercise_of(cell.source) == "N4"        # the cell as the course wrote it
    feedback = marking.verdict_of(cell)
    n = len(CATALOGUE["N4"].item("forward_pass").cases)
    assert "forward_pass: correct on" in feedback and f"of {n} test inputs" in feedback


# ---------------------------------------------------------------------------- the parts, fast
def test_the_references_earn_full_points_when_graded():
    assert marking.load_references() == ()


def test_the_corpus_is_large_and_distinct():
    assert len(ATTACKS) >= 15
    codes = [json.dumps(answers, sort_keys=True) for answers, _, _ in ATTACKS.values()]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_static_scan_finds_every_attack(name):
    answers, _, reasons = ATTACKS[name]
    (notebook, cells), = answers.items()
    found = {f"tamper:{f.reason}" for code in cells.values() for f in tamper.scan_source(code)}
    assert {r for r in reasons if r.startswith("tamper:")} <= found, found


def _record(eid, namespace):
    return json.loads(json.dumps({"exercise": eid,
                                  "answers": collect_namespace(eid, namespace)}))


def _cell(eid, outputs):
    cell = new_code_cell(graded_cell.source(eid), outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": eid, "points": CATALOGUE[eid].points,
                                 "solution": False, "locked": True, "schema_version": 3}
    return cell


def _display(record):
    return new_output("display_data", data={RECORD_MIME: record, "text/plain": "[recorded]"})


def _result(points):
    return new_output("execute_result", data={"text/plain": repr(points)}, execution_count=3)


F4_HALF = {"n_obs_2x3": 3, "n_inputs_2x3": 2, "n_obs_3x2": 3, "n_inputs_3x2": 2}


def test_grade_cell_judges_the_record_whatever_the_kernel_printed():
    record = _record("F4", F4_HALF)
    honest = _cell("F4", [_display(record)])
    summary = marking.grade_cell(honest, "F4")
    assert summary["points"] == 1.0 and summary["reasons"] == []
    assert summary["mistakes"] == dict.fromkeys(("n_obs_2x3", "n_inputs_2x3"), "rows_columns_swapped")
    lying = _cell("F4", [_result(2.0), _display(record),
                         new_output("stream", name="stdout", text="F4: 2 / 2 points\n"),
                         new_output("error", ename="AssertionError", evalue="", traceback=[])])
    summary = marking.grade_cell(lying, "F4")
    assert summary["points"] == 1.0
    marking.rewrite_outputs(lying, "F4", summary)
    assert utils.determine_grade(lying)[0] == 1.0
    # one output: the verdict, for nbgrader and for the reader; what the kernel printed is gone
    (only,) = lying.outputs
    verdict = marking.verdict_of(lying)
    assert "observations and inputs swapped" in verdict and "F4: 1 / 2 points" in verdict
    assert "2 / 2" not in verdict and "recorded" not in verdict


@pytest.mark.parametrize("outputs,reason", [
    ([], "record-missing"),
    ([new_output("stream", name="stdout", text="F4: 2 / 2 points\n"), _result(2.0)],
     "record-missing"),
    ([_display(_record("F4", F4_HALF)), _display(_record("F4", F4_HALF))], "record-malformed"),
    ([new_output("execute_result", data={RECORD_MIME: _record("F4", F4_HALF)},
                 execution_count=1)], "record-malformed"),
    ([_display(_record("F1a", {"z_1a": [3, 3]})), _result(2.0)], "record-malformed"),
])
def test_grade_cell_without_one_valid_record_scores_zero(outputs, reason):
    cell = _cell("F4", outputs)
    summary = marking.grade_cell(cell, "F4")
    assert summary["points"] == 0.0 and reason in summary["reasons"]
    marking.rewrite_outputs(cell, "F4", summary)
    assert utils.determine_grade(cell)[0] == 0.0


def test_preprocessor_grades_flags_and_reports(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("import numpy as np\nfrom mdl_kernel import check, record"),
        new_code_cell("n_obs_2x3, n_inputs_2x3 = 3, 2\nn_obs_3x2, n_inputs_3x2 = 3, 2\n"
                      "np.abs = lambda x: 0 * x"),
        _cell("F4", [_display(_record("F4", F4_HALF)), _result(2.0)]),
    ])
    flags = tmp_path / "flags.jsonl"
    pre = marking.MarkRecords(flags_file=str(flags))
    resources = {"nbgrader": {"student": "s1", "assignment": LAB.id,
                              "notebook": "01_forward_pass"}}
    nb, _ = pre.preprocess(nb, resources)
    assert utils.determine_grade(nb.cells[2])[0] == 1.0
    entry = read_flags(flags)[("s1", LAB.id, "01_forward_pass")]
    assert entry["flagged"] and entry["points"] == 1.0
    assert set(entry["reasons"]) == {"tamper:module-attribute"}
    assert entry["tamper"][0]["cell"] == 1
    assert nb.metadata[COURSE_KEY]["grading"] == entry
    assert entry["message"] == "tamper:module-attribute"


def test_preprocessor_leaves_other_notebooks_alone(tmp_path):
    nb = new_notebook(cells=[new_code_cell("assert True", outputs=[_result(5.0)])])
    nb.cells[0].metadata["nbgrader"] = {"grade": True, "grade_id": "other", "points": 5,
                                        "solution": False, "locked": True, "schema_version": 3}
    flags = tmp_path / "flags.jsonl"
    out, _ = marking.MarkRecords(flags_file=str(flags)).preprocess(
        nb, {"nbgrader": {"student": "s", "assignment": "other", "notebook": "x"}})
    assert out.cells[0].outputs[0].data["text/plain"] == "5.0" and not flags.exists()


def test_config_inserts_the_grader_into_nbgraders_own_list():
    from nbgrader.converters import Autograde
    from traitlets.config import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    names = [p if isinstance(p, str) else p.__name__
             for p in config.Autograde.autograde_preprocessors]
    stock = [p.__name__ for p in Autograde.class_traits()["autograde_preprocessors"].default()]
    ours = [n.replace("autograder.grading.kernels.Execute", "Execute") for n in names]
    assert [n for n in ours if not n.startswith("autograder.")] == stock
    execute = names.index("autograder.grading.kernels.Execute")
    assert names.index("autograder.grading.inputs.TestInputs") == execute - 1
    assert names.index("autograder.grading.marking.MarkRecords") < names.index("SaveAutoGrades")
    assert config.Execute.kernel_name == "maths-of-dl-grading"


# ---------------------------------------------------------------------------- forged call records
# A kernel that forges what its function calls returned: the answer cell of every function
# exercise keeps the model solution and then rebinds `mdl_kernel.calls.run` (the kernel side's
# recording) so that the record holds, case by case, a non-result instead of the real result.
# Case k of a "mixed" forger with offset s is forged as FORGES[(k + s) % 6]; "all-skipped"
# records every case as skipped (with and without its index).  Forged cases earn nothing, the
# others keep their points, the feedback names each forged case, and the notebook is flagged
# record-incomplete: on the hand-run path (`nbgrader autograde`) and on `grade-class`.
FORGES = ("real", "skipped", "missing", "duplicated", "stray indices", "wrong types")
FORGERS = {"forge_all_skipped": None, "forge_mixed_0": 0, "forge_mixed_2": 2,
           "forge_mixed_4": 4, "forge_publisher": None}
FORGE_CELL = '''

import mdl_kernel.calls as _kernel_calls

def _forge(run, offset):
    wrong = [lambda r, k: {"type": "undecided", "case": k},
             lambda r, k: {"type": "array", "shape": [1], "data": ["0"], "case": k},
             lambda r, k: {"type": "bool", "value": True, "case": k},
             lambda r, k: dict(r, verdict="correct"),
             lambda r, k: {"case": k},
             lambda r, k: dict(r, type="array", shape=[7], data=[0.0]),
             lambda r, k: "skipped"]

    def forged(function, cases, *args, **kwargs):
        record = run(function, cases, *args, **kwargs)
        if record.get("type") != "calls":
            return record
        results = []
        for r in record["results"]:
            k = r["case"]
            kind = "all" if offset is None else (k + offset) % 6
            if kind == "all":
                results += [{"type": "skipped", "case": k}, {"type": "skipped"}]
            elif kind == 0:
                results.append(r)
            elif kind == 1:
                results.append({"type": "skipped", "case": k})
            elif kind == 3:
                results += [r, dict(r)]
            elif kind == 4:
                results += [dict(r, case=k + len(cases)), dict(r, case=-1 - k),
                            dict(r, case=str(k)), dict(r, case=float(k)), dict(r, case=True)]
            elif kind == 5:
                results.append(wrong[k % len(wrong)](r, k))
        return {"type": "calls", "results": results}
    forged.forged = True
    return forged

if not getattr(_kernel_calls.run, "forged", False):
    _kernel_calls.run = _forge(_kernel_calls.run, OFFSET)
'''
# the attack as first seen: IPython's display publisher wrapped, every call recorded "skipped"
PUBLISHER_CELL = f'''

_publisher = get_ipython().display_pub
if not getattr(_publisher.publish, "forged", False):
    _publish = _publisher.publish

    def _forged_publish(data, *args, **kwargs):
        record = data.get({RECORD_MIME!r}) if isinstance(data, dict) else None
        for answer in (record or {{}}).get("answers", {{}}).values():
            if isinstance(answer, dict) and answer.get("type") == "calls":
                answer["results"] = [{{"type": "skipped"}} for _ in answer["results"]]
        return _publish(data, *args, **kwargs)
    _forged_publish.forged = True
    _publisher.publish = _forged_publish
'''
FUNCTION_EXERCISES = sorted(e.id for e in CATALOGUE.values()
                            if any(i.kind.name == "function" for i in e.items))
FORGED_NOTEBOOKS = sorted({CATALOGUE[e].notebook for e in FUNCTION_EXERCISES})


def forger_answers(student):
    from autograder.submissions import solutions
    model = solutions(REPO / "source" / LAB.id)
    cell = PUBLISHER_CELL if student == "forge_publisher" else \
        FORGE_CELL.replace("OFFSET", repr(FORGERS[student]))
    answers = {}
    for eid in FUNCTION_EXERCISES:
        notebook = CATALOGUE[eid].notebook
        answers.setdefault(notebook, {})[f"{eid}_answer"] = model[notebook][f"{eid}_answer"] + cell
    return answers


def forged_cases(offset, item):
    """Indices of the item's cases the forger forges."""
    return [k for k in range(len(item.cases)) if offset is None or (k + offset) % 6 != 0]


def forger_deserves(offset, eid):
    """Points of a forger on a function exercise: its functions are the model solution's, so
    every case it did not forge is right and every forged case earns nothing."""
    exercise = CATALOGUE[eid]
    weights = exercise.weights or (1 / len(exercise.items),) * len(exercise.items)
    scores = [1 - len(forged_cases(offset, item)) / len(item.cases)
              for item in exercise.items]
    return exercise.points * sum(w * s for w, s in zip(weights, scores))


def test_the_forgers_forge_every_kind_on_every_function_exercise():
    assert FUNCTION_EXERCISES, "no function exercise to forge"
    for eid in FUNCTION_EXERCISES:
        for item in CATALOGUE[eid].items:
            kinds = {(k + s) % 6 for s in FORGERS.values() if s is not None
                     for k in range(len(item.cases))}
            assert kinds == set(range(6)), (eid, item.name)
            assert all(forger_deserves(s, eid) < CATALOGUE[eid].points for s in FORGERS.values())


# A student whose answer cells after a function exercise's test cell print what IPython keeps of
# the cells that ran: In, _ih, _i.., Out, the history manager's sessions and the line cache.
PEEK_CELL = """

ip = get_ipython()
print("PEEK In:", In)
print("PEEK _ih:", _ih, _i, _ii, _iii)
print("PEEK Out:", Out)
print("PEEK history:", list(ip.history_manager.get_range(raw=True)),
      list(ip.history_manager.get_tail(50, raw=True, include_latest=True)),
      ip.history_manager.input_hist_raw)
import linecache
print("PEEK linecache:", [line for entry in list(linecache.cache.values()) if len(entry) > 2
                         for line in entry[2]])
"""
PEEKS = {"02_activations": ("A1_answer", "A0"), "04_gradient_descent": ("G3_answer", "G2"),
         "05_backpropagation": ("B5_answer", "B4")}


def peek_answers():
    from autograder.submissions import solutions
    model = solutions(REPO / "source" / LAB.id)
    return {nb: {cell: model[nb][cell] + PEEK_CELL} for nb, (cell, _) in PEEKS.items()}


@pytest.fixture(scope="module")
def forged(tmp_path_factory):
    """The forgers graded on both paths at once: by hand (`nbgrader autograde`, one run for the
    class) and by `grade-class` (two workers)."""
    from autograder import cli
    from autograder.class_grading import load_record
    root = tmp_path_factory.mktemp("forged")
    hand = make_course(root, "hand")
    assert _nbgrader(hand, "generate_assignment", LAB.id, "--force").wait(timeout=120) == 0
    klass = cli.prepare(root / "class")
    cli.release(klass, LAB)
    for course in (hand, klass):
        for student in FORGERS:
            write_submission(course, student, answers=forger_answers(student),
                             notebooks=FORGED_NOTEBOOKS)
        write_submission(course, "peek_history", answers=peek_answers(), notebooks=list(PEEKS))
    with open(root / "hand.log", "w") as log:
        proc = _nbgrader(hand, "autograde", LAB.id, log=log)
        status = cli.grade_class(klass, LAB, workers=2, notebooks=FORGED_NOTEBOOKS, quiet=True)
        assert proc.wait(timeout=900) == 0
    return {"hand": Run(hand, 0, (root / "hand.log").read_text()),
            "class": Run(klass, status, "")}, load_record(klass, LAB)


def _test_cell(run, student, eid):
    path = run.course / "autograded" / student / LAB.id / f"{CATALOGUE[eid].notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == eid)
    return nb, marking.verdict_of(cell)


@pytest.mark.slow
@pytest.mark.parametrize("path", ["hand", "class"])
@pytest.mark.parametrize("student", sorted(FORGERS))
def test_a_forged_call_record_earns_nothing_for_the_forged_cases(forged, path, student):
    runs, manifest = forged
    run, offset = runs[path], FORGERS[student]
    for eid in FUNCTION_EXERCISES:
        notebook = CATALOGUE[eid].notebook
        assert run.score(student, notebook, eid) == pytest.approx(forger_deserves(offset, eid),
                                                                  abs=1e-3), eid
        nb, feedback = _test_cell(run, student, eid)
        named = sum(len(forged_cases(offset, item)) for item in CATALOGUE[eid].items)
        assert feedback.count("so it earns nothing.") == named, (eid, feedback)
        grading = nb.metadata[COURSE_KEY]["grading"]
        assert "record-incomplete" in grading["reasons"], (eid, grading["reasons"])
        assert grading["exercises"][eid]["problems"]
    for notebook in FORGED_NOTEBOOKS:   # the other exercises keep their points
        for eid, (score, _, _) in run.scores(student, notebook).items():
            if eid not in FUNCTION_EXERCISES:
                assert score == CATALOGUE[eid].points, (notebook, eid)
    for notebook in FORGED_NOTEBOOKS:   # the flags the class report and the log show
        assert "record-incomplete" in run.flag(student, notebook)["reasons"], notebook
    if path == "class":
        assert manifest[student]["reasons"] == {}   # graded to the end: nothing else to see
        page = run.course / "feedback" / student / LAB.id / "02_activations.html"
        assert "so it earns nothing." in page.read_text()
    else:
        assert f"FLAGGED for review: {student}/{LAB.id}/02_activations" in run.log


@pytest.mark.slow
@pytest.mark.parametrize("path", ["hand", "class"])
def test_hidden_inputs_cannot_be_read_back_from_ipythons_history(forged, path):
    """A later cell prints In, _ih, Out, the history and the line cache: what it prints shows the
    test cells that ran, but no hidden input reaches the autograded notebook or the feedback,
    and the exercises keep their points."""
    from autograder.grading.inputs import packed_inputs
    runs, _ = forged
    run = runs[path]
    for notebook, (cell, eid) in PEEKS.items():
        path_nb = run.course / "autograded" / "peek_history" / LAB.id / f"{notebook}.ipynb"
        text = path_nb.read_text()
        nb = nbformat.reads(text, as_version=4)
        peeked = "".join(o.get("text", "") for c in nb.cells
                         if c.metadata.get("nbgrader", {}).get("grade_id") == cell
                         for o in c.get("outputs", []))
        assert "PEEK In:" in peeked and "PEEK linecache:" in peeked, peeked[:500]
        assert graded_cell.call(graded_cell.RECORD, eid) in peeked   # In holds the test cell's source
        pages = [text]
        if path == "class":
            pages.append((run.course / "feedback" / "peek_history" / LAB.id /
                          f"{notebook}.html").read_text())
        for eid_of_nb in [e for e in FUNCTION_EXERCISES if CATALOGUE[e].notebook == notebook]:
            packed = packed_inputs(eid_of_nb)
            chunks = [packed[k:k + 24] for k in range(0, len(packed) - 24, 24)]
            for page in pages:
                assert "cases=" not in page
                assert not [c for c in chunks if c in page], (notebook, eid_of_nb)
        assert run.score("peek_history", notebook, eid) == CATALOGUE[eid].points


def test_outputs_that_show_hidden_inputs_are_removed_and_flagged(tmp_path):
    """A kernel that caught the inputs as they were handed over and printed them (whole, or a
    piece of them, in any output type): those outputs are removed, the others kept, and the
    notebook is flagged hidden-inputs-shown."""
    from autograder.grading.inputs import packed_inputs
    packed = packed_inputs("G2")
    shows = [new_output("stream", name="stdout", text=f"stolen: {packed}\n"),
             new_output("display_data", data={"text/html": f"<p>{packed[100:160]}</p>"}),
             new_output("error", ename="E", evalue=packed[-60:], traceback=[])]
    kept = [new_output("stream", name="stdout", text=f"harmless {packed[:10]}\n")]
    nb = new_notebook(cells=[new_code_cell("x = 1", outputs=shows + kept),
                             nbformat.v4.new_markdown_cell("text"),
                             _cell("G2", [])])
    pre = marking.MarkRecords(flags_file=str(tmp_path / "flags.jsonl"))
    nb, _ = pre.preprocess(nb, {"nbgrader": {"student": "s", "assignment": LAB.id,
                                              "notebook": "04_gradient_descent"}})
    assert [o.get("text") for o in nb.cells[0].outputs] == [marking.REMOVED] * 3 + [kept[0].text]
    assert "outputs" not in nb.cells[1]
    assert "hidden-inputs-shown" in nb.metadata[COURSE_KEY]["grading"]["reasons"]
    nbformat.validate(nb)


def test_an_undecided_symbolic_check_scores_nothing_and_flags_the_cell():
    from autograder.checks import answer_banks as banks
    from autograder.checks import symbolic as S
    items = {i.name: i for i in CATALOGUE["B1"].items}
    answers = {"dL_dw": S.to_plain(banks.overflow_tricks("B1", "dL_dw")[0], items["dL_dw"].options),
               "dL_db": S.to_plain(banks.BANKS["B1"]("dL_db")[0], items["dL_db"].options)}
    cell = _cell("B1", [_display(json.loads(json.dumps({"exercise": "B1", "answers": answers})))])
    summary = marking.grade_cell(cell, "B1")
    assert summary["points"] == CATALOGUE["B1"].points / 2
    assert summary["reasons"] == ["check-undecided"]
    assert any("not confirmed" in line for line in summary["feedback"])
