"""autograder.grading.student: one student graded on a worker, and what comes back.

Fast: the classifier of grading logs (logs of real `nbgrader autograde` runs, kept in
tests/data/nbgrader_logs/), the limits' environment.

Slow (real warm grader, real nbgrader, real sandboxed kernels): a correct student graded with
its feedback and scores and no reason; a notebook that outlives its wall-clock limit killed with
everything it started, and the student graded again without it; the warm grader's process
forks each student from the same warm parent.
"""
import json
import os
from pathlib import Path

import nbformat
import psutil
import pytest

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.grading.student import (CourseFiles, Limits, WarmServer, classify_run,
                                        grade_student, kill_family)
from autograder.staging import release_cells, stage
from autograder.submissions import write_submission
from autograder.settings import COURSE_KEY

NOTEBOOK = "01_forward_pass"
LOGS = Path(__file__).resolve().parent / "data" / "nbgrader_logs"


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
    assert classify_run(_log(name), returncode) == (NOTEBOOK, reason)


def test_a_graded_run_is_not_a_failure():
    assert classify_run(_log("graded.log"), 0) is None
    assert classify_run(_log("graded.log"), 0, notebook="02_activations") is None


def test_a_run_that_removed_the_assignment_failed_whatever_its_status():
    log = _log("graded.log") + "[AutogradeApp | WARNING] Removing failed assignment: /srv/x\n"
    assert classify_run(log, 0) == (NOTEBOOK, "nbgrader could not grade it")


def test_the_last_notebook_converted_is_the_one_that_failed():
    log = _log("graded.log").replace(NOTEBOOK, "02_activations") + _log("kernel_died.log")
    assert classify_run(log, 1)[0] == NOTEBOOK
    assert classify_run("nothing converted", 1, notebook="03_network_output")[0] == \
        "03_network_output"


def test_a_killed_run():
    killed = "still running after 30 s (the cell timeout could not stop it); killed"
    assert classify_run(_log("graded.log"), -9, killed=killed, notebook="04_gradient_descent") \
        == ("04_gradient_descent", killed)
    assert classify_run(_log("graded.log"), -9) == (NOTEBOOK, "nbgrader was killed by signal 9")
    assert classify_run("", 2) == (None, "nbgrader could not grade it")


def test_the_limits_reach_the_child_as_its_environment():
    env = Limits(cell_timeout=7, unsandboxed=True, kernel="other-kernel", fork_kernels=False,
                 speedups=False).env()
    assert env == {"MATHS_OF_DL_CELL_TIMEOUT": "7", "MATHS_OF_DL_UNSANDBOXED": "1",
                   "MATHS_OF_DL_GRADING_KERNEL": "other-kernel", "MATHS_OF_DL_FORK_KERNELS": "0",
                   "MATHS_OF_DL_SPEEDUPS": "0"}
    assert Limits().env()["MATHS_OF_DL_UNSANDBOXED"] == "0"
    assert "MATHS_OF_DL_FORK_KERNELS" not in Limits().env()       # the course's setting
    assert Limits(fork_kernels=True).env()["MATHS_OF_DL_FORK_KERNELS"] == "1"
    assert Limits().env()["MATHS_OF_DL_SPEEDUPS"] == "1"
    assert "MATHS_OF_DL_GRADING_KERNEL" not in Limits().env()


def test_kill_family_kills_a_process_and_what_it_started(tmp_path):
    import subprocess
    import sys
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', " \
             "'import time; time.sleep(60)'], start_new_session=True); print('started', flush=True); " \
             "time.sleep(60)"
    parent = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline() == "started\n"    # the child exists: Popen returned after its exec
    children = psutil.Process(parent.pid).children(recursive=True)
    assert len(children) == 1
    kill_family(parent.pid)
    parent.wait(timeout=120)                            # the kill's events, waited for
    psutil.wait_procs(children, timeout=120)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)


# ---------------------------------------------------------------------------- graded for real
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("student"))
    cli.release(course, LAB)
    expected = {NOTEBOOK: release_cells(course, LAB)[NOTEBOOK]}
    files = CourseFiles.of_course(course, LAB, (NOTEBOOK,))
    return course, expected, files


