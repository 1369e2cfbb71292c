"""autograder.preflight, through the real command line: a run that cannot go ahead says in one or
two lines what is wrong and what to do, exits 2 (README: "could not be graded"), prints no
traceback and leaves the folder as it was."""
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import preflight

REPO = Path(__file__).resolve().parent.parent


def run(folder, *args):
    """`maths-of-dl ARGS` in `folder`, as a tutor runs it: (exit status, stderr lines)."""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    env.pop("MATHS_OF_DL_DB_URL", None)
    done = subprocess.run([sys.executable, "-m", "autograder.cli", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, [line for line in done.stderr.splitlines() if line.strip()]


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*"))


def course_as_readme_describes(folder):
    """A course folder "holding nbgrader_config.py and source/" (README, "Tutors")."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "source", folder / "source")
    return folder


def refused(folder, *args, says):
    before = listing(folder)
    status, lines = run(folder, *args)
    assert status == 2, lines
    assert 1 <= len(lines) <= 2, lines
    assert not any("Traceback" in line or "Error:" in line.split(" ")[0] for line in lines), lines
    assert all(word in " ".join(lines) for word in says), lines
    assert listing(folder) == before          # no gradebook.db, no release/, no import
    return lines


@pytest.mark.parametrize("command", ["grade-class", "release", "autograde", "feedback", "grades"])
def test_a_folder_that_is_not_a_course(tmp_path, command):
    (tmp_path / "notes.txt").write_text("not a course")
    refused(tmp_path, command, says=["not a course folder", "nbgrader_config.py", "--course"])


def test_a_missing_zip(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    refused(course, "grade-class", "--zip", "submissions.zip",
            says=["submissions.zip", "no such file", "--zip"])


def test_a_zip_that_is_not_a_zip(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    (course / "submissions.zip").write_text("<html>Sign in to Moodle</html>")
    refused(course, "grade-class", "--zip", "submissions.zip",
            says=["submissions.zip", "not a zip file", "Download"])


def test_a_missing_roster(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    refused(course, "grade-class", "--roster", "roster.csv", says=["roster.csv", "no such file"])


def test_a_roster_without_its_columns(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    (course / "roster.csv").write_text("Username,ID\nada,1041\n")
    refused(course, "grade-class", "--roster", "roster.csv",
            says=["roster.csv", "lms_id", "student_id"])


@pytest.mark.parametrize("address", ["scheduler-host:8786", "tcp://scheduler-host",
                                     "http://scheduler-host:8786", "tcp://host:port"])
def test_a_malformed_scheduler_address(tmp_path, address):
    course = course_as_readme_describes(tmp_path / "course")
    lines = refused(course, "grade-class", "--scheduler", address,
                    says=["not a scheduler address", "tcp://scheduler-host:8786"])
    assert address in lines[0]


def test_an_unreachable_scheduler_is_named_before_anything_is_released(tmp_path):
    with socket.socket() as s:     # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    course = course_as_readme_describes(tmp_path / "course")
    refused(course, "grade-class", "--scheduler", f"tcp://127.0.0.1:{port}",
            says=[f"tcp://127.0.0.1:{port}", "no Dask scheduler answers", "dask scheduler"])
    assert not (course / "release").exists()


def test_the_checks_pass_where_all_is_well(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    assert preflight.course_problem(course) is None
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("ada_01_forward_pass.ipynb", "{}")
    assert preflight.zip_problem(archive) is None
    assert preflight.address_problem("tcp://10.0.0.5:8786") is None


@pytest.mark.slow
def test_a_zip_into_a_course_without_release(tmp_path):
    """README's course folder has no release/ yet: the release is made before the import, whose
    notebook names come from it, and the students are graded."""
    course = course_as_readme_describes(tmp_path / "course")
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for notebook in sorted((REPO / "release" / "maths_of_dl").glob("*.ipynb"))[:1]:
            z.write(notebook, f"ada_{notebook.name}")
    status, lines = run(course, "grade-class", "--zip", str(archive), "--workers", "1",
                        "--quiet")
    assert not any("is not one of the notebooks" in line for line in lines), lines
    assert (course / "submitted" / "ada" / "maths_of_dl" / "01_forward_pass.ipynb").exists()
    assert status == 1, lines      # four notebooks missing: graded, and a human should look
    assert (course / "release" / "maths_of_dl" / "01_forward_pass.ipynb").exists()


def test_a_rerun_record_this_version_cannot_read(tmp_path):
    """A later version's rerun record is named and left as it is, before anything is written."""
    course = course_as_readme_describes(tmp_path / "course")
    (course / ".grading").mkdir()
    record = course / ".grading" / "graded.json"
    record.write_text('{"format": "maths-of-dl/rerun/3", "assignments": {}}')
    refused(course, "grade-class", says=["graded.json", "maths-of-dl/rerun/3", "move it away"])
    assert record.read_text() == '{"format": "maths-of-dl/rerun/3", "assignments": {}}'


def test_an_assignment_the_course_has_not(tmp_path):
    course = course_as_readme_describes(tmp_path / "course")
    refused(course, "grade-class", "week_3_quiz", says=["no assignment week_3_quiz",
                                                        "maths_of_dl"])
