"""LMS downloads in: Canvas, Moodle and Blackboard, recognised by what the LMS itself writes.

A submission download is a zip of students' files, named by the LMS.  Each name has a part the
LMS writes and a part the student chose (their file's name), and only the first is trusted:

    Canvas      <login>_[late_]<user id>_<file id>_<file>           (flat; the ids are numbers;
                a re-upload is renamed `<file>-1.ipynb`, `-2`...: the highest wins)
    Moodle      <Full Name>_<participant id>_assignsubmission_file_/<file>   (a folder each),
                or, with "download submissions in folders" off,
                <Full Name>_<participant id>_assignsubmission_file_<file>
    Blackboard  <assignment>_<user name>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file> (latest attempt wins)
    plain       <student>_<notebook>.ipynb, in any folder (a class zipped by hand)

Which LMS wrote an archive is decided once per archive, by the parts the LMS writes (the one
that explains most of its files; a student's file name can imitate another LMS's but cannot
undo its own LMS's prefix), and each file is then read as that LMS names it, the LMS's part
matched from the start of the name, so nothing a student names moves a file to another student.
The notebook is the release notebook the file's name is (any case, with an LMS re-upload suffix).

`import_downloads` copies every recognised notebook to `submitted/<student>/<assignment>/`, under
the LMS's id or the id a roster CSV (columns `lms_id,student_id`) maps it to, keeps the latest
upload of each notebook, and lists every other file with the reason in `reports/import.csv`;
nothing in one file stops the import.  A student id is a safe name (`student_ids.is_safe`:
letters, digits, `. _ - @`, starting with a letter or digit, at most 64 characters); a file bigger than
MAX_MEMBER_BYTES, or past MAX_TOTAL_BYTES for the whole import, is not read.  Zip names are
decoded as the LMS wrote them: UTF-8 when the zip says so, and also when it does not but the
bytes are UTF-8 (as LMSs write them), else code page 437 (the zip standard's default).
Who is who (LMS, LMS id, name, which notebooks came late) is kept in `.grading/students.json`
for the grades (autograder.grades_export) and the class report.
"""
import csv
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .assignment import LAB, id_of
from .student_ids import is_safe

CANVAS = re.compile(r"^(?:(?P<login>[^/]*?)_)??(?:(?P<late>[Ll][Aa][Tt][Ee])_)?(?P<user>\d+)_"
                    r"(?P<submission>\d+)_(?P<file>[^/]+)$")
MOODLE = re.compile(r"^(?P<name>[^_/]*)_(?P<user>\d+)_assignsubmission_(?P<plugin>[a-z]+)_"
                    r"(?P<rest>.+)$")
BLACKBOARD = re.compile(r"^(?P<prefix>[^/]+?)_attempt_(?P<when>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)"
                        r"(?:_(?P<file>[^/]+)|\.txt)$")
REUPLOAD = re.compile(r"(?P<stem>.+?)(?:-(?P<n>\d+))?\.ipynb", re.IGNORECASE)
LMSS = ("moodle", "canvas", "blackboard")
MAX_MEMBER_BYTES = 20 * 2**20     # a notebook with its figures is a few MB
MAX_TOTAL_BYTES = 1024 * 2**20    # what one import may write into submitted/
MAX_MEMBERS = 100_000
UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Submission:
    lms: str
    user: str            # the student's id in the LMS
    name: str            # their full name where the LMS gives it, else the login or user name
    notebook: str        # the release notebook's name, without .ipynb
    order: tuple         # larger is more recent (compared within one archive only)
    late: bool = False


