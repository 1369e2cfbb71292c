"""README.md's commands run as written.

Every shell command of README's ```bash blocks is read from README.md itself (so an edit that
breaks a command fails here) and run, block by block, in a fresh course folder as README describes
it (`nbgrader_config.py` and `source/`), with this environment's scripts on PATH, as after
`scripts/setup.sh`.  Optional parts of a synopsis (`[--roster roster.csv]`) are left out; README's
placeholders are given real values (DIR: the course folder, scheduler-host: this machine, 8786: a
free port, db-host: a throwaway PostgreSQL server).  A command that starts a server (a Jupyter
server, a Dask scheduler or worker) is started, checked (formgrader's page answers; the scheduler
listens and sees its worker) and stopped at the end of its block.  The few commands left out are
named in LEFT_OUT with the reason, and a test checks that README still has them.
"""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from waiting import free_port, wait_for

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LEFT_OUT = {   # the start of a command -> why this test does not run it
    "bash scripts/main.sh": "CI's main job: setup.sh (packages) and the 30-student demo, minutes "
                            "of every core; the demo's steps are the commands run here",
    "bash scripts/test.sh": "the test suite, which holds this test",
    ".venv/bin/python scripts/mutation.py": "mutation testing: hours, never part of the suite",
}
SERVERS = ("formgrader", "jupyter", "dask scheduler", "dask worker")   # formgrader: a Jupyter
# server with nbgrader's extension, however README starts it
GRADED = "maths-of-dl grade-class"    # exit status 0 or 1 (graded, some to look at), README says


def _without_options(line):
    """A synopsis line without its optional parts: `[--a X [--b]]` dropped, innermost first."""
    while True:
        shorter = re.sub(r"\s*\[[^\[\]]*\]", "", line)
        if shorter == line:
            return line
        line = shorter


def blocks(text):
    """[[command, ...] per ```bash block of `text`], continuation lines joined, comments, blank
    lines and optional parts left out."""
    found = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        joined = re.sub(r"\\\n\s*", " ", block)
        commands = []
        for line in joined.splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            line = " ".join(_without_options(line).split())
            if line:       # (a synopsis's line of options only leaves nothing)
                commands.append(line)
        found.append(commands)
    return found


def left_out(command):
    return next((why for start, why in LEFT_OUT.items() if command.startswith(start)), None)


def test_commands_are_read_from_the_readme():
    commands = [c for block in blocks((REPO / "README.md").read_text()) for c in block]
    assert "maths-of-dl release" in commands
    assert "maths-of-dl grade-class" in commands            # the synopsis without its options
    assert "maths-of-dl grades --into worksheet.csv" in commands
    assert any(c.startswith("DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1 .venv/bin/dask "
                            "scheduler") for c in commands)
    assert any(c.startswith("MATHS_OF_DL_DB_URL=postgresql://grader@db-host/gradebook "
                            ".venv/bin/maths-of-dl grade-class --course DIR") for c in commands)
    assert not any("#" in c or "\\" in c or "[" in c or not c for c in commands), commands


def test_what_is_left_out_is_still_in_the_readme():
    commands = [c for block in blocks((REPO / "README.md").read_text()) for c in block]
    for start in LEFT_OUT:
        assert any(c.startswith(start) for c in commands), f"LEFT_OUT names {start!r}: drop it"


def test_synopsis_options_are_dropped_innermost_first():
    assert _without_options("a --x 1 [--b C [--d]] e [--f | --g H]") == "a --x 1 e"


