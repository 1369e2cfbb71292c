"""mdl_kernel.jsonlines: the framing both forking servers (the kernels' warm parent and the class's
warm grader) and their clients share, over real pipes; and that each side's server speaks it."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mdl_kernel import jsonlines

REPO = Path(__file__).resolve().parent.parent


def test_a_message_goes_through_a_pipe_whole_and_the_end_is_told_apart():
    read, write = os.pipe()
    with os.fdopen(read, "r") as incoming, os.fdopen(write, "w") as outgoing:
        jsonlines.send(outgoing, {"start": '{"key": "a\\nb"}', "env": {"LANG": "C"}})
        jsonlines.send(outgoing, {"poll": 7})
        assert jsonlines.receive(incoming, 5) == {"start": '{"key": "a\\nb"}', "env": {"LANG": "C"}}
        assert jsonlines.receive(incoming) == {"poll": 7}
        with pytest.raises(jsonlines.Silent):
            jsonlines.receive(incoming, 0)          # nothing written: no answer now
        outgoing.close()
        with pytest.raises(jsonlines.Ended):
            jsonlines.receive(incoming, 5)


def test_lines_cut_anywhere_come_out_whole_and_blank_lines_are_skipped():
    data = b"".join(jsonlines.encode(m).encode() for m in ({"id": 1}, {"id": 2, "x": "\u00e9"}))
    data = b"\n" + data
    for cut in range(len(data) + 1):
        splitter = jsonlines.Splitter()
        got = splitter.messages(data[:cut]) + splitter.messages(data[cut:])
        assert got == [{"id": 1}, {"id": 2, "x": "\u00e9"}], cut
        assert splitter.pending == b""
    splitter = jsonlines.Splitter()
    assert splitter.messages(b'{"id": 3}') == []               # not a whole line yet
    assert splitter.messages(b"\n") == [{"id": 3}]


def test_the_ready_line_names_the_process_that_wrote_it():
    assert jsonlines.ready() == {"ready": os.getpid()}
    assert jsonlines.ready(threads=1) == {"ready": os.getpid(), "threads": 1}


def test_the_kernels_warm_parent_answers_in_the_protocol():
    """The kernel side's server, unsandboxed, in this environment: ready, then an answer per
    request, read back with the protocol's own reader."""
    proc = subprocess.Popen([sys.executable, "-m", "mdl_kernel.zygote"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    try:
        ready = jsonlines.receive(proc.stdout, 120)
        assert ready == {"ready": proc.pid, "threads": 1}
        jsonlines.send(proc.stdin, {"poll": 12345})
        assert jsonlines.receive(proc.stdout, 30) == {"exit": None}
        jsonlines.send(proc.stdin, {"what": 1})
        assert "unknown request" in jsonlines.receive(proc.stdout, 30)["error"]
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()


def test_the_kernel_side_protocol_imports_nothing_of_the_tutors_side():
    code = ("import sys, mdl_kernel.jsonlines\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('autograder', 'course')]")
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")
