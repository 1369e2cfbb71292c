"""The grading kernels' sandbox (autograder.grading.sandbox) under real `nbgrader autograde`.

One class, graded three times at the same time by the course's own configuration: in SANDBOXED
(as a tutor grades with nbgrader), in FORKED (the same, each student's kernels forked from a warm
parent in the student's sandbox, as `grade-class` grades: grading.zygote) and in OPEN (the same
course with MATHS_OF_DL_UNSANDBOXED=1, a stand-in for grading without the sandbox).  Every
attack lives in notebook 01's F4 answer cell: it sets wrong F4 answers, then tries to reach
something it must not and, if it can, sets the right ones (so F4's score says whether it got
through).  In SANDBOXED and FORKED each attack fails: F4 scores 0, the exercises before it keep
their points, the rest of the class is graded, and no file outside the sandbox changes.  In OPEN
the attacks that read or connect get through, which shows they are real.
"""
import glob
import hashlib
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from autograder.assignment import LAB
from autograder.catalogue import CATALOGUE, in_notebook
from autograder.grading.sandbox import bubblewrap, cgroups, enclosure, fonts, policy, probe
from autograder.grading.flags import FLAGS_FILE, read_flags
from autograder.settings import COURSE_KEY, grading_kernel
from autograder.submissions import write_submission

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRONG = "n_obs_2x3, n_inputs_2x3 = 3, 2\nn_obs_3x2, n_inputs_3x2 = 2, 3\n"
RIGHT = "n_obs_2x3, n_inputs_2x3 = 2, 3\nn_obs_3x2, n_inputs_3x2 = 3, 2\n"
SECRET = "MATHS_OF_DL_TEST_SECRET"
CANARY = "TUTOR-ONLY-" + "7f3a9c"
READ_EVERY_DESCRIPTOR = (
    "import os, stat\n"
    "canary = 'TUTOR-ONLY-' + '7f3a9c'\n"
    "found = []\n"
    "for fd in sorted(int(n) for n in os.listdir('/proc/self/fd')):\n"
    "    try:\n"
    "        if not stat.S_ISREG(os.fstat(fd).st_mode):\n"
    "            continue\n"
    "    except OSError:\n"
    "        continue\n"
    "    try:\n"
    "        if canary.encode() in os.pread(fd, 1 << 24, 0):\n"
    "            found.append(fd)\n"
    "    except OSError:\n"
    "        pass\n"
    "    try:   # reopened for reading, when it was opened for writing only (a log)\n"
    "        with open(f'/proc/self/fd/{fd}', 'rb') as again:\n"
    "            if canary.encode() in again.read():\n"
    "                found.append(fd)\n"
    "    except OSError:\n"
    "        pass\n"
    "print('found', sorted(set(found)) if found else 'nothing')\n")


def _indent(code):
    return "".join("    " + line + "\n" for line in code.splitlines())


def got_through(attempt):
    """F4's answer cell: wrong answers, then `attempt`; the right answers if it did not raise."""
    return WRONG + attempt.rstrip() + "\n" + RIGHT


