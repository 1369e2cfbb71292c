"""autograder.class_grading: grading a whole class, every pathological submission graded with its
reason, nobody else hurt.

Fast: the staging of a submission (on notebooks damaged as the pathological class damages them,
and next to nbgrader's own DeduplicateIds), the classifier of nbgrader's logs (on logs of real
`nbgrader autograde` runs, kept in tests/data/nbgrader_logs/), the manifest and the exit status.

Slow: one run of `maths-of-dl grade-class` (2 workers) over the pathological class plus two
ordinary students, notebook 01 only, with a 5 s cell timeout: each student's grade and recorded
reason, submitted files byte-for-byte unchanged, the exit status, the report files, and
resumability.
"""
import copy
import csv
import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import SchemaTooOldError
from nbgrader.preprocessors import CheckCellMetadata, DeduplicateIds

from autograder import class_grading as cg
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.class_grading import grade_class, load_manifest
from autograder.sample_class import (MISTAKES, PATHOLOGICAL, write_class,
                                     write_pathological_class)
from autograder.settings import ASSIGNMENT
from autograder.submissions import grade_id, write_submission

NOTEBOOK = "01_forward_pass"


def hashes(course):
    root = Path(course) / "submitted"
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("class"))
    cli.release(course)
    write_class(course, {"ok_perfect": {}, "ok_mistakes": MISTAKES}, notebooks=[NOTEBOOK])
    write_pathological_class(course)
    before = hashes(course)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
        status = cli.grade_class(course, workers=2, notebook_timeout=30, notebooks=[NOTEBOOK],
                                 quiet=True)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student_id: {nb.name: nb.score for nb in s.notebooks}[NOTEBOOK]
                  for s in gb.assignment_submissions("maths_of_dl")}
    return course, status, scores, load_manifest(course), before


def reasons(manifest, student):
    return " | ".join(manifest[student]["reasons"].get(NOTEBOOK, []))


def points(*exercises):
    return sum(CATALOGUE[e].points for e in exercises)


ALL = points(*(e.id for e in in_notebook(NOTEBOOK)))      # notebook 01's autograded points
BEFORE_F2B = points("F1a", "F1b", "F2a")                   # the test cells that run before F2b
EXPECTED = {  # student -> (score of notebook 01, words of the reason)
    "ok_perfect": (ALL, None),
    # MISTAKES: a row where a column is asked (half), no bias, an object equal to everything
    "ok_mistakes": (ALL - points("F1a") / 2 - points("F1b", "F2a"), None),
    "p_infinite_loop": (ALL - points("F2b"), "F2b_answer: cell timed out"),
    # a kernel that dies or stops answering in F2b's answer keeps what ran before it
    "p_swallow_interrupt": (BEFORE_F2B, "F2b_answer: the kernel died or stopped answering"),
    "p_os_exit": (BEFORE_F2B, "F2b_answer: the kernel died"),
    "p_segfault": (BEFORE_F2B, "F2b_answer: the kernel died"),
    "p_memory": (ALL - points("F2b"), "F2b_answer: memory limit exceeded"),
    "p_output": (ALL - points("F2b"), "F2b_answer: output truncated"),
    "p_truncated": (0, "not a valid notebook"),
    "p_not_json": (0, "not a valid notebook"),
    "p_deleted_cell": (ALL - points("F1b"), "graded cell F1b deleted"),
    "p_duplicated_cell": (ALL, "graded cell F2a duplicated"),
    # nbgrader's OverwriteCells gives the test cell its type back from the gradebook
    "p_retyped_cell": (ALL, "graded cell F3a retyped code -> markdown"),
    "p_missing_notebook": (0, "missing notebook"),
}


@pytest.mark.slow
@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_student_is_graded_with_the_reason(graded, student):
    _, _, scores, manifest, _ = graded
    score, reason = EXPECTED[student]
    assert student in scores, f"{student} has no grade"
    assert scores[student] == pytest.approx(score)
    if reason is None:
        assert manifest[student]["status"] == "ok", manifest[student]
    else:
        assert manifest[student]["status"] == "review"
        assert reason in reasons(manifest, student), manifest[student]


@pytest.mark.slow
def test_exit_status_says_a_human_is_needed(graded):
    assert graded[1] == 1


