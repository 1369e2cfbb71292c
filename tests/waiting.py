"""Waiting for a server or a file the test cannot be told about: a free port to start it on, and
a condition looked at again until it holds, or until a deadline that only a hang reaches."""
import socket
import time

HANG = 600   # seconds: no start or save on a busy machine takes this long; a hang does


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, seconds=HANG):
    """Whether `condition()` came true before `seconds` passed (an event seen from outside: a
    server that answers, a row a browser saved)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True
