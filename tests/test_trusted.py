"""Grades that student code cannot fake: the trusted regrade under real nbgrader, and its parts.

The attack corpus (ATTACKS) is graded twice, by real `nbgrader autograde` runs made at the same
time, each grading the whole class in one run (a third run, alongside, grades an honest
submission of all five notebooks under the regrade):

* STOCK   this course's notebooks under nbgrader's stock configuration (no regrade), with one more
          graded cell in notebook 01 right after F4's test: "F4_plain", a plain nbgrader assert
          test (`assert n_obs_2x3 == 2 ...`, `assert np.allclose(n_obs_3x2, 3) ...`).  Two graders
          that trust the kernel: the plain assert cell, and this course's `grade(...)` cell
          (nbgrader takes the kernel's output as the score);
* TRUSTED this course with its own configuration, i.e. with `autograder.trusted.TrustedRegrade`.

Every attack fools one of the two kernel-trusting graders of STOCK (it scores more there than its
real answers deserve: shown per attack), and under TRUSTED each attacked exercise gets exactly what
its real answers deserve (computed here with `judging.judge` from the real values) and the notebook
is flagged with the expected reasons.  Honest students, right or wrong, are never flagged, and an
honest full-solution submission of all five notebooks keeps every autograded point.

Every attack lives in the last answer cell before its target test cell (F4 in notebook 01, N4 in
notebook 03), so the exercises before it are untouched and must keep their points.
"""
import base64
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

from autograder import tamper, trusted
from autograder.catalogue import CATALOGUE, NOTEBOOKS
from autograder.checks import calls
from autograder.checks import plain as P
from autograder.grading import RECORD_MIME, collect
from autograder.judging import judge
from autograder.submissions import write_submission
from nbgrader import utils

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ASSIGNMENT = "maths_of_dl"
TRUSTED_MARK = "# --- trusted regrading"

# ---------------------------------------------------------------------------- the F4 answers
F4_NAMES = ("n_obs_2x3", "n_inputs_2x3", "n_obs_3x2", "n_inputs_3x2")
RIGHT_2x3, WRONG_2x3 = "n_obs_2x3, n_inputs_2x3 = 2, 3\n", "n_obs_2x3, n_inputs_2x3 = 3, 2\n"
RIGHT_3x2, WRONG_3x2 = "n_obs_3x2, n_inputs_3x2 = 3, 2\n", "n_obs_3x2, n_inputs_3x2 = 2, 3\n"
VALUES = {RIGHT_2x3: (2, 3), WRONG_2x3: (3, 2), RIGHT_3x2: (3, 2), WRONG_3x2: (2, 3)}

PLAIN_F4_TEST = ("assert n_obs_2x3 == 2 and n_inputs_2x3 == 3\n"
                 "assert np.allclose(n_obs_3x2, 3) and np.allclose(n_inputs_3x2, 2)")
PLAIN_ID = "F4_plain"

HIDDEN_PAYLOAD = base64.b64encode(
    b"np.allclose = lambda *args, **kwargs: True\n"
    b"from autograder.checks.numeric import Tolerance\n"
    b"Tolerance.close = lambda self, got, want: np.ones(np.shape(want), dtype=bool)\n").decode()

