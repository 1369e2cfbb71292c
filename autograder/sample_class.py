"""A small sample class for the main job and the tests: correct work, other correct forms, typical
mistakes, a crash and an endless loop.

Each student is a function of the release: {notebook: {answer grade id: code}} overriding the
instructor's solutions (see `submissions.write_submission`).
"""
from .submissions import grade_id, write_submission

FORMS = {  # correct answers in other forms: lists, flat vectors, rounded hand answers, loops
    "01_forward_pass": {
        "F1a_answer": "z_1a = [3, 3]",
        "F1b_answer": "z_1b = np.array([[-6.0], [43.0]], dtype=np.float32)",
        "F2a_answer": "z_2a = (10, 2, 7)",
        "F4_answer": "n_obs_2x3, n_inputs_2x3, n_obs_3x2, n_inputs_3x2 = 2, 3.0, np.int64(3), 2",
    },
    "02_activations": {
        "A0_answer": (
            "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n    out = np.empty_like(z)\n"
            "    for i, v in np.ndenumerate(z):\n"
            "        out[i] = 1 / (1 + np.exp(-v)) if v >= 0 else np.exp(v) / (1 + np.exp(v))\n"
            "    return out\n\n"
            "def tanh(z):\n    return 2 * sigmoid(2 * np.asarray(z, dtype=float)) - 1\n\n"
            "def relu(z):\n    return np.where(np.asarray(z) > 0, z, 0.0)\n\n"
            "def softmax(z):\n    z = np.asarray(z, dtype=float)\n    e = np.exp(z - z.max())\n"
            "    return e / e.sum()"),
        "A1_answer": "sigmoid_1 = [0.9997, 0.9975]\ntanh_1 = [1.0, 1.0]\nrelu_1 = [8, 6]\n"
                     "softmax_1 = [0.881, 0.119]",
    },
    "03_network_output": {"N3_answer": 'prediction = " yes "'},
    "04_gradient_descent": {   # derivatives as strings, through p or z, or rearranged
        "G6_answer": 'dCE_dw1 = "x1*(1/(1+exp(-z)) - y)"\ndCE_dw2 = "(p - y)*x2"\n'
                     "dCE_db = -(y * (1 - p)) + (1 - y) * p",
    },
    "05_backpropagation": {
        "B1_answer": 'dL_dw = "2/3*(38*w + 10*b - 124)"\ndL_db = "(20*w + 6*b - 66)/3"',
        "B3_answer": 'delta2_1 = "2*(y_hat - y)*y_hat"\n'
                     "delta1_1 = 2 * (y_hat - y) * y_hat * w2_11 * (1 - sp.tanh(z1_1 / 2) ** 2) / 4\n"
                     "delta1_2 = 2 * (y_hat - y) * y_hat * w2_21 * a1_2 * (1 - a1_2)\n"
                     'dL_dw2_11 = "delta2_1*a1_1".replace("delta2_1", "2*(y_hat - y)*y_hat")\n'
                     "dL_dw2_21 = 2 * (y_hat - y) * sp.exp(z2_1) * a1_2\n"
                     + "\n".join(f"dL_dw1_{i}{j} = delta1_{j} * x{i}" for j in (1, 2) for i in (1, 2, 3)),
    },
}

MISTAKES = {  # typical mistakes, each costing what the policy says
    "01_forward_pass": {
        "F1a_answer": "z_1a = np.array([[3, 3]])",          # a row where a column is asked: half
        "F1b_answer": "z_1b = X_1b @ w_1b",                 # no bias: 0, named
        "F2a_answer": "class Anything:\n    def __eq__(self, other):\n        return True\n"
                      "z_2a = Anything()",                  # an object equal to everything: 0
    },
    "02_activations": {
        "A1_answer": "sigmoid_1 = sigmoid(z_1)\ntanh_1 = tanh(z_1)\nrelu_1 = relu(z_1)\n"
                     "softmax_1 = np.exp(z_1) / np.exp(z_1).sum(axis=1, keepdims=True)",
    },
    "04_gradient_descent": {   # (y - p) for (p - y) in the first derivative
        "G6_answer": "dCE_dw1 = (y - p) * x1\ndCE_dw2 = (p - y) * x2\ndCE_db = p - y",
    },
    "03_network_output": {
        "N1_answer": "X = np.array([[0.29, 0.11, 0.8]])\n"
                     "w1 = np.array([[0.3, 0.6], [0.8, 0.4], [0.1, 0.5]])\nb1 = np.array([[1.0, 1.0]])\n"
                     "w2 = np.array([[0.1, 0.7], [0.5, 0.2]])\nb2 = np.array([[1.0, 1.0]])",
    },
}

CRASH = {
    "01_forward_pass": {"F1a_answer": "z_1a = 1 / 0"},
    "02_activations": {"A0_answer": "def sigmoid(z):\n    raise ValueError('not done')\n\n"
                                    "def tanh(z):\n    return np.tanh(z)\n\n"
                                    "def relu(z):\n    return np.maximum(z, 0)\n\n"
                                    "def softmax(z):\n    return np.exp(z) / np.exp(z).sum()"},
}

