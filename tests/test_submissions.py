"""autograder.submissions: students' notebooks written from the release, filled with the source's
solutions or other answers."""
import shutil
from pathlib import Path

import nbformat

from autograder.assignment import LAB
from autograder.catalogue import CATALOGUE, NOTEBOOKS, in_notebook
from autograder.submissions import MARKERS, grade_id, solutions, write_submission

REPO = Path(__file__).resolve().parent.parent


def test_solutions_are_the_answer_cells_without_markers():
    found = solutions(REPO / "source" / LAB.id)
    assert sorted(found) == sorted(NOTEBOOKS)
    for notebook, answers in found.items():
        exercises = in_notebook(notebook)
        manual = {g for g in answers if not g.endswith("_answer")}
        assert set(answers) - manual == {f"{e.id}_answer" for e in exercises}
        assert {g.split("_")[0] for g in manual} == {e.id for e in exercises if e.manual_points}
        for text in answers.values():
            assert "### BEGIN" not in text and "### END" not in text
    source = nbformat.read(REPO / "source" / LAB.id / "01_forward_pass.ipynb", as_version=4)
    cell = next(c for c in source.cells if grade_id(c) == "F1a_answer")
    assert found["01_forward_pass"]["F1a_answer"] == MARKERS.sub("", cell.source)
    assert MARKERS.search(cell.source)


def _course(tmp_path):
    for part in ("source", "release"):
        shutil.copytree(REPO / part / LAB.id, tmp_path / part / LAB.id)
    return tmp_path


def _sources(path):
    return {grade_id(c): c.source for c in nbformat.read(path, as_version=4).cells if grade_id(c)}


def test_a_submission_is_the_release_with_answers_filled_in(tmp_path):
    course = _course(tmp_path)
    folder = write_submission(course, "ada", answers={"01_forward_pass": {"F1a_answer": "z_1a = 0"}},
                              notebooks=["01_forward_pass", "02_activations"])
    assert folder == course / "submitted" / "ada" / LAB.id
    assert sorted(p.name for p in folder.iterdir()) == ["01_forward_pass.ipynb",
                                                        "02_activations.ipynb"]
    model = solutions(course / "source" / LAB.id)
    for notebook in ("01_forward_pass", "02_activations"):
        release = _sources(course / "release" / LAB.id / f"{notebook}.ipynb")
        written = _sources(folder / f"{notebook}.ipynb")
        assert set(written) == set(release)
        for gid, text in written.items():
            if gid == "F1a_answer":
                assert text == "z_1a = 0"
            elif gid in model[notebook]:
                assert text == model[notebook][gid]
            else:                                   # tests and given cells as released
                assert text == release[gid]


def test_a_blank_submission_is_the_release_and_a_rewrite_replaces_it(tmp_path):
    course = _course(tmp_path)
    write_submission(course, "bob", notebooks=list(NOTEBOOKS))
    folder = write_submission(course, "bob", blank=True, notebooks=["03_network_output"])
    assert [p.name for p in folder.iterdir()] == ["03_network_output.ipynb"]
    assert _sources(folder / "03_network_output.ipynb") == \
        _sources(course / "release" / LAB.id / "03_network_output.ipynb")
    assert len([g for g in _sources(folder / "03_network_output.ipynb") if g in CATALOGUE]) == \
        len(in_notebook("03_network_output"))
