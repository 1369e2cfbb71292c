"""The static scan of a notebook's code for signs of tampering (autograder.grading.tamper)."""
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import LAB
from autograder import sample_class
from autograder.grading import tamper

REPO = Path(__file__).resolve().parent.parent
HONEST_WRONG_CODE = ["z_1a = np.array([[3, 3]])", "z_1b = X_1b @ w_1b", "z_2a = 1 / 0",
                     "# YOUR CODE HERE\nraise NotImplementedError()", 'prediction = "NO"']


def test_static_scan_is_quiet_on_the_course_and_honest_work():
    for path in sorted((REPO / "source" / LAB.id).glob("*.ipynb")):
        assert tamper.scan_notebook(nbformat.read(path, as_version=4)) == [], path.name
    honest = [sample_class.FORMS, sample_class.CRASH, sample_class.LOOP,
              {"nb": dict(enumerate(HONEST_WRONG_CODE))}]
    for answers in honest:
        for cells in answers.values():
            for code in cells.values():
                assert tamper.scan_source(code) == [], code
    extra = ["%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.rcParams['lines.lw'] = 2",
             "%%time\nw, b = lr_gradient_descent(X_toy, y_toy)",
             "np.random.seed(0)\nnp.set_printoptions(precision=3)\nz = np.r_[1, 2]\nz[0] = 3",
             "import sympy as sp\nx = sp.Symbol('x')\nexpr = sp.diff(x**2, x)",
             "check('F1a', globals())", "record('F1a', globals())", "class Layer:\n    def __init__(self, w):\n"
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
    ("globals()['record'] = print", "dynamic-attribute"),
    ("import numpy as numpy_\nnumpy_.isclose = None", "module-attribute"),
    ("del record", "grader-name"),
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
    ("from autograder.catalogue import CATALOGUE", "tutor-side"),
    ("import autograder.reference.network as net", "tutor-side"),
    ("import course.worked", "tutor-side"),
    ("from nbgrader.api import Gradebook", "tutor-side"),
    ("data = open(path + '/autograder/data/slow_references.json').read()", "tutor-side"),
    ("nb = open('../../../source/maths_of_dl/05_backpropagation.ipynb').read()", "tutor-side"),
])
def test_static_scan_reasons(code, reason):
    assert reason in {f.reason for f in tamper.scan_source(code)}




def test_honest_sample_answers_show_no_sign_of_tampering():
    """Every answer of the sample class's correct forms is honest: the scan finds nothing."""
    scan_source = tamper.scan_source
    for notebook, answers in sample_class.FORMS.items():
        for grade_id, code in answers.items():
            assert scan_source(code) == [], f"{notebook} {grade_id}"


def test_text_replace_is_not_a_file_operation():
    scan_source = tamper.scan_source
    assert scan_source('s = "2*(y_hat - y)".replace("y_hat", "exp(z2_1)")') == []
    assert scan_source('s = answer.replace("^", "**")') == []
    assert [f.reason for f in scan_source('Path("gradebook.db").replace("x.db")')] != []
