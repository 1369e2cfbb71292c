"""autograder.cli without nbgrader's commands (those run in tests/test_course.py and
tests/test_class_grading.py): the options, the course folder, the sample class, the report and
the `documents` hand-over."""
import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from autograder import cli
from autograder.sample_class import STUDENTS
from autograder.assignment import LAB, WEEKS

REPO = Path(__file__).resolve().parent.parent
COMMANDS = ["release", "sample-class", "autograde", "feedback", "grades", "grade-class", "report",
            "demo"]


def test_defaults():
    args = cli.build_parser().parse_args(["grade-class"])
    assert vars(args) == {"command": "grade-class", "course": ".", "assignment": None,
                          "workers": None, "scheduler": None, "zip": [],
                          "notebook_timeout": None, "memory_mb": 4096, "force": False,
                          "student": None, "quiet": False, "roster": None,
                          "unsandboxed": False}


def test_every_option_is_read():
    args = cli.build_parser().parse_args([
        "grade-class", "week_2_quiz", "--course", "/srv/course", "--workers", "3", "--scheduler",
        "tcp://10.0.0.5:8786", "--zip", "a.zip", "--zip",
        "b.zip", "--notebook-timeout", "90.5", "--memory-mb", "2048", "--force", "--student", "ada",
        "--student", "bob", "--quiet", "--roster", "r.csv", "--unsandboxed"])
    assert vars(args) == {"command": "grade-class", "course": "/srv/course",
                          "assignment": "week_2_quiz", "workers": 3,
                          "scheduler": "tcp://10.0.0.5:8786", "zip": ["a.zip", "b.zip"],
                          "notebook_timeout": 90.5, "memory_mb": 2048,
                          "force": True, "student": ["ada", "bob"], "quiet": True,
                          "roster": "r.csv", "unsandboxed": True}
    args = cli.build_parser().parse_args(["grades", "--into", "sheet.csv", "--assignment", "4411",
                                          "--roster", "r.csv"])
    assert (args.assignment, args.into, args.lms_assignment, args.roster) == \
        (None, "sheet.csv", "4411", "r.csv")      # --assignment: the LMS's, as before
    assert cli.build_parser().parse_args(["grades", "--lms-assignment", "4411"]).lms_assignment \
        == "4411"
    assert cli.build_parser().parse_args(["demo", "--students", "12"]).students == 12


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_known(command):
    assert cli.build_parser().parse_args([command]).command == command


def test_the_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["--help"])
    assert exit.value.code == 0
    listed = capsys.readouterr().out
    for command in COMMANDS + ["documents"]:
        assert f"\n    {command}" in listed, command


@pytest.mark.parametrize("argv", [[], ["grade"], ["grade-class", "--workers", "two"],
                                  ["report", "--memory-mb", "1.5"], ["report", "--nope"],
                                  ["grade-class", "a", "b"], ["release", "--zip", "x.zip"]])
