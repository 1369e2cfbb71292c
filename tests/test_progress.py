"""autograder.progress: the progress line of class grading, on a clock the test turns."""
import io

import pytest

from autograder.progress import Progress, clock


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("seconds,text", [(0, "0:00"), (59.9, "0:59"), (61, "1:01"),
                                          (3600, "60:00"), (float("nan"), "--:--"),
                                          (float("inf"), "--:--")])
def test_clock(seconds, text):
    assert clock(seconds) == text


def test_the_line_counts_done_running_review_failed_and_the_eta():
    now = Clock()
    progress = Progress(io.StringIO(), now=now)
    progress.start(4, skipped=2)
    assert "ETA --:--" in progress.line() and "0/4" in progress.line()
    now.t += 10
    progress.step("ok")
    now.t += 10
    progress.step("review")
    progress.draw(running=2)
    line = progress.line()
    # 2 of 4 done in 20 s: 10 s each, 2 left
    assert line.startswith("[" + "#" * 15 + "." * 15 + "] 2/4 ")
    assert "running 2 review 1 failed 0 elapsed 0:20 ETA 0:20" in line
    progress.step("failed")
    assert "review 1 failed 1" in progress.line()


def test_a_log_gets_a_line_per_tenth_and_a_summary():
    now, out = Clock(), io.StringIO()
    progress = Progress(out, now=now)
    progress.start(20, skipped=0)
    for _ in range(20):
        now.t += 1
        progress.step("ok")
        progress.draw(running=3)          # no redraw on a log
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines[0] == "grading 20 submission(s); 0 unchanged since the last run"
    # the first student (an ETA at once), then every tenth of the class
    assert [line.split()[1] for line in lines[1:-1]] == ["1/20"] + [f"{k}/20" for k in
                                                                    range(2, 21, 2)]
    assert lines[-1] == "graded 20 submission(s) in 20.0 s (1.00 s each)"
    assert "\r" not in out.getvalue()


def test_a_terminal_gets_one_line_redrawn():
    now, out = Clock(), Terminal()
    progress = Progress(out, now=now)
    progress.start(3, skipped=0)
    now.t += 1
    progress.step("ok")
    progress.draw(running=2)
    now.t += 0.2
    progress.draw(running=2)             # at most twice a second
    assert out.getvalue().count("\r") == 1
    now.t += 1
    progress.draw(running=1)
    assert out.getvalue().count("\r") == 2 and "running 1" in out.getvalue()


def test_running_counts_only_students_still_running():
    """A student done is no longer running: the last line of a class reads "3/3 running 0"."""
    now, out = Clock(), io.StringIO()
    progress = Progress(out, now=now)
    progress.start(3, skipped=0)
    progress.draw(running=3)               # the whole class in flight
    for _ in range(3):
        now.t += 1
        progress.step("ok")                # drawn again only after the coordinator's round
    lines = out.getvalue().splitlines()
    assert [" ".join(line.split()[1:4]) for line in lines[1:4]] == [
        "1/3 running 2", "2/3 running 1", "3/3 running 0"]
    progress.draw(running=1)               # a stale count is never more than are left
    assert "3/3 running 0" in progress.line()


def test_an_interrupted_run_says_so():
    now, out = Clock(), io.StringIO()
    progress = Progress(out, now=now)
    progress.start(3, skipped=0)
    now.t += 1
    progress.step("ok")
    progress.finish(interrupted=True)
    assert out.getvalue().splitlines()[-1] == \
        "stopped (Ctrl-C): graded 1 submission(s) in 1.0 s (1.00 s each)"
