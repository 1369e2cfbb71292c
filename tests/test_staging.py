"""autograder.staging: a submission read and checked before grading, never written.

On notebooks damaged as the pathological class damages them (missing, truncated, not JSON,
graded cells deleted, retyped, duplicated), and next to nbgrader's own DeduplicateIds.
"""
import copy
import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils
from nbgrader.nbgraderformat import SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds

from autograder.assignment import LAB
from autograder import cli
from autograder import staging as st
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.sample_class import PATHOLOGICAL, write_pathological_class
from autograder.student_ids import shown
from autograder.submissions import grade_id, write_submission

NOTEBOOK = "01_forward_pass"


def hashes(course):
    root = Path(course) / "submitted"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def staged(submission, name=NOTEBOOK):
    """The staged notebook `name` of a submission, read back."""
    return nbformat.reads(submission.files[f"{name}.ipynb"].decode(), as_version=4)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder with an honest student (and a data file) and the damaged notebooks of the
    pathological class; nothing is graded."""
    course = cli.prepare(tmp_path_factory.mktemp("staging"))
    folder = write_submission(course, "honest", notebooks=[NOTEBOOK])
    (folder / "data").mkdir()
    (folder / "data" / "table.csv").write_text("x,y\n1,2\n")
    write_pathological_class(course, students=[s for s, (_, how) in PATHOLOGICAL.items() if how])
    return course


@pytest.fixture(scope="module")
def expected(course):
    return {NOTEBOOK: st.release_cells(course, LAB)[NOTEBOOK]}


def _cells(nb):
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


def test_release_cells_are_the_graded_cells_of_each_notebook(course):
    cells = st.release_cells(course, LAB)
    notebooks = sorted({e.notebook for e in CATALOGUE.values()})
    assert sorted(cells) == notebooks
    for notebook in notebooks:
        exercises = in_notebook(notebook)
        tests = {g: kind for g, kind in cells[notebook].items() if g in CATALOGUE}
        assert tests == {e.id: "code" for e in exercises}
        manual = sorted(g.split("_")[0] for g in cells[notebook] if g not in CATALOGUE)
        assert manual == sorted(e.id for e in exercises if e.manual_points)   # F4_..., G4_...


def test_a_clean_submission_is_staged_as_it_is(course, expected):
    submitted = st.submitted_dir(course, LAB, "honest")
    before = hashes(course)
    submission = st.stage(course, LAB, "honest", expected)
    assert (submission.student, submission.reasons, submission.excluded) == ("honest", {}, set())
    assert submission.digest == st.tree_hash(submitted)
    assert sorted(submission.files) == ["01_forward_pass.ipynb", "data/table.csv"]
    assert submission.notebooks() == [NOTEBOOK]
    assert _cells(staged(submission)) == _cells(nbformat.read(submitted / f"{NOTEBOOK}.ipynb",
                                                              as_version=4))
    assert submission.files["data/table.csv"] == b"x,y\n1,2\n"
    assert hashes(course) == before                # nothing under submitted/ was written


def test_an_absent_student_has_every_notebook_missing(course, expected):
    submission = st.stage(course, LAB, "nobody", expected)
    assert submission.digest == "absent" and submission.files == {}
    assert submission.reasons == {NOTEBOOK: ["missing notebook"]}
    assert submission.excluded == {NOTEBOOK}


STAGED = {   # how the notebook was damaged -> (reasons, left out of grading)
    "remove": (["missing notebook"], True),
    "truncate": (["not a valid notebook (NotJSONError)"], True),
    "garbage": (["not a valid notebook (NotJSONError)"], True),
    "delete": (["graded cell F1b deleted"], False),
    "retype": (["graded cell F3a retyped code -> markdown"], False),
    "duplicate": (["graded cell F2a duplicated (copy ignored)"], False),
}


@pytest.mark.parametrize("student", sorted(s for s, (_, how) in PATHOLOGICAL.items() if how))
def test_a_damaged_submission_is_staged_with_its_reasons(course, expected, student):
    how = PATHOLOGICAL[student][1]
    reasons, left_out = STAGED[how]
    submission = st.stage(course, LAB, student, expected)
    assert submission.reasons == {NOTEBOOK: reasons}
    assert submission.excluded == ({NOTEBOOK} if left_out else set())
    assert (f"{NOTEBOOK}.ipynb" in submission.files) != left_out
    if how == "duplicate":    # nbgrader's own check of the metadata passes on what it reads
        CheckCellMetadata().preprocess(staged(submission), {})


def test_a_notebook_without_cells_is_not_valid(course, expected, tmp_path):
    folder = st.submitted_dir(course, LAB, "no_cells")
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5,
                                                          "metadata": {}, "cells": {}}))
    submission = st.stage(course, LAB, "no_cells", expected)
    assert submission.excluded == {NOTEBOOK}
    assert submission.reasons[NOTEBOOK][0].startswith("not a valid notebook (")


def _duplicated(course):
    """The duplicated-cell submission, its answer cell F2a_answer duplicated too with another
    answer in the copy."""
    path = st.submitted_dir(course, LAB, "p_duplicated_cell") / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    index = next(k for k, c in enumerate(nb.cells) if grade_id(c) == "F2a_answer")
    twin = copy.deepcopy(nb.cells[index])
    twin.id, twin.source = twin.id + "-copy", "z_2a = None   # the copy"
    nb.cells.insert(index + 1, twin)
    return nb


def test_staging_keeps_the_first_copy_of_a_duplicated_cell(course, expected, tmp_path):
    nb = _duplicated(course)
    folder = st.submitted_dir(course, LAB, "two_copies")
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    submission = st.stage(course, LAB, "two_copies", expected)
    assert submission.reasons == {NOTEBOOK: ["graded cell F2a_answer duplicated (copy ignored)",
                                             "graded cell F2a duplicated (copy ignored)"]}
    graded = staged(submission)
    assert len(graded.cells) == len(nb.cells)           # the copies stay, as ordinary cells
    ids = [grade_id(c) for c in graded.cells if grade_id(c)]
    assert len(ids) == len(set(ids))
    answer = next(c for c in graded.cells if grade_id(c) == "F2a_answer")
    assert answer.source != "z_2a = None   # the copy"
    copies = [c for c in graded.cells if c.id.endswith("-copy")]
    assert len(copies) == 2 and all("nbgrader" not in c.metadata for c in copies)
    # nbgrader's sanitizing steps then find nothing to deduplicate and accept the notebook
    nb, _ = DeduplicateIds().preprocess(graded, {})
    CheckCellMetadata().preprocess(nb, {})


def test_nbgraders_deduplicate_ids_is_not_enough(course):
    """Why staging does not leave duplicates to nbgrader's DeduplicateIds (staging's
    docstring): it keeps the last copy, and the `{}` it leaves in the others makes nbgrader's
    CheckCellMetadata (the next sanitizing step) refuse the notebook as an old format."""
    nb, _ = DeduplicateIds().preprocess(_duplicated(course), {})
    kept = [c for c in nb.cells if utils.is_solution(c) and grade_id(c) == "F2a_answer"]
    assert [c.source for c in kept] == ["z_2a = None   # the copy"]
    emptied = [c for c in nb.cells if c.metadata.get("nbgrader") == {}]
    assert len(emptied) == 2
    with pytest.raises(SchemaTooOldError):
        CheckCellMetadata().preprocess(nb, {})


def test_tree_hash_sees_contents_and_names(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "x.ipynb").write_text("{}")
    assert st.tree_hash(a) == st.tree_hash(b)
    (b / "sub" / "x.ipynb").write_text("{ }")
    assert st.tree_hash(a) != st.tree_hash(b)
    (b / "sub" / "x.ipynb").write_text("{}")
    (b / "sub" / "x.ipynb").rename(b / "sub" / "y.ipynb")
    assert st.tree_hash(a) != st.tree_hash(b)


def test_students_are_the_folders_with_the_assignment(tmp_path):
    assert st.students_of(tmp_path, LAB) == []
    for student in ("zoe", "ada"):
        st.submitted_dir(tmp_path, LAB, student).mkdir(parents=True)
    (tmp_path / "submitted" / "other_assignment_only" / "hw1").mkdir(parents=True)
    assert st.students_of(tmp_path, LAB) == ["ada", "zoe"]


def _linker(course):
    """A submission holding symbolic links (a zip unpacked with its links kept)."""
    folder = write_submission(course, "linker", blank=True, notebooks=[NOTEBOOK])
    (folder / f"{NOTEBOOK}.ipynb").unlink()
    (folder / f"{NOTEBOOK}.ipynb").symlink_to(f"../../../source/maths_of_dl/{NOTEBOOK}.ipynb")
    (folder / "notes.txt").symlink_to(f"../../../source/maths_of_dl/{NOTEBOOK}.ipynb")
    (folder / "peer.txt").symlink_to(f"../../honest/maths_of_dl/{NOTEBOOK}.ipynb")
    (folder / "course").symlink_to("../../../source")
    (folder / "own.txt").write_text("mine\n")
    return folder


def test_staging_follows_no_link(course, expected):
    _linker(course)
    submission = st.stage(course, LAB, "linker", expected)
    assert sorted(submission.files) == ["own.txt"]
    assert submission.excluded == {NOTEBOOK}
    assert "symbolic link" in " ".join(submission.reasons[NOTEBOOK])
    assert sorted(submission.reasons["*"]) == [
        f"{name} is a symbolic link: not followed" for name in ("course", "notes.txt",
                                                                "peer.txt")]
    for data in submission.files.values():
        assert b"BEGIN SOLUTION" not in data and b"BEGIN HIDDEN TESTS" not in data


def test_tree_hash_reads_no_link_target(tmp_path):
    (tmp_path / "target.txt").write_text("one")
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "link.txt").symlink_to("../target.txt")
    before = st.tree_hash(tmp_path / "s")
    (tmp_path / "target.txt").write_text("two")
    assert st.tree_hash(tmp_path / "s") == before
    (tmp_path / "s" / "link.txt").unlink()
    (tmp_path / "s" / "link.txt").symlink_to("../elsewhere.txt")
    assert st.tree_hash(tmp_path / "s") != before


UNSAFE = ["<img src=x onerror=alert(1)>", "..x", "-rf", "a b", "a,b", "é", "x" * 65, ".hidden"]


def test_folders_with_unsafe_ids_or_links_are_refused_not_graded(tmp_path):
    root = tmp_path / "submitted"
    for name in ["s1", "Jane.Doe_2-b", *UNSAFE]:
        (root / name / "maths_of_dl").mkdir(parents=True)
    (root / "twin").symlink_to("s1")
    (root / "inner").mkdir()
    (root / "inner" / "maths_of_dl").symlink_to("../s1/maths_of_dl")
    assert st.students_of(tmp_path, LAB) == ["Jane.Doe_2-b", "s1"]
    refused = st.refused_students(tmp_path, LAB)
    assert sorted(refused) == sorted([shown(n) for n in UNSAFE] + ["inner", "twin"])
    assert refused[shown(UNSAFE[0])].startswith(
        "the folder name '%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E' is not a safe student id")
    assert all("<" not in key and "<" not in reason for key, reason in refused.items())
    assert "symbolic link" in refused["twin"] and "symbolic link" in refused["inner"]