def attacks(course, home, port):
    """name -> the code of F4's answer cell; `course`, `home` and `port` are what the attacks
    look for: the course folder, the tutor's home and a server on 127.0.0.1."""
    ancestors = ("import os\nhere = os.getcwd()\n"
                 "ancestors = [os.path.dirname(here)]\n"
                 "while ancestors[-1] != '/':\n"
                 "    ancestors.append(os.path.dirname(ancestors[-1]))\n")
    return {
        "read-source": got_through(
            ancestors + "import glob\n"
            "found = [p for a in ancestors for p in glob.glob(a + '/source/*/01_forward_pass.ipynb')]\n"
            f"found += glob.glob('{course}/source/*/*.ipynb')\n"
            "open(found[0]).read()\n"),
        "read-other-student": got_through(
            ancestors + "import glob\n"
            "found = [p for a in ancestors for p in glob.glob(a + '/submitted/*/*/*.ipynb')\n"
            "         if '/victim/' in p]\n"
            f"found += glob.glob('{course}/submitted/victim/*/*.ipynb')\n"
            "open(found[0]).read()\n"),
        "read-config": got_through(f"open('{course}/nbgrader_config.py').read()\n"),
        "read-tutor-home": got_through(f"open('{home}/secret.txt').read()\n"),
        "write-gradebook": got_through(
            "import sqlite3\n"
            f"db = sqlite3.connect('file:{course}/gradebook.db?mode=rw', uri=True)\n"
            "db.execute(\"update grade set manual_score = 2\")\n"
            "db.commit()\n"),
        "connect-localhost": got_through(
            f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"),
        "network-interfaces": got_through(
            "import socket\n"
            "assert [name for _, name in socket.if_nameindex() if name != 'lo']\n"),
        "environment": got_through(f"import os\nos.environ['{SECRET}']\n"),
        "fork-bomb": WRONG + (
            "import os, time\n"
            "if os.fork() == 0:\n"
            "    while True:\n"
            "        try:\n"
            "            os.fork()\n"
            "        except OSError:\n"
            "            pass\n"
            "time.sleep(2)\n"),
        "write-10-gb": WRONG + (
            "chunk = bytes(2**20)\n"
            "with open('big.bin', 'wb') as f:\n"
            "    for _ in range(10 * 1024):\n"
            "        f.write(chunk)\n"),
        "memory": WRONG + "hog = bytearray(16 * 2**30)\nhog[-1] = 1\n",
        # nbgrader's output is a log holding a canary (the fixture): not in any descriptor
        "read-inherited-fds": got_through(
            READ_EVERY_DESCRIPTOR + "assert found\n"),
    }


SANDBOXED = ("sandboxed", "forked")
READING = {"read-source", "read-other-student", "read-config", "read-tutor-home",
           "write-gradebook", "connect-localhost", "network-interfaces", "environment"}
SEGFAULT = {"01_forward_pass": {"F2a_answer": "import ctypes\nctypes.string_at(0)\n"}}


def _env(**extra):
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}",
               MATHS_OF_DL_CELL_TIMEOUT="20", PYTHONWARNINGS="ignore")
    env.pop(probe.UNSANDBOXED_VARIABLE, None)
    env.update(extra)
    return env


def _course(root, name):
    course = root / name
    (course / "source").mkdir(parents=True)
    subprocess.run(["cp", "-r", str(REPO / "source" / LAB.id), str(course / "source")],
                   check=True)
    (course / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text())
    return course


def _snapshot(course, home):
    """Hashes of every file the kernels must not change: submissions, source, configuration and
    the tutor's home."""
    found = {}
    for folder in (course / "submitted", course / "source", home):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    found["config"] = hashlib.sha256((course / "nbgrader_config.py").read_bytes()).hexdigest()
    return found


