"""The course's settings, in one place: names, the gradebook, time limits, the grading kernel and
the environment of the nbgrader processes the tools start.

The cell time limit and the grading kernel are nbgrader's own settings, set in the course's
nbgrader_config.py (`c.Execute.timeout`, `c.Execute.kernel_name`) like the rest of nbgrader;
the sandbox's limits too (`c.SandboxProvisioner...`, `grading.sandbox.policy`).  The class tool
reads them from the same file (`course_config`).  An environment variable overrides its setting,
wherever the grading runs (`kernels.Execute` applies it in nbgrader's process):
    MATHS_OF_DL_DB_URL          gradebook URL (default: SQLite gradebook.db in the course folder)
    MATHS_OF_DL_CELL_TIMEOUT    seconds one cell may run during autograding (c.Execute.timeout;
                                default 60)
    MATHS_OF_DL_GRADING_KERNEL  the kernel spec that grading runs notebooks in
                                (c.Execute.kernel_name; default maths-of-dl-grading, installed by
                                scripts/setup.sh)
"""
import os
import sys
from pathlib import Path

COURSE_ID = "maths-of-dl"
#: The course's own key in nbgrader's `resources` and in a notebook's metadata
#: (`metadata[COURSE_KEY]["grading"]`, `["intake"]`; `resources[COURSE_KEY]["test_inputs"]`, ...).
#: Not an assignment's id (the lab's, `assignment.LAB.id`, happens to be the same word).  Its value
#: never changes: notebooks graded already carry it.
COURSE_KEY = "maths_of_dl"
REPO = Path(__file__).resolve().parent.parent
GRADING_KERNEL = "maths-of-dl-grading"
CELL_TIMEOUT = 60
DB_URL_VARIABLE = "MATHS_OF_DL_DB_URL"
# nbgrader's stubs in the release's answer cells (nbgrader_config.py sets them; the documents
# leave them out of every sheet, course/sheets.py)
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"

CELL_TIMEOUT_VARIABLE = "MATHS_OF_DL_CELL_TIMEOUT"
GRADING_KERNEL_VARIABLE = "MATHS_OF_DL_GRADING_KERNEL"


def db_url(course):
    """The gradebook's URL: MATHS_OF_DL_DB_URL, else SQLite gradebook.db in the course folder."""
    return os.environ.get(DB_URL_VARIABLE) or \
        f"sqlite:///{Path(course).resolve() / 'gradebook.db'}"


def course_config(course):
    """The course's nbgrader configuration: its folder's nbgrader_config.py, as nbgrader reads it
    (an empty configuration when it has none)."""
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader
    try:
        return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    except ConfigFileNotFound:
        return Config()


def _setting(config, section, name):
    return config[section].get(name) if config is not None and section in config else None


def cell_timeout(config=None):
    """Seconds one cell may run: MATHS_OF_DL_CELL_TIMEOUT, else `c.Execute.timeout` of `config`
    (the course's nbgrader_config.py sets a minute: the 5000-step trainings of notebook 05 take
    about 3 s, which leaves room for slow student code while a cell that loops forever is
    interrupted), else CELL_TIMEOUT."""
    return int(os.environ.get(CELL_TIMEOUT_VARIABLE) or _setting(config, "Execute", "timeout")
               or CELL_TIMEOUT)


def grading_kernel(config=None):
    """The kernel spec grading runs notebooks in: MATHS_OF_DL_GRADING_KERNEL, else
    `c.Execute.kernel_name` of `config`, else GRADING_KERNEL."""
    return os.environ.get(GRADING_KERNEL_VARIABLE) or \
        _setting(config, "Execute", "kernel_name") or GRADING_KERNEL


def override_from_environment(execute):
    """Apply the environment's overrides to nbgrader's Execute preprocessor `execute`, configured
    from nbgrader_config.py: MATHS_OF_DL_CELL_TIMEOUT its `timeout`, MATHS_OF_DL_GRADING_KERNEL its
    `kernel_name`."""
    if os.environ.get(CELL_TIMEOUT_VARIABLE):
        execute.timeout = int(os.environ[CELL_TIMEOUT_VARIABLE])
    if os.environ.get(GRADING_KERNEL_VARIABLE):
        execute.kernel_name = os.environ[GRADING_KERNEL_VARIABLE]


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
