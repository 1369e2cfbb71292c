"""The grading kernels' provisioner: every kernel of the grading kernel spec in a sandbox.

`SandboxProvisioner` is a jupyter_client kernel provisioner, named in the grading kernel spec
(`metadata.kernel_provisioner`), so every kernel that `nbgrader autograde` or the class tool
starts from that spec is wrapped, whatever starts it (see the package's docstring).  Its limits
are traitlets, set in the course's nbgrader_config.py (`c.SandboxProvisioner.memory_bytes`...).
"""
import os
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Bool, Int

from ..zygote import ZygoteError, serving
from .enclosure import Enclosure
from .output import KernelOutput
from .policy import DEFAULT_LIMITS, SandboxLimits, enclosure_allowed, environment


FORK_VARIABLE = "MATHS_OF_DL_FORK_KERNELS"   # "1" or "0": overrides fork_kernels


def forking(configured):
    """Whether kernels are forked from a warm parent: MATHS_OF_DL_FORK_KERNELS ("1" or "0") when
    set, else the `fork_kernels` configured."""
    value = os.environ.get(FORK_VARIABLE)
    return value == "1" if value in ("0", "1") else configured


def _limit(name, text):
    return Int(getattr(DEFAULT_LIMITS, name), config=True, help=text)


class SandboxProvisioner(LocalProvisioner):
    """A local kernel, started under bubblewrap (see the package's docstring).

    With `fork_kernels` (the class tool's warm graders turn it on unless the course's
    nbgrader_config.py sets it; MATHS_OF_DL_FORK_KERNELS overrides both), a kernel is instead
    forked from the warm parent of the folder it runs in (`grading.zygote`): one sandbox, made
    the same way, for all the notebooks of one student, which nbgrader runs in one folder one
    after another."""

    fork_kernels = Bool(False, config=True,
                        help="Fork each kernel from a warm parent per working folder (one "
                             "student's notebooks), in that parent's sandbox")
    address_space = _limit("address_space", "Bytes of address space of each process of a kernel")
    processes = _limit("processes", "Processes and threads of a kernel's user (and its group)")
    file_size = _limit("file_size", "Bytes of one file a kernel writes")
    cpu_seconds = _limit("cpu_seconds", "CPU seconds of a kernel (a whole notebook)")
    open_files = _limit("open_files", "Open files of each process of a kernel")
    tmp_bytes = _limit("tmp_bytes", "Bytes of a kernel's /tmp, and of its home")
    memory_bytes = _limit("memory_bytes", "Bytes of memory of all a kernel's processes together "
                                          "(where grading may make control groups: root)")
    enclosure = None
    zygote = None
    unforked = None      # pre_launch's arguments, for a kernel its zygote could not start
    sandboxed = True
    output = None
    exit_status = None

    def limits(self):
        """The sandbox's limits, from the traitlets above."""
        return SandboxLimits(**{name: getattr(self, name)
                                for name in SandboxLimits.__dataclass_fields__})

    async def pre_launch(self, **kwargs):
        km = self.parent
        sandboxed = enclosure_allowed(km)
        cwd = os.path.abspath(kwargs.get("cwd") or os.getcwd())
        env = kwargs.get("env") or dict(os.environ)
        if forking(self.fork_kernels):
            python = self.kernel_spec.argv[0]
            try:
                self.zygote = serving(cwd, python, environment(env, [python])
                                      if sandboxed else env, sandboxed, self.limits())
            except ZygoteError as error:
                self.log.warning("Starting the kernel on its own: %s", error)
            else:
                km.ip = self.zygote.socket_path()
        kwargs = await super().pre_launch(**kwargs)
        self.sandboxed = sandboxed
        if self.zygote is not None:           # the zygote's sandbox is made: the kernel's env
            self.unforked = dict(kwargs, env=env)
            if sandboxed:
                kwargs["env"] = environment(env, kwargs["cmd"])
            return kwargs
        return self._enclosed(kwargs, env) if sandboxed else kwargs

    def _enclosed(self, kwargs, env):
        """`kwargs` (pre_launch's) with the kernel's command in a sandbox of its own."""
        km = self.parent
        cwd = os.path.abspath(kwargs.get("cwd") or os.getcwd())
        self.enclosure = Enclosure(kwargs["cmd"], env, cwd, readonly=[km.connection_file],
                                   shared=[os.path.dirname(km.ip)], limits=self.limits())
        kwargs["cmd"], kwargs["env"] = self.enclosure.cmd, self.enclosure.env
        return kwargs

    async def launch_kernel(self, cmd, **kwargs):
        if self.zygote is not None:
            try:
                self.process = self.zygote.start(Path(self.parent.connection_file).read_text(),
                                                 kwargs.get("env") or {})
            except ZygoteError as error:      # in a sandbox of its own, as without a parent
                self.log.warning("Starting the kernel on its own: %s", error)
                self.zygote, unforked = None, dict(self.unforked)
                kwargs = dict(kwargs, **(self._enclosed(unforked, unforked["env"])
                                         if self.sandboxed else unforked))
                cmd = kwargs.pop("cmd")
            else:
                self.pid, self.pgid = self.process.pid, None   # signals go through the parent
                self.cwd = kwargs.get("cwd")
                return self.connection_info
        self.output = KernelOutput()
        kwargs.update(stdin=self.output.stdin, stdout=self.output.file, stderr=self.output.file)
        return await super().launch_kernel(cmd, **kwargs)

    async def wait(self):
        status = await super().wait()
        self.exit_status = status if self.exit_status is None else self.exit_status
        return status

    async def cleanup(self, restart=False):
        await super().cleanup(restart)
        if self.output:
            tail = self.output.tail()
            if self.exit_status is None and self.process is not None:
                self.exit_status = self.process.poll()
            if tail and self.exit_status not in (None, 0):
                self.log.warning("The kernel ended with status %s; the end of what it wrote "
                                 "outside its cells: %s", self.exit_status, tail)
            self.output.close()
            self.output = None
        self.exit_status = None
        if self.enclosure and not restart:
            self.enclosure.release()
            self.enclosure = None