class Listener:
    """A TCP server on 127.0.0.1 that counts connections."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.accepted = self.server.getsockname()[1], 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if probe.problem():
        pytest.fail(f"bubblewrap is needed for these tests: {probe.problem()}")
    root = tmp_path_factory.mktemp("sandbox")
    listener = Listener()
    courses = {kind: _course(root, kind) for kind in (*SANDBOXED, "open")}
    with open(courses["forked"] / "nbgrader_config.py", "a") as config:
        config.write("\nc.SandboxProvisioner.fork_kernels = True\n")
    homes = {kind: root / f"{kind}-home" for kind in courses}   # each run's tutor's home
    for home in homes.values():
        home.mkdir()
        (home / "secret.txt").write_text("the tutor's secret\n")
    for course in courses.values():
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB.id,
                        "--force", "--log-level=ERROR"], cwd=course, check=True, env=_env())
    for kind, course in courses.items():
        names = attacks(course, homes[kind], listener.port)
        if kind == "open":      # no bombs without a sandbox
            names = {n: code for n, code in names.items() if n in READING}
        for name, code in names.items():
            write_submission(course, f"atk_{name}", answers={"01_forward_pass": {"F4_answer": code}},
                             notebooks=["01_forward_pass"])
        write_submission(course, "victim", notebooks=["01_forward_pass"])
        if kind in SANDBOXED:
            write_submission(course, "x_segfault", answers=SEGFAULT,
                             notebooks=["01_forward_pass"])
    before = {kind: _snapshot(course, homes[kind]) for kind, course in courses.items()}
    runs = {}
    for kind in courses:
        (root / f"{kind}.log").write_text(f"the tutor's log: {CANARY}\n")
    procs = {kind: subprocess.Popen(
        [sys.executable, "-m", "nbgrader", "autograde", LAB.id],
        cwd=course, stdout=open(root / f"{kind}.log", "a"), stderr=subprocess.STDOUT,
        env=_env(HOME=str(homes[kind]), **{SECRET: "42"},
                 **({probe.UNSANDBOXED_VARIABLE: "1"} if kind == "open" else {})))
        for kind, course in courses.items()}
    for kind, proc in procs.items():
        runs[kind] = proc.wait(timeout=900)
    listener.server.close()
    return {"courses": courses, "homes": homes, "before": before, "returncodes": runs,
            "listener": listener, "root": root}


def _scores(course, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook("01_forward_pass", LAB.id, student)
        return {g.name: (g.score, g.manual_score) for g in nb.grades if g.name in CATALOGUE}


@pytest.mark.slow
@pytest.mark.parametrize("kind", SANDBOXED)
@pytest.mark.parametrize("name", sorted(attacks("/c", "/h", 1)))
def test_attack_fails_and_costs_only_its_answer(graded, kind, name):
    course = graded["courses"][kind]
    scores = _scores(course, f"atk_{name}")
    assert scores["F4"] == (0.0, None), name
    for eid, (score, _) in scores.items():
        if eid != "F4":
            assert score == CATALOGUE[eid].points, (name, eid)
    path = course / "autograded" / f"atk_{name}" / LAB.id / "01_forward_pass.ipynb"
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == "F4_answer")
    if name != "fork-bomb":     # the bomb's own cell carries on; its children are contained
        assert [o for o in cell.outputs if o.output_type == "error"], f"{name}: no error shown"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(READING))
def test_the_attack_gets_through_without_the_sandbox(graded, name):
    assert _scores(graded["courses"]["open"], f"atk_{name}")["F4"][0] == 2.0


@pytest.mark.slow
@pytest.mark.parametrize("kind", SANDBOXED)
def test_the_class_is_graded_and_no_file_outside_the_sandbox_changes(graded, kind):
    course = graded["courses"][kind]
    assert graded["returncodes"][kind] == 0
    assert _scores(course, "victim") == {eid: (CATALOGUE[eid].points, None)
                                         for eid in _scores(course, "victim")}
    assert _snapshot(course, graded["homes"][kind]) == graded["before"][kind]
    assert not list(course.rglob("big.bin"))
    assert graded["listener"].accepted >= 1       # the open run's attack reached it...
    log = (graded["root"] / "open.log").read_text()
    assert "UNSANDBOXED" in log                   # ...and the choice is logged


@pytest.mark.slow
@pytest.mark.parametrize("kind", SANDBOXED)
def test_the_sandboxed_run_reports_its_attacks(graded, kind):
    flags = read_flags(graded["courses"][kind] / FLAGS_FILE)
    flagged = {student for student, _, _ in flags}
    for name in ("read-source", "read-other-student", "read-config", "write-gradebook",
                 "connect-localhost", "fork-bomb", "write-10-gb"):
        assert f"atk_{name}" in flagged, name


@pytest.mark.slow
@pytest.mark.parametrize("kind", SANDBOXED)
def test_a_segfault_in_the_third_exercise_keeps_the_first_two(graded, kind):
    course = graded["courses"][kind]
    scores = _scores(course, "x_segfault")
    assert scores["F1a"][0] == scores["F1b"][0] == 2.0
    later = [e.id for e in in_notebook("01_forward_pass")][2:]      # from the third on
    assert later and all(scores[eid][0] == 0.0 for eid in later)
    entry = read_flags(course / FLAGS_FILE)[("x_segfault", LAB.id, "01_forward_pass")]
    assert "kernel-died" in entry["reasons"]


# ---------------------------------------------------------------------------- fast
def test_without_bubblewrap_grading_refuses_and_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(probe.UNSANDBOXED_VARIABLE, raising=False)
    probe.problem.cache_clear()
    try:
        assert "apt-get install bubblewrap" in probe.problem()
        with pytest.raises(RuntimeError, match="apt-get install bubblewrap"):
            policy.refuse_without_sandbox()
        from autograder.grading.inputs import TestInputs
        with pytest.raises(RuntimeError, match=probe.UNSANDBOXED_VARIABLE):
            TestInputs()
        from autograder import cli
        assert cli.grade_class(tmp_path, LAB) == 2        # before touching the course
        assert not list(tmp_path.iterdir())
        monkeypatch.setenv(probe.UNSANDBOXED_VARIABLE, "1")
        policy.refuse_without_sandbox()             # the tutor's explicit choice
    finally:
        probe.problem.cache_clear()


def test_the_command_binds_only_the_system_the_kernel_and_its_files():
    kernel = [str(REPO / ".grading-kernel" / "bin" / "python"), "-m", "ipykernel_launcher"]
    cmd = bubblewrap.command(kernel, "/course/autograded/s/a", "/tmp/x/work",
                          readonly=["/run/k.json"], shared=["/tmp/sockets"], uid=200_001)
    binds = {cmd[k + 2] for k, arg in enumerate(cmd) if arg in ("--bind", "--ro-bind")}
    assert {"/course/autograded/s/a", "/run/k.json", "/tmp/sockets"} <= binds
    assert str(REPO) not in binds
    assert not [b for b in binds if b == "/" or b.startswith(str(Path.home()) + "/")
                and ".pyenv" not in b]
    for flag in ("--unshare-net", "--unshare-pid", "--die-with-parent"):
        assert flag in cmd
    assert f"--nproc={policy.DEFAULT_LIMITS.processes}" in cmd and "--reuid=200001" in cmd
    assert cmd[-len(kernel):] == kernel


def test_a_sandboxed_kernel_finds_the_font_list_made_and_does_not_remake_it(tmp_path):
    """Without the list, matplotlib scans every font of the machine in every kernel (1.7 s)."""
    import json

    from jupyter_client.kernelspec import KernelSpecManager
    from notebooks import run_cells
    python = KernelSpecManager().get_kernel_spec(grading_kernel()).argv[0]
    made = fonts.font_list(python)
    listed = [font["fname"] for font in json.loads(made.read_text())["ttflist"]]
    system = [name for name in listed if name.startswith("/")]   # others are matplotlib's own
    assert system and all(name.startswith("/usr/") for name in system)   # none of a home
    out = run_cells(tmp_path, "import matplotlib, matplotlib.pyplot, os\n"
                              "cache = matplotlib.get_cachedir()\n"
                              "first = os.path.join(cache, os.listdir(cache)[0])\n"
                              "print(os.listdir(cache), os.access(first, os.W_OK))",
                    fork=False)
    assert out == [f"['{made.name}'] False\n"]      # read, not made again (no warning either)


def test_the_environment_keeps_the_allow_list_only():
    env = policy.environment({"HOME": "/root", "AWS_SECRET": "x", "LANG": "C.UTF-8",
                               "JPY_SESSION_NAME": "n"}, ["/venv/bin/python"])
    assert env == {"HOME": policy.HOME, "LANG": "C.UTF-8", "JPY_SESSION_NAME": "n",
                   "PATH": "/venv/bin:/usr/bin:/bin"}


@pytest.mark.parametrize("fork", [False, True])
def test_a_kernel_draws_inline_whatever_backend_the_tutors_process_uses(tmp_path, monkeypatch,
                                                                       fork):
    """A headless tutor's MPLBACKEND=Agg stays with the tutor: a student's plot still reaches
    the autograded notebook (the kernel's own inline backend)."""
    from notebooks import run_cells
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = run_cells(tmp_path, "import matplotlib\nprint(matplotlib.get_backend())", fork=fork)
    assert out == ["module://matplotlib_inline.backend_inline\n"]


def test_the_class_report_shows_who_was_graded_unsandboxed(tmp_path):
    from nbformat.v4 import new_notebook
    from autograder.class_report import read_unsandboxed
    for student, sandboxed in (("a", True), ("b", False)):
        folder = tmp_path / "autograded" / student / LAB.id
        folder.mkdir(parents=True)
        nb = new_notebook(metadata={COURSE_KEY: {"grading": {"sandboxed": sandboxed}}})
        nbformat.write(nb, folder / "01_forward_pass.ipynb")
    assert read_unsandboxed(tmp_path, LAB) == {"b"}


# ---------------------------------------------------------------------------- descriptors
@pytest.mark.parametrize("fork", [False, True])
def test_a_kernel_finds_nothing_of_the_tutors_through_its_descriptors(tmp_path, fork):
    """The grading process's standard output and error (here pytest's capture files) and a
    descriptor it marked inheritable hold a canary; a kernel reading every descriptor it has,
    and reopening each through /proc/self/fd, finds nothing of it."""
    from notebooks import run_cells
    secret = tmp_path / "tutor.log"
    secret.write_text(f"scores of everyone {CANARY}\n")
    held = os.open(secret, os.O_RDONLY)
    os.set_inheritable(held, True)
    for fd in (1, 2):
        os.write(fd, f"[nbgrader] {CANARY}\n".encode())
    try:
        out = run_cells(tmp_path / "student", READ_EVERY_DESCRIPTOR,
                        "import os\nprint(os.readlink('/proc/self/fd/0'))", fork=fork)
    finally:
        os.close(held)
    assert out == ["found nothing\n", "/dev/null\n"]


# ---------------------------------------------------------------------------- memory, leftovers
# three children each take 256 MiB; once all have taken it (or died), each still alive says so
# and keeps it until all have answered: those answering hold their memory at the same time
HOLD_TOGETHER = (
    "import subprocess, sys\n"
    "hold = (\"import sys\\nb = b'x' * (256 << 20)\\nprint('held', flush=True)\\n\"\n"
    "        \"sys.stdin.readline()\\nprint('still', flush=True)\\nsys.stdin.read()\")\n"
    "kids = [subprocess.Popen([sys.executable, '-c', hold], stdin=subprocess.PIPE,\n"
    "                         stdout=subprocess.PIPE, text=True) for _ in range(3)]\n"
    "for kid in kids:\n"
    "    kid.stdout.readline()                      # 'held', or '' when it was killed\n"
    "still = []\n"
    "for kid in kids:\n"
    "    try:\n"
    "        kid.stdin.write('\\n')\n"
    "        kid.stdin.flush()\n"
    "    except OSError:\n"
    "        pass\n"
    "    still.append(kid.stdout.readline().strip())   # '' when it is dead\n"
    "for kid in kids:\n"
    "    try:\n"
    "        kid.stdin.close()\n"
    "    except OSError:\n"
    "        pass\n"
    "    kid.wait()\n"
    "print(still.count('still'))\n")


@pytest.mark.parametrize("fork", [False, True])
def test_several_processes_of_one_sandbox_share_its_memory_bound(tmp_path, monkeypatch, fork):
    """Three children of a kernel each hold 256 MiB at the same time, under the address-space
    limit each (3 GiB a process); the sandbox's memory group (512 MiB here) holds them together:
    not all three can."""
    if os.geteuid() != 0:
        pytest.skip("the sandbox's memory group needs the grader to be root (threat model)")
    from notebooks import run_cells
    held = int(run_cells(tmp_path / "hog", HOLD_TOGETHER, fork=fork, timeout=120,
                         sandbox={"memory_bytes": 512 * policy.MIB})[0])
    assert held * 256 < 512


def test_a_scratch_folder_left_by_a_killed_grading_is_swept(tmp_path):
    """A grading process killed before removing its scratch folder (its lock is gone with it):
    the next one removes it; a folder whose process still runs is kept."""
    import subprocess
    code = ("import sys, tempfile\nfrom autograder.grading.sandbox.enclosure import Enclosure\n"
            "tempfile.tempdir = sys.argv[1]\n"
            "e = Enclosure(['/bin/true'], {}, sys.argv[2])\n"
            "print(e.folder, flush=True)\nsys.stdin.read()\ne.release()\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "answers.ipynb").write_text("{}")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(work)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    killed, alive = (Path(p.stdout.readline().strip()) for p in procs)
    assert (killed / "work" / "answers.ipynb").exists()
    procs[0].kill()
    procs[0].wait()
    enclosure.sweep_leftovers(str(tmp_path))
    assert not killed.exists() and (alive / "work" / "answers.ipynb").exists()
    groups = {p.pid: glob.glob(f"{cgroups.CGROUPS}/*/{cgroups.CGROUP_PREFIX}{p.pid}-*")
              for p in procs}
    assert all(groups.values()) or os.geteuid() != 0      # root: each made its groups
    cgroups.sweep_cgroups()
    assert [os.path.exists(g) for g in groups[procs[0].pid]] == [False] * len(groups[procs[0].pid])
    assert all(os.path.exists(g) for g in groups[procs[1].pid])
    procs[1].stdin.close()
    procs[1].wait()
    assert not alive.exists()


def test_a_kernel_that_dies_leaves_its_last_words_in_the_log_on_one_line(tmp_path, caplog):
    """What a kernel wrote outside its cells goes to a file of its own; when it ends badly, the
    end of that file is logged, escaped (a kernel cannot forge lines of the tutor's log)."""
    from nbclient.exceptions import DeadKernelError

    from notebooks import run_cells
    last_words = ("import os, stat\n"
                  "for fd in map(int, os.listdir('/proc/self/fd')):\n"
                  "    try:\n"
                  "        if stat.S_ISREG(os.fstat(fd).st_mode):\n"
                  "            os.write(fd, b'last words\\n[AutogradeApp | INFO] forged\\n')\n"
                  "    except OSError:\n"
                  "        pass\n"
                  "os._exit(3)\n")
    with pytest.raises(DeadKernelError):
        run_cells(tmp_path / "dying", last_words, fork=False)
    said = [r.getMessage() for r in caplog.records if "ended with status 3" in r.getMessage()]
    assert len(said) == 1 and "last words\\n[AutogradeApp | INFO] forged" in said[0]
    assert "\n" not in said[0]


def test_forked_kernels_are_the_courses_setting_unless_the_environment_overrides_it(monkeypatch):
    from autograder.grading.sandbox.provisioner import FORK_VARIABLE, forking
    monkeypatch.delenv(FORK_VARIABLE, raising=False)
    assert (forking(True), forking(False)) == (True, False)
    monkeypatch.setenv(FORK_VARIABLE, "0")
    assert (forking(True), forking(False)) == (False, False)
    monkeypatch.setenv(FORK_VARIABLE, "1")
    assert (forking(True), forking(False)) == (True, True)


def test_the_sandboxs_limits_are_the_provisioners_traitlets():
    """What nbgrader_config.py sets for c.SandboxProvisioner is what the sandbox gets, and the
    course's file sets each limit (to the default, for now: changing one is the tutor's call)."""
    from traitlets.config import Config

    from autograder.grading.sandbox.provisioner import SandboxProvisioner
    from autograder.settings import REPO, course_config
    config = Config()
    config.SandboxProvisioner.open_files, config.SandboxProvisioner.memory_bytes = 77, 5 * policy.MIB
    limits = SandboxProvisioner(config=config).limits()
    assert (limits.open_files, limits.memory_bytes) == (77, 5 * policy.MIB)
    assert limits.processes == policy.DEFAULT_LIMITS.processes
    cmd = bubblewrap.command(["/usr/bin/python3"], "/c", "/tmp/x", limits=limits)
    assert "--nofile=77" in cmd
    course = course_config(REPO).SandboxProvisioner
    assert set(course) >= set(policy.SandboxLimits.__dataclass_fields__)
    assert policy.SandboxLimits(**{k: course[k] for k in policy.SandboxLimits.__dataclass_fields__}) \
        == policy.DEFAULT_LIMITS
