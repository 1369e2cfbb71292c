"""Running the grading kernels: their manager, and nbgrader's Execute made to survive their death
and to hand each graded test cell its test inputs (`inputs.TestInputs`) outside the notebook.

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
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute as NbGraderExecute

from .inputs import receive_code


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
    cell, for the grader's feedback and flags; `...["timed_out"]` maps the index of each cell
    stopped at the time limit to the limit in seconds (`causes` says so in the feedback).
    """

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:
            if cell.cell_type == "code":
                cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell, resources
        self._timed_out = False
        try:
            given = resources.get("maths_of_dl", {}).get("test_inputs", {}).get(index)
            if given is not None and cell.cell_type == "code":
                run_sync(self._send_inputs)(*given)
            cell, resources = super().preprocess_cell(cell, resources, index)
            if self._timed_out:
                resources.setdefault("maths_of_dl", {}).setdefault("timed_out", {})[index] = \
                    self.timeout
            return cell, resources
        except (DeadKernelError, TimeoutError, RuntimeError) as error:
            # a dead kernel, or one that no longer answers (a fork bomb starving it, say)
            self._died_in = index
            cell.outputs.append(new_output("error", ename="DeadKernelError", evalue=DIED,
                                           traceback=[f"DeadKernelError: {DIED}"]))
            resources.setdefault("maths_of_dl", {})["kernel_died_in"] = index
            self.log.warning("The kernel died or stopped answering in cell %d (%s: %s); the "
                             "cells after it were not run", index, type(error).__name__, error)
            return cell, resources

    async def _async_handle_timeout(self, timeout, cell=None):
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)


    async def _send_inputs(self, grade_id, packed):
        """Hand the test inputs of a graded test cell to the kernel before it runs the cell
        (`inputs.TestInputs`): a silent execution, kept in no history and showing nothing."""
        msg_id = await ensure_async(self.kc.execute(receive_code(grade_id, packed), silent=True,
                                                    store_history=False, allow_stdin=False,
                                                    stop_on_error=False))
        await self.async_wait_for_reply(msg_id)


DIED = ("the kernel died, or stopped answering, while running this cell (it crashed, called "
        "os._exit, ran out of memory, or was swamped by its own processes); the cells after it "
        "were not run")
NOT_RUN = "[not run: the kernel died in an earlier cell]\n"