DECOY = json.dumps({RECORD_MIME: {
    "exercise": "F4", "points": 2.0, "max_points": 2.0,
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
# name -> (answers: {notebook: {answer cell: code}}, fools: where it scores more than it deserves,
#          reasons the trusted run must give).  `f4(values, code)` builds an F4 attack.
def f4(values, code):
    return {"01_forward_pass": {"F4_answer": values + code}}


ATTACKS = {
    # rebinding attributes of numpy
    "numpy-allclose": (f4(RIGHT_2x3 + WRONG_3x2, "np.allclose = lambda *args, **kwargs: True\n"),
                       {"plain"}, {"tamper:module-attribute"}),
    "numpy-abs": (f4(WRONG_2x3 + RIGHT_3x2, "np.abs = lambda x: np.zeros(np.shape(x))\n"),
                  {"kernel"}, {"tamper:module-attribute", "score-mismatch"}),
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
    "rebind-grade-with-decoy": (f4(WRONG_2x3 + WRONG_3x2,
                                   "from IPython.display import display\n"
                                   f"display({DECOY}, raw=True)   # a decoy, not in a test\n"
                                   "check = lambda *args, **kwargs: print('all correct')\n"
                                   "grade = lambda *args, **kwargs: 2.0\n"),
                                {"kernel"},
                                {"tamper:grader-name", "record-missing", "score-mismatch"}),
    # replacing the package's functions and data in the kernel
    "patch-judge": (f4(WRONG_2x3 + RIGHT_3x2,
                       "import autograder.grading\n"
                       "from autograder.verdict import ItemVerdict, Verdict\n"
                       "autograder.grading.judge = lambda eid, answers, include_hidden=True: "
                       "Verdict(eid, 2.0, (ItemVerdict('all', 1.0, 'correct'),))\n"),
                    {"kernel"}, {"tamper:module-attribute", "score-mismatch"}),
    "patch-tolerance": (f4(WRONG_2x3 + RIGHT_3x2,
                           "from autograder.checks.numeric import Tolerance\n"
                           "Tolerance.close = lambda self, got, want: "
                           "np.ones(np.shape(want), dtype=bool)\n"),
                        {"kernel"}, {"tamper:module-attribute", "score-mismatch"}),
    "frozen-tolerance": (f4(WRONG_2x3 + RIGHT_3x2, "from autograder.checks.numeric import CODE\n"
                                                   "object.__setattr__(CODE, 'atol', 10.0)\n"),
                         {"kernel"}, {"tamper:dynamic-attribute", "score-mismatch"}),
    "mutate-catalogue": (f4(WRONG_2x3 + RIGHT_3x2,
                            "from autograder.catalogue import CATALOGUE\n"
                            "for item in CATALOGUE['F4'].items:\n"
                            "    item.__dict__['expected'] = "
                            "np.array(float(globals()[item.name]))\n"),
                         {"kernel"}, {"tamper:dynamic-attribute", "score-mismatch"}),
    "forged-record": (f4(WRONG_2x3 + RIGHT_3x2,
                         "from IPython.display import display\n\n"
                         "def grade(exercise_id, namespace):\n"
                         "    answers = {name: {'type': 'array', 'shape': [],\n"
                         "                      'data': [float(namespace[name])]}\n"
                         "               for name in ('n_obs_2x3', 'n_inputs_2x3', 'n_obs_3x2',"
                         " 'n_inputs_3x2')}\n"
                         f"    display({{{RECORD_MIME!r}: {{'exercise': exercise_id,"
                         " 'answers': answers, 'points': 2.0, 'max_points': 2.0},\n"
                         "             'text/plain': '[recorded]'}, raw=True)\n"
                         "    print(exercise_id + ': 2 / 2 points')\n"
                         "    return 2.0\n"),
                      {"kernel"}, {"tamper:grader-name", "score-mismatch"}),
    "builtins-round": (f4(WRONG_2x3 + RIGHT_3x2,
                          "import builtins\n"
                          "builtins.round = lambda number, ndigits=None: 2.0\n"),
                       {"kernel"}, {"tamper:module-attribute", "score-mismatch"}),
    "sys-modules": (f4(WRONG_2x3 + WRONG_3x2, "import sys, types\n"
                                              "fake = types.ModuleType('autograder')\n"
                                              "fake.check = lambda *args, **kwargs: None\n"
                                              "fake.grade = lambda *args, **kwargs: 2.0\n"
                                              "sys.modules['autograder'] = fake\n"
                                              "from autograder import check, grade\n"),
                    {"kernel"}, {"tamper:interpreter-state", "record-missing", "score-mismatch"}),
    # IPython's machinery: fake results, hidden errors, swallowed or cleared test cells
    "pre-run-result": (f4(WRONG_2x3 + RIGHT_3x2, "shell = get_ipython()\n"
                                                 "shell.events.register('pre_run_cell', "
                                                 "lambda info: shell.displayhook(2.0))\n"),
                       {"plain", "kernel"}, {"tamper:ipython-hook", "score-mismatch"}),
    "traceback-to-score": (f4(WRONG_2x3 + RIGHT_3x2,
                              "from IPython.core.interactiveshell import InteractiveShell\n"
                              "InteractiveShell.showtraceback = "
                              "lambda self, *args, **kwargs: self.displayhook(2.0)\n"),
                           {"plain"}, {"tamper:ipython-hook"}),
    "float-formatter": (f4(WRONG_2x3 + RIGHT_3x2,
                           "get_ipython().display_formatter.formatters['text/plain'].for_type("
                           "float, lambda value, printer, cycle: printer.text('2.0'))\n"),
                        {"kernel"}, {"tamper:ipython-hook", "score-mismatch"}),
    "input-transformer": (f4(WRONG_2x3 + WRONG_3x2,
                             "get_ipython().input_transformers_cleanup.append(\n"
                             "    lambda lines: [] if any('assert' in line or 'grade(' in line\n"
                             "                            for line in lines) else lines)\n"),
                          {"plain", "kernel"},
                          {"tamper:ipython-hook", "record-missing", "score-mismatch"}),
    "ast-transformer": (f4(WRONG_2x3 + WRONG_3x2,
                           "import ast\n\n"
                           "class Rewrite(ast.NodeTransformer):\n"
                           "    def visit_Assert(self, node):\n        return None\n\n"
                           "    def visit_Call(self, node):\n"
                           "        if isinstance(node.func, ast.Name) and "
                           "node.func.id == 'grade':\n"
                           "            return ast.copy_location(ast.Constant(2.0), node)\n"
                           "        return self.generic_visit(node)\n\n"
                           "get_ipython().ast_transformers.append(Rewrite())\n"),
                        {"plain", "kernel"},
                        {"tamper:ipython-hook", "record-missing", "score-mismatch"}),
    "clear-output": (f4(WRONG_2x3 + WRONG_3x2,
                        "from IPython.display import clear_output\n"
                        "get_ipython().events.register('post_run_cell', "
                        "lambda result: clear_output())\n"),
                     {"kernel"}, {"tamper:ipython-hook", "record-missing", "score-mismatch"}),
    # hidden code
    "hidden-exec": (f4(RIGHT_2x3 + WRONG_3x2,
                       f"import base64\nexec(base64.b64decode('{HIDDEN_PAYLOAD}').decode())\n"),
                    {"plain", "kernel"}, {"tamper:dynamic-code", "score-mismatch"}),
    # a function exercise: wrong on the hidden inputs, and the comparison patched
    "function-compare": ({"03_network_output": {"N4_answer": FORGOT_B2 + (
        "\nimport autograder.checks.calls as calls\n"
        "from autograder.checks.numeric import Comparison\n"
        "calls.compare = lambda name, plain, reference, tolerance, mistakes=(): "
        "Comparison(1.0, name + ': correct.')\n")}},
        {"kernel"}, {"tamper:module-attribute", "score-mismatch"}),
}
TARGET = {name: ("03_network_output", "N4") if "03_network_output" in answers
          else ("01_forward_pass", "F4") for name, (answers, _, _) in ATTACKS.items()}

# outside the corpus: attacks nbgrader itself does not reward, or that the regrade cannot undo
KERNEL_DEATH = f4(WRONG_2x3 + WRONG_3x2, "import os\nos._exit(0)\n")
GRADEBOOK_WRITE = f4(WRONG_2x3 + WRONG_3x2, (
    "import os\nfrom nbgrader.api import Gradebook\n"
    "student = os.path.basename(os.path.dirname(os.getcwd()))\n"
    "with Gradebook('sqlite:///' + os.path.abspath('../../../gradebook.db')) as gb:\n"
    "    gb.find_grade('F4', '01_forward_pass', 'maths_of_dl', student).manual_score = 2.0\n"
    "    gb.db.commit()\n"))

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
        item = CATALOGUE["N4"].items[0]
        return judge("N4", {"forward_pass": calls.run(forgot_b2, item)}).points
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


def make_course(root, kind):
    """A course folder: 'trusted' or 'honest' (this course) or 'stock' (without the regrade)."""
    course = root / kind
    config = (REPO / "nbgrader_config.py").read_text()
    assert TRUSTED_MARK in config, "the trusted regrading block is missing from nbgrader_config.py"
    shutil.copytree(REPO / "source" / ASSIGNMENT, course / "source" / ASSIGNMENT)
    if kind != "stock":
        (course / "nbgrader_config.py").write_text(config)
    else:
        (course / "nbgrader_config.py").write_text(config.split(TRUSTED_MARK)[0])
        path = course / "source" / ASSIGNMENT / "01_forward_pass.ipynb"
        nbformat.write(_with_plain_test(path), path)
    return course


class Run:
    """One graded course: scores from its gradebook, flags from its flags file."""

    def __init__(self, course, returncode, log):
        self.course, self.returncode, self.log = course, returncode, log

    def scores(self, student, notebook):
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{self.course / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook(notebook, ASSIGNMENT, student)
            return {g.name: (g.score, g.auto_score, g.needs_manual_grade) for g in nb.grades
                    if g.name in CATALOGUE or g.name == PLAIN_ID}

    def score(self, student, notebook, eid):
        return self.scores(student, notebook)[eid][0]

    def flags(self):
        return trusted.read_flags(self.course / trusted.FLAGS_FILE)

    def flag(self, student, notebook):
        return self.flags()[(student, ASSIGNMENT, notebook)]

    def entry(self, student, notebook):
        """The regrade kept in the autograded notebook's metadata (flagged or not)."""
        path = self.course / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb"
        return nbformat.read(path, as_version=4).metadata["maths_of_dl"]["trusted_regrade"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The courses, their classes written and graded by one autograde run each, all at once: the
    attackers (with honest students among them) under the regrade and under stock nbgrader, and
    an honest full submission of all five notebooks under the regrade."""
    root = tmp_path_factory.mktemp("trusted")
    courses = {kind: make_course(root, kind) for kind in ("trusted", "stock", "honest")}
    for proc in [_nbgrader(c, "generate_assignment", ASSIGNMENT, "--force")
                 for c in courses.values()]:
        assert proc.wait(timeout=120) == 0
    attackers = {f"atk_{name}": answers for name, (answers, _, _) in ATTACKS.items()}
    classes = {"trusted": dict(attackers), "stock": dict(attackers),
               "honest": {"honest_full": None}}
    classes["stock"]["honest"] = {"01_forward_pass": {}}
    classes["trusted"].update({"honest_01": {"01_forward_pass": {}}, "honest_wrong": HONEST_WRONG,
                               "x_kernel_death": KERNEL_DEATH,
                               "x_gradebook_write": GRADEBOOK_WRITE})
    for kind, students in classes.items():
        for student, answers in students.items():
            notebooks = list(NOTEBOOKS) if answers is None else list(answers)
            write_submission(courses[kind], student, answers=answers or {}, notebooks=notebooks)
    logs = {kind: open(root / f"{kind}.log", "w") for kind in courses}
    procs = {kind: _nbgrader(c, "autograde", ASSIGNMENT, log=logs[kind])
             for kind, c in courses.items()}
    runs = {}
    for kind, proc in procs.items():
        code = proc.wait(timeout=600)
        logs[kind].close()
        runs[kind] = Run(courses[kind], code, (root / f"{kind}.log").read_text())
    return runs


# ---------------------------------------------------------------------------- end to end
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_fools_a_grader_that_trusts_the_kernel(graded, name):
    """Under stock nbgrader the attack scores more than its real answers deserve: in the plain
    assert test cell, or in this course's test cell when nbgrader trusts the kernel's output."""
    _, fools, _ = ATTACKS[name]
    notebook, eid = TARGET[name]
    assert fools, "an attack of the corpus must fool something"
    stock = graded["stock"]
    if "plain" in fools:
        assert stock.score(f"atk_{name}", notebook, PLAIN_ID) > plain_deserved(name)
    if "kernel" in fools:
        assert stock.score(f"atk_{name}", notebook, eid) > deserved(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_what_its_answers_deserve_and_is_flagged(graded, name):
    _, _, reasons = ATTACKS[name]
    notebook, eid = TARGET[name]
    run, student = graded["trusted"], f"atk_{name}"
    scores = run.scores(student, notebook)
    assert scores[eid][0] == pytest.approx(deserved(name), abs=1e-9)
    for other, (score, _, _) in scores.items():   # the exercises before the attack keep theirs
        if other != eid:
            assert score == CATALOGUE[other].points, other
    entry = run.flag(student, notebook)
    assert entry["flagged"]
    assert reasons <= set(entry["reasons"]), entry["reasons"]
    assert entry["exercises"][eid]["trusted"] == pytest.approx(deserved(name), abs=1e-9)
    assert f"FLAGGED for review: {student}/{ASSIGNMENT}/{notebook}" in run.log
    # the kernel's score the regrade measured is the score stock nbgrader saved
    assert entry["exercises"][eid]["kernel"] == graded["stock"].score(student, notebook, eid)


@pytest.mark.slow
def test_honest_full_submission_keeps_every_point_and_is_not_flagged(graded):
    run = graded["honest"]
    flags = run.flags()
    total = 0
    for notebook in NOTEBOOKS:
        assert ("honest_full", ASSIGNMENT, notebook) not in flags
        entry = run.entry("honest_full", notebook)
        assert not entry["flagged"], (notebook, entry["reasons"], entry["exercises"])
        assert entry["tamper"] == []
        for eid, (score, auto, needs_manual) in run.scores("honest_full", notebook).items():
            assert score == auto == CATALOGUE[eid].points, (notebook, eid)
            assert not needs_manual
            total += score
    assert total == sum(e.points for e in CATALOGUE.values()) == 96
    entry = graded["trusted"].entry("honest_01", "01_forward_pass")
    assert not entry["flagged"] and entry["trusted_points"] == entry["kernel_points"] == 14


@pytest.mark.slow
def test_honest_wrong_submission_is_graded_as_before_and_not_flagged(graded):
    run = graded["trusted"]
    for notebook, eid, points in [("01_forward_pass", "F1a", 1.0), ("01_forward_pass", "F1b", 0.0),
                                  ("01_forward_pass", "F2a", 0.0), ("01_forward_pass", "F3a", 0.0),
                                  ("01_forward_pass", "F4", 1.0), ("03_network_output", "N3", 0.0),
                                  ("03_network_output", "N4", deserved("function-compare"))]:
        assert run.score("honest_wrong", notebook, eid) == pytest.approx(points), eid
    for notebook in ("01_forward_pass", "03_network_output"):
        assert ("honest_wrong", ASSIGNMENT, notebook) not in run.flags()
        entry = run.entry("honest_wrong", notebook)
        assert not entry["flagged"], entry["reasons"]
        for e in entry["exercises"].values():
            assert e["kernel"] == e["trusted"] == e["recorded"]


@pytest.mark.slow
def test_stock_course_grades_an_honest_student_fully(graded):
    scores = graded["stock"].scores("honest", "01_forward_pass")
    assert scores[PLAIN_ID][0] == 2.0
    assert all(score == 2.0 for score, _, _ in scores.values())


@pytest.mark.slow
def test_a_dead_kernel_scores_nothing_and_is_flagged(graded):
    """os._exit kills the kernel: nbgrader aborts the notebook (an ERROR in its log), its test
    cells keep no autograde score (0) and `current_flags` reports it for the class report."""
    run = graded["trusted"]
    assert run.returncode != 0 and "x_kernel_death" in run.log
    scores = run.scores("x_kernel_death", "01_forward_pass")
    assert all(score == 0 and auto is None and needs_manual
               for score, auto, needs_manual in scores.values())
    flags = trusted.current_flags(run.course)
    entry = flags[("x_kernel_death", ASSIGNMENT, "01_forward_pass")]
    assert "notebook-not-graded" in entry["reasons"]
    assert ("honest_01", ASSIGNMENT, "01_forward_pass") not in flags
    assert ("honest_wrong", ASSIGNMENT, "01_forward_pass") not in flags


@pytest.mark.slow
def test_writing_the_gradebook_from_the_kernel_is_flagged_for_a_human(graded):
    """Outside what a preprocessor can defend (the kernel runs with the tutor's file rights): the
    forged manual score stays, but the submission is flagged and marked for manual grading."""
    run = graded["trusted"]
    score, auto, needs_manual = run.scores("x_gradebook_write", "01_forward_pass")["F4"]
    assert auto == 0.0 and needs_manual
    entry = run.flag("x_gradebook_write", "01_forward_pass")
    assert "tamper:file-system" in entry["reasons"]


@pytest.mark.slow
def test_autograded_notebook_holds_the_trusted_score_and_the_note(graded):
    run = graded["trusted"]
    path = run.course / "autograded" / "atk_numpy-abs" / ASSIGNMENT / "01_forward_pass.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "F4")
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert [o.data["text/plain"] for o in results] == ["1.0"]
    assert utils.determine_grade(cell)[0] == 1.0
    assert any("Trusted regrade: 1 / 2 points." in o.get("text", "") for o in cell.outputs)
    assert nb.metadata["maths_of_dl"]["trusted_regrade"]["flagged"]


# ---------------------------------------------------------------------------- the parts, fast
def test_the_references_earn_full_points_in_the_trusted_regrade():
    assert trusted.load_references() == ()


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


def test_static_scan_is_quiet_on_the_course_and_honest_work():
    from autograder import sample_class
    for path in sorted((REPO / "source" / ASSIGNMENT).glob("*.ipynb")):
        assert tamper.scan_notebook(nbformat.read(path, as_version=4)) == [], path.name
    honest = [sample_class.FORMS, sample_class.CRASH, sample_class.LOOP, HONEST_WRONG]
    for answers in honest:
        for cells in answers.values():
            for code in cells.values():
                assert tamper.scan_source(code) == [], code
    extra = ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.rcParams['lines.lw'] = 2",
             "%%time\nw, b = lr_gradient_descent(X_toy, y_toy)",
             "np.random.seed(0)\nnp.set_printoptions(precision=3)\nz = np.r_[1, 2]\nz[0] = 3",
             "import sympy as sp\nx = sp.Symbol('x')\nexpr = sp.diff(x**2, x)",
             "check('F1a', globals())", "class Layer:\n    def __init__(self, w):\n"
             "        self.w = w\n\n    def __call__(self, X):\n        return X @ self.w",
             "import os\nos.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'",
             "%config InlineBackend.figure_format = 'retina'",
             "import warnings\nwarnings.filterwarnings('ignore')\nnp.seterr(all='ignore')",
             "rng = np.random.default_rng(0)\nidx = rng.permutation(12)\nX = X_toy[idx]",
             "def f(:\n  pass"]
    for code in extra:
        assert tamper.scan_source(code) == [], code


@pytest.mark.parametrize("code,reason", [
    ("sys.modules['numpy'] = None", "interpreter-state"),
    ("setattr(np, 'all' + 'close', lambda *a: True)", "dynamic-attribute"),
    ("vars(np)['allclose'] = len", "dynamic-attribute"),
    ("globals()['grade'] = print", "dynamic-attribute"),
    ("import numpy as numpy_\nnumpy_.isclose = None", "module-attribute"),
    ("del grade", "grader-name"),
    ("import pandas as np", "grader-name"),
    ("Fake = type('Fake', (), {'__eq__': lambda s, o: True})", "comparison-override"),
    ("raise SystemExit", "early-exit"),
    ("exit()", "early-exit"),
    ("import signal", "early-exit"),
    ("!sqlite3 ../../../gradebook.db 'update grade set manual_score=2'", "file-system"),
    ("%%writefile ../../../nbgrader_config.py\nc = 1", "magic"),
    ("open('/tmp/x', 'w').write('1')", "file-system"),
    ("import ctypes", "interpreter-state"),
    ("get_ipython().set_custom_exc((AssertionError,), lambda *a, **k: None)", "ipython-hook"),
    ("%time np.allclose = len", "module-attribute"),
    ("%config InteractiveShell.ast_node_interactivity = 'all'", "magic"),
    ("!pip install numpy==1.0", "file-system"),
    ("import sys\nsys.path.insert(0, '/tmp/fake')", "module-attribute"),
])
def test_static_scan_reasons(code, reason):
    assert reason in {f.reason for f in tamper.scan_source(code)}


def _record(eid, namespace):
    answers = collect(CATALOGUE[eid], namespace)
    verdict = judge(eid, answers)
    return json.loads(json.dumps({"exercise": eid, "answers": answers, "points": verdict.points,
                                  "max_points": verdict.max_points}))


def _cell(eid, outputs):
    cell = new_code_cell(f'grade("{eid}", globals())', outputs=outputs)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": eid, "points": CATALOGUE[eid].points,
                                 "solution": False, "locked": True, "schema_version": 3}
    return cell


def _display(record):
    return new_output("display_data", data={RECORD_MIME: record, "text/plain": "[recorded]"})


def _result(points):
    return new_output("execute_result", data={"text/plain": repr(points)}, execution_count=3)


F4_HALF = {"n_obs_2x3": 3, "n_inputs_2x3": 2, "n_obs_3x2": 3, "n_inputs_3x2": 2}


def test_validate_accepts_real_records_of_every_kind():
    from autograder.reference import network as net
    assert trusted.validate(_record("F4", F4_HALF), "F4")
    assert trusted.validate(_record("N4", {"forward_pass": net.forward_pass}), "N4")
    assert trusted.validate(_record("N3", {"prediction": "yes"}), "N3")
    assert trusted.validate(_record("G4", {"diverges_eta_0_3": True}), "G4")
    assert trusted.validate(_record("F1a", {"z_1a": object()}), "F1a")      # invalid, judged 0
    assert trusted.validate(_record("F1a", {}), "F1a")                      # missing
    if "B1" in CATALOGUE:
        import sympy as sp
        w, b = sp.symbols("w b", real=True)
        record = _record("B1", {"dL_dw": 2 * w + b, "dL_db": "2*(w + b)"})
        assert trusted.validate(record, "B1")["dL_dw"]["type"] == "expr"


def _mutations():
    good = _record("F4", F4_HALF)

    def edit(change):
        record = json.loads(json.dumps(good))
        change(record)
        return record
    yield "wrong exercise", edit(lambda r: r.update(exercise="F1a"))
    yield "extra key", edit(lambda r: r.update(extra=1))
    yield "missing answer", edit(lambda r: r["answers"].pop("n_obs_2x3"))
    yield "unknown answer", edit(lambda r: r["answers"].update(z=r["answers"]["n_obs_2x3"]))
    yield "NaN", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[float("nan")]))
    yield "bool as number", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[True]))
    yield "text as number", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=["2"]))
    yield "shape mismatch", edit(lambda r: r["answers"]["n_obs_2x3"].update(shape=[2]))
    yield "huge shape", edit(lambda r: r["answers"]["n_obs_2x3"].update(shape=[10**9],
                                                                         data=[1.0] * 10**5))
    yield "extra field", edit(lambda r: r["answers"]["n_obs_2x3"].update(note="x"))
    yield "unknown type", edit(lambda r: r["answers"].update(n_obs_2x3={"type": "python",
                                                                        "code": "1"}))
    yield "wrong max points", edit(lambda r: r.update(max_points=100))
    yield "not an object", "F4: 2 / 2"
    yield "deep", edit(lambda r: r["answers"].update(n_obs_2x3=json.loads("[" * 150 + "]" * 150)))


@pytest.mark.parametrize("label,record", list(_mutations()), ids=[m[0] for m in _mutations()])
def test_validate_refuses_malformed_records(label, record):
    with pytest.raises(trusted.Malformed):
        trusted.validate(record, "F4")


def test_validate_refuses_malformed_function_and_expression_records():
    from autograder.reference import network as net
    good = _record("N4", {"forward_pass": net.forward_pass})
    short = json.loads(json.dumps(good))
    short["answers"]["forward_pass"]["results"].pop()
    with pytest.raises(trusted.Malformed):
        trusted.validate(short, "N4")
    single = json.loads(json.dumps(good))
    single["answers"]["forward_pass"]["results"][0] = {"type": "array", "shape": [], "data": [1.0]}
    with pytest.raises(trusted.Malformed):
        trusted.validate(single, "N4")
    if "B1" in CATALOGUE:
        record = _record("B1", {"dL_dw": "2*w", "dL_db": "2*b"})
        record["answers"]["dL_dw"]["tree"] = ["call", ["sym", "__import__"]]
        with pytest.raises(trusted.Malformed):
            trusted.validate(record, "B1")


def test_regrade_cell_judges_the_record_not_the_kernel():
    record = _record("F4", F4_HALF)
    honest = _cell("F4", [_display(record), _result(1.0)])
    summary = trusted.regrade_cell(honest, "F4")
    assert summary["trusted"] == summary["kernel"] == summary["recorded"] == 1.0
    assert summary["reasons"] == []
    lying = _cell("F4", [_result(2.0), _display(dict(record, points=2.0)),
                         new_output("error", ename="AssertionError", evalue="", traceback=[])])
    summary = trusted.regrade_cell(lying, "F4")
    assert summary["trusted"] == 1.0 and summary["kernel"] == 2.0
    assert summary["reasons"] == ["score-mismatch", "score-mismatch"]
    trusted.rewrite_outputs(lying, summary["trusted"], 2.0)
    assert utils.determine_grade(lying)[0] == 1.0


@pytest.mark.parametrize("outputs,reason", [
    ([], "record-missing"),
    ([new_output("stream", name="stdout", text="F4: 2 / 2 points\n"), _result(2.0)],
     "record-missing"),
    ([_display(_record("F4", F4_HALF)), _display(_record("F4", F4_HALF)), _result(1.0)],
     "record-malformed"),
    ([new_output("execute_result", data={RECORD_MIME: _record("F4", F4_HALF)},
                 execution_count=1)], "record-malformed"),
    ([_display(_record("F1a", {"z_1a": [3, 3]})), _result(2.0)], "record-malformed"),
])
def test_regrade_cell_without_one_valid_record_scores_zero(outputs, reason):
    cell = _cell("F4", outputs)
    summary = trusted.regrade_cell(cell, "F4")
    assert summary["trusted"] == 0.0 and reason in summary["reasons"]
    trusted.rewrite_outputs(cell, 0.0, 2.0)
    assert utils.determine_grade(cell)[0] == 0.0


def test_preprocessor_rewrites_flags_and_reports(tmp_path):
    from autograder.reference import network as net  # noqa: F401
    nb = new_notebook(cells=[
        new_code_cell("import numpy as np\nfrom autograder import check, grade"),
        new_code_cell("n_obs_2x3, n_inputs_2x3 = 3, 2\nn_obs_3x2, n_inputs_3x2 = 3, 2\n"
                      "np.abs = lambda x: 0 * x"),
        _cell("F4", [_display(_record("F4", F4_HALF)), _result(2.0)]),
    ])
    flags = tmp_path / "flags.jsonl"
    pre = trusted.TrustedRegrade(flags_file=str(flags))
    resources = {"nbgrader": {"student": "s1", "assignment": ASSIGNMENT,
                              "notebook": "01_forward_pass"}}
    nb, _ = pre.preprocess(nb, resources)
    assert utils.determine_grade(nb.cells[2])[0] == 1.0
    entry = trusted.read_flags(flags)[("s1", ASSIGNMENT, "01_forward_pass")]
    assert entry["flagged"] and entry["trusted_points"] == 1.0 and entry["kernel_points"] == 2.0
    assert set(entry["reasons"]) == {"score-mismatch", "tamper:module-attribute"}
    assert entry["tamper"][0]["cell"] == 1
    assert nb.metadata["maths_of_dl"]["trusted_regrade"] == entry
    assert entry["message"] == "score-mismatch, tamper:module-attribute; F4 trusted 1 (kernel 2)"


def test_flags_file_holds_the_current_flag_of_each_notebook(tmp_path):
    path = tmp_path / "reports" / "flags.jsonl"

    def entry(student, flagged, reasons=()):
        return {"format": trusted.FORMAT, "student": student, "assignment": ASSIGNMENT,
                "notebook": "01_forward_pass", "flagged": flagged, "reasons": list(reasons)}
    trusted.update_flags(path, entry("a", True, ["record-missing"]))
    trusted.update_flags(path, entry("b", True, ["score-mismatch"]))
    trusted.update_flags(path, entry("a", True, ["tamper:magic"]))
    assert len(path.read_text().splitlines()) == 2
    assert trusted.read_flags(path)[("a", ASSIGNMENT, "01_forward_pass")]["reasons"] == \
        ["tamper:magic"]
    trusted.update_flags(path, entry("a", False))         # regraded clean: no longer flagged
    assert list(trusted.read_flags(path)) == [("b", ASSIGNMENT, "01_forward_pass")]


def test_preprocessor_leaves_other_notebooks_alone(tmp_path):
    nb = new_notebook(cells=[new_code_cell("assert True", outputs=[_result(5.0)])])
    nb.cells[0].metadata["nbgrader"] = {"grade": True, "grade_id": "other", "points": 5,
                                        "solution": False, "locked": True, "schema_version": 3}
    flags = tmp_path / "flags.jsonl"
    out, _ = trusted.TrustedRegrade(flags_file=str(flags)).preprocess(
        nb, {"nbgrader": {"student": "s", "assignment": "other", "notebook": "x"}})
    assert out.cells[0].outputs[0].data["text/plain"] == "5.0" and not flags.exists()


def test_config_inserts_the_regrade_before_save_auto_grades():
    from traitlets.config import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    names = [p if isinstance(p, str) else p.__name__
             for p in config.Autograde.autograde_preprocessors]
    assert names == ["Execute", "IgnorePattern", "ClearMetadataPreprocessor", "LimitOutput",
                     "autograder.trusted.TrustedRegrade", "SaveAutoGrades", "AssignLatePenalties",
                     "CheckCellMetadata"]


def test_honest_sample_answers_show_no_sign_of_tampering():
    """Every answer of the sample class's correct forms is honest: the scan finds nothing."""
    from autograder.sample_class import FORMS
    from autograder.tamper import scan_source
    for notebook, answers in FORMS.items():
        for grade_id, code in answers.items():
            assert scan_source(code) == [], f"{notebook} {grade_id}"


def test_text_replace_is_not_a_file_operation():
    from autograder.tamper import scan_source
    assert scan_source('s = "2*(y_hat - y)".replace("y_hat", "exp(z2_1)")') == []
    assert scan_source('s = answer.replace("^", "**")') == []
    assert [f.reason for f in scan_source('Path("gradebook.db").replace("x.db")')] != []
