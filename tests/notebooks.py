"""Running a few cells as a notebook the way nbgrader's Execute does, for the tests of the
grading kernels (test_sandbox, test_zygote)."""
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from traitlets.config import Config

from autograder.grading.kernels import GradingKernelManager
from autograder.settings import grading_kernel


def run_cells(folder, *cells, fork=True, timeout=30, sandbox=None):
    """Run `cells` as one notebook in a kernel of the grading kernel spec, in `folder` (made if
    needed), with `fork_kernels` as given and the SandboxProvisioner's traitlets `sandbox` (a
    dict, say {"memory_bytes": n}); the text of each cell's outputs, an error as
    "ename: evalue"."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    config = Config()
    config.KernelManager.transport = "ipc"
    config.SandboxProvisioner.fork_kernels = fork
    for name, value in (sandbox or {}).items():
        setattr(config.SandboxProvisioner, name, value)
    NotebookClient(nb, config=config, kernel_name=grading_kernel(), timeout=timeout,
                   allow_errors=True, interrupt_on_timeout=True,
                   kernel_manager_class=GradingKernelManager,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return ["".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                    or f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs)
            for cell in nb.cells]
