"""The grading kernels' manager: each kernel talks to nbgrader over Unix sockets of its own.

jupyter_client's IPC transport names its sockets after `ip`, which defaults to the relative path
"kernel-ipc" when the manager is made: every kernel of a class would share those names, relative
to different working folders.  `GradingKernelManager` gives each kernel an absolute path of its
own in a private temporary folder, so kernels started side by side can neither race for a TCP
port nor for a socket, and need no network to reach nbgrader.
"""
import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager


class GradingKernelManager(AsyncKernelManager):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.transport == "ipc":
            folder = tempfile.mkdtemp(prefix="mdl-kernel-")
            os.chmod(folder, 0o700)
            self.ip = os.path.join(folder, uuid.uuid4().hex[:12])

    def cleanup_ipc_files(self):
        """Remove the sockets, then their folder."""
        super().cleanup_ipc_files()
        if self.transport == "ipc":
            try:
                os.rmdir(os.path.dirname(self.ip))
            except OSError:   # already gone, or a socket left by a kernel that is still alive
                pass
