"""autograder.settings: the gradebook's URL, the cell time limit, the grading kernel and the tools'
environment: each from the course's nbgrader_config.py (nbgrader's own traitlets), its environment
variable overriding it, or its default.

Slow: a course whose nbgrader_config.py sets a cell time limit and a sandbox limit of its own,
graded under real `nbgrader autograde` and under `maths-of-dl grade-class` (whose workers load the
course's configuration themselves): the student's endless loop is stopped after the configured
seconds and the kernel has the configured open-file limit; MATHS_OF_DL_CELL_TIMEOUT overrides the
file's time limit under both."""
import os
import sys
from pathlib import Path

import nbformat
import pytest

from autograder import cli, settings
from autograder.assignment import LAB
from autograder.grading.marking import verdict_of
from autograder.submissions import write_submission


def test_the_gradebook_is_sqlite_in_the_course_folder_unless_a_url_is_given(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.DB_URL_VARIABLE, raising=False)
    assert settings.db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    monkeypatch.chdir(tmp_path)
    assert settings.db_url(".") == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"  # absolute
    monkeypatch.setenv("MATHS_OF_DL_DB_URL", "postgresql://tutor@db/maths")
    assert settings.db_url(tmp_path) == "postgresql://tutor@db/maths"
    monkeypatch.setenv("MATHS_OF_DL_DB_URL", "")
    assert settings.db_url(tmp_path).startswith("sqlite:///")                     # empty: unset


def test_a_cell_may_run_what_the_course_says_unless_the_environment_overrides_it(monkeypatch,
                                                                                   tmp_path):
    monkeypatch.delenv("MATHS_OF_DL_CELL_TIMEOUT", raising=False)
    assert settings.cell_timeout() == settings.CELL_TIMEOUT == 60
    assert settings.cell_timeout(settings.course_config(settings.REPO)) == 60   # the course's
    assert settings.cell_timeout(settings.course_config(tmp_path)) == 60        # no file at all
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = 7\n")
    assert settings.cell_timeout(settings.course_config(tmp_path)) == 7
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
    assert settings.cell_timeout() == 5
    assert settings.cell_timeout(settings.course_config(tmp_path)) == 5


def test_the_grading_kernel_is_the_courses_unless_the_environment_overrides_it(monkeypatch,
                                                                                tmp_path):
    monkeypatch.delenv("MATHS_OF_DL_GRADING_KERNEL", raising=False)
    assert settings.grading_kernel() == settings.GRADING_KERNEL == "maths-of-dl-grading"
    assert settings.grading_kernel(settings.course_config(settings.REPO)) == "maths-of-dl-grading"
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.kernel_name = 'k'\n")
    assert settings.grading_kernel(settings.course_config(tmp_path)) == "k"
    monkeypatch.setenv("MATHS_OF_DL_GRADING_KERNEL", "python3")
    assert settings.grading_kernel() == "python3"
    assert settings.grading_kernel(settings.course_config(tmp_path)) == "python3"


def test_the_environment_overrides_the_configured_execute(monkeypatch):
    from traitlets.config import Config

    from autograder.grading.kernels import Execute
    config = Config()
    config.Execute.timeout, config.Execute.kernel_name = 9, "configured"
    monkeypatch.delenv("MATHS_OF_DL_CELL_TIMEOUT", raising=False)
    monkeypatch.delenv("MATHS_OF_DL_GRADING_KERNEL", raising=False)
    execute = Execute(config=config)
    settings.override_from_environment(execute)
    assert (execute.timeout, execute.kernel_name) == (9, "configured")
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "4")
    monkeypatch.setenv("MATHS_OF_DL_GRADING_KERNEL", "python3")
    settings.override_from_environment(execute)
    assert (execute.timeout, execute.kernel_name) == (4, "python3")


def test_tools_run_with_this_pythons_scripts_first_on_the_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    env = settings.tool_env(EXTRA="1")
    assert env["PATH"] == os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin"])
    assert env["EXTRA"] == "1" and env["HOME"] == os.environ["HOME"]
    assert "EXTRA" not in os.environ


