"""autograder.settings: the gradebook's URL, the cell time limit, the grading kernel and the tools'
environment, each from its environment variable or its default."""
import os
import sys
from pathlib import Path

from autograder import settings


def test_the_gradebook_is_sqlite_in_the_course_folder_unless_a_url_is_given(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.DB_URL_VARIABLE, raising=False)
    assert settings.db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    monkeypatch.chdir(tmp_path)
    assert settings.db_url(".") == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"  # absolute
    monkeypatch.setenv("MATHS_OF_DL_DB_URL", "postgresql://tutor@db/maths")
    assert settings.db_url(tmp_path) == "postgresql://tutor@db/maths"
    monkeypatch.setenv("MATHS_OF_DL_DB_URL", "")
    assert settings.db_url(tmp_path).startswith("sqlite:///")                     # empty: unset


def test_a_cell_may_run_a_minute_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("MATHS_OF_DL_CELL_TIMEOUT", raising=False)
    assert settings.cell_timeout() == 60
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "5")
    assert settings.cell_timeout() == 5


def test_the_grading_kernel(monkeypatch):
    monkeypatch.delenv("MATHS_OF_DL_GRADING_KERNEL", raising=False)
    assert settings.grading_kernel() == settings.GRADING_KERNEL == "maths-of-dl-grading"
    monkeypatch.setenv("MATHS_OF_DL_GRADING_KERNEL", "python3")
    assert settings.grading_kernel() == "python3"


def test_tools_run_with_this_pythons_scripts_first_on_the_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin")
    env = settings.tool_env(EXTRA="1")
    assert env["PATH"] == os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin"])
    assert env["EXTRA"] == "1" and env["HOME"] == os.environ["HOME"]
    assert "EXTRA" not in os.environ


def test_the_course_names():
    assert (settings.COURSE_ID, settings.ASSIGNMENT) == ("maths-of-dl", "maths_of_dl")
    assert (settings.REPO / "nbgrader_config.py").exists()
