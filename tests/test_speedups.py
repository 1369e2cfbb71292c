"""autograder.grading.speedups: the warm grader's shortcuts change no score and no page, and reach
nothing outside the grading they are applied to.

The scoping tests use real nbgrader gradebooks on real SQLite files and real jsonschema; the
equality test grades the same students with the warm grader twice, with the shortcuts and
without (`Limits(speedups=False)`), through real nbgrader and real sandboxed kernels (slow).
"""
import json
import os
import sys

import jsonschema
import nbformat
import pytest
import sqlalchemy
from nbgrader.api import Gradebook
from nbgrader.nbgraderformat import MetadataValidator, common

from autograder.assignment import LAB
from autograder.grading import speedups
from autograder.settings import COURSE_KEY

FULL = 2      # SQLite's PRAGMA synchronous, as it is by default (FULL)


@pytest.fixture(autouse=True)
def alembic_on_the_path(monkeypatch):
    """nbgrader runs the `alembic` command when it makes a new gradebook."""
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def synchronous(engine):
    with engine.connect() as connection:
        return connection.exec_driver_sql("PRAGMA synchronous").scalar()


def test_the_private_gradebook_shares_one_engine_that_skips_the_sync(tmp_path):
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with speedups.applied(url):
        with Gradebook(url) as first:
            engine = first.engine
            assert synchronous(engine) == 0
        with Gradebook(url) as second:       # after the first closed (and disposed) it
            assert second.engine is engine
            assert synchronous(second.engine) == 0
            second.add_student("ada")
    with Gradebook(url) as after:             # the data is there, in nbgrader's own engine
        assert after.find_student("ada").id == "ada"
        assert after.engine is not engine
        assert synchronous(after.engine) == FULL


def test_other_gradebooks_and_engines_are_not_affected(tmp_path):
    """Inside the grading, a gradebook at another URL and an engine made by anyone else are
    made as nbgrader and SQLAlchemy make them; after it, the grading's own URL too."""
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    other = f"sqlite:///{tmp_path / 'other.db'}"
    with speedups.applied(url):
        with Gradebook(other) as gb, Gradebook(other) as again:
            assert gb.engine is not again.engine
            assert synchronous(gb.engine) == FULL
        assert synchronous(sqlalchemy.create_engine(url)) == FULL
        assert synchronous(sqlalchemy.create_engine(other)) == FULL
    with Gradebook(url) as gb, Gradebook(url) as again:
        assert gb.engine is not again.engine
        assert synchronous(gb.engine) == FULL


def test_the_warm_up_hooks_no_engine_of_the_process(tmp_path):
    """A warm grader's warm-up leaves every engine of its process as SQLAlchemy makes it."""
    from autograder.grading import warm
    warm.warm_up()
    assert synchronous(sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'any.db'}")) == FULL
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        assert synchronous(gb.engine) == FULL
    assert jsonschema.validate is _jsonschema_validate


_jsonschema_validate = jsonschema.validate


class CountingValidator:
    """A validator class (jsonschema's `cls`) that counts how often its schema is checked."""
    checks = 0

    def __init__(self, schema, *args, **kwargs):
        self.validator = jsonschema.Draft7Validator(schema, *args, **kwargs)

    @classmethod
    def check_schema(cls, schema, *args, **kwargs):
        CountingValidator.checks += 1
        return jsonschema.Draft7Validator.check_schema(schema, *args, **kwargs)

    def iter_errors(self, instance):
        return self.validator.iter_errors(instance)


def test_only_nbgraders_metadata_validator_checks_each_schema_once(tmp_path):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    CountingValidator.checks = 0
    with speedups.applied(f"sqlite:///{tmp_path / 'gradebook.db'}"):
        assert jsonschema.validate is _jsonschema_validate
        for _ in range(3):                  # another caller: checked every time, as jsonschema does
            jsonschema.validate({"n": 1}, schema, cls=CountingValidator)
        assert CountingValidator.checks == 3
        assert common.jsonschema.validate is speedups.validate
        for _ in range(3):                  # nbgrader's validator: checked once
            common.jsonschema.validate({"n": 1}, schema, cls=CountingValidator)
        assert CountingValidator.checks == 4
    assert common.jsonschema is jsonschema


