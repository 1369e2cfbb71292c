"""autograder.grading.zygote and mdl_kernel.zygote: a student's grading kernels forked from a warm
parent in that student's sandbox, on real kernels of the grading kernel spec, under bubblewrap.

A notebook is run here the way nbgrader's Execute runs one (nbclient, the course's kernel manager,
the notebook's folder as the kernel's working folder), with `fork_kernels` on; grading with forked
kernels is compared with grading with kernels of their own on the same submissions.
"""
import os

import nbformat
import pytest
from nbclient.exceptions import DeadKernelError

from autograder.assignment import LAB
from autograder.grading import zygote
from autograder.grading.sandbox import probe
from notebooks import run_cells as run


@pytest.fixture(autouse=True)
def _sandboxed():
    if probe.problem():
        pytest.fail(f"bubblewrap is needed for these tests: {probe.problem()}")
    yield
    zygote.close()


def test_one_folders_kernels_share_a_warm_parent_and_each_starts_clean(tmp_path):
    first = run(tmp_path / "alice",
                "import sys, numpy\nnumpy.leak = 1\nsecret = 42\n"
                "print('pyplot' if 'matplotlib.pyplot' in sys.modules else 'cold')",
                "print(numpy.random.randint(1 << 30))")
    parent = zygote._serving
    second = run(tmp_path / "alice",
                 "import numpy\nprint(hasattr(numpy, 'leak'))",
                 "secret",
                 "print(numpy.random.randint(1 << 30))")
    assert zygote._serving is parent and parent.alive()
    assert first[0] == "pyplot\n"                  # forked warm: imported before the notebook
    assert second[0] == "False\n"                  # nothing of the first kernel...
    assert second[1].startswith("NameError")       # ...reaches the second
    assert first[1] != second[2]                   # and NumPy's random state is its own


def test_another_folder_gets_its_own_parent_and_user_and_the_last_one_ends(tmp_path):
    uid_a = run(tmp_path / "alice", "import os\nprint(os.getuid())")[0]
    first = zygote._serving
    leftovers = [first.exchange, first.enclosure.folder]
    uid_b = run(tmp_path / "bob", "import os\nprint(os.getuid())")[0]
    assert zygote._serving is not first and zygote._serving.cwd == str(tmp_path / "bob")
    assert first.proc.poll() is not None
    assert not [p for p in leftovers if os.path.exists(p)]
    if os.geteuid() == 0:                          # a user id per sandbox
        assert uid_a != uid_b


def test_a_kernel_cannot_reach_its_parents_pipes(tmp_path):
    """Its own parent refuses it (the student's own warm parent, not dumpable), or is outside its
    process namespace (the shared one): no process it can see lets it open its pipes."""
    out = run(tmp_path / "mallory",
              "import os\nparent = os.getppid()\n"
              "if not parent:\n"
              "    print('outside')\n"
              "for fd in (0, 1) if parent else ():\n"
              "    try:\n"
              "        open(f'/proc/{parent}/fd/{fd}', 'w').close()\n"
              "        print('reached', fd)\n"
              "    except OSError as error:\n"
              "        print('refused', fd, type(error).__name__)\n"
              "reached = []\n"
              "for p in os.listdir('/proc'):\n"
              "    for fd in (0, 1) if p.isdigit() and int(p) != os.getpid() else ():\n"
              "        try:\n"
              "            open(f'/proc/{p}/fd/{fd}', 'w').close()\n"
              "            reached.append((p, fd))\n"
              "        except OSError:\n"
              "            pass\n"
              "print(reached, os.readlink('/proc/self/fd/0'))")
    parent = "outside\n" if zygote.sharing(True) else \
        "refused 0 PermissionError\nrefused 1 PermissionError\n"
    assert out[0] == parent + "[] /dev/null\n"


