"""autograder.cluster: a class graded on Dask workers, on one machine or several.

Slow, all real: a Dask scheduler and two `dask worker` processes started from the command line,
each in an empty folder of its own (two machines with no shared folder), grade a class through
`maths-of-dl grade-class --scheduler ADDRESS` into a PostgreSQL 15 gradebook (tests/postgres.py);
and a LocalCluster whose worker is killed while it grades a student: the student is graded
again once, and reported when its worker dies a second time, while the rest of the class is
graded.
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dask
import nbformat
import pytest
from distributed import Client, LocalCluster
from nbgrader.api import Gradebook

from autograder.assignment import LAB
from autograder import cli
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.class_grading import grade_class, load_record
from autograder.cluster import ALLOWED_FAILURES, capacity, connect, default_workers
from autograder.submissions import write_submission

from postgres import server
from waiting import free_port

NOTEBOOK = "01_forward_pass"
BIN = Path(sys.executable).parent


def autograded_points(notebook):
    return sum(e.points for e in in_notebook(notebook))


def autograded_scores(url, student):
    """{notebook: autograded points} of a student in the gradebook at `url`."""
    with Gradebook(url) as gb:
        sub = gb.find_submission(LAB.id, student)
        return {nb.name: sum(g.auto_score or 0 for g in nb.grades if g.name in CATALOGUE)
                for nb in sub.notebooks}


def test_the_local_cluster_has_a_slot_per_worker():
    client, cluster = connect(workers=3)
    try:
        assert capacity(client) == 3
        assert client.run_on_scheduler(
            lambda dask_scheduler: dask_scheduler.allowed_failures) == ALLOWED_FAILURES
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
        assert [c for names in callbacks.values() for c in names if "profile" in c] == []
        assert all(callbacks.values())                 # its other rounds (heartbeat...) run
    finally:
        client.close()
        cluster.close()
    assert default_workers() == 2 * (os.cpu_count() or 1) + 1


@pytest.mark.slow
def test_two_workers_without_a_shared_folder_grade_into_postgresql(tmp_path):
    with server(tmp_path / "pg") as url:
        course = cli.prepare(tmp_path / "course")
        env = cli.tool_env(MATHS_OF_DL_DB_URL=url, MATHS_OF_DL_CELL_TIMEOUT="30")
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB.id,
                        "--force"], cwd=course, env=env, check=True, capture_output=True)
        for student in ("ada", "alan"):
            write_submission(course, student)
        write_submission(course, "blank", blank=True)
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        machine_env = {k: v for k, v in cli.tool_env().items() if not k.startswith("MATHS_OF_DL")}
        processes = []
        try:
            (tmp_path / "scheduler").mkdir()
            processes.append(subprocess.Popen(
                [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--no-dashboard"], cwd=tmp_path / "scheduler", env=machine_env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for name in ("machine1", "machine2"):
                folder = tmp_path / name
                folder.mkdir()
                processes.append(subprocess.Popen(
                    [BIN / "dask", "worker", address, "--nthreads", "1", "--no-dashboard",
                     "--local-directory", str(folder)], cwd=folder, env=machine_env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            with Client(address, timeout=60) as client:
                client.wait_for_workers(2, timeout=60)
            done = subprocess.run([BIN / "maths-of-dl", "grade-class", "--course", str(course),
                                   "--scheduler", address, "--quiet"], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=900)
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        assert done.returncode == 1, done.stdout + done.stderr     # the blank one: a look
        full = {nb: float(autograded_points(nb)) for nb in
                sorted({e.notebook for e in CATALOGUE.values()})}
        for student in ("ada", "alan"):
            assert autograded_scores(url, student) == full, student
        assert set(autograded_scores(url, "blank").values()) == {0.0}
        assert not (course / "gradebook.db").exists()     # the server holds the gradebook
    manifest = load_record(course, LAB)
    assert {manifest[s]["status"] for s in ("ada", "alan")} == {"ok"}
    assert manifest["blank"]["status"] == "review"         # no autograded point at all
    assert manifest["blank"]["reasons"]["*"][0].startswith("no autograded points at all")
    assert len({manifest[s]["worker"] for s in manifest}) == 2      # both machines graded
    for student in ("ada", "alan", "blank"):
        assert len(list((course / "feedback" / student / LAB.id).glob("*.html"))) == 5
        assert len(list((course / "autograded" / student / LAB.id).glob("*.ipynb"))) == 5
    for name in ("machine1", "machine2"):    # nothing of the class is left on the workers
        assert not list((tmp_path / name).rglob("*.ipynb"))


SLOW_START = "import time\ntime.sleep(15)\n"   # long enough to be caught grading, within the 20 s cell timeout


def _deaths(client, student):
    """(key, state, how many workers died running it) of the student's task, as the scheduler
    counts them; (None, None, 0) before it is submitted."""
    def read(dask_scheduler):
        for key, task in dask_scheduler.tasks.items():
            if str(key).startswith(f"grade-{student}-"):
                return key, task.state, task.suspicious
        return None, None, 0
    return client.run_on_scheduler(read)


def _grading(student, dask_worker=None):
    """Whether nbgrader is grading `student` on this worker: its autograded folder exists in the
    worker's course folder of its own (grading.student)."""
    root = Path(dask_worker.local_directory)
    return any(root.glob(f"mdl-grade-*/course/autograded/{student}"))


