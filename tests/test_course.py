"""The course under real nbgrader: release in sync, a sample class autograded in one run.

One `nbgrader autograde` run grades students with the instructor's solutions, the untouched
release, other correct forms, typical mistakes, a crash and an endless loop; each is checked
against the grading policy of docs/lab/EXERCISES.md.
"""
import json
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.sample_class import CRASH, FORMS, LOOP, MISTAKES, write_class

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = LAB.id
STUDENTS = {"perfect": {}, "blank": None, "forms": FORMS, "mistakes": MISTAKES, "crash": CRASH,
            "loop": LOOP}


def cells_of(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, json.dumps(c.metadata.get("nbgrader", {}), sort_keys=True))
            for c in nb.cells]


def test_source_notebooks_are_built_from_the_catalogue(tmp_path):
    from course.build import build
    for built in build(tmp_path):
        committed = REPO / "source" / ASSIGNMENT / built.name
        assert cells_of(built) == cells_of(committed), f"{built.name}: run `python -m course.build`"


@pytest.mark.slow
def test_release_is_in_sync_with_source(tmp_path):
    cli.prepare(tmp_path)
    cli.release(tmp_path, LAB, force=True)
    for generated in sorted((tmp_path / "release" / ASSIGNMENT).glob("*.ipynb")):
        committed = REPO / "release" / ASSIGNMENT / generated.name
        assert committed.exists(), f"release/ lacks {generated.name}"
        assert cells_of(generated) == cells_of(committed), \
            f"release/{generated.name} is stale: run nbgrader generate_assignment {ASSIGNMENT} --force"


@pytest.mark.slow
def test_a_release_students_have_is_never_rewritten_without_force(tmp_path, capsys):
    """The first grading of a course fills the gradebook; release/ stays byte for byte as the
    students got it (and a release that differs from source/ is named); --force rewrites it."""
    course = cli.prepare(tmp_path)
    handed_out = course / "release" / ASSIGNMENT / "01_forward_pass.ipynb"
    nb = json.loads(handed_out.read_text())
    nb["cells"][0]["source"] = "# As handed out on Monday\n" + "".join(nb["cells"][0]["source"])
    handed_out.write_text(json.dumps(nb))
    before = {p.name: p.read_bytes() for p in handed_out.parent.iterdir()}
    cli.ensure_released(course, LAB)                  # what grade-class does first
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert len(gb.find_assignment(ASSIGNMENT).notebooks) == 5
    assert {p.name: p.read_bytes() for p in handed_out.parent.iterdir()} == before
    assert "01_forward_pass.ipynb" in capsys.readouterr().err
    assert not (course / ".grading" / "release-check").exists()
    assert cli.main(["release", "--course", str(course)]) == 0
    assert handed_out.read_bytes() == before["01_forward_pass.ipynb"]
    assert cli.main(["release", "--course", str(course), "--force"]) == 0
    assert "As handed out" not in handed_out.read_text()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("course"))
    cli.release(course, LAB)
    write_class(course, STUDENTS)
    with pytest.MonkeyPatch.context() as monkeypatch:
        # a cell timeout no slow cell reaches on a loaded machine (the 5000-step trainings take
        # about 3 s idle); the loop student's one endless cell costs it once
        monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "60")
        status = cli.autograde(course, LAB)
        cli.feedback(course, LAB)
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in STUDENTS:
            sub = gb.find_submission(ASSIGNMENT, student)
            scores[student] = {g.name: (g.score, g.max_score, g.auto_score is not None)
                               for nb in sub.notebooks for g in nb.grades}
    return course, status, scores


def auto(scores):
    """{exercise id: score} of the autograded test cells."""
    return {name: s for name, (s, _, is_auto) in scores.items() if name in CATALOGUE}


@pytest.mark.slow
def test_autograde_run_succeeds(graded):
    assert graded[1] == 0


@pytest.mark.slow
def test_instructor_solutions_get_every_autograded_point(graded):
    scores = auto(graded[2]["perfect"])
    assert set(scores) == set(CATALOGUE)
    assert scores == {eid: float(e.points) for eid, e in CATALOGUE.items()}


@pytest.mark.slow
def test_untouched_release_gets_zero_on_every_graded_cell(graded):
    assert all(score == 0 for score, _, _ in graded[2]["blank"].values())


@pytest.mark.slow
def test_other_correct_forms_get_full_marks(graded):
    scores = auto(graded[2]["forms"])
    assert scores == {eid: float(e.points) for eid, e in CATALOGUE.items()}