def test_what_a_notebook_leaves_running_is_gone_before_the_next_one(tmp_path):
    run(tmp_path / "carol",
        "import subprocess\nsubprocess.Popen(['sleep', '600'], start_new_session=True)\n"
        "import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(600)")
    out = run(tmp_path / "carol",     # the student's processes (the sandbox's holder is not)
              "import os\nprint([p for p in os.listdir('/proc') if p.isdigit()\n"
              "       and int(p) not in (1, os.getpid(), os.getppid())\n"
              "       and os.stat(f'/proc/{p}').st_uid == os.getuid()])")
    assert out[0] == "[]\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="the shared warm parent needs a user per sandbox")
def test_students_share_one_warm_parent_each_in_a_sandbox_of_their_own(tmp_path):
    """The shared parent (grading as root, shortcuts on): one parent for every student, and each
    kernel in its student's own sandbox: their own user and files, nothing else of the machine,
    no network, the sandbox's limits and control groups, no capability left."""
    from autograder.grading.sandbox.policy import DEFAULT_LIMITS
    from autograder.settings import REPO
    status = ("import os, resource\n"
              "print(os.getuid(), sorted(os.listdir(os.path.dirname(os.getcwd()))),\n"
              f"      os.path.exists({str(REPO / 'autograder')!r}), os.path.exists('/sys'),\n"
              "      open('/proc/net/dev').read().count(':'),\n"
              "      resource.getrlimit(resource.RLIMIT_NPROC)[0],\n"
              "      [line.split()[1] for line in open('/proc/self/status')\n"
              "       if line.startswith(('CapEff', 'CapBnd', 'NoNewPrivs'))])")
    leave = "import subprocess\nsubprocess.Popen(['sleep', '600'], start_new_session=True)"
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "answer.txt").write_text("alice's")
    alice = run(tmp_path / "alice", status, leave)[0].split(" ", 1)
    first = zygote._serving
    uid = first.enclosure.uid
    groups = [g for g in first.enclosure.cgroups if "/pids/" in g]
    held = [open(f"/proc/{p}/cmdline").read().split("\0")
            for g in groups for p in open(f"{g}/cgroup.procs").read().split()]
    parent = zygote._parents[first.python]
    bob = run(tmp_path / "bob", status)[0].split(" ", 1)
    assert zygote._parents[first.python] is parent and parent.proc.poll() is None
    assert alice[0] != bob[0] and int(alice[0]) == uid
    zero = "0000000000000000"
    for name, seen in (("alice", alice[1]), ("bob", bob[1])):
        assert seen == (f"['{name}'] False False 1 {DEFAULT_LIMITS.processes} "
                        f"['{zero}', '{zero}', '1']\n")
    assert ["sleep", "600", ""] in held      # what the kernel left is in its sandbox's group


@pytest.mark.skipif(os.geteuid() != 0, reason="the shared warm parent needs a user per sandbox")
def test_a_kernel_that_cannot_enter_a_sandbox_is_not_started_there(tmp_path, monkeypatch):
    """The shared parent forks no kernel into namespaces that are not a sandbox's (here: the
    tutor's own, as if bubblewrap had named the wrong process); the kernel then starts on its
    own, in a sandbox of its own, and the notebook runs."""
    monkeypatch.setattr(zygote.Zygote, "_holder", lambda self: os.getpid())
    out = run(tmp_path / "grace", "import os, sys\n"
              "print(os.getuid() != 0, 'matplotlib.pyplot' in sys.modules)")
    assert out == ["True False\n"]        # sandboxed, and not forked from the warm parent


def test_a_kernel_that_kills_its_parent_costs_only_its_notebook(tmp_path):
    with pytest.raises(DeadKernelError):
        run(tmp_path / "dave", "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\n"
                               "time.sleep(30)")
    assert run(tmp_path / "dave", "print('graded')") == ["graded\n"]


def test_a_kernel_that_exits_is_seen_dead(tmp_path):
    with pytest.raises(DeadKernelError):
        run(tmp_path / "erin", "print('before')", "import os\nos._exit(3)", "print('after')")
    assert zygote._serving.alive()                 # its parent serves the next notebook


