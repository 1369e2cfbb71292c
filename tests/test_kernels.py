"""autograder.grading.kernels with real kernels (ipykernel, unsandboxed: the sandbox is tested in
tests/test_sandbox.py): each kernel's sockets in a private folder of its own, and a kernel that
dies costing only the cells from the one it died in."""
import json
import os
import stat
from pathlib import Path

import pytest

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.assignment import LAB
from autograder.grading.kernels import DIED, NOT_RUN, TRUNCATED, Execute, GradingKernelManager
from autograder.settings import COURSE_KEY


def test_each_kernel_has_private_sockets_removed_with_their_folder():
    first, second = GradingKernelManager(transport="ipc"), GradingKernelManager(transport="ipc")
    folder = os.path.dirname(first.ip)
    assert os.path.isabs(first.ip) and first.ip != second.ip
    assert folder != os.path.dirname(second.ip)
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700 and not os.listdir(folder)
    for manager in (first, second):
        manager.cleanup_ipc_files()
        assert not os.path.exists(os.path.dirname(manager.ip))
    first.cleanup_ipc_files()                   # already gone: nothing to do


def test_tcp_kernels_keep_their_address():
    assert GradingKernelManager(transport="tcp").ip == "127.0.0.1"


def execute(*cells, tmp_path, assignment=LAB.id):
    nb = new_notebook(cells=list(cells))
    resources = {"metadata": {"path": str(tmp_path)}, "nbgrader": {"assignment": assignment}}
    return Execute(kernel_name="python3", timeout=30,
                   kernel_manager_class=GradingKernelManager).preprocess(nb, resources)


def test_a_kernel_that_dies_costs_the_cells_from_the_one_it_died_in(tmp_path):
    nb, resources = execute(new_code_cell("x = 6 * 7\nprint(x)"),
                            new_code_cell("import os\nos._exit(3)"),
                            new_markdown_cell("prose"), new_code_cell("print(x)"),
                            tmp_path=tmp_path)
    assert nb.cells[0].outputs[0]["text"] == "42\n"                  # ran, and keeps its output
    died = nb.cells[1].outputs[-1]
    assert (died["output_type"], died["ename"], died["evalue"]) == ("error", "DeadKernelError",
                                                                   DIED)
    assert died["traceback"] == [f"DeadKernelError: {DIED}"]
    assert "outputs" not in nb.cells[2]
    assert [o["text"] for o in nb.cells[3].outputs] == [NOT_RUN]
    assert resources[COURSE_KEY] == {"kernel_died_in": 1}


def test_a_kernel_that_lives_runs_every_cell(tmp_path):
    nb, resources = execute(new_code_cell("x = 1"), new_code_cell("print(x + 1)"),
                            tmp_path=tmp_path)
    assert nb.cells[1].outputs[0]["text"] == "2\n" and "maths_of_dl" not in resources


# ---------------------------------------------------------------------------- output caps
HUGE_LINE = "print('x' * (3 << 20))"
HUGE_HTML = "from IPython.display import HTML, display\ndisplay(HTML('<p>' + 'y' * (3 << 20)))"


def _bytes(cell):
    return len(json.dumps(cell.get("outputs", [])))


def capped(*cells, tmp_path, **caps):
    nb = new_notebook(cells=list(cells))
    resources = {"metadata": {"path": str(tmp_path)}}
    return Execute(kernel_name="python3", timeout=60, kernel_manager_class=GradingKernelManager,
                   **caps).preprocess(nb, resources)[0]