def _points():
    return sum(e.points for e in in_notebook(NOTEBOOK))


@pytest.mark.slow
def test_a_correct_student_comes_back_graded_with_feedback(course):
    course, expected, files = course
    write_submission(course, "ada", notebooks=[NOTEBOOK])
    graded = grade_student(stage(course, LAB, "ada", expected), files, Limits(cell_timeout=20))
    assert (graded.student, graded.reasons, graded.excluded, graded.failure) == \
        ("ada", {}, set(), "")
    assert graded.attempts == 1
    notebook = graded.scores["notebooks"][NOTEBOOK]
    autograded = {name: g[0] for name, g in notebook["grades"].items() if name in CATALOGUE}
    assert autograded == {e.id: float(e.points) for e in in_notebook(NOTEBOOK)}
    assert sum(autograded.values()) == _points()
    nb = nbformat.reads(graded.autograded[f"{NOTEBOOK}.ipynb"].decode(), as_version=4)
    assert nb.metadata[COURSE_KEY]["grading"]["points"] == _points()
    page = graded.feedback[f"{NOTEBOOK}.html"].decode()
    assert "F1a" in page and "BEGIN HIDDEN TESTS" not in page


# each cell 20 s, printing what nbgrader prints as a notebook starts, to its standard error and
# to every file it holds open (a log inherited from the grading process, say)
SLOW_CELLS = (
    "import os, stat, sys, time\n"
    "line = ('[AutogradeApp | INFO] Converting notebook /c/submitted/slow/maths_of_dl/'\n"
    "        '01_forward_pass.ipynb\\n')\n"
    "for _ in range(40):\n"
    "    for fd in map(int, os.listdir('/proc/self/fd')):\n"
    "        try:\n"
    "            if stat.S_ISREG(os.fstat(fd).st_mode):\n"
    "                os.write(fd, line.encode())\n"
    "        except OSError:\n"
    "            pass\n"
    "    print(line, file=sys.stderr, flush=True)\n"
    "    time.sleep(0.5)\n")


def _scratch_copies_holding(marker, *folders):
    """Scratch copies of a student's files (mdl-sandbox-*) below `folders` that hold `marker`.
    Other gradings on the machine (another test run) make and remove their own scratch folders
    meanwhile: a folder or file that goes while it is read is not this student's."""
    found = []
    for folder in folders:
        for where, _, names in os.walk(folder):      # os.walk passes over what vanishes
            if "mdl-sandbox-" not in where:
                continue
            for name in names:
                path = Path(where) / name
                try:
                    if name.endswith(".ipynb") and marker in path.read_text(errors="replace"):
                        found.append(path)
                except OSError:
                    continue
    return found


