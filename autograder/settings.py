"""The course's settings, in one place: names, the gradebook, time limits, the grading kernel and
the environment of the nbgrader processes the tools start.

Environment variables:
    MATHS_OF_DL_DB_URL          gradebook URL (default: SQLite gradebook.db in the course folder)
    MATHS_OF_DL_CELL_TIMEOUT    seconds one cell may run during autograding (default 60)
    MATHS_OF_DL_GRADING_KERNEL  the kernel spec that grading runs notebooks in
                                (default maths-of-dl-grading, installed by scripts/setup.sh)
"""
import os
import sys
from pathlib import Path

COURSE_ID = "maths-of-dl"
#: the instructor's default assignment (course/ builds it); the tutor side reads no assignment
#: from here: each tool takes an `assignment.Assignment` from nbgrader's resources or the
#: command line
ASSIGNMENT = "maths_of_dl"
REPO = Path(__file__).resolve().parent.parent
GRADING_KERNEL = "maths-of-dl-grading"
DB_URL_VARIABLE = "MATHS_OF_DL_DB_URL"


def db_url(course):
    """The gradebook's URL: MATHS_OF_DL_DB_URL, else SQLite gradebook.db in the course folder."""
    return os.environ.get(DB_URL_VARIABLE) or \
        f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def cell_timeout():
    """Seconds one cell may run: the 5000-step trainings of notebook 05 take about 3 s; a minute
    leaves room for slow student code while a cell that loops forever is interrupted."""
    return int(os.environ.get("MATHS_OF_DL_CELL_TIMEOUT", "60"))


def grading_kernel():
    return os.environ.get("MATHS_OF_DL_GRADING_KERNEL", GRADING_KERNEL)


def tool_env(**extra):
    """The environment for nbgrader subprocesses: this Python's scripts folder first on PATH
    (nbgrader runs `alembic` from PATH), plus `extra` variables."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, **extra)


def tools_on_path():
    """Put this Python's scripts folder first on this process's PATH (nbgrader's Gradebook runs
    `alembic` from PATH when it makes a new gradebook), as `tool_env` does for subprocesses."""
    folder = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != folder:
        os.environ["PATH"] = tool_env()["PATH"]
