"""LMS downloads in, grades out: Canvas, Moodle and Blackboard, recognised without options.

A submission download is a zip of students' files, named by the LMS:

    Canvas      <login>_<user id>_<submission id>_<file>           (`<login>_LATE_...` when late;
                a re-upload is renamed `<file>-1.ipynb`, `-2`...: the highest wins)
    Moodle      <Full Name>_<participant id>_assignsubmission_file_/<file>   (a folder each)
    Blackboard  <assignment>_<user name>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file> (latest attempt wins)
    plain       <student>_<notebook>.ipynb, in any folder (a class zipped by hand)

`recognise(name)` reads one member's name into a `Submission` (which LMS, the student's id there,
their name when the LMS gives it, which notebook, and how recent); the notebook is the release
notebook the file's name is (any case, with an LMS re-upload suffix).  `import_downloads` copies
every recognised notebook to `submitted/<student>/maths_of_dl/`, under the LMS's id or the id a
roster CSV (columns `lms_id,student_id`) maps it to, keeps the latest upload of each notebook,
lists every other file with the reason in `reports/import.csv`, and keeps who is who in
`.grading/students.json` for the grades export.

`export_grades(course, "canvas" | "moodle")` writes the CSV each LMS imports, keyed by the same ids:
Canvas's gradebook columns (Student, ID, SIS User ID, SIS Login ID, Section, then the assignment),
Moodle's grading worksheet (Identifier "Participant <id>", Full name, Grade, Maximum Grade), with
the total and, if asked, one column per notebook.
"""
import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .settings import ASSIGNMENT

CANVAS = re.compile(r"^(?P<login>[^_/]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_"
                    r"(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^/]+)_(?P<user>\d+)_assignsubmission_file_/(?P<file>[^/]+)$")
BLACKBOARD = re.compile(r"^(?P<assignment>.+)_(?P<user>[^_/]+)_attempt_"
                        r"(?P<when>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_(?P<file>[^/]+)$")
REUPLOAD = re.compile(r"^(?P<stem>.+?)(?:-(?P<n>\d+))?\.ipynb$", re.IGNORECASE)
FORMATS = ("canvas", "moodle")


@dataclass(frozen=True)
class Submission:
    lms: str
    user: str            # the student's id in the LMS
    name: str            # their full name where the LMS gives it, else the login or user name
    notebook: str        # the release notebook's name, without .ipynb
    order: tuple         # larger is more recent
    late: bool = False


def _notebook(filename, notebooks):
    """(notebook, re-upload number) of a file named as a release notebook, or None."""
    match = REUPLOAD.match(filename)
    if not match:
        return None
    wanted = {n.lower(): n for n in notebooks}
    stem = match["stem"].lower()
    if stem not in wanted:
        return None
    return wanted[stem], int(match["n"] or 0)


def recognise(member, notebooks):
    """The Submission a zip member's name stands for, or (None, reason)."""
    name = PurePosixPath(member)
    tail = "/".join(name.parts[-2:]) if len(name.parts) >= 2 else name.name
    for lms, pattern, text in (("moodle", MOODLE, tail), ("blackboard", BLACKBOARD, name.name),
                               ("canvas", CANVAS, name.name)):
        match = pattern.match(text)
        if not match:
            continue
        found = _notebook(match["file"], notebooks)
        if found is None:
            return None, f"{lms}: {match['file']!r} is not one of the notebooks"
        notebook, upload = found
        if lms == "canvas":
            return Submission(lms, match["user"], match["login"], notebook,
                              (int(match["submission"]), upload), bool(match["late"])), None
        if lms == "moodle":
            return Submission(lms, match["user"], match["name"], notebook, (upload,)), None
        return Submission(lms, match["user"], match["user"], notebook,
                          (match["when"], upload)), None
    for notebook in notebooks:      # <student>_<notebook>.ipynb, as a plain zip of a class
        found = _notebook(name.name[-len(notebook) - 6:], notebooks) \
            if name.name.lower().endswith(f"_{notebook.lower()}.ipynb") else None
        if found:
            student = name.name[:-len(notebook) - 7]
            return Submission("plain", student, student, found[0], (found[1],)), None
    return None, "not named as a Canvas, Moodle or Blackboard download, nor <student>_<notebook>"


