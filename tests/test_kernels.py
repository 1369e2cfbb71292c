"""autograder.grading.kernels with real kernels (ipykernel, unsandboxed: the sandbox is tested in
tests/test_sandbox.py): each kernel's sockets in a private folder of its own, and a kernel that
dies costing only the cells from the one it died in."""
import os
import stat

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.grading.kernels import DIED, NOT_RUN, Execute, GradingKernelManager
from autograder.settings import ASSIGNMENT


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


def execute(*cells, tmp_path, assignment=ASSIGNMENT):
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
    assert resources["maths_of_dl"] == {"kernel_died_in": 1}


def test_a_kernel_that_lives_runs_every_cell(tmp_path):
    nb, resources = execute(new_code_cell("x = 1"), new_code_cell("print(x + 1)"),
                            tmp_path=tmp_path)
    assert nb.cells[1].outputs[0]["text"] == "2\n" and "maths_of_dl" not in resources


def test_in_another_assignment_a_dying_kernel_fails_the_notebook_as_in_nbgrader(tmp_path):
    # there a test cell left with a "not run" line would score full points by nbgrader's rules
    import pytest
    from nbclient.exceptions import DeadKernelError
    with pytest.raises(DeadKernelError):
        execute(new_code_cell("import os\nos._exit(3)"), new_code_cell("assert False"),
                tmp_path=tmp_path, assignment="week_2_quiz")