def test_an_interrupt_stops_a_loop_and_the_next_cell_runs(tmp_path):
    out = run(tmp_path / "frank", "while True:\n    pass", "print('after')", timeout=3)
    assert out[0].startswith("KeyboardInterrupt") and out[1] == "after\n"


def test_the_kernels_collector_skips_the_imports_unless_the_shortcuts_are_off(tmp_path,
                                                                             monkeypatch):
    """The warm parent freezes its imports (mdl_kernel.zygote); its kernels inherit that, and
    their own objects are still collected.  With the tutor's shortcuts off, nothing is frozen."""
    from autograder.grading import speedups
    cells = ("import gc\nprint(gc.get_freeze_count())",
             "import gc, weakref\nclass Node: pass\nnode = Node(); node.me = node\n"
             "alive = weakref.ref(node)\ndel node\ngc.collect()\nprint(alive() is None)")
    frozen, collected = run(tmp_path / "alice", *cells)
    assert int(frozen) > 10000 and collected == "True\n"
    zygote.close()
    monkeypatch.setenv(speedups.VARIABLE, "0")
    frozen, collected = run(tmp_path / "bob", *cells)
    assert int(frozen) == 0 and collected == "True\n"


def test_a_parent_that_cannot_start_says_so(tmp_path):
    with pytest.raises(zygote.ZygoteError, match="did not start|ended"):
        zygote.Zygote(str(tmp_path), "/bin/false", {}, sandboxed=False)


@pytest.mark.slow
def test_forked_kernels_grade_as_kernels_of_their_own(tmp_path):
    """The same submissions (correct, other correct forms, typical mistakes, a crash, a loop)
    graded by the warm grader with forked kernels and with kernels of their own: the same scores,
    and the same kinds of output (figures included) in every cell.

    No cell may reach the cell timeout by being slow on a loaded machine (a 5000-step training
    stopped on one path and not the other): the cell timeout is one only a hang reaches, except
    for the student whose loop must be stopped by it, who submits the loop's notebook alone
    (quick cells around one endless loop)."""
    from autograder import cli
    from autograder.grading.student import CourseFiles, Limits, grade_student, warm_server
    from autograder.sample_class import CRASH, FORMS, LOOP, MISTAKES
    from autograder.staging import release_cells, stage
    from autograder.submissions import write_submission
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)
    work = {"ada": None, "dan": FORMS, "cara": MISTAKES, "eve": CRASH, "lou": LOOP}
    timeout = {student: 300 for student in work}
    timeout["lou"] = 10
    for student, answers in work.items():
        write_submission(course, student, answers=answers,
                         notebooks=list(LOOP) if student == "lou" else None)
    expected = release_cells(course, LAB)
    files = CourseFiles.of_course(course, LAB, expected)
    try:
        for student in work:
            submission = stage(course, LAB, student, expected)
            forked, own = (grade_student(submission, files,
                                         Limits(cell_timeout=timeout[student], notebook_timeout=1800,
                                                fork_kernels=f))
                           for f in (True, False))
            assert forked.scores == own.scores, student
            assert _output_kinds(forked.autograded) == _output_kinds(own.autograded), student
            assert (forked.reasons, forked.excluded) == (own.reasons, own.excluded), student
    finally:
        warm_server().close()


def _output_kinds(files):
    """Each code cell's outputs as (type, data kinds, error name), a run of stream outputs of one
    name counted once: on a loaded machine ipykernel's flush of a print can time out, and the
    rest of the text then arrives as a second stream message (the same text, in two parts)."""
    kinds = {}
    for name, data in files.items():
        if name.endswith(".ipynb"):
            nb = nbformat.reads(data.decode(), as_version=4)
            kinds[name] = []
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                seen = []
                for o in cell.get("outputs", []):
                    kind = (o.output_type, o.get("name") or sorted(o.get("data", {})), o.get("ename"))
                    if not (seen and kind[0] == "stream" and seen[-1] == kind):
                        seen.append(kind)
                kinds[name].append(seen)
    assert kinds, "nothing was graded"
    return kinds
