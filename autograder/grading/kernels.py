"""Running the grading kernels: their manager, and nbgrader's Execute made to survive their death
and to hand each graded test cell its test inputs (`inputs.TestInputs`) outside the notebook.

`GradingKernelManager`: each kernel talks to nbgrader over Unix sockets of its own.

jupyter_client's IPC transport names its sockets after `ip`, which defaults to the relative path
"kernel-ipc" when the manager is made: every kernel of a class would share those names, relative
to different working folders.  `GradingKernelManager` gives each kernel an absolute path of its
own in a private temporary folder, so kernels started side by side can neither race for a TCP
port nor for a socket, and need no network to reach nbgrader.  (A kernel forked by a zygote has
its sockets in the zygote's folder instead: `sandbox.provisioner.SandboxProvisioner` moves `ip` there.)
"""
import json
import os
import tempfile
import uuid
from contextlib import contextmanager

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import DeadKernelError
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute as NbGraderExecute
from traitlets import Integer

RECORD_MIME = "application/vnd.maths-of-dl.answers+json"   # mdl_kernel.recording's
KB = 1024

from .inputs import receive_code

from ..assignment import being_graded
from ..settings import COURSE_KEY, override_from_environment


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
    the others have none.  `resources[COURSE_KEY]["kernel_died_in"]` holds the index of the
    cell, for the grader's feedback and flags; `...["timed_out"]` maps the index of each cell
    stopped at the time limit to the limit in seconds (`causes` says so in the feedback).

    Output is capped in bytes as it arrives (nbgrader's LimitOutput counts lines, and one line can
    be 20 MB): at most `max_cell_output_bytes` per cell and `max_notebook_output_bytes` per
    notebook; what passes a cap is left out, a stream cut where it passes, and the cell says so
    in a note (`TRUNCATED`), which the autograded notebook and the feedback show.  A graded test
    cell's record (RECORD_MIME) has a budget of its own (`max_record_bytes`), so that what the
    student's code printed before it cannot crowd it out.  Output a cell clears is given back.

    Only in the lab's assignment (`autograder.assignment`), whose grader scores a test cell from
    its record: in another assignment a test cell not run would score full points by nbgrader's
    rules, so there a dying kernel fails the notebook as it does in nbgrader.  Every assignment's
    kernels run in the sandbox all the same (the grading kernel spec).
    """

    max_cell_output_bytes = Integer(512 * KB,
                                    help="Bytes of output kept per cell").tag(config=True)
    max_notebook_output_bytes = Integer(2048 * KB,
                                        help="Bytes of output kept per notebook").tag(config=True)
    max_record_bytes = Integer(2048 * KB,
                               help="Bytes of a graded test cell's records").tag(config=True)

    @contextmanager
    def setup_kernel(self, **kwargs):
        # MATHS_OF_DL_CELL_TIMEOUT, MATHS_OF_DL_GRADING_KERNEL over nbgrader_config.py: here, as
        # the kernel starts (nbconvert's preprocess applies the configuration again before)
        override_from_environment(self)
        with super().setup_kernel(**kwargs):
            yield

    def preprocess(self, nb, resources=None, km=None):
        self._died_in = None
        self._notebook_used = 0
        self._cell = None
        self._survives = being_graded(resources) is not None
        return super().preprocess(nb, resources, km)

    # ---------------------------------------------------------------- output caps
    def _start_cell(self, cell):
        self._cell = {"used": 0, "records": 0, "noted": False,
                      "test": cell.cell_type == "code" and utils.is_grade(cell)
                      and not utils.is_solution(cell)}

    def _give_back(self, outs):
        """The cell's outputs are about to be cleared: their bytes (and its note) go."""
        freed = sum(_size(o) for o in outs)
        self._cell["used"] = max(0, self._cell["used"] - freed)
        self._notebook_used = max(0, self._notebook_used - freed)
        self._cell["noted"] = False

    def clear_output(self, outs, msg, cell_index):
        if self._cell is not None and not msg["content"].get("wait"):
            self._give_back(outs)
        return super().clear_output(outs, msg, cell_index)

    def output(self, outs, msg, display_id, cell_index):
        if self._cell is None:
            return super().output(outs, msg, display_id, cell_index)
        if self.clear_before_next_output:      # a clear_output(wait=True) before: done here
            self._give_back(outs)
            outs[:] = []
            self.clear_display_id_mapping(cell_index)
            self.clear_before_next_output = False
        content = msg["content"]
        size = _size(content)
        state = self._cell
        if state["test"] and RECORD_MIME in (content.get("data") or {}):
            if state["records"] + size <= self.max_record_bytes:
                state["records"] += size
                return super().output(outs, msg, display_id, cell_index)
            room = 0
        else:
            room = max(0, min(self.max_cell_output_bytes - state["used"],
                              self.max_notebook_output_bytes - self._notebook_used))
        if size <= room:
            state["used"] += size
            self._notebook_used += size
            return super().output(outs, msg, display_id, cell_index)
        out = None
        if msg["msg_type"] == "stream" and room > 0:
            content["text"] = content.get("text", "").encode()[:room].decode("utf-8", "ignore")
            kept = _size(content)
            state["used"] += kept
            self._notebook_used += kept
            out = super().output(outs, msg, display_id, cell_index)
        elif msg["msg_type"] == "error":
            content.update(evalue=str(content.get("evalue", ""))[:200],
                           traceback=[f"{content.get('ename', 'Error')}: "
                                      f"{str(content.get('evalue', ''))[:200]}"])
            out = super().output(outs, msg, display_id, cell_index)
        if not state["noted"]:
            state["noted"] = True
            outs.append(new_output("stream", name="stdout", text=TRUNCATED.format(
                cell=self.max_cell_output_bytes // KB,
                notebook=self.max_notebook_output_bytes // KB)))
        return out

    def _update_display_id(self, display_id, msg):
        """A display updated in place grows against the same budgets (or is replaced by the
        note)."""
        if self._cell is not None:
            size = _size(msg["content"])
            room = min(self.max_cell_output_bytes - self._cell["used"],
                       self.max_notebook_output_bytes - self._notebook_used)
            if size > room:
                msg["content"]["data"] = {"text/plain": TRUNCATED.format(
                    cell=self.max_cell_output_bytes // KB,
                    notebook=self.max_notebook_output_bytes // KB)}
                msg["content"]["metadata"] = {}
                size = _size(msg["content"])
            self._cell["used"] += size
            self._notebook_used += size
        return super()._update_display_id(display_id, msg)

    def preprocess_cell(self, cell, resources, index):
        if self._died_in is not None:
            if cell.cell_type == "code":
                cell.outputs = [new_output("stream", name="stdout", text=NOT_RUN)]
            return cell, resources
        self._timed_out = False
        self._start_cell(cell)
        try:
            given = resources.get(COURSE_KEY, {}).get("test_inputs", {}).get(index)
            if given is not None and cell.cell_type == "code":
                run_sync(self._send_inputs)(*given)
            cell, resources = super().preprocess_cell(cell, resources, index)
            if self._timed_out:
                resources.setdefault(COURSE_KEY, {}).setdefault("timed_out", {})[index] = \
                    self.timeout
            return cell, resources
        except (DeadKernelError, TimeoutError, RuntimeError) as error:
            if not self._survives:
                raise
            # a dead kernel, or one that no longer answers (a fork bomb starving it, say)
            self._died_in = index
            cell.outputs.append(new_output("error", ename="DeadKernelError", evalue=DIED,
                                           traceback=[f"DeadKernelError: {DIED}"]))
            resources.setdefault(COURSE_KEY, {})["kernel_died_in"] = index
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


def _size(output):
    """Bytes an output (or an output message's content) takes in the notebook, about."""
    size = 0
    for key in ("text", "ename", "evalue"):
        value = output.get(key)
        if isinstance(value, str):
            size += len(value.encode("utf-8", "replace"))
    for line in output.get("traceback") or ():
        size += len(str(line).encode("utf-8", "replace"))
    for value in (output.get("data") or {}).values():
        size += len(value.encode("utf-8", "replace")) if isinstance(value, str) \
            else len(json.dumps(value, default=str))
    if output.get("metadata"):
        size += len(json.dumps(output["metadata"], default=str))
    return size


TRUNCATED = ("[output truncated: this cell printed or displayed more than the grading keeps "
             "({cell} kB a cell, {notebook} kB a notebook); the rest of its output is left out]\n")
DIED = ("the kernel died, or stopped answering, while running this cell (it crashed, called "
        "os._exit, ran out of memory, or was swamped by its own processes); the cells after it "
        "were not run")
NOT_RUN = "[not run: the kernel died in an earlier cell]\n"
