"""Running the grading kernels: their manager, and nbgrader's Execute made to survive their death.

`GradingKernelManager`: each kernel talks to nbgrader over Unix sockets of its own.

jupyter_client's IPC transport names its sockets after `ip`, which defaults to the relative path
"kernel-ipc" when the manager is made: every kernel of a class would share those names, relative
to different working folders.  `GradingKernelManager` gives each kernel an absolute path of its
own in a private temporary folder, so kernels started side by side can neither race for a TCP
port nor for a socket, and need no network to reach nbgrader.  (A kernel forked by a zygote has
its sockets in the zygote's folder instead: `sandbox.SandboxProvisioner` moves `ip` there.)
"""
import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute as NbGraderExecute

from ..assignment import being_graded


class GradingKernelManager(AsyncKernelManager):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.ipc_folder = None
        if self.transport == "ipc":
            self.ipc_folder = tempfile.mkdtemp(prefix="mdl-kernel-")
            os.chmod(self.ipc_folder, 0o700)
            self.ip = os.path.join(self.ipc_folder, uuid.uuid4().hex[:12])

    def cleanup_ipc_files(self):
        """Remove the sockets, then their own folder."""
        super().cleanup_ipc_files()
        if self.ipc_folder:
            try:
                os.rmdir(self.ipc_folder)
            except OSError:   # already gone, or a socket left by a kernel that is still alive
                pass


class Execute(NbGraderExecute):
    """nbgrader's Execute, except that a kernel that dies costs only what it had not done.

    nbgrader aborts the whole notebook when its kernel dies (a crash, `os._exit`, a segfault, the
    sandbox's memory limit) or stops answering (nbclient's timeouts), so every test cell, even
    those that had run, scored 0.  Here the cell
    it died in gets an error output saying so, the cells after it are not run (each code cell
    says why), and the notebook goes on to be graded: the test cells that ran keep their records,
    the others have none.  `resources["maths_of_dl"]["kernel_died_in"]` holds the index of the
    cell, for the grader's feedback and flags.

    Only in the lab's assignment (`autograder.assignment`), whose grader scores a test cell from
    its record: in another assignment a test cell not run would score full points by nbgrader's
    rules, so there a dying kernel fails the notebook as it does in nbgrader.  Every assignment's
    kernels run in the sandbox all the same (the grading kernel spec).
    """

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._survives = being_graded(resources) is not None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:
            if cell.cell_type == "code":
                cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except (DeadKernelError, TimeoutError, RuntimeError) as error:
            if not self._survives:
                raise
            # a dead kernel, or one that no longer answers (a fork bomb starving it, say)
            self._died_in = index
            cell.outputs.append(new_output("error", ename="DeadKernelError", evalue=DIED,
                                           traceback=[f"DeadKernelError: {DIED}"]))
            resources.setdefault("maths_of_dl", {})["kernel_died_in"] = index
            self.log.warning("The kernel died or stopped answering in cell %d (%s: %s); the "
                             "cells after it were not run", index, type(error).__name__, error)
            return cell, resources


DIED = ("the kernel died, or stopped answering, while running this cell (it crashed, called "
        "os._exit, ran out of memory, or was swamped by its own processes); the cells after it "
        "were not run")
NOT_RUN = "[not run: the kernel died in an earlier cell]\n"
