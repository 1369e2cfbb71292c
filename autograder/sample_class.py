"""A small sample class for the main job and the tests: correct work, other correct forms, typical
mistakes, a crash and an endless loop.

Each student is a function of the release: {notebook: {answer grade id: code}} overriding the
instructor's solutions (see `submissions.write_submission`).
"""
from .submissions import write_submission

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
    """Write submitted/<student>/maths_of_dl/ for each sample student; returns their ids."""
    for student, answers in students.items():
        write_submission(course, student, answers=answers or {}, blank=answers is None,
                         notebooks=notebooks)
    return list(students)