def test_bad_command_lines_exit_with_status_2(argv, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    assert exit.value.code == 2
    assert "usage: maths-of-dl" in capsys.readouterr().err


def _two_assignments(course):
    (course / "source" / LAB.id).mkdir(parents=True)
    (course / "source" / "week_2_quiz").mkdir()
    (course / "nbgrader_config.py").write_text("")
    return course


@pytest.mark.parametrize("command", ["release", "autograde", "feedback", "grades", "grade-class",
                                     "report"])
def test_an_assignment_is_never_guessed(command, tmp_path, capsys):
    """Two assignments and none named: one line lists them, nothing is written."""
    course = _two_assignments(tmp_path)
    before = sorted(course.rglob("*"))
    assert cli.main([command, "--course", str(course)]) == 2
    said = capsys.readouterr().err.strip()
    assert len(said.splitlines()) == 1
    assert f"{LAB.id}, week_2_quiz" in said and f"maths-of-dl {command} {LAB.id}" in said
    assert sorted(course.rglob("*")) == before


@pytest.mark.parametrize("given", ["week_3_quiz", "a/b", ".grading"])
def test_an_assignment_the_course_has_not_is_refused(given, tmp_path, capsys):
    course = _two_assignments(tmp_path)
    before = sorted(course.rglob("*"))
    assert cli.main(["grade-class", given, "--course", str(course)]) == 2
    said = capsys.readouterr().err.strip()
    assert len(said.splitlines()) == 1 and given in said, said
    assert sorted(course.rglob("*")) == before


def test_the_only_assignment_may_be_left_out(tmp_path):
    from autograder.preflight import choose_assignment
    (tmp_path / "source" / "week_2_quiz").mkdir(parents=True)
    (tmp_path / "nbgrader_config.py").write_text("")
    assignment, problem = choose_assignment(tmp_path)
    assert problem is None and assignment.id == "week_2_quiz" and assignment.catalogue == {}
    (tmp_path / "source" / LAB.id).mkdir()
    assert choose_assignment(tmp_path)[0] is None
    assert choose_assignment(tmp_path, LAB.id) == (LAB, None)


def test_prepare_copies_the_configuration_source_and_release(tmp_path):
    course = cli.prepare(tmp_path / "new" / "course")
    assert course == tmp_path / "new" / "course"
    assert (course / "nbgrader_config.py").read_bytes() == \
        (REPO / "nbgrader_config.py").read_bytes()
    for part in ("source", "release"):
        names = sorted(p.name for p in (course / part / LAB.id).iterdir())
        assert names == sorted(p.name for p in (REPO / part / LAB.id).iterdir())
    stale = course / "source" / LAB.id / "stale.ipynb"
    stale.write_text("{}")
    cli.prepare(course)               # again: a fresh copy, nothing left over
    assert not stale.exists()


def test_sample_class_command_writes_the_sample_students(tmp_path, capsys):
    assert cli.main(["sample-class", "--course", str(tmp_path)]) == 0
    assert capsys.readouterr().out.split() == list(STUDENTS)
    written = sorted(p.name for p in (tmp_path / "submitted").iterdir())
    assert written == sorted(STUDENTS)
    release = sorted(p.name for p in (REPO / "release" / LAB.id).glob("*.ipynb"))
    for student in STUDENTS:
        assert sorted(p.name for p in (tmp_path / "submitted" / student / LAB.id).iterdir()) \
            == release


def test_sample_class_and_demo_take_the_plan_of_build():
    for command in ("sample-class", "demo"):
        assert cli.build_parser().parse_args([command]).plan == "one"
        assert cli.build_parser().parse_args([command, "--plan", "weekly"]).plan == "weekly"
        with pytest.raises(SystemExit):
            cli.build_parser().parse_args([command, "--plan", "monthly"])


@pytest.mark.slow
def test_sample_class_command_writes_the_weekly_plan(tmp_path, capsys, monkeypatch):
    """`--plan weekly`: each sample student submits each week's one notebook, the week's
    release (made by nbgrader), and nothing of the one-assignment plan."""
    monkeypatch.delenv("MATHS_OF_DL_DB_URL", raising=False)
    assert cli.main(["sample-class", "--course", str(tmp_path), "--plan", "weekly"]) == 0
    assert capsys.readouterr().out.split() == list(STUDENTS)
    assert sorted(p.name for p in (tmp_path / "source").iterdir()) == sorted(a.id for a in WEEKS)
    for student in STUDENTS:
        folders = sorted(p.name for p in (tmp_path / "submitted" / student).iterdir())
        assert folders == sorted(a.id for a in WEEKS), student
        for week in WEEKS:
            (notebook,) = week.notebooks
            submitted = tmp_path / "submitted" / student / week.id
            assert [p.name for p in submitted.iterdir()] == [f"{notebook}.ipynb"]
            released = tmp_path / "release" / week.id / f"{notebook}.ipynb"
            cells = nbformat.read(submitted / f"{notebook}.ipynb", 4).cells
            assert len(cells) == len(nbformat.read(released, 4).cells) > 0
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        assert sorted(a.name for a in gb.assignments) == sorted(a.id for a in WEEKS)


@pytest.mark.slow
def test_demo_grades_each_week_of_the_weekly_plan(tmp_path, monkeypatch):
    """`demo --plan weekly` grades the sample class in each week's assignment: a report and
    grades per week, none for the one-assignment plan."""
    monkeypatch.delenv("MATHS_OF_DL_DB_URL", raising=False)
    assert cli.main(["demo", "--course", str(tmp_path), "--plan", "weekly", "--students", "2",
                     "--workers", "2"]) == 0
    assert sorted(p.name for p in (tmp_path / "reports").iterdir() if p.is_dir()) == \
        sorted(a.id for a in WEEKS)
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        for week in WEEKS:
            scores = {s.student_id: s.score for s in gb.assignment_submissions(week.id)}
            assert len(scores) == 2 and max(scores.values()) > 0, week.id
        assert LAB.id not in [a.name for a in gb.assignments]


def test_report_command_on_a_course_nobody_submitted_to(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MATHS_OF_DL_DB_URL", raising=False)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    cli.prepare(tmp_path)
    assert cli.main(["report", "--course", str(tmp_path)]) == 0
    summary = tmp_path / "reports" / LAB.id / "summary.md"
    assert capsys.readouterr().out.strip() == str(summary)
    assert "0 students" in summary.read_text()


def test_documents_are_handed_to_the_course_tool(capsys):
    from course.documents import APT_PACKAGES
    assert cli.main(["documents", "--apt-packages"]) == 0
    assert capsys.readouterr().out.split() == list(APT_PACKAGES)


def test_documents_from_the_console_script_in_the_repository():
    """`maths-of-dl documents` as README's Instructors run it: the console script, whose path
    holds neither the repository nor the current folder."""
    import subprocess

    from course.documents import APT_PACKAGES
    script = Path(sys.executable).parent / "maths-of-dl"
    done = subprocess.run([str(script), "documents", "--apt-packages"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(APT_PACKAGES)


@pytest.mark.slow
def test_an_export_that_waits_forever_stops_when_asked(tmp_path):
    """`cli.nbgrader` looks at its stop request while nbgrader runs: an export blocked on its
    output (a named pipe nobody reads) ends in KeyboardInterrupt, and nbgrader is killed, rather
    than the tool waiting with it (grade-class's Ctrl-C while grades are written)."""
    import os
    import threading

    from autograder.class_grading import Interruption
    from waiting import HANG
    course = cli.prepare(tmp_path / "course")
    cli.release(course, LAB)                 # a gradebook to export: the export opens its file
    os.mkfifo(tmp_path / "grades.csv")
    stop, outcome = Interruption(), {}
    stop.requested.set()

    def export():
        try:
            cli.nbgrader(course, "export", "--to", str(tmp_path / "grades.csv"), stop=stop)
        except KeyboardInterrupt:
            outcome["stopped"] = True

    worker = threading.Thread(target=export, daemon=True)
    worker.start()
    worker.join(HANG)
    assert outcome == {"stopped": True}
