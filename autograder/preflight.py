"""What `grade-class` checks before it changes anything: the course folder, the zips, the cluster.

Each check returns None when all is well, else one line for the tutor: what is wrong, where, and
what to do about it.  They run before anything is written (no gradebook, release or import is
made for a run that cannot go ahead), so a refused run leaves the folder as it was.
"""
from pathlib import Path

from .assignment import id_of, named

CONNECT_SECONDS = 5      # how long an unreachable scheduler is waited for


def course_assignments(course):
    """The ids of the assignments of the course folder: the folders of its source/."""
    source = Path(course) / "source"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and not p.is_symlink()) if source.is_dir() else []


def choose_assignment(course, given=None, command="grade-class"):
    """(the `Assignment` a tool acts on, None) or (None, one line saying why there is none): the
    one `given` on the command line, or else the course folder's only assignment.  A course
    folder of several assignments is never guessed at: the line lists them."""
    found = course_assignments(course)
    if given is None:
        if len(found) == 1:
            return named(found[0]), None
        if not found:
            return None, course_problem(course) or f"{course}/source holds no assignment."
        return None, (f"The course folder holds {len(found)} assignments ({', '.join(found)}): "
                      f"name the one to act on, as in `maths-of-dl {command} {found[0]}`.")
    try:
        assignment = named(given)
    except ValueError as error:
        return None, f"{error}."
    return assignment, course_problem(course, assignment)


def course_problem(course, assignment=None):
    """A course folder holds nbgrader_config.py and source/<assignment>/ (README, "Tutors")."""
    course = Path(course)
    if not course.is_dir():
        return f"{course} is not a folder. Give the course folder with --course DIR."
    if assignment is not None and (course / "nbgrader_config.py").exists() and \
            course_assignments(course) and not (course / "source" / id_of(assignment)).is_dir():
        return (f"{course} has no assignment {id_of(assignment)} (no source/"
                f"{id_of(assignment)}); its assignments: {', '.join(course_assignments(course))}.")
    wanted = f"source/{id_of(assignment)}" if assignment is not None else "source"
    missing = [name for name in ("nbgrader_config.py", wanted)
               if not (course / name).exists()]
    if missing:
        return (f"{course} is not a course folder (no {' and no '.join(missing)}). Run this in "
                "the course folder, or give it with --course DIR.")
    return None


def record_problem(course, assignment):
    """The rerun record must be one this version reads (`class_grading.load_record`): one it
    does not is named, and left as it is."""
    from .class_grading import UnreadableRecord, load_record
    try:
        load_record(course, assignment)
    except UnreadableRecord as error:
        return f"Not grading: {error}."
    return None


def zip_problem(path):
    """An LMS download must exist and be a zip file."""
    import zipfile
    path = Path(path)
    if not path.exists():
        return f"{path}: no such file. Give the zip the LMS downloaded with --zip FILE."
    if not path.is_file() or not zipfile.is_zipfile(path):
        return (f"{path} is not a zip file. Download the submissions again from the LMS "
                "(\"Download all submissions\") and give that zip with --zip FILE.")
    return None


def roster_problem(path):
    """A roster is a CSV file with columns lms_id and student_id (and, if it likes, name)."""
    import csv
    path = Path(path)
    if not path.is_file():
        return f"{path}: no such file. Give the roster CSV with --roster FILE."
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            columns = set(csv.DictReader(f).fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        return f"{path} cannot be read as a CSV file ({error}). Save the roster as CSV (UTF-8)."
    missing = [c for c in ("lms_id", "student_id") if c not in columns]
    if missing:
        return (f"{path} has no column {' and no column '.join(missing)}. The roster needs the "
                "columns lms_id and student_id (and, if you like, name).")
    return None


def address_problem(address):
    """A scheduler address is PROTOCOL://HOST:PORT, as `dask scheduler` prints it."""
    from distributed.comm import get_address_host_port, parse_address
    try:
        parse_address(address, strict=True)
        get_address_host_port(address)
    except ValueError as error:
        return (f"--scheduler {address!r} is not a scheduler address ({error}). Give it as "
                "`dask scheduler` prints it, e.g. tcp://scheduler-host:8786.")
    return None


def scheduler_problem(address, timeout=CONNECT_SECONDS):
    """The scheduler at `address` answers within `timeout` seconds."""
    problem = address_problem(address)
    if problem:
        return problem
    import logging

    from distributed import Client
    quiet = logging.getLogger("distributed")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        Client(address, timeout=timeout, set_as_default=False).close()
    except (OSError, TimeoutError) as error:
        return (f"no Dask scheduler answers at {address} ({type(error).__name__}: {error}). "
                "Start one there (`dask scheduler --port 8786`) or check the address; or "
                "leave out --scheduler to grade on this machine.")
    finally:
        quiet.setLevel(level)
    return None
