"""autograder.grading.intake: what a hand-run `nbgrader autograde` takes from `submitted/`.

Real `nbgrader autograde` and `nbgrader generate_feedback` with the course configuration, on a
class whose submissions hold symbolic links as unzipping a student's zip with links kept makes
them (a notebook that is a link to the model solution, files that are links to the instructor's
source notebook and to another student's notebook, a linked folder, a submission folder that is
a link) and a folder named with HTML.  Nothing linked is followed: the linked notebook scores
what a blank notebook scores, no linked file reaches the autograded folder (the kernel's) or the
feedback, each is flagged; the unsafe id is refused and never reaches the gradebook; the rest of
the class is graded.  The class path (`grade-class`): tests/test_class_grading.py.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import CATALOGUE
from autograder.grading.intake import linked_part, links_below
from autograder.settings import tool_env
from autograder.submissions import write_submission

NOTEBOOK = "01_forward_pass"
UNSAFE = "<img src=x onerror=document.title='pwned'>"
SOURCE = f"../../../source/{LAB.id}/{NOTEBOOK}.ipynb"


def _links(course):
    """The class: an honest student, and students whose submissions hold links."""
    write_submission(course, "honest", notebooks=[NOTEBOOK])
    linker = write_submission(course, "linker", blank=True, notebooks=[NOTEBOOK])
    (linker / f"{NOTEBOOK}.ipynb").unlink()
    (linker / f"{NOTEBOOK}.ipynb").symlink_to(SOURCE)            # the model solution
    (linker / "notes.txt").symlink_to(SOURCE)                     # the instructor's notebook
    (linker / "peer.txt").symlink_to(f"../../honest/{LAB.id}/{NOTEBOOK}.ipynb")
    (linker / "course").symlink_to("../../../source")             # a linked folder
    (linker / "own.txt").write_text("my own notes\n")              # kept
    (course / "submitted" / "folder_linker").mkdir()
    (course / "submitted" / "folder_linker" / LAB.id).symlink_to(f"../../source/{LAB.id}")
    write_submission(course, UNSAFE, notebooks=[NOTEBOOK])


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("intake") / "course")
    cli.release(course, LAB)
    _links(course)
    run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB.id],
                         cwd=course, env=tool_env(), capture_output=True, text=True)
    feedback = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback",
                               LAB.id], cwd=course, env=tool_env(), capture_output=True,
                              text=True)
    return course, run, feedback


def _score(course, student):
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(NOTEBOOK, LAB.id, student)
        return {g.name: g.score for g in nb.grades if g.name in CATALOGUE}


def _flags(course, student):
    for line in (course / "reports" / "flags.jsonl").read_text().splitlines():
        entry = json.loads(line)
        if entry["student"] == student:
            return entry
    return None


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def test_links_are_found_without_following_them(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f").write_text("x")
    (tmp_path / "a" / "to_f").symlink_to("f")
    (tmp_path / "a" / "up").symlink_to("..")          # followed, it would never end
    (tmp_path / "b").symlink_to("a")
    assert links_below(tmp_path) == ["a/to_f", "a/up", "b"]
    assert linked_part(tmp_path, tmp_path / "b" / "f") == tmp_path / "b"
    assert linked_part(tmp_path, tmp_path / "a" / "f") is None


def test_the_course_configuration_checks_ids_and_links_before_anything_else():
    from nbgrader.converters import Autograde
    from traitlets.config import PyFileConfigLoader

    from autograder.settings import REPO
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert config.Autograde.autograde_preprocessors[0] == \
        "autograder.grading.intake.SubmittedLinks"
    sanitizing = config.Autograde.sanitize_preprocessors
    assert sanitizing[0] == "autograder.grading.intake.SafeStudentId"
    ours = [p for p in sanitizing[1:] if isinstance(p, str)]   # the course's, named
    assert [p for p in sanitizing[1:] if not isinstance(p, str)] == \
        Autograde.class_traits()["sanitize_preprocessors"].default()       # nbgrader's, in order
    assert all(p.startswith("autograder.grading.cell_metadata.") for p in ours)


@pytest.mark.slow
def test_a_notebook_linked_to_the_model_solution_scores_what_a_blank_one_scores(graded):
    course, run, _ = graded
    honest, linker = _score(course, "honest"), _score(course, "linker")
    assert sum(honest.values()) == sum(CATALOGUE[e].points for e in honest) > 0
    assert set(linker) == set(honest) and sum(linker.values()) == 0, run.stdout + run.stderr
    entry = _flags(course, "linker")
    assert "submission-link" in entry["reasons"]
    honest = _flags(course, "honest") or {"reasons": []}
    assert not {"submission-link", "active-content"} & set(honest["reasons"])
    details = " ".join(f["detail"] for f in entry["tamper"])
    for name in (f"{NOTEBOOK}.ipynb", "notes.txt", "peer.txt", "course"):
        assert f"{name} is a symbolic link: not followed" in details


@pytest.mark.slow
def test_no_linked_file_reaches_the_kernel_or_the_feedback(graded):
    course, _, feedback = graded
    for step in ("autograded", "feedback"):
        folder = course / step / "linker" / LAB.id
        files = _files(folder)
        assert "own.txt" in files, files
        assert not {"notes.txt", "peer.txt", "course"} & set(files), (step, files)
        for path in folder.rglob("*"):
            assert not path.is_symlink()
            if path.is_file():
                text = path.read_text(errors="replace")
                assert "### BEGIN HIDDEN TESTS" not in text and "### BEGIN SOLUTION" not in text
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr


@pytest.mark.slow
def test_a_submission_folder_that_is_a_link_is_graded_as_blank_and_flagged(graded):
    course, _, _ = graded
    assert sum(_score(course, "folder_linker").values()) == 0
    assert "submission-link" in _flags(course, "folder_linker")["reasons"]
    assert _files(course / "autograded" / "folder_linker" / LAB.id) == [f"{NOTEBOOK}.ipynb"] \
        or all(p.endswith(".ipynb") for p in
               _files(course / "autograded" / "folder_linker" / LAB.id))


@pytest.mark.slow
def test_an_unsafe_id_is_refused_and_never_reaches_the_gradebook(graded):
    course, run, _ = graded
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        with pytest.raises(MissingEntry):
            gb.find_student(UNSAFE)
        assert "honest" in {s.id for s in gb.students}
    assert not (course / "autograded" / UNSAFE).exists()
    assert not (course / "feedback" / UNSAFE).exists()
    assert "is not a safe student id" in run.stdout + run.stderr
    assert "%3Cimg" in run.stdout + run.stderr        # named escaped


@pytest.mark.slow
def test_submitted_is_left_as_it_was(graded):
    course, _, _ = graded
    linker = course / "submitted" / "linker" / LAB.id
    assert os.readlink(linker / "notes.txt") == SOURCE
    assert (linker / f"{NOTEBOOK}.ipynb").is_symlink()