def read_roster(path):
    """{LMS id: student id} from a CSV with columns lms_id and student_id."""
    with open(path, newline="") as f:
        return {row["lms_id"].strip(): row["student_id"].strip() for row in csv.DictReader(f)}


def import_downloads(course, zips, roster=None):
    """Copy the recognised notebooks of LMS downloads into submitted/; returns (imported
    {(student, notebook): member}, others [(member, reason)])."""
    course = Path(course)
    notebooks = [p.stem for p in sorted((course / "release" / ASSIGNMENT).glob("*.ipynb"))]
    ids = read_roster(roster) if roster else None
    latest, others, people = {}, [], {}
    for archive in zips:
        with zipfile.ZipFile(archive) as z:
            for member in z.namelist():
                if member.endswith("/"):
                    continue
                submission, reason = recognise(member, notebooks)
                if submission is None:
                    others.append((f"{Path(archive).name}:{member}", reason))
                    continue
                student = submission.user if ids is None else ids.get(submission.user)
                if student is None:
                    others.append((f"{Path(archive).name}:{member}",
                                   f"{submission.lms} id {submission.user} is not in the roster"))
                    continue
                key = (student, submission.notebook)
                if key in latest and latest[key][0].order >= submission.order:
                    others.append((f"{Path(archive).name}:{member}", "an older upload"))
                    continue
                if key in latest:
                    others.append((latest[key][1], "an older upload"))
                latest[key] = (submission, f"{Path(archive).name}:{member}",
                               z.read(member))
                people[student] = {"lms": submission.lms, "lms_id": submission.user,
                                   "name": submission.name}
    imported = {}
    for (student, notebook), (submission, where, data) in sorted(latest.items()):
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{notebook}.ipynb").write_bytes(data)
        imported[(student, notebook)] = where
    _write_import_report(course, imported, others)
    store = course / ".grading" / "students.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(store.read_text()) if store.exists() else {}
    store.write_text(json.dumps(dict(known, **people), indent=1, sort_keys=True))
    return imported, others


def _write_import_report(course, imported, others):
    reports = Path(course) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    with open(reports / "import.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "student", "notebook", "status"])
        for (student, notebook), where in sorted(imported.items()):
            w.writerow([where, student, notebook, "imported"])
        for where, reason in sorted(others):
            w.writerow([where, "", "", f"not imported: {reason}"])


def export_grades(course, fmt, per_notebook=False, assignment_title="Maths of Deep Learning"):
    """The CSV text the LMS `fmt` imports: every graded student's total (and notebooks)."""
    from nbgrader.api import Gradebook

    from .settings import db_url
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    course = Path(course)
    store = course / ".grading" / "students.json"
    people = json.loads(store.read_text()) if store.exists() else {}
    rows = []
    with Gradebook(db_url(course)) as gb:
        notebooks = [nb.name for nb in gb.find_assignment(ASSIGNMENT).notebooks]
        for sub in gb.assignment_submissions(ASSIGNMENT):
            per = {nb.name: nb.score for nb in sub.notebooks}
            rows.append((sub.student_id, people.get(sub.student_id, {}), sub.score,
                         sub.max_score, [per.get(n, 0.0) for n in notebooks]))
    out = io.StringIO()
    w = csv.writer(out)
    extra = [f"{assignment_title}: {n}" for n in notebooks] if per_notebook else []
    if fmt == "canvas":
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                    assignment_title] + extra)
        w.writerow(["Points Possible", "", "", "", "", rows[0][3] if rows else ""]
                   + (["" for _ in extra]))
        for student, who, score, _, per in sorted(rows):
            w.writerow([who.get("name", student), who.get("lms_id", student), "", "", "",
                        _points(score)] + ([_points(p) for p in per] if per_notebook else []))
    else:
        w.writerow(["Identifier", "Full name", "Grade", "Maximum Grade"] + extra)
        for student, who, score, maximum, per in sorted(rows):
            w.writerow([f"Participant {who.get('lms_id', student)}", who.get("name", student),
                        _points(score), _points(maximum)]
                       + ([_points(p) for p in per] if per_notebook else []))
    return out.getvalue()


def _points(value):
    return f"{float(value or 0):.2f}"