class Servers:
    """The servers a block started, each in a process group of its own."""

    def __init__(self, folder):
        self.folder, self.running = folder, []

    def start(self, command, env, course, port, token):
        log = open(self.folder / f"server-{len(self.running)}.log", "w")
        proc = subprocess.Popen(["bash", "-c", command], cwd=course, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append((command, proc, log))
        try:
            self._check(command, proc, port, token)
        except Exception:
            log.flush()
            raise AssertionError(f"{command}: {Path(log.name).read_text()[-3000:]}")

    @staticmethod
    def _check(command, proc, port, token):
        """Wait for the server's readiness (an answer, not a delay; only a hang meets the
        deadline)."""
        def ready():
            assert proc.poll() is None, f"{command} ended with status {proc.returncode}"
            try:
                if "formgrader" in command or "jupyter" in command:
                    page = urllib.request.urlopen(
                        f"http://127.0.0.1:{port['jupyter']}/formgrader/?token={token}",
                        timeout=5).read().decode()
                    assert "formgrader" in page.lower()
                elif "dask scheduler" in command:
                    socket.create_connection(("127.0.0.1", port["dask"]), timeout=2).close()
                elif "dask worker" in command:
                    from distributed import Client
                    with Client(f"tcp://127.0.0.1:{port['dask']}", timeout=10) as client:
                        client.wait_for_workers(1, timeout=60)
                return True
            except OSError:
                return False
        if not wait_for(ready):
            raise TimeoutError(f"{command} did not answer")

    def stop(self):
        for command, proc, log in reversed(self.running):
            assert proc.poll() is None, f"{command} ended before it was stopped"
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log.close()
        self.running = []


def _course_as_readme_describes(tmp_path):
    """A course folder with nbgrader_config.py and source/, one student's notebook 01 submitted,
    an LMS download (a plain zip) of another's, and the LMS's gradebook export that `grades
    --into` fills (Canvas's, both students by their login)."""
    from autograder import cli
    from autograder.submissions import write_submission
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "source", course / "source")
    helper = cli.prepare(tmp_path / "helper")      # answers made from the release, elsewhere
    write_submission(helper, "ada", notebooks=["01_forward_pass"])
    shutil.copytree(helper / "submitted", course / "submitted")
    with zipfile.ZipFile(course / "submissions.zip", "w") as z:
        z.write(helper / "submitted" / "ada" / "maths_of_dl" / "01_forward_pass.ipynb",
                "bob_01_forward_pass.ipynb")
    (course / "worksheet.csv").write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Maths of Deep Learning (4411),Current Points\n"
        ",,,,,Manual Posting,\n"
        "    Points Possible,,,,,100.00,(read only)\n"
        '"Lovelace, Ada",1041,,ada,Section A,,\n'
        '"Boole, Bob",2077,,bob,Section A,,\n')
    return course


@pytest.mark.slow
def test_every_readme_command_runs_as_written(tmp_path):
    from postgres import server as postgres
    course = _course_as_readme_describes(tmp_path)
    port, token = {"jupyter": free_port(), "dask": free_port()}, secrets.token_hex(16)
    config = tmp_path / "jupyter"          # where this machine's Jupyter settings go
    config.mkdir()
    (config / "jupyter_server_config.py").write_text(
        f"c.ServerApp.port = {port['jupyter']}\nc.ServerApp.ip = '127.0.0.1'\n"
        f"c.IdentityProvider.token = '{token}'\nc.ServerApp.open_browser = False\n"
        f"c.ServerApp.allow_root = True\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATHS_OF_DL_", "DASK_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env['PATH']}", JUPYTER_CONFIG_DIR=str(config),
               MATHS_OF_DL_CELL_TIMEOUT="20")
    ran = []
    with postgres(tmp_path / "pg") as url:
        places = {"postgresql://grader@db-host/gradebook": url, "scheduler-host": "127.0.0.1",
                  "8786": str(port["dask"]), "/scratch/grading": str(tmp_path / "scratch"),
                  ".venv/bin/": f"{BIN}/"}
        for block in blocks((REPO / "README.md").read_text()):
            servers = Servers(tmp_path)
            try:
                for command in block:
                    if left_out(command):
                        continue
                    runnable = re.sub(r"\bDIR\b", str(course), command)
                    for placeholder, value in places.items():
                        runnable = runnable.replace(placeholder, value)
                    if any(name in command for name in SERVERS):
                        servers.start(runnable, env, course, port, token)
                    else:
                        done = subprocess.run(["bash", "-c", runnable], cwd=course, env=env,
                                              capture_output=True, text=True, timeout=1200)
                        allowed = (0, 1) if GRADED in command else (0,)
                        assert done.returncode in allowed, \
                            f"{command}: status {done.returncode}\n{done.stderr[-3000:]}"
                    ran.append(command)
            finally:
                servers.stop()
    assert "jupyter server" in ran and "maths-of-dl grades --into worksheet.csv" in ran
    assert (course / "release" / "maths_of_dl" / "01_forward_pass.ipynb").exists()
    assert (course / "worksheet-graded.csv").exists() and (course / "reports" / "maths_of_dl" / "summary.md").exists()
    assert (course / "submitted" / "bob" / "maths_of_dl" / "01_forward_pass.ipynb").exists()