@pytest.mark.slow
def test_submitted_files_are_unchanged(graded):
    course, *_, before = graded
    assert hashes(course) == before


@pytest.mark.slow
def test_report_files(graded):
    course = graded[0]
    reports = course / "reports"
    for name in ("class_report.csv", "mistakes.csv", "students.csv", "summary.md", "scores.png"):
        assert (reports / name).stat().st_size > 0, name
    rows = {r["exercise"]: r for r in csv.DictReader(open(reports / "class_report.csv"))}
    assert "no_bias=1" in rows["F1b"]["mistakes"]           # ok_mistakes left out the bias
    assert int(rows["F1a"]["students"]) == len(EXPECTED)
    students = {r["student"]: r for r in csv.DictReader(open(reports / "students.csv"))}
    assert "kernel died" in students["p_segfault"]["reasons"]
    assert students["ok_perfect"]["status"] == "ok"
    summary = (reports / "summary.md").read_text()
    assert "p_swallow_interrupt" in summary and "F1b" in summary
    pages = {p.parts[-3] for p in (course / "feedback").rglob("*.html")}   # every executed notebook
    assert pages == {s for s in EXPECTED if (course / "autograded" / s / "maths_of_dl" /
                                             f"{NOTEBOOK}.ipynb").exists()}
    assert len(pages) == 11    # every notebook run, the three whose kernel died included


@pytest.mark.slow
def test_rerun_grades_only_changed_submissions(graded, monkeypatch):
    course = graded[0]
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
    again = grade_class(course, workers=2, notebooks=[NOTEBOOK], progress=False)
    assert again.graded == []
    path = course / "submitted" / "ok_mistakes" / "maths_of_dl" / f"{NOTEBOOK}.ipynb"
    nb = json.loads(path.read_text())
    nb["metadata"]["resubmitted"] = True
    path.write_text(json.dumps(nb))
    again = grade_class(course, workers=2, notebooks=[NOTEBOOK], progress=False)
    assert again.graded == ["ok_mistakes"]


@pytest.mark.slow
def test_lms_zip_is_imported_into_submitted(tmp_path):
    """An LMS download (<student>_<notebook>.ipynb, in folders) lands in nbgrader's layout."""
    import zipfile
    from autograder import cli
    course = cli.prepare(tmp_path / "course")
    cli.release(course)
    release = sorted((course / "release" / "maths_of_dl").glob("*.ipynb"))
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for student in ("ada_lovelace", "alan_turing"):
            for nb in release[:2]:
                z.write(nb, f"downloads/{student}_{nb.name}")
    assert cli.import_zip(course, [archive]) == 0
    for student in ("ada_lovelace", "alan_turing"):
        got = sorted(p.name for p in (course / "submitted" / student / "maths_of_dl").glob("*.ipynb"))
        assert got == [nb.name for nb in release[:2]]
        for nb in release[:2]:
            assert (course / "submitted" / student / "maths_of_dl" / nb.name).read_bytes() == \
                nb.read_bytes()


# ---------------------------------------------------------------------------- staging, fast
LOGS = Path(__file__).resolve().parent / "data" / "nbgrader_logs"


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
    return {NOTEBOOK: cg.release_cells(course)[NOTEBOOK]}


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in nb.cells]


def test_release_cells_are_the_graded_cells_of_each_notebook(course):
    cells = cg.release_cells(course)
    notebooks = sorted({e.notebook for e in CATALOGUE.values()})
    assert sorted(cells) == notebooks
    for notebook in notebooks:
        exercises = in_notebook(notebook)
        tests = {g: kind for g, kind in cells[notebook].items() if g in CATALOGUE}
        assert tests == {e.id: "code" for e in exercises}
        manual = sorted(g.split("_")[0] for g in cells[notebook] if g not in CATALOGUE)
        assert manual == sorted(e.id for e in exercises if e.manual_points)   # F4_..., G4_...


def test_a_clean_submission_is_staged_as_it_is(course, expected):
    submitted = cg.submitted_dir(course, "honest")
    before = hashes(course)
    root, reasons, excluded = cg.stage(course, "honest", expected)
    assert root == course / cg.WORK / "work" / "honest" / "submitted"
    assert (reasons, excluded) == ({}, set())
    staged = root / "honest" / ASSIGNMENT
    assert _cells(staged / f"{NOTEBOOK}.ipynb") == _cells(submitted / f"{NOTEBOOK}.ipynb")
    assert (staged / "data" / "table.csv").read_text() == "x,y\n1,2\n"
    assert hashes(course) == before