def test_the_course_names():
    """The course's key in resources and metadata keeps its value: notebooks graded already
    carry it (`metadata["maths_of_dl"]["grading"]`), and the class report reads it back."""
    assert (settings.COURSE_ID, settings.COURSE_KEY) == ("maths-of-dl", "maths_of_dl")
    assert not hasattr(settings, "ASSIGNMENT")     # the assignment is `assignment.LAB`, passed down
    assert (settings.REPO / "nbgrader_config.py").exists()


# ---------------------------------------------------------------------------- real grading
NOTEBOOK = "02_activations"
CONFIGURED = {"timeout": 5, "open_files": 77}     # the course's own, unlike the defaults
OVERRIDE = 3                                      # MATHS_OF_DL_CELL_TIMEOUT
LOOPING = ("import resource\n"
           "print('open files:', resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
           "while True:\n    pass\n"
           "sigmoid_2 = tanh_2 = relu_2 = softmax_2 = None\n")


def _course(root):
    course = cli.prepare(root)
    cli.release(course, LAB)
    with open(course / "nbgrader_config.py", "a") as f:
        f.write(f"\nc.Execute.timeout = {CONFIGURED['timeout']}\n"
                f"c.SandboxProvisioner.open_files = {CONFIGURED['open_files']}\n")
    write_submission(course, "looping", notebooks=[NOTEBOOK],
                     answers={NOTEBOOK: {"A2_answer": LOOPING}})
    return course


def _graded(course):
    """The A2 verdict and the text of every output of the student's autograded notebook."""
    nb = nbformat.read(course / "autograded" / "looping" / LAB.id
                       / f"{NOTEBOOK}.ipynb", 4)
    verdict = [verdict_of(c) for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "A2"][0]
    text = "".join(str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    return verdict, text


@pytest.fixture(scope="module", params=["autograde", "grade-class"])
def graded(request, tmp_path_factory):
    """{"configured": ..., "overridden": ...}: the course graded as its file says, then with
    MATHS_OF_DL_CELL_TIMEOUT set, by `nbgrader autograde` or by `grade-class`."""
    found = {}
    for run in ("configured", "overridden"):
        course = _course(tmp_path_factory.mktemp(f"settings-{request.param}-{run}") / "course")
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("MATHS_OF_DL_CELL_TIMEOUT", raising=False)
            if run == "overridden":
                patch.setenv("MATHS_OF_DL_CELL_TIMEOUT", str(OVERRIDE))
            if request.param == "autograde":
                assert cli.autograde(course, LAB) == 0
            else:
                assert cli.grade_class(course, LAB, workers=1, notebooks=[NOTEBOOK], quiet=True,
                                       notebook_timeout=120) == 1   # graded; its loop to look at
        found[run] = _graded(course)
    return found


@pytest.mark.slow
def test_the_courses_cell_time_limit_and_sandbox_limit_take_effect(graded):
    verdict, text = graded["configured"]
    assert f"was stopped after {CONFIGURED['timeout']} s" in verdict, verdict
    assert f"open files: {CONFIGURED['open_files']}" in text, text[-2000:]


@pytest.mark.slow
def test_the_environment_overrides_the_courses_cell_time_limit(graded):
    verdict, text = graded["overridden"]
    assert f"was stopped after {OVERRIDE} s" in verdict, verdict
    assert f"open files: {CONFIGURED['open_files']}" in text


def test_the_course_key_is_written_once():
    """`COURSE_KEY` is the one definition of the course's key in resources and metadata: no
    other module writes the word as a string but for what are other facts that share it today
    (the lab's assignment id, the documents' LaTeX template's folder)."""
    import ast
    others = {"autograder/settings.py": 1,       # COURSE_KEY itself
              "autograder/assignment.py": 1,     # LAB's nbgrader id
              "course/typesetting.py": 1}        # course/templates/maths_of_dl
    found = {}
    for folder in ("autograder", "course", "kernel/mdl_kernel", "scripts"):
        for path in sorted((settings.REPO / folder).rglob("*.py")):
            count = sum(isinstance(node, ast.Constant) and node.value == settings.COURSE_KEY
                        for node in ast.walk(ast.parse(path.read_text())))
            if count:
                found[str(path.relative_to(settings.REPO))] = count
    assert found == others