def test_output_is_capped_in_bytes_per_cell_with_a_visible_note(tmp_path):
    nb = capped(new_code_cell(HUGE_LINE), new_code_cell(HUGE_HTML),
                new_code_cell("print('small')"), tmp_path=tmp_path)
    cap = Execute().max_cell_output_bytes
    for cell in nb.cells[:2]:
        assert _bytes(cell) < cap + 1000
        assert cell.outputs[-1]["text"] == TRUNCATED.format(cell=cap // 1024, notebook=2048)
    assert nb.cells[0].outputs[0]["text"].startswith("x" * 1000)    # the stream is cut, kept
    assert [o.get("text") for o in nb.cells[2].outputs] == ["small\n"]


def test_output_is_capped_per_notebook(tmp_path):
    many = "for _ in range(8):\n    print('z' * 400_000)"
    nb = capped(*[new_code_cell(many) for _ in range(4)], new_code_cell("print('last')"),
                tmp_path=tmp_path, max_cell_output_bytes=800_000,
                max_notebook_output_bytes=2_000_000)
    assert sum(_bytes(c) for c in nb.cells) < 2_000_000 + 5000
    assert TRUNCATED.format(cell=781, notebook=1953) in nb.cells[2].outputs[-1]["text"]
    assert "last" not in json.dumps(nb.cells[4].outputs)       # the notebook's budget is spent
    assert "[output truncated" in json.dumps(nb.cells[4].outputs)


def test_a_graded_test_cells_record_is_kept_after_a_flood_of_prints(tmp_path):
    from autograder.grading.kernels import RECORD_MIME
    test_cell = new_code_cell(
        "print('w' * (3 << 20))\n"
        "from IPython.display import display\n"
        f"display({{'{RECORD_MIME}': {{'exercise': 'F1a'}}}}, raw=True)",
        metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                               "grade_id": "F1a", "points": 2, "schema_version": 3}})
    nb = capped(test_cell, tmp_path=tmp_path)
    kinds = [sorted(o.get("data", {})) for o in nb.cells[0].outputs]
    assert [RECORD_MIME] in kinds and _bytes(nb.cells[0]) < Execute().max_cell_output_bytes * 2


FLOOD = {"01_forward_pass": {"F1a_answer": (
    "from IPython.display import HTML, display\n"
    "print('x' * (20 << 20))\n"
    "display(HTML('<p>' + 'y' * (20 << 20) + '</p>'))\n"
    "z_1a = X_1a @ w_1a + b_1a\n")}}


@pytest.mark.slow
def test_nbgrader_autograde_by_hand_keeps_a_flood_of_output_out(tmp_path):
    """A 20 MB line and a 20 MB HTML display in one answer: real `nbgrader autograde` and
    `generate_feedback` with the course's configuration; the autograded notebook and the feedback
    page stay small, say what was left out, and the student is graded as usual."""
    import subprocess
    import sys

    from autograder import cli
    from autograder.submissions import write_submission
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)
    write_submission(course, "flood", answers=FLOOD, notebooks=["01_forward_pass"])
    env = dict(os.environ,
               PATH=f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")
    for step in (["autograde"], ["generate_feedback", "--force"]):
        subprocess.run([sys.executable, "-m", "nbgrader", *step, LAB.id], cwd=course,
                       env=env, check=True, capture_output=True, timeout=900)
    student = Path(course) / "{}" / "flood" / LAB.id
    notebook = Path(str(student).format("autograded")) / "01_forward_pass.ipynb"
    page = Path(str(student).format("feedback")) / "01_forward_pass.html"
    for path in (notebook, page):
        assert path.stat().st_size < 3 << 20, path
        assert "[output truncated" in path.read_text()
    with open(notebook) as f:
        points = json.load(f)["metadata"][COURSE_KEY]["grading"]["exercises"]["F1a"]["points"]
    assert points == 2.0


def test_output_a_cell_clears_is_given_back(tmp_path):
    """A progress display cleared and redrawn (as tqdm does) keeps only what it shows last."""
    redraw = ("from IPython.display import clear_output\n"
              "for step in range(12):\n"
              "    clear_output(wait=step % 2 == 0)\n"
              "    print(step, 'p' * 200_000)\n")
    nb = capped(new_code_cell(redraw), tmp_path=tmp_path)
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert text.startswith("11 ") and "[output truncated" not in text


def test_in_another_assignment_a_dying_kernel_fails_the_notebook_as_in_nbgrader(tmp_path):
    # there a test cell left with a "not run" line would score full points by nbgrader's rules
    import pytest
    from nbclient.exceptions import DeadKernelError
    with pytest.raises(DeadKernelError):
        execute(new_code_cell("import os\nos._exit(3)"), new_code_cell("assert False"),
                tmp_path=tmp_path, assignment="week_2_quiz")