def test_a_new_stage_replaces_the_last_one(course, expected):
    root, _, _ = cg.stage(course, "honest", expected)
    stale = root / "honest" / ASSIGNMENT / "stale.txt"
    stale.write_text("from the last attempt")
    root, _, excluded = cg.stage(course, "honest", expected, drop={NOTEBOOK})
    assert not stale.exists()
    assert excluded == {NOTEBOOK}
    assert not (root / "honest" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").exists()


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
    root, found, excluded = cg.stage(course, student, expected)
    assert found == {NOTEBOOK: reasons}
    assert excluded == ({NOTEBOOK} if left_out else set())
    staged = root / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    assert staged.exists() != left_out
    if how == "duplicate":    # nbgrader's own check of the metadata passes on what it reads
        CheckCellMetadata().preprocess(nbformat.read(staged, as_version=4), {})


def test_a_notebook_without_cells_is_not_valid(course, expected, tmp_path):
    folder = cg.submitted_dir(course, "no_cells")
    folder.mkdir(parents=True)
    (folder / f"{NOTEBOOK}.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5,
                                                          "metadata": {}, "cells": {}}))
    _, reasons, excluded = cg.stage(course, "no_cells", expected)
    assert excluded == {NOTEBOOK}
    assert reasons[NOTEBOOK][0].startswith("not a valid notebook (")


def _duplicated(course):
    """The duplicated-cell submission, its answer cell F2a_answer duplicated too with another
    answer in the copy."""
    path = cg.submitted_dir(course, "p_duplicated_cell") / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    index = next(k for k, c in enumerate(nb.cells) if grade_id(c) == "F2a_answer")
    twin = copy.deepcopy(nb.cells[index])
    twin.id, twin.source = twin.id + "-copy", "z_2a = None   # the copy"
    nb.cells.insert(index + 1, twin)
    return nb


def test_staging_keeps_the_first_copy_of_a_duplicated_cell(course, expected, tmp_path):
    nb = _duplicated(course)
    folder = cg.submitted_dir(course, "two_copies")
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    root, reasons, _ = cg.stage(course, "two_copies", expected)
    assert reasons == {NOTEBOOK: ["graded cell F2a_answer duplicated (copy ignored)",
                                  "graded cell F2a duplicated (copy ignored)"]}
    staged = nbformat.read(root / "two_copies" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)
    assert len(staged.cells) == len(nb.cells)           # the copies stay, as ordinary cells
    ids = [grade_id(c) for c in staged.cells if grade_id(c)]
    assert len(ids) == len(set(ids))
    answer = next(c for c in staged.cells if grade_id(c) == "F2a_answer")
    assert answer.source != "z_2a = None   # the copy"
    copies = [c for c in staged.cells if c.id.endswith("-copy")]
    assert len(copies) == 2 and all("nbgrader" not in c.metadata for c in copies)
    # nbgrader's sanitizing steps then find nothing to deduplicate and accept the notebook
    nb, _ = DeduplicateIds().preprocess(staged, {})
    CheckCellMetadata().preprocess(nb, {})


def test_nbgraders_deduplicate_ids_is_not_enough(course):
    """Why staging does not leave duplicates to nbgrader's DeduplicateIds (class_grading's
    docstring): it keeps the last copy, and the `{}` it leaves in the others makes nbgrader's
    CheckCellMetadata (the next sanitizing step) refuse the notebook as an old format."""
    nb, _ = DeduplicateIds().preprocess(_duplicated(course), {})
    kept = [c for c in nb.cells if utils.is_solution(c) and grade_id(c) == "F2a_answer"]
    assert [c.source for c in kept] == ["z_2a = None   # the copy"]
    emptied = [c for c in nb.cells if c.metadata.get("nbgrader") == {}]
    assert len(emptied) == 2
    with pytest.raises(SchemaTooOldError):
        CheckCellMetadata().preprocess(nb, {})


