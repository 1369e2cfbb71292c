"""The forking servers' protocol: one JSON object per line, each way, over a pipe.

Two servers speak it: the warm parent of a student's kernels (`mdl_kernel.zygote`, in the grading
kernel's environment) and the warm grader of a class's worker (`autograder.grading.warm`, in the
tutor's).  Each writes `ready()` as its first line once it has warmed up, then answers requests;
their clients (`autograder.grading.zygote`, `autograder.grading.student`) write requests with
`send` and read answers with `receive` (waiting at most so long) or `decode`.  What a request asks
and what an answer says is each server's own; this module only frames the messages.  It holds no
answer and imports nothing of the tutor's side, so both sides can import it.
"""
import json
import os
import select


class Ended(EOFError):
    """The other side closed its end of the pipe."""


class Silent(TimeoutError):
    """The other side wrote no line in the time allowed."""


def encode(message):
    """`message` (a JSON-able dict) as one line."""
    return json.dumps(message) + "\n"


def decode(line):
    """The message of one line (bytes or text)."""
    return json.loads(line)


def send(stream, message):
    """Write `message` as one line to the text stream `stream`, and flush it."""
    stream.write(encode(message))
    stream.flush()


def ready(**details):
    """A server's first line: it has warmed up; its process id and any `details`."""
    return {"ready": os.getpid(), **details}


def receive(stream, seconds=None):
    """The next message on the text stream `stream` (line-buffered), waiting at most `seconds`
    (None: as long as it takes); Silent when none came in time, Ended when the stream closed."""
    if seconds is not None:
        waiting, _, _ = select.select([stream], [], [], seconds)
        if not waiting:
            raise Silent(f"no answer in {seconds:g} s")
    line = stream.readline()
    if not line:
        raise Ended("the other side closed the pipe")
    return decode(line)


class Splitter:
    """Whole lines out of the chunks read from a raw descriptor (`os.read`), for a server that
    waits on its input with `select` while it also watches its children."""

    def __init__(self):
        self.pending = b""

    def messages(self, chunk):
        """The messages of every line that `chunk` completes (blank lines skipped)."""
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        return [decode(line) for line in lines if line.strip()]