LOOP = {"01_forward_pass": {"F2b_answer": "while True:\n    pass"}}

STUDENTS = {
    "ada_perfect": {},
    "ben_blank": None,
    "cara_mistakes": MISTAKES,
    "dan_forms": FORMS,
    "eve_crash": CRASH,
    "finn_loop": LOOP,
}


def write_class(course, students=STUDENTS, notebooks=None):
    """Write submitted/<student>/<the lab>/ (`LAB`) for each sample student; returns their ids."""
    for student, answers in students.items():
        write_submission(course, student, answers=answers or {}, blank=answers is None,
                         notebooks=notebooks)
    return list(students)


# ---------------------------------------------------------------------------- a whole class
# Variations on the sample students, so that a class of 30 has a realistic mix.
NO_BIAS = {"01_forward_pass": {"F1b_answer": MISTAKES["01_forward_pass"]["F1b_answer"]}}
ROW = {"01_forward_pass": {"F1a_answer": MISTAKES["01_forward_pass"]["F1a_answer"]}}
SOFTMAX_AXIS = {"02_activations": MISTAKES["02_activations"]}
W2_TRANSPOSED = {"03_network_output": MISTAKES["03_network_output"]}
EQUALS_ALL = {"01_forward_pass": {"F2a_answer": MISTAKES["01_forward_pass"]["F2a_answer"]}}

VARIANTS = [("perfect", {}), ("forms", FORMS), ("mistakes", MISTAKES), ("nobias", NO_BIAS),
            ("row", ROW), ("softmax", SOFTMAX_AXIS), ("w2", W2_TRANSPOSED), ("perfect", {}),
            ("equalsall", EQUALS_ALL), ("crash", CRASH), ("perfect", {}), ("loop", LOOP),
            ("blank", None), ("forms", FORMS), ("nobias", NO_BIAS)]


def _merge(*parts):
    merged = {}
    for part in parts:
        for notebook, answers in (part or {}).items():
            merged.setdefault(notebook, {}).update(answers)
    return merged


def class_of(n=30):
    """A deterministic synthetic class of `n` students: {student id: answers or None}."""
    students = {}
    for i in range(n):
        kind, answers = VARIANTS[i % len(VARIANTS)]
        if i >= len(VARIANTS) and answers is not None:   # second round: mix two kinds
            answers = _merge(answers, VARIANTS[(i * 7 + 3) % len(VARIANTS)][1])
            kind = f"{kind}+{VARIANTS[(i * 7 + 3) % len(VARIANTS)][0]}"
        students[f"s{i + 1:02d}_{kind.replace('+', '_')}"] = answers
    return students


def write_sample_class(course, n=30, notebooks=None):
    return write_class(course, class_of(n), notebooks=notebooks)


# ---------------------------------------------------------------------------- pathological work
SWALLOW = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
           "    except KeyboardInterrupt:\n        pass")

PATHOLOGICAL = {   # student -> (answers for notebook 01, what is done to the files afterwards)
    "p_infinite_loop": ({"F2b_answer": "while True:\n    pass"}, None),
    "p_swallow_interrupt": ({"F2b_answer": SWALLOW}, None),
    "p_os_exit": ({"F2b_answer": "import os\nos._exit(1)"}, None),
    "p_segfault": ({"F2b_answer": "import ctypes\nctypes.string_at(0)"}, None),
    "p_memory": ({"F2b_answer": "blob = []\nwhile True:\n    blob.append(np.empty(2**28))"},
                 None),
    "p_output": ({"F2b_answer": "for i in range(200000):\n    print('spam ' * 20)"}, None),
    "p_truncated": ({}, "truncate"),
    "p_not_json": ({}, "garbage"),
    "p_deleted_cell": ({}, "delete"),
    "p_duplicated_cell": ({}, "duplicate"),
    "p_retyped_cell": ({}, "retype"),
    "p_missing_notebook": ({}, "remove"),
}


def _damage(path, how):
    import copy
    import nbformat
    if how == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_text("this is not a notebook\n")
    elif how == "remove":
        path.unlink()
    else:
        nb = nbformat.read(path, as_version=4)
        cells = []
        for cell in nb.cells:
            gid = grade_id(cell)
            if how == "delete" and gid == "F1b":
                continue
            if how == "retype" and gid == "F3a":
                cell.cell_type = "markdown"
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
            cells.append(cell)
            if how == "duplicate" and gid == "F2a":
                twin = copy.deepcopy(cell)
                twin["id"] = cell["id"] + "-copy"
                cells.append(twin)
        nb.cells = cells
        nbformat.write(nb, path)


def write_pathological_class(course, notebooks=("01_forward_pass",), students=None):
    """Write the pathological students (every case the class grader must survive); their ids."""
    written = []
    for student, (answers, how) in PATHOLOGICAL.items():
        if students is not None and student not in students:
            continue
        folder = write_submission(course, student, answers={"01_forward_pass": answers},
                                  notebooks=list(notebooks))
        if how:
            _damage(folder / "01_forward_pass.ipynb", how)
        written.append(student)
    return written