def test_nbgraders_checks_raise_the_same_errors():
    """A cell whose metadata breaks nbgrader's schema raises the error jsonschema raises."""
    validator = MetadataValidator()
    cell = nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {
        "schema_version": validator.schema_version, "grade": "yes", "solution": False,
        "locked": False, "grade_id": "a", "points": 1, "task": False}})
    with pytest.raises(jsonschema.ValidationError) as plain:
        validator.validate_cell(cell)
    with speedups.applied("sqlite:///:memory:"):
        with pytest.raises(jsonschema.ValidationError) as kept:
            validator.validate_cell(cell)
    assert str(kept.value) == str(plain.value)
    bad_schema = {"type": 12}
    for validate in (jsonschema.validate, speedups.validate):
        with pytest.raises(jsonschema.SchemaError):
            validate({}, bad_schema)


def test_the_exports_check_the_schema_once_unless_turned_off(monkeypatch):
    """nbconvert's exporters, configured by `configured`, check the notebook once (after the
    last preprocessor) instead of after each; off, as nbconvert does by default."""
    from nbconvert.exporters import NotebookExporter
    from nbconvert.preprocessors import Preprocessor
    from traitlets.config import Config

    checked = []

    class Unchanged(Preprocessor):
        def preprocess_cell(self, cell, resources, index):
            return cell, resources

    class Counted(NotebookExporter):
        def _validate_preprocessor(self, nbc, preprocessor):
            checked.append(preprocessor)
            super()._validate_preprocessor(nbc, preprocessor)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    counts = {}
    for state in ("1", "0"):
        monkeypatch.setenv(speedups.VARIABLE, state)
        exporter = Counted(config=speedups.configured(Config()))
        for _ in range(4):
            exporter.register_preprocessor(Unchanged(enabled=True))
        checked.clear()
        counts[state] = (exporter.from_notebook_node(nb)[0], len(checked),
                         len(exporter._preprocessors))
    assert counts["1"][1] == 1 and counts["0"][1] == counts["0"][2] > 4
    assert counts["1"][0] == counts["0"][0]


def test_turned_off_nothing_is_changed(tmp_path, monkeypatch):
    monkeypatch.setenv(speedups.VARIABLE, "0")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with speedups.applied(url):
        assert common.jsonschema is jsonschema
        with Gradebook(url) as gb:
            assert synchronous(gb.engine) == FULL


def test_the_warm_up_is_left_out_of_the_collector_and_given_back_when_off(tmp_path):
    """`prepare` (the warm grader, before any child is forked) freezes what exists; a child whose
    shortcuts are off unfreezes it before grading.  In a process of its own: freezing is for
    the life of a process."""
    import subprocess
    probe = (
        "import gc, os, sys\n"
        "from autograder.grading import speedups\n"
        "speedups.prepare()\n"
        "frozen = gc.get_freeze_count()\n"
        "with speedups.applied(sys.argv[1]):\n"
        "    inside = gc.get_freeze_count()\n"
        "print(frozen, inside, speedups.kernel_flags())\n")
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    seen = {}
    for state in ("1", "0"):
        env = dict(os.environ, **{speedups.VARIABLE: state})
        out = subprocess.run([sys.executable, "-c", probe, url], env=env, capture_output=True,
                             text=True, check=True).stdout.split(maxsplit=2)
        seen[state] = (int(out[0]), int(out[1]), out[2].strip())
    assert seen["1"][0] > 10000 and seen["1"][1] == seen["1"][0] and seen["1"][2] == "[]"
    assert seen["0"][0] > 10000 and seen["0"][1] == 0
    assert seen["0"][2] == repr([speedups.KERNELS_COLLECT_ALL])


