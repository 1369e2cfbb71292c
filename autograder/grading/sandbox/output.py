"""A grading kernel's own standard streams, never the grading process's."""
import os
import subprocess
import tempfile


class KernelOutput:
    """A kernel's own standard streams: input /dev/null; output and errors an unnamed file of the
    grading side (the sandboxed kernel's file-size limit bounds it), gone when closed.  A kernel
    writes there only what it prints outside its cells (ipykernel sends what cells print to the
    notebook): start-up errors, a crash's last words.  `tail` is for the grading log."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.stdin = subprocess.DEVNULL

    def tail(self, limit=1000):
        """The end of what the kernel wrote, as one escaped line (it cannot forge log lines)."""
        try:
            size = os.fstat(self.file.fileno()).st_size
            data = os.pread(self.file.fileno(), limit, max(0, size - limit))
        except (OSError, ValueError):
            return ""
        return repr(data.decode("utf-8", "replace")) if data.strip() else ""

    def close(self):
        self.file.close()