@pytest.mark.slow
def test_typical_mistakes_cost_what_the_policy_says(graded):
    scores = auto(graded[2]["mistakes"])
    half = CATALOGUE["F1a"].points / 2           # a row where a column is asked
    assert scores["F1a"] == half
    assert scores["F1b"] == 0                    # no bias
    assert scores["F2a"] == 0                    # an object equal to everything
    per_item = CATALOGUE["A1"].points / len(CATALOGUE["A1"].items)
    assert scores["A1"] == CATALOGUE["A1"].points - per_item   # softmax along axis 1
    per_item = CATALOGUE["N1"].points / len(CATALOGUE["N1"].items)
    assert scores["N1"] == CATALOGUE["N1"].points - per_item   # w2 transposed
    per_item = CATALOGUE["G6"].points / len(CATALOGUE["G6"].items)
    assert scores["G6"] == CATALOGUE["G6"].points - per_item   # (y - p) in dCE_dw1
    untouched = set(CATALOGUE) - {"F1a", "F1b", "F2a", "A1", "N1", "N2", "N3", "N4", "G6"}
    assert all(scores[e] == CATALOGUE[e].points for e in untouched)


def _verdict(course, student, notebook, grade_id):
    """The text of the one verdict the grader wrote into a test cell."""
    from autograder.grading.marking import verdict_of
    nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{notebook}.ipynb", 4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    assert len(cell.outputs) == 1, cell.outputs
    return verdict_of(cell)


@pytest.mark.slow
def test_mistake_messages_name_the_mistake_without_the_answer(graded):
    course = graded[0]
    text = _verdict(course, "mistakes", "01_forward_pass", "F1b")
    assert "without adding the bias" in text
    assert "43" not in text and "-6" not in text
    text = _verdict(course, "mistakes", "01_forward_pass", "F1a")
    assert "half credit" in text and "row" in text
    text = _verdict(course, "mistakes", "04_gradient_descent", "G6")
    assert "the difference between the prediction p and the label y taken the other way round" in text
    assert "wrong sign" in text and "(p - y)" not in text


@pytest.mark.slow
def test_crash_and_endless_loop_cost_only_their_own_exercises(graded):
    crash, loop = auto(graded[2]["crash"]), auto(graded[2]["loop"])
    assert crash["F1a"] == 0 and loop["F2b"] == 0
    for eid in ("F1b", "F2a", "F3a", "F3b", "F4"):
        assert crash[eid] == CATALOGUE[eid].points
    for eid in ("F1a", "F1b", "F2a", "F3a", "F3b", "F4"):
        if eid != "F2b":
            assert loop[eid] == CATALOGUE[eid].points
    sigmoid_share = CATALOGUE["A0"].points / len(CATALOGUE["A0"].items)
    assert crash["A0"] < CATALOGUE["A0"].points - sigmoid_share + 1e-9


@pytest.mark.slow
def test_no_error_in_a_test_cell_comes_from_the_grader(graded):
    """Every test cell ran cleanly in the kernel and recorded its answers: the grader found a
    record everywhere and flagged nobody but the one sign of tampering."""
    from autograder.grading.flags import FLAGS_FILE, read_flags
    course = graded[0]
    flags = read_flags(course / FLAGS_FILE)
    # the one flag: the answer that is an object equal to everything, a tampering sign
    assert {key: entry["reasons"] for key, entry in flags.items()} == {
        ("mistakes", ASSIGNMENT, "01_forward_pass"): ["tamper:comparison-override"]}
    for student in STUDENTS:
        for notebook in {e.notebook for e in CATALOGUE.values()}:
            for ex in in_notebook(notebook):
                text = _verdict(course, student, notebook, ex.id)
                assert text.startswith(f"{ex.id}: "), f"{student} {ex.id}: not graded"
                assert "raised an error" not in text, f"{student} {ex.id}: {text}"


@pytest.mark.slow
def test_feedback_never_shows_hidden_tests(graded):
    course = graded[0]
    pages = list((course / "feedback").rglob("*.html"))
    assert len(pages) == len(STUDENTS) * 5
    for page in pages:
        html = page.read_text()
        assert "HIDDEN TESTS" not in html
        assert "record(&quot;" not in html and 'record("' not in html and "cases=" not in html


