"""Class grading's progress: how many students are done, running, need a look; the ETA.

On a terminal, one line redrawn at most twice a second:

    [##########....................] 10/30 running 3 review 2 failed 0 elapsed 0:41 ETA 1:22

elsewhere (a log, CI), the same line for the first student done (an ETA at once), then every
10% of the class or every 30 s.  The ETA is the time
per student so far times the students left.
"""
import time


def clock(seconds):
    """m:ss of a number of seconds ("--:--" when unknown)."""
    if seconds != seconds or seconds == float("inf"):
        return "--:--"
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    WIDTH = 30

    def __init__(self, out, now=time.monotonic):
        self.out, self.now = out, now
        self.tty = hasattr(out, "isatty") and out.isatty()

    def start(self, total, skipped):
        self.total, self.done, self.review, self.failed = total, 0, 0, 0
        self.running = 0
        self.t0 = self.last = self.now()
        self.printed = -1
        print(f"grading {total} submission(s); {skipped} unchanged since the last run",
              file=self.out, flush=True)

    def line(self):
        elapsed = self.now() - self.t0
        eta = elapsed / self.done * (self.total - self.done) if self.done else float("nan")
        fill = self.WIDTH * self.done // max(self.total, 1)
        running = min(self.running, self.total - self.done)   # never more than are left
        return (f"[{'#' * fill}{'.' * (self.WIDTH - fill)}] {self.done}/{self.total} "
                f"running {running} review {self.review} failed {self.failed} "
                f"elapsed {clock(elapsed)} ETA {clock(eta)}")

    def step(self, status):
        """A student is done: status "ok", "review" or "failed"."""
        self.done += 1
        self.running = max(self.running - 1, 0)       # it was one of those running
        self.review += status == "review"
        self.failed += status == "failed"
        tenth = self.done * 10 // max(self.total, 1)
        if not self.tty and (tenth > self.printed or self.now() - self.last > 30
                             or self.done == self.total):
            self.printed, self.last = tenth, self.now()
            print(self.line(), file=self.out, flush=True)

    def draw(self, running):
        self.running = running
        if self.tty and self.now() - self.last > 0.5:
            self.last = self.now()
            print("\r" + self.line(), end="", file=self.out, flush=True)

    def finish(self, interrupted=False):
        self.running = 0
        if self.tty:
            print("\r" + self.line(), file=self.out, flush=True)
        elapsed = self.now() - self.t0
        print(("stopped (Ctrl-C): " if interrupted else "")
              + f"graded {self.done} submission(s) in {elapsed:.1f} s"
              + (f" ({elapsed / self.done:.2f} s each)" if self.done else ""), file=self.out,
              flush=True)