def _killer(address, student, times, seen):
    """Kill the worker process grading `student` until the scheduler has counted `times` deaths
    of a worker running it (a kill that misses, the task having moved, is tried again)."""
    with Client(address) as client:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            key, state, deaths = _deaths(client, student)
            seen["deaths"] = max(seen["deaths"], deaths)
            if deaths >= times or state in ("erred", "memory") or (key is None and seen["kills"]):
                return
            executing = client.run(lambda dask_worker: [   # running there, not waiting
                k for k, t in dask_worker.state.tasks.items() if t.state == "executing"])
            worker = next((w for w, keys in executing.items() if key in keys), None)
            if worker is None:
                time.sleep(0.1)
                continue
            try:
                if not client.run(_grading, student, workers=[worker])[worker]:
                    time.sleep(0.1)           # not yet in nbgrader's hands: look again
                    continue
                pid = client.run(os.getpid, workers=[worker])[worker]
            except Exception:                 # the worker went away meanwhile
                continue
            os.kill(pid, signal.SIGKILL)
            seen["kills"] += 1
            while True:
                key, state, now = _deaths(client, student)
                seen["deaths"] = max(seen["deaths"], now)
                if now != deaths or key is None or worker not in client.processing():
                    break
                time.sleep(0.1)


@pytest.fixture
def class_with_a_victim(tmp_path):
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)
    for student in ("steady", "victim"):
        folder = write_submission(course, student, notebooks=[NOTEBOOK])
    path = folder / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(SLOW_START))
    nbformat.write(nb, path)
    return course


def _grade_killing(course, times, monkeypatch):
    monkeypatch.setenv("MATHS_OF_DL_CELL_TIMEOUT", "20")
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                               silence_logs=50)
    seen = {"kills": 0, "deaths": 0}
    killer = threading.Thread(target=_killer,
                              args=(cluster.scheduler_address, "victim", times, seen))
    try:
        killer.start()
        result = grade_class(course, LAB, scheduler=cluster.scheduler_address,
                             notebooks=[NOTEBOOK], progress=False)
        killer.join(timeout=60)
    finally:
        cluster.close()
    return result, seen


@pytest.mark.slow
def test_a_student_whose_worker_dies_is_graded_again(class_with_a_victim, monkeypatch):
    result, seen = _grade_killing(class_with_a_victim, 1, monkeypatch)
    assert seen["deaths"] == 1 and seen["kills"] >= 1
    assert result.exit_status == 0, result.outcomes
    url = f"sqlite:///{class_with_a_victim / 'gradebook.db'}"
    for student in ("steady", "victim"):
        assert autograded_scores(url, student)[NOTEBOOK] == autograded_points(NOTEBOOK)


@pytest.mark.slow
def test_a_student_whose_worker_dies_twice_is_reported(class_with_a_victim, monkeypatch):
    result, seen = _grade_killing(class_with_a_victim, 2, monkeypatch)
    assert seen["kills"] >= 2 and seen["deaths"] >= 1   # the scheduler's KilledWorker: 2 deaths
    assert result.exit_status == 2
    victim = result.outcomes["victim"]
    assert victim["status"] == "failed"
    assert victim["reasons"] == {"*": ["the worker grading this student died twice (killed, or "
                                       "out of memory): not graded"]}
    assert result.outcomes["steady"]["status"] == "ok"
    url = f"sqlite:///{class_with_a_victim / 'gradebook.db'}"
    assert autograded_scores(url, "steady")[NOTEBOOK] == autograded_points(NOTEBOOK)
    with Gradebook(url) as gb:      # nothing recorded for a student who could not be graded
        assert [s.student_id for s in gb.assignment_submissions(LAB.id)] == ["steady"]