def member_name(info):
    """A zip member's name as its LMS wrote it: UTF-8 when flagged; unflagged names that are
    valid UTF-8 are UTF-8 too (Moodle and Canvas write UTF-8 without the flag), else cp437."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:          # already decoded some other way
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return info.filename


def _notebook(filename, notebooks):
    """(notebook, re-upload number) of a file named as a release notebook, or None."""
    match = REUPLOAD.fullmatch(filename)
    if not match:
        return None
    wanted = {n.lower(): n for n in notebooks}
    stem = match["stem"].lower()
    if stem not in wanted:
        return None
    return wanted[stem], int(match["n"] or 0)


def _parts(lms, member):
    """(user, name, file, order, late) read from the part of `member` that `lms` writes, or None
    when `lms` did not write this name."""
    path = PurePosixPath(member)
    if lms == "moodle":
        match = MOODLE.fullmatch(member)
        if not match:
            return None
        rest = match["rest"]
        if match["plugin"] != "file":
            return match["user"], match["name"], None, (), False
        file = rest.rsplit("/", 1)[-1] if rest.startswith("/") else rest
        if "/" in rest and not rest.startswith("/"):
            return None
        return match["user"], match["name"], file, (-rest.count("/"),), False
    if len(path.parts) != 1:          # Canvas and Blackboard write flat archives
        return None
    if lms == "canvas":
        match = CANVAS.fullmatch(member)
        if not match:
            return None
        return (match["user"], match["login"] or match["user"], match["file"],
                (int(match["submission"]),), bool(match["late"]))
    match = BLACKBOARD.fullmatch(member)
    if not match or "_" not in match["prefix"]:
        return None
    user = match["prefix"].rsplit("_", 1)[1]
    return user, user, match["file"], (match["when"],), False


def detect(members):
    """The LMS whose own naming explains most of an archive's files, or "plain"."""
    counts = {lms: sum(_parts(lms, m) is not None for m in members) for lms in LMSS}
    best = max(LMSS, key=lambda lms: counts[lms])    # ties: the order of LMSS
    return best if counts[best] else "plain"


def _unwrap(names):
    """(LMS, names as the LMS wrote them): an LMS download re-zipped inside one folder is read
    without that folder (the same for every file, so no student chose it)."""
    lms = detect(names)
    tops = {PurePosixPath(n).parts[0] for n in names if len(PurePosixPath(n).parts) > 1}
    if lms == "plain" and len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in names):
        inner = [n.split("/", 1)[1] for n in names]
        if detect(inner) != "plain":
            return detect(inner), inner
    return lms, names


def recognise(member, notebooks, lms=None):
    """The Submission a zip member's name stands for, or (None, reason).  `lms`: the archive's
    LMS (`detect`); without it, the member is read alone."""
    if lms is None:
        lms, (member,) = _unwrap([member])
    if lms == "plain":
        name = PurePosixPath(member).name
        for notebook in notebooks:     # <student>_<notebook>.ipynb, as a plain zip of a class
            suffix = f"_{notebook.lower()}.ipynb"
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                student = name[:-len(suffix)]
                return Submission("plain", student, student, notebook, (0,)), None
        return None, ("not named as a Canvas, Moodle or Blackboard download, nor "
                      "<student>_<notebook>.ipynb")
    parts = _parts(lms, member)
    if parts is None:
        return None, f"not named as {lms.capitalize()} names its files (the rest of the zip is)"
    user, name, file, order, late = parts
    found = _notebook(file, notebooks) if file else None
    if found is None:
        return None, f"{lms}: {file or member!r} is not one of the notebooks"
    notebook, upload = found
    return Submission(lms, user, name, notebook, order + (upload,), late), None


def read_roster(path):
    """{LMS id: student id} from a CSV with columns lms_id and student_id."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return {row["lms_id"].strip(): row["student_id"].strip() for row in csv.DictReader(f)}


def _read(z, info, budget):
    """The member's bytes, or (None, reason) when it is larger than a limit allows."""
    with z.open(info) as f:           # the declared size can lie: read no more than allowed
        data = f.read(MAX_MEMBER_BYTES + 1) if info.file_size <= MAX_MEMBER_BYTES else b""
    size = max(info.file_size, len(data))
    if size > MAX_MEMBER_BYTES:
        return None, (f"not read: it expands to more than the {MAX_MEMBER_BYTES // 2**20} MB "
                      "a notebook may have")
    if size > budget:
        return None, f"not read: the import's limit of {MAX_TOTAL_BYTES // 2**20} MB is reached"
    return data, None


def import_downloads(course, assignment, zips, roster=None):
    """Copy the recognised notebooks of the `assignment`'s LMS downloads into submitted/;
    returns (imported {(student, notebook): member}, others [(member, reason)])."""
    course, assignment = Path(course), id_of(assignment)
    notebooks = [p.stem for p in sorted((course / "release" / assignment).glob("*.ipynb"))]
    run = _Import(notebooks, read_roster(roster) if roster else None)
    for index, archive in enumerate(zips):
        run.archive(index, archive)
    imported = {}
    for (student, notebook), (submission, where, data, _) in sorted(run.latest.items()):
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{notebook}.ipynb").write_bytes(data)
        imported[(student, notebook)] = where
        if submission.late:
            run.people[student].setdefault("late", []).append(notebook)
    _write_import_report(course, assignment, imported, run.others)
    store = course / ".grading" / "students.json"
    store.parent.mkdir(parents=True, exist_ok=True)
    known = json.loads(store.read_text()) if store.exists() else {}
    for student, who in run.people.items():     # late: per assignment, the others' kept
        late = _late_by_assignment(known.get(student, {}).get("late"))
        late[assignment] = who.pop("late", [])
        known[student] = dict(who, **({"late": {a: nbs for a, nbs in late.items() if nbs}}
                                      if any(late.values()) else {}))
    store.write_text(json.dumps(known, indent=1, sort_keys=True))
    return imported, run.others