@pytest.mark.slow
def test_a_notebook_past_its_wall_clock_limit_is_killed_and_left_out(course, tmp_path,
                                                                     monkeypatch):
    """Each cell ends within the cell timeout, the notebook does not: it is killed with its
    kernel, and the student is graded again without it (0 points, with the reason).  What its
    kernel prints (nbgrader's own "Converting notebook" line, to its standard error and every file
    it holds) does not move the clock, and no scratch copy of the student's files is left."""
    import tempfile
    import uuid
    course, _, files = course
    other = "02_activations"
    expected = {name: cells for name, cells in release_cells(course, LAB).items()
                if name in (NOTEBOOK, other)}
    files = CourseFiles(files.config, files.template, (NOTEBOOK, other), LAB.id)   # same course
    folder = write_submission(course, "slow", notebooks=[NOTEBOOK, other])
    nb = nbformat.read(folder / f"{NOTEBOOK}.ipynb", as_version=4)
    marker = f"# student's marker {uuid.uuid4().hex}"
    nb.cells[1:1] = [nbformat.v4.new_code_cell(SLOW_CELLS + marker) for _ in range(3)]
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    system_tmp = tempfile.gettempdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))   # where the grading's folder goes
    graded = grade_student(stage(course, LAB, "slow", expected), files,
                           Limits(cell_timeout=25, notebook_timeout=8))
    assert graded.excluded == {NOTEBOOK}
    assert graded.reasons == {NOTEBOOK: [
        "still running after 8 s (the cell timeout could not stop it); killed"]}
    assert graded.attempts == 2 and sorted(graded.autograded) == [f"{other}.ipynb"]
    points = {name: g[0] for name, g in graded.scores["notebooks"][other]["grades"].items()
              if name in CATALOGUE}
    assert points == {e.id: float(e.points) for e in in_notebook(other)}
    left = [p for p in psutil.process_iter(["cmdline"])      # its kernels, their bubblewrap
            if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    assert left == []
    assert _scratch_copies_holding(marker, system_tmp, tmp_path) == []


@pytest.mark.slow
def test_the_warm_grader_forks_every_student_from_one_warm_process(course, tmp_path):
    """Two students at once (two worker threads), then one more: one warm process forks them all."""
    from concurrent.futures import ThreadPoolExecutor
    course, expected, files = course
    write_submission(course, "bob", notebooks=[NOTEBOOK], blank=True)
    server = WarmServer()

    def grade(attempt):
        folder = tmp_path / f"course{attempt}"
        target = folder / "submitted" / "bob" / "maths_of_dl"
        target.mkdir(parents=True)
        (folder / "nbgrader_config.py").write_text(files.config)
        (folder / "gradebook.db").write_bytes(files.gradebook())
        for name, data in stage(course, LAB, "bob", expected).files.items():
            (target / name).write_bytes(data)
        answer = server.run(folder, LAB.id, "bob", folder / "log", Limits())
        return answer, server.proc.pid, folder

    try:
        with ThreadPoolExecutor(2) as pool:
            runs = list(pool.map(grade, range(2)))
        runs.append(grade(2))
        for answer, _, folder in runs:
            assert answer == (0, None, NOTEBOOK)
            result = json.loads((folder / "result.json").read_text())["scores"]
            assert result["notebooks"][NOTEBOOK]["grades"]   # graded: every cell has a row
            log = (folder / "log").read_text()
            assert "Autograde took" in log and "GenerateFeedback took" in log
        assert len({pid for _, pid, _ in runs}) == 1 and server.proc.poll() is None
    finally:
        server.close()
    assert server.proc is None


def test_a_warm_grader_that_cannot_start_says_why(monkeypatch):
    """A worker without the grader's environment: the Python the project's environment was made
    from, which has neither nbgrader nor the grader installed."""
    import sys
    monkeypatch.setattr("sys.executable", str(Path(sys.base_prefix) / "bin" / "python3"))
    server = WarmServer()
    with pytest.raises(RuntimeError, match="did not start on this worker.*No module named"):
        server.run("/nonexistent", LAB.id, "ada", "/nonexistent/log", Limits())
    assert server.proc is None


@pytest.mark.slow
def test_a_flood_of_output_comes_back_capped(course):
    """A 20 MB line and a 20 MB HTML display in one answer, graded on the class path: the
    autograded notebook and the feedback page come back small, saying what was left out."""
    course, expected, files = course
    answers = {NOTEBOOK: {"F1a_answer": (
        "from IPython.display import HTML, display\n"
        "print('x' * (20 << 20))\n"
        "display(HTML('<p>' + 'y' * (20 << 20) + '</p>'))\n"
        "z_1a = X_1a @ w_1a + b_1a\n")}}
    write_submission(course, "flood", answers=answers, notebooks=[NOTEBOOK])
    graded = grade_student(stage(course, LAB, "flood", expected), files, Limits(cell_timeout=60))
    for data in (graded.autograded[f"{NOTEBOOK}.ipynb"], graded.feedback[f"{NOTEBOOK}.html"]):
        assert len(data) < 3 << 20 and b"[output truncated" in data
    grades = graded.scores["notebooks"][NOTEBOOK]["grades"]
    assert grades["F1a"][0] == CATALOGUE["F1a"].points