def test_given_cells_hold_the_catalogues_data():
    import numpy as np
    from autograder.reference import backprop, descent
    namespace = {"np": np}
    for path in sorted((REPO / "source" / ASSIGNMENT).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_given"):
                exec(cell.source, namespace)
    for ex in CATALOGUE.values():
        for name, value in ex.given.items():
            assert np.array_equal(namespace[name], value), f"{ex.id}: {name}"
    X, y = backprop.synthetic_data()
    assert np.array_equal(namespace["X_lab"], X) and np.allclose(namespace["y_lab"], y, rtol=1e-15)
    assert np.allclose(namespace["y_toy"], descent.toy_data()[1], rtol=1e-15)


# ------------------------------------------------------------------ what the release tells students
def release_cells(notebook):
    return nbformat.read(REPO / "release" / ASSIGNMENT / f"{notebook}.ipynb", as_version=4).cells


def release_prose(notebook):
    return "\n\n".join(c.source for c in release_cells(notebook) if c.cell_type == "markdown")


def _exercise_prose(notebook, eid):
    """The markdown of exercise `eid`: from its heading to the next exercise's heading."""
    text = release_prose(notebook)
    start = text.index(f"## Exercise {eid}")
    end = text.find("## Exercise ", start + 5)
    return text[start:] if end < 0 else text[start:end]


NOTEBOOKS = sorted(p.stem for p in (REPO / "release" / ASSIGNMENT).glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_says_restart_and_run_all_before_submitting(notebook):
    prose = release_prose(notebook)
    assert "Restart & Run All" in prose and "from the top" in prose


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_notebook_with_hand_answers_says_how_precisely_to_type_them(notebook):
    if not any(e.hand for e in in_notebook(notebook)):
        return
    prose = release_prose(notebook).lower()
    assert "three decimals" in prose or "3 significant figures" in prose, notebook


def _run_release_until(notebook, grade_id, replace):
    """Run the release notebook's code cells from the top in one namespace, as grading does, up to
    and including the test cell `grade_id`; `replace` maps answer grade ids to a student's code.
    Returns what the cells printed."""
    import contextlib
    import io
    namespace, out = {}, io.StringIO()
    for cell in release_cells(notebook):
        if cell.cell_type != "code":
            continue
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_answer") and gid not in replace:
            continue
        with contextlib.redirect_stdout(out):
            exec(replace.get(gid, cell.source), namespace)
        if gid == grade_id:
            return out.getvalue()
    raise AssertionError(f"no cell {grade_id}")


def test_b1_answered_from_the_data_works_run_from_the_top():
    """B1 may be written from `x_data` and `y_data`: they are defined above B1, so grading (which
    runs the notebook from the top) sees them."""
    answer = ("dL_dw = sum(2 * (w * x + b - t) * x for x, t in zip(x_data, y_data)) / len(x_data)\n"
              "dL_db = sum(2 * (w * x + b - t) for x, t in zip(x_data, y_data)) / len(x_data)")
    out = _run_release_until("05_backpropagation", "B1", {"B1_answer": answer})
    assert "dL_dw: correct." in out and "dL_db: correct." in out, out


def test_a_missing_name_tells_that_grading_runs_from_the_top(capsys):
    from mdl_kernel import check
    from mdl_kernel.selfcheck import FROM_THE_TOP
    check("B1", {})
    out = capsys.readouterr().out
    assert "dL_dw is not defined." in out
    assert "Grading runs the notebook from the top" in FROM_THE_TOP and FROM_THE_TOP.strip() in out


def test_b6_asks_for_numpy_only():
    """Keras is not in the grading kernel: B6 must not offer it."""
    prose = _exercise_prose("05_backpropagation", "B6")
    assert "NumPy only" in prose and "not installed" in prose
    assert "Keras itself" not in prose and "accepted" not in prose


def test_symbol_warnings_name_symbols_of_their_exercise():
    """'if a later cell gives one of them a number (say `b = 0`)': the names in such a warning are
    symbols of the exercise it is in (B2's warning protects B1's w and b)."""
    import re
    from autograder.catalogue import exercise, with_kind
    symbols = {e: set(exercise(e).items[0].options["symbols"]) for e in with_kind("symbolic")}
    symbols["B2"] = symbols["B1"]
    found = 0
    for notebook in ("04_gradient_descent", "05_backpropagation"):
        for eid in symbols:
            if exercise(eid).notebook != notebook:
                continue
            for example in re.findall(r"say `([^`=]+)=", _exercise_prose(notebook, eid)):
                names = {n.strip() for n in example.split(",")}
                assert names <= symbols[eid], (eid, names)
                found += 1
    assert found >= 3   # G6, B1 and B3
    assert "w, b = 1, 0" in _exercise_prose("05_backpropagation", "B1")
    assert "`w` and `b`" in _exercise_prose("05_backpropagation", "B2")


def test_the_network_numbers_are_given_as_a_table():
    """Notebook 03 gives the figure's numbers as text: the arrows' table and the biases rebuild
    exactly the network of the catalogue."""
    import re
    import numpy as np
    from autograder.catalogue import NETWORK
    prose = release_prose("03_network_output")
    inputs = dict(re.findall(r"\$x_(\d) = ([-0-9.]+)\$", prose))
    assert [float(inputs[str(i)]) for i in (1, 2, 3)] == NETWORK["X"][0].tolist()
    arrows = {(a.strip("$ "), b.strip()): float(v)
              for a, b, v in re.findall(r"^\| *([^|]+?) *\| *([ABCD]) *\| *([-0-9.]+) *\|$", prose, re.M)}
    w1 = [[arrows[(f"x_{i}", node)] for node in "AB"] for i in (1, 2, 3)]
    w2 = [[arrows[(src, dst)] for dst in "CD"] for src in "AB"]
    assert np.array_equal(w1, NETWORK["w1"]) and np.array_equal(w2, NETWORK["w2"])
    biases = dict(re.findall(r"([ABCD]): ([-0-9.]+)", prose.split("Biases:")[1].split("\n")[0]))
    assert [float(biases[n]) for n in "AB"] == NETWORK["b1"][0].tolist()
    assert [float(biases[n]) for n in "CD"] == NETWORK["b2"][0].tolist()
