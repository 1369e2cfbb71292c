"""Profile (not a test): where one warm grader's student spends the tutor's CPU.

    .venv/bin/python scripts/profile_student.py [--runs 2] [--top 25] [--sort tottime]
                                                [--sample] [--out stats.prof]

Makes a course with one correct student (`--sample`: student s07 of the sample class, whose
answers hold mistakes), warms up as a warm grader does (`grading.warm.warm_up`), grades the
student `--runs` times in this process exactly as the warm grader's forked child does
(`grading.warm.grade`: autograde, feedback, scores) and profiles the last run with cProfile.  The
kernels are processes of their own and not in the profile: it is the tutor's side only.  Prints
each run's wall and CPU seconds (this process's, and its children's: the kernels, their warm
parent and its sandbox) and the top entries (`--no-profile`: the times only).
"""
import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder import cli  # noqa: E402
from autograder.assignment import LAB  # noqa: E402
from autograder.grading import speedups  # noqa: E402


def course_folder(course, work, student):
    """A private course folder for `student`, as `grading.student` writes one for a task."""
    from autograder.grading.student import CourseFiles
    from autograder.staging import release_cells, stage
    expected = release_cells(course, LAB)
    files = CourseFiles.of_course(course, LAB, expected)
    submission = stage(course, LAB, student, expected)
    shutil.rmtree(work, ignore_errors=True)
    target = work / "submitted" / student / LAB.id
    target.mkdir(parents=True)
    (work / "nbgrader_config.py").write_text(files.config)
    (work / "gradebook.db").write_bytes(files.gradebook())
    (work / speedups.RELEASE_FILE).write_text(files.release_texts())
    for name, data in submission.files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_bytes(data)
    return work


class TreeCPU:
    """CPU seconds of this process and all it starts, however they end: a cgroup v1 `cpuacct`
    group of its own (root only; the sandbox moves kernels into cpu, pids and memory groups, never
    cpuacct).  None where it cannot be made."""

    ROOT = Path("/sys/fs/cgroup/cpuacct")

    def __init__(self):
        self.folder = self.ROOT / f"mdl-profile-{os.getpid()}"
        try:
            self.folder.mkdir()
            (self.folder / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            self.folder = None

    def seconds(self):
        if self.folder is None:
            return None
        return int((self.folder / "cpuacct.usage").read_text()) / 1e9

    def close(self):
        """Leave the group, and remove it once what this process started has ended."""
        if self.folder is not None:
            (self.ROOT / "cgroup.procs").write_text(str(os.getpid()))
            for _ in range(100):
                try:
                    self.folder.rmdir()
                    return
                except OSError:
                    time.sleep(0.1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--out", default=None)
    parser.add_argument("--no-profile", action="store_true", help="time the runs only")
    args = parser.parse_args()
    os.environ.setdefault("MATHS_OF_DL_CELL_TIMEOUT", "20")
    tree = TreeCPU()
    try:
        profile_runs(args, tree)
    finally:
        tree.close()


def profile_runs(args, tree):
    from autograder.grading import warm
    from autograder.grading.sandbox.enclosure import SCRATCH_VARIABLE
    from autograder.grading.student import Limits
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        course = cli.prepare(tmp / "course")
        cli.release(course, LAB)
        if args.sample:
            from autograder.sample_class import write_sample_class
            write_sample_class(course, 30)
            student = "s07"
        else:
            from autograder.submissions import write_submission
            student = "student0000"
            write_submission(course, student)
        os.environ.update(Limits(cell_timeout=20).env())
        (tmp / "scratch").mkdir()
        os.environ[SCRATCH_VARIABLE] = str(tmp / "scratch")
        warm.warm_up()
        for run in range(args.runs):
            work = course_folder(course, tmp / f"work{run}", student)
            if run == 0:          # the warm grader does it after forking its first student
                speedups.remember_release(work / speedups.RELEASE_FILE)
            os.chdir(work)
            profile = cProfile.Profile() if run == args.runs - 1 and not args.no_profile else None
            wall, cpu = time.monotonic(), time.process_time()
            tree_before = tree.seconds()
            if profile:
                profile.enable()
            ok = warm.grade(work, LAB.id, student, str(tmp / f"log{run}"))
            if profile:
                profile.disable()
            own = time.process_time() - cpu
            whole = tree.seconds() - tree_before if tree_before is not None else float("nan")
            print(f"run {run + 1}: graded={ok} {time.monotonic() - wall:.2f} s wall; CPU: "
                  f"{own:.2f} s in this process, {whole - own:.2f} s in what it started (the "
                  f"kernels, their warm parent, the sandbox), {whole:.2f} s in all")
        os.chdir(REPO)
        if args.no_profile:
            return
        stats = pstats.Stats(profile)
        if args.out:
            stats.dump_stats(args.out)
        stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