# ---------------------------------------------------------------------------- the log classifier
def _log(name):
    return (LOGS / name).read_text()


@pytest.mark.parametrize("name,returncode,reason", [
    ("kernel_died.log", 1, "the kernel died (crash, os._exit or segfault)"),
    ("cell_timeout.log", 1, "a cell kept running after the cell timeout's interrupt"),
    ("duplicated_cell.log", 1, "nbgrader could not grade it: [AutogradeApp | ERROR] One or more "
                               "notebooks in the assignment use an old version"),
])
def test_a_failed_run_is_classified_from_its_log(name, returncode, reason):
    """Logs of real `nbgrader autograde` runs: a kernel killed by os._exit, a cell that swallows
    the timeout's interrupt, a duplicated graded cell that was not staged away."""
    assert cg.classify_run(_log(name), returncode) == (NOTEBOOK, reason)


def test_a_graded_run_is_not_a_failure():
    assert cg.classify_run(_log("graded.log"), 0) is None
    assert cg.classify_run(_log("graded.log"), 0, notebook="02_activations") is None


def test_a_run_that_removed_the_assignment_failed_whatever_its_status():
    log = _log("graded.log") + "[AutogradeApp | WARNING] Removing failed assignment: /srv/x\n"
    assert cg.classify_run(log, 0) == (NOTEBOOK, "nbgrader could not grade it")


def test_the_last_notebook_converted_is_the_one_that_failed():
    log = _log("graded.log").replace(NOTEBOOK, "02_activations") + _log("kernel_died.log")
    assert cg.classify_run(log, 1)[0] == NOTEBOOK
    assert cg.classify_run("nothing converted", 1, notebook="03_network_output")[0] == \
        "03_network_output"


def test_a_killed_run():
    killed = "still running after 30 s (the cell timeout could not stop it); killed"
    assert cg.classify_run(_log("graded.log"), -9, killed=killed, notebook="04_gradient_descent") \
        == ("04_gradient_descent", killed)
    assert cg.classify_run(_log("graded.log"), -9) == (NOTEBOOK, "nbgrader was killed by signal 9")
    assert cg.classify_run("", 2) == (None, "nbgrader could not grade it")


# ---------------------------------------------------------------------------- the rest, fast
def test_tree_hash_sees_contents_and_names(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "x.ipynb").write_text("{}")
    assert cg.tree_hash(a) == cg.tree_hash(b)
    (b / "sub" / "x.ipynb").write_text("{ }")
    assert cg.tree_hash(a) != cg.tree_hash(b)
    (b / "sub" / "x.ipynb").write_text("{}")
    (b / "sub" / "x.ipynb").rename(b / "sub" / "y.ipynb")
    assert cg.tree_hash(a) != cg.tree_hash(b)


def test_manifest_round_trip_and_students(tmp_path):
    assert cg.load_manifest(tmp_path) == {} and cg.students_of(tmp_path) == []
    cg.save_manifest(tmp_path, {"ada": {"status": "ok"}})
    assert cg.load_manifest(tmp_path) == {"ada": {"status": "ok"}}
    assert [p.name for p in (tmp_path / cg.WORK).iterdir()] == ["manifest.json"]
    for student in ("zoe", "ada"):
        cg.submitted_dir(tmp_path, student).mkdir(parents=True)
    (tmp_path / "submitted" / "other_assignment_only" / "hw1").mkdir(parents=True)
    assert cg.students_of(tmp_path) == ["ada", "zoe"]


def test_sqlite_path():
    assert cg.sqlite_path("sqlite:////srv/course/gradebook.db") == Path("/srv/course/gradebook.db")
    assert cg.sqlite_path("postgresql://db/course") is None


@pytest.mark.parametrize("statuses,exit_status", [
    ([], 0), (["ok", "ok"], 0), (["ok", "review"], 1), (["review", "failed", "ok"], 2)])
def test_exit_status_and_who_needs_a_look(statuses, exit_status):
    outcomes = {f"s{k}": {"status": status} for k, status in enumerate(statuses)}
    result = cg.Result(graded=list(outcomes), skipped=[], outcomes=outcomes)
    assert result.exit_status == exit_status
    assert result.needs_human == sorted(s for s, o in outcomes.items() if o["status"] != "ok")