def test_the_releases_pieces_are_rendered_once_unless_turned_off(tmp_path, monkeypatch):
    """After `remember_release` (the warm grader, before it forks the next students), a page of
    the release renders none of its Markdown cells and highlights none of its code again, and
    is the same page as one rendered with the shortcuts off, which renders them all.  A cell
    not in the release (a student's answer) is rendered."""
    from nbconvert.filters import highlight, markdown_mistune

    from autograder.feedback import FeedbackExporter
    from autograder.settings import REPO
    texts = [p.read_text() for p in sorted((REPO / "release" / LAB.id).glob("*.ipynb"))]
    (tmp_path / speedups.RELEASE_FILE).write_text(json.dumps(texts))
    calls = {"markdown": 0, "highlight": 0}
    render, pygments = markdown_mistune.MarkdownWithMath.render, highlight._pygments_highlight

    def counted(kind, function):
        def call(*args, **kwargs):
            calls[kind] += 1
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(markdown_mistune.MarkdownWithMath, "render",
                        counted("markdown", render))
    monkeypatch.setattr(highlight, "_pygments_highlight", counted("highlight", pygments))
    monkeypatch.setattr(speedups, "_remembered", {})
    page = nbformat.reads(texts[0], as_version=4)
    page.cells.append(nbformat.v4.new_code_cell("answer = 42  # a student's own"))
    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    seen = {}
    for state in ("0", "1"):
        monkeypatch.setenv(speedups.VARIABLE, state)
        speedups.remember_release(tmp_path / speedups.RELEASE_FILE)
        primed = dict(calls)
        with speedups.applied(url):
            html, _ = FeedbackExporter().from_notebook_node(page)
        seen[state] = html, {k: calls[k] - primed[k] for k in calls}
    assert seen["1"][0] == seen["0"][0]
    assert seen["0"][1]["markdown"] > 5 and seen["0"][1]["highlight"] > 5
    assert seen["1"][1] == {"markdown": 0, "highlight": 1}     # the student's cell only


# ------------------------------------------------------------------ the same grading
def _normalised(files):
    """The autograded notebooks ({path: bytes}) as JSON, less what differs between any two
    gradings: the time of the grading in the metadata, each cell's execution timestamps
    (nbclient's `metadata.execution`); a run of stream outputs of one name is
    joined (on a loaded machine ipykernel's flush of a print can time out, and the rest of the
    text then arrives as a second stream message)."""
    found = {}
    for name, data in files.items():
        if not name.endswith(".ipynb"):
            found[name] = data
            continue
        nb = json.loads(data)
        nb["metadata"].get(COURSE_KEY, {}).get("grading", {}).pop("time", None)
        for cell in nb["cells"]:
            cell["metadata"].pop("execution", None)
            joined = []
            for output in cell.get("outputs", []):
                if joined and output.get("output_type") == "stream" and \
                        joined[-1].get("output_type") == "stream" and \
                        joined[-1].get("name") == output.get("name"):
                    joined[-1]["text"] = "".join(joined[-1]["text"]) + "".join(output["text"])
                else:
                    joined.append(output)
            if "outputs" in cell:
                cell["outputs"] = joined
        found[name] = nb
    return found


@pytest.mark.slow
def test_the_shortcuts_change_no_score_and_no_page(tmp_path):
    """Students with correct work, other correct forms and typical mistakes (named mistakes,
    slips, follow-through, symbolic answers right and wrong), graded by the warm grader with the
    shortcuts and without: the same scores, the same autograded notebooks and the same feedback
    pages, byte for byte."""
    from autograder import cli
    from autograder.grading.student import CourseFiles, Limits, grade_student, warm_server
    from autograder.sample_class import FORMS, MISTAKES
    from autograder.staging import release_cells, stage
    from autograder.submissions import write_submission
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)
    work = {"ada": None, "dan": FORMS, "cara": MISTAKES}
    for student, answers in work.items():
        write_submission(course, student, answers=answers)
    expected = release_cells(course, LAB)
    files = CourseFiles.of_course(course, LAB, expected)
    try:
        for student in work:
            submission = stage(course, LAB, student, expected)
            fast, plain = (grade_student(submission, files, Limits(cell_timeout=300,
                                                                   notebook_timeout=1800,
                                                                   speedups=s))
                           for s in (True, False))
            assert fast.scores and fast.scores == plain.scores, student
            assert len(fast.autograded) >= 5 and len(fast.feedback) == 5, student
            assert _normalised(fast.autograded) == _normalised(plain.autograded), student
            assert fast.feedback == plain.feedback, student
            assert (fast.reasons, fast.excluded) == (plain.reasons, plain.excluded), student
    finally:
        warm_server().close()