class _Import:
    """One import: the latest upload of each (student, notebook), the files not imported with
    their reasons, who is who, and the bytes the import may still read."""

    def __init__(self, notebooks, ids):
        self.notebooks, self.ids = notebooks, ids
        self.latest, self.others, self.people = {}, [], {}
        self.budget = MAX_TOTAL_BYTES

    def archive(self, index, archive):
        label = Path(archive).name
        try:
            with zipfile.ZipFile(archive) as z:
                infos = [i for i in z.infolist() if not i.is_dir()]
                if len(infos) > MAX_MEMBERS:
                    self.others.append((label, f"not read: {len(infos)} files, more than "
                                               f"{MAX_MEMBERS}"))
                    return
                names = [member_name(i) for i in infos]
                lms, inner = _unwrap(names)
                for info, name, member in zip(infos, names, inner):
                    where = f"{label}:{name}"
                    try:
                        self.member(z, info, member, lms, where, index)
                    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError,
                            NotImplementedError, OSError, EOFError, ValueError) as error:
                        self.others.append((where, f"not read: {error}"))
        except (zipfile.BadZipFile, OSError) as error:
            self.others.append((label, f"not read: not a zip file ({error})"))

    def member(self, z, info, member, lms, where, index):
        """Read one member into `latest`, or its reason into `others`."""
        submission, reason = recognise(member, self.notebooks, lms)
        if submission is None:
            return self.others.append((where, reason))
        student = submission.user if self.ids is None else self.ids.get(submission.user)
        if student is None:
            return self.others.append(
                (where, f"{submission.lms} id {submission.user} is not in the roster"))
        if not is_safe(student):
            return self.others.append((where, f"the student id {student!r} is not a safe name "
                                              "(letters, digits, . _ - @, starting with a "
                                              "letter or digit)"))
        key, order = (student, submission.notebook), (index,) + submission.order
        if key in self.latest and self.latest[key][3] >= order:
            return self.others.append((where, "an older upload"))
        data, reason = _read(z, info, self.budget)
        if data is None:
            return self.others.append((where, reason))
        if key in self.latest:
            self.others.append((self.latest[key][1], "an older upload"))
        self.latest[key] = (submission, where, data, order)
        self.people[student] = {"lms": submission.lms, "lms_id": submission.user,
                                "name": submission.name}
        self.budget -= len(data)


def _cell(text):
    """A CSV cell a spreadsheet shows as text (never runs it as a formula)."""
    return f"'{text}" if text[:1] in ("=", "+", "@", "\t", "\r") else text


def _write_import_report(course, assignment, imported, others):
    reports = Path(course) / "reports" / assignment
    reports.mkdir(parents=True, exist_ok=True)
    with open(reports / "import.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "student", "notebook", "status"])
        for (student, notebook), where in sorted(imported.items()):
            w.writerow([_cell(where), student, notebook, "imported"])
        for where, reason in sorted(others):
            w.writerow([_cell(where), "", "", f"not imported: {_cell(reason)}"])


def _late_by_assignment(late):
    """{assignment: [notebook]} of a student's late uploads; a list (the first format, written
    when the course graded the lab alone) is the lab's."""
    if isinstance(late, dict):
        return dict(late)
    return {LAB.id: list(late)} if late else {}


def read_students(course, assignment=None):
    """Who is who, as the imports recorded it: {student: {"lms", "lms_id", "name", "late"}},
    with "late" the notebooks uploaded late of the `assignment` (none without one)."""
    store = Path(course) / ".grading" / "students.json"
    people = json.loads(store.read_text()) if store.exists() else {}
    for who in people.values():
        late = _late_by_assignment(who.get("late"))
        who["late"] = late.get(id_of(assignment), []) if assignment is not None else []
    return people
