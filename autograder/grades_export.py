"""Grades into the LMS: the file the LMS exported, filled with each student's points.

`maths-of-dl grades --into FILE` reads a file the LMS itself wrote and writes a copy of it with the
assignment's points filled in (and feedback comments, where the file has a column for them). Every
other column, the header row and its language, the students' order and the rows of students this
course did not grade stay exactly as the LMS wrote them; no row is added. Students who cannot be
matched to a row are listed.

Moodle: the assignment's grading worksheet ("Download grading worksheet", the offline grading
worksheet feedback plugin). Its importer (`mod/assign/feedback/offline/importgradeslib.php`)
finds its columns by their header text in the tutor's language: the identifier ("Identifier",
values "Participant <n>", n the participant number Moodle also writes into the submission
download's folder names), "Grade" and "Last modified (grade)", and each feedback plugin's column
("Feedback comments"). It skips a grade that is empty, unchanged, above the maximum, or whose
grade changed in Moodle after the worksheet was downloaded; it reads the decimal separator of the
tutor's language. So the worksheet is found by structure (the identifier first; "Grade" just left
of the maximum grade, as Moodle writes them) and by the header strings below, and points are
written with the worksheet's own decimal separator and places.

Canvas: the gradebook export ("Export entire gradebook"). Its importer
(`app/models/gradebook_importer.rb`) wants the header row with "Student", "ID" (and "SIS User ID",
"SIS Login ID", "Section"), assignment columns titled "<title> (<assignment id>)" (a title without
the id becomes a new assignment), a "Points Possible" row, and finds each student by the numeric
Canvas user id in "ID", then by SIS ids. Only the chosen assignment's column is written; the
points are the course's total, scaled to the points the LMS gives the assignment when those differ.

A student is matched by the id the LMS download gave them (`.grading/students.json`, written by
the zip import), by a roster (`lms_id,student_id`: the Canvas user id or Moodle participant number),
or, for students graded under their login (the nbgrader exchange), by that login in one of the
file's identity columns (Canvas: SIS Login ID or SIS User ID; Moodle: the columns between the
full name and the grade, such as username or email). A student matched to two rows, or a row to
two students, is not written and is listed.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .assignment import id_of

MARK = "Maths of Deep Learning autograder:"
# Moodle's language strings the worksheet importer matches ("assign" and core components)
MOODLE_MAXGRADE = {"maximum grade", "calificación máxima", "note maximale", "maximalt betyg",
                   "nota máxima"}
MOODLE_GRADE = {"grade", "bewertung", "note", "calificación", "nota", "valutazione"}
MOODLE_MODIFIED = {"last modified (grade)", "zuletzt geändert (bewertung)",
                   "dernière modification (note)", "dernière modification (évaluation)",
                   "última modificación (calificación)", "poslední změna (hodnocení)"}
MOODLE_FEEDBACK = {"feedback comments"}
MOODLE_OUTCOMES = {"outcomes"}
MOODLE_ID = re.compile(r"^(?P<prefix>\D*?)\s*(?P<id>\d+)$")
# Canvas's importer (gradebook_importer.rb)
CANVAS_TITLE_ID = re.compile(r"\A(?P<title>.*)\s\((?P<id>\d+)\)\Z", re.S)
CANVAS_NOT_ASSIGNMENT = re.compile("Current Score|Current Points|Current Grade|Final Score|"
                                   "Final Points|Final Grade|Override Score|Override Grade|"
                                   "Override Status")
CANVAS_SKIPPED_ROW = re.compile(r"^\s*(Muted|Manual Posting.*)?\s*$", re.I)


class NotAnLmsFile(ValueError):
    """The file is not a grading worksheet or gradebook export this module can fill."""


@dataclass
class SubmissionScore:
    """A student's submission as the gradebook scores it: the total, the maximum, each
    notebook's points and the notebooks that came late."""
    score: float
    max_score: float
    notebooks: dict
    late: list = field(default_factory=list)


@dataclass
class Filled:
    lms: str                       # "moodle" or "canvas"
    text: str                      # the filled file
    written: dict                  # {student: points written}
    unmatched: list                # graded students with no row of their own
    notes: list                    # what the tutor should know (scaling, late, rows skipped)


def read_grades(course, assignment):
    """{student: SubmissionScore} for every student with a submission of the `assignment` in the
    gradebook, and who came late (the zip import's record)."""
    from nbgrader.api import Gradebook

    from .lms import read_students
    from .settings import db_url
    people = read_students(course, assignment)
    found = {}
    with Gradebook(db_url(course)) as gb:
        for sub in gb.assignment_submissions(id_of(assignment)):
            found[sub.student_id] = SubmissionScore(
                sub.score, sub.max_score, {nb.name: nb.score for nb in sub.notebooks},
                sorted(people.get(sub.student_id, {}).get("late", [])))
    return found


# ----------------------------------------------------------------------------- the CSV itself
def _decode(data):
    """(text, BOM) of the file's bytes: UTF-8 (with or without BOM), else Windows-1252 (a file
    re-saved by a spreadsheet)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "\ufeff"
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("cp1252"), ""


def _delimiter(text):
    """";" or ",", as Canvas decides it: the separator that splits the first three lines into the
    same number of fields, the one giving more fields."""
    lines = text.splitlines()[:3]
    counts = {}
    for sep in (";", ","):
        try:
            sizes = {len(next(csv.reader([line], delimiter=sep), [])) for line in lines}
        except csv.Error:
            sizes = set()
        counts[sep] = sizes.pop() if len(sizes) == 1 else 0
    return ";" if counts[";"] > counts[","] else ","


def _records(text, delimiter):
    """[(row, the record's text as the LMS wrote it)]."""
    consumed = []

    def lines():
        for line in text.splitlines(keepends=True):
            consumed.append(line)
            yield line
    records = []
    for row in csv.reader(lines(), delimiter=delimiter):
        records.append((row, "".join(consumed)))
        consumed.clear()
    return records


def _write(records, rows, delimiter, newline, bom):
    """The file again: each record as the LMS wrote it, unless its row was filled."""
    parts = []
    for (original, raw), row in zip(records, rows):
        if row == original:
            parts.append(raw)
            continue
        out = io.StringIO()
        end = newline if raw.endswith(("\n", "\r")) else ""
        csv.writer(out, delimiter=delimiter, lineterminator=end).writerow(row)
        parts.append(out.getvalue())
    return bom + "".join(parts)


def _points(grade, lms_max):
    """The points to write and a note when they are scaled to the LMS's maximum."""
    ours = float(grade.max_score or 0)
    score = float(grade.score or 0)
    if lms_max and ours and abs(lms_max - ours) > 1e-9:
        return score * lms_max / ours, True
    return score, False


def _number(value, places, decimal):
    return f"{value:.{places}f}".replace(".", decimal)


def _float(text):
    """A number as the LMSs write it (decimal point or comma), or None."""
    text = (text or "").strip().replace(" ", "")
    if not re.fullmatch(r"-?[0-9.,]+", text):
        return None
    parts = re.split(r"[.,]", text)
    last = parts.pop()
    return float(("".join(parts) + "." + last) if parts else last)


def _comment(grade, points, lms_max):
    per = ", ".join(f"{name[:2]} {score:g}" for name, score in sorted(grade.notebooks.items()))
    text = f"{MARK} {points:.2f} / {lms_max or grade.max_score:g} points ({per})."
    if grade.late:
        text += f" Late: {', '.join(grade.late)}."
    return text


class _Matcher:
    """Which graded student a row of the LMS's file is."""

    def __init__(self, grades, people, lms, roster):
        self.grades = grades
        self.by_lms = {}
        for student, who in people.items():
            if who.get("lms") == lms and student in grades:
                self.by_lms.setdefault(str(who.get("lms_id")), set()).add(student)
        for lms_id, student in (roster or {}).items():
            if student in grades:
                self.by_lms.setdefault(str(lms_id), set()).add(student)
        self.mapped = {s for students in self.by_lms.values() for s in students}

    def match(self, lms_id, identities):
        found = set(self.by_lms.get(str(lms_id), ()))
        if not found:   # graded under a login (exchange): one of the row's identity columns
            found = {v.strip() for v in identities if v and v.strip() in self.grades
                     and v.strip() not in self.mapped}
        return found


def fill(data, grades, people, roster=None, assignment=None, graded=None):
    """The LMS's exported file (bytes) filled with `grades`; raises NotAnLmsFile.  `assignment`
    names the LMS's assignment (Canvas: its column) to fill; `graded` is the id of the course's
    assignment the grades are of (a Canvas column titled like it is chosen)."""
    text, bom = _decode(data)
    newline = "\r\n" if "\r\n" in text else "\n"
    delimiter = _delimiter(text)
    records = _records(text, delimiter)
    rows = [list(row) for row, _ in records]
    if not rows:
        raise NotAnLmsFile("the file is empty")
    header = rows[0]
    if _canvas_header(header):
        filled = _fill_canvas(rows, grades, people, roster, assignment, delimiter, graded)
    else:
        filled = _fill_moodle(rows, grades, people, roster)
    filled.text = _write(records, rows, delimiter, newline, bom)
    return filled


def _finish(lms, grades, written, notes, ambiguous):
    unmatched = sorted(s for s in grades if s not in written and s not in ambiguous)
    late = sorted(s for s in written if grades[s].late)
    if late:
        notes.append("late: " + ", ".join(f"{s} ({', '.join(grades[s].late)})" for s in late))
    return Filled(lms, "", written, unmatched + sorted(ambiguous), notes)


# ---------------------------------------------------------------------------------- Moodle
def _find(header, names, start=0):
    for i, title in enumerate(header[start:], start):
        if title.strip().casefold() in names:
            return i
    return None


def _fill_moodle(rows, grades, people, roster):
    header, body = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    ids = [MOODLE_ID.match(r[0].strip()) for r in body]
    prefixes = {m["prefix"] for m in ids if m}
    if len(header) < 4 or not all(ids) or len(prefixes) > 1:
        raise NotAnLmsFile(
            "not Moodle's grading worksheet (its first column holds 'Participant <number>') nor "
            "Canvas's gradebook export (its header starts Student, ID)")
    maxcol = _find(header, MOODLE_MAXGRADE)
    gradecol = maxcol - 1 if maxcol else _find(header, MOODLE_GRADE)
    modcol = _find(header, MOODLE_MODIFIED)
    if gradecol is None or gradecol < 2 or modcol is None:
        raise NotAnLmsFile(
            "a Moodle worksheet, but its Grade or 'Last modified (grade)' column was not found "
            f"(headers: {', '.join(header)}); download the grading worksheet again, with the "
            "offline grading worksheet feedback enabled")
    feedback = _find(header, MOODLE_FEEDBACK)
    if feedback is None and modcol + 1 < len(header) and \
            header[modcol + 1].strip().casefold() not in MOODLE_OUTCOMES:
        feedback = modcol + 1     # the feedback plugins' columns follow "Last modified (grade)"
    maxima = {_float(r[maxcol]) for r in body if maxcol is not None and len(r) > maxcol}
    if maxcol is not None and (None in maxima or len(maxima) > 1):
        raise NotAnLmsFile("this Moodle assignment is graded on a scale; give it a maximum "
                           "grade in points")
    lms_max = maxima.pop() if maxcol is not None and maxima else None
    sample = next((r[maxcol] for r in body if maxcol is not None and len(r) > maxcol), "")
    decimal = "," if "," in sample else "."
    places = len(re.split(r"[.,]", sample)[1]) if re.search(r"[.,]", sample) else 2
    matcher = _Matcher(grades, people, "moodle", roster)
    written, notes, ambiguous, seen = {}, [], set(), {}
    for row in body:
        if len(row) <= max(gradecol, modcol):
            continue
        pid = MOODLE_ID.match(row[0].strip())["id"]
        student = _claim(matcher.match(pid, row[2:gradecol]), row[0], row, seen, ambiguous,
                         notes)
        if student is None:
            continue
        points, scaled = _points(grades[student], lms_max)
        row[gradecol] = _number(points, places, decimal)
        written[student] = round(points, places)
        if feedback is not None and feedback < len(row):
            kept = [line for line in row[feedback].splitlines() if not line.startswith(MARK)]
            row[feedback] = "\n".join(kept + [_comment(grades[student], points, lms_max)])
        if scaled and not any(n.startswith("scaled") for n in notes):
            notes.append(f"scaled to Moodle's maximum grade {lms_max:g} (the course's total "
                         f"is out of {grades[student].max_score:g})")
    _undo(written, ambiguous, seen)
    return _finish("moodle", grades, written, notes, ambiguous)


def _claim(students, label, row, seen, ambiguous, notes):
    """The one student a row of the LMS's file is (`students`: those its identifiers match), or
    None: a row that matches nobody, or several students, or a student another row matched
    already (both rows are then left as they were, and noted)."""
    if len(students) > 1:
        ambiguous |= students
        notes.append(f"{label}: matches {', '.join(sorted(students))}; not written")
        return None
    if not students:
        return None
    student = next(iter(students))
    if student in seen:
        ambiguous.add(student)
        notes.append(f"{student}: matches {seen[student][0]} and {label}; not written")
        return None
    seen[student] = (label, row, list(row))
    return student


def _undo(written, ambiguous, seen):
    """The row of a student matched twice is left as the LMS wrote it."""
    for student in ambiguous:
        written.pop(student, None)
        if student in seen:
            _, row, original = seen[student]
            row[:] = original


# ---------------------------------------------------------------------------------- Canvas
def _canvas_header(row):
    return (len(row) > 3 and "Student" in row[0] and "ID" in row[1]) or \
        (len(row) > 4 and "LastName" in row[0] and "FirstName" in row[1] and "ID" in row[2])


def _canvas_columns(row):
    """(number of student information columns, {name: index}) as Canvas's importer counts them."""
    names = 4 if row[0] == "LastName" and row[1] == "FirstName" else 3
    count, where = names, {"ID": names - 2}
    if re.search(r"SIS\s+Login\s+ID", row[names - 1]):
        where["SIS Login ID"] = names - 1
        count += 1
    elif re.search(r"SIS\s+User\s+ID", row[names - 1]) and len(row) > names and \
            re.search(r"SIS\s+Login\s+ID", row[names]):
        extra = 1 if len(row) > names + 1 and re.search(r"Integration\s+ID", row[names + 1]) \
            else 0
        where["SIS User ID"], where["SIS Login ID"] = names - 1, names
        count += 2 + extra
        if len(row) > names + 1 + extra and re.search(r"Root\s+Account", row[names + 1 + extra]):
            count += 1
    return count, where


def _fill_canvas(rows, grades, people, roster, assignment, delimiter, graded=None):
    header = rows[0]
    count, where = _canvas_columns(header)
    if "Section" not in header[count - 1]:
        raise NotAnLmsFile("a Canvas gradebook needs its Section column; export the gradebook "
                           "again from Canvas")
    candidates = [(i, m["title"], m["id"]) for i, title in enumerate(header) if i >= count
                  and not CANVAS_NOT_ASSIGNMENT.search(title)
                  for m in [CANVAS_TITLE_ID.match(title)] if m]
    col = _choose_assignment(candidates, assignment, graded)
    points_row = next((r for r in rows[1:3] if r and "Points Possible" in r[0]), None)
    if points_row and len(points_row) > col and re.search(r"read\s+only", points_row[col]):
        raise NotAnLmsFile(f"Canvas marks {header[col]!r} read only")
    lms_max = _float(points_row[col]) if points_row and len(points_row) > col else None
    decimal = "," if delimiter == ";" else "."
    matcher = _Matcher(grades, people, "canvas", roster)
    written, notes, ambiguous, seen = {}, [], set(), {}
    for row in rows[1:]:
        if not row or row is points_row or "Points Possible" in row[0] or \
                all(CANVAS_SKIPPED_ROW.match(c or "") for c in row) or len(row) <= col:
            continue
        logins = [row[where[k]] for k in ("SIS Login ID", "SIS User ID")
                  if k in where and len(row) > where[k]]
        student = _claim(matcher.match(row[where["ID"]].strip(), logins),
                         f"Canvas user {row[where['ID']]}", row, seen, ambiguous, notes)
        if student is None:
            continue
        points, scaled = _points(grades[student], lms_max)
        row[col] = _number(points, 2, decimal)
        written[student] = round(points, 2)
        if scaled and not any(n.startswith("scaled") for n in notes):
            notes.append(f"scaled to the {lms_max:g} points Canvas gives {header[col]!r} (the "
                         f"course's total is out of {grades[student].max_score:g})")
    _undo(written, ambiguous, seen)
    return _finish("canvas", grades, written, notes, ambiguous)


def _choose_assignment(candidates, assignment, graded=None):
    """The column of the assignment named by `assignment` (its Canvas id or title), or the only
    assignment column, or the only one titled like this course (or like `graded`, the id of the
    course's assignment graded)."""
    listing = "; ".join(f"{title} ({aid})" for _, title, aid in candidates) or "none"
    if assignment:
        chosen = [i for i, title, aid in candidates
                  if assignment == aid or assignment.strip().casefold() == title.casefold()]
    elif len(candidates) == 1:
        chosen = [candidates[0][0]]
    else:
        chosen = [i for i, title, _ in candidates
                  if "maths of deep learning" in title.casefold()
                  or (graded is not None and graded.casefold() in title.casefold())]
    if len(chosen) != 1:
        raise NotAnLmsFile(
            ("no" if not chosen else "more than one") + " assignment column of the export is "
            f"{'named ' + repr(assignment) if assignment else 'this course'}; name it with "
            f"--assignment ID (the export's assignments: {listing})")
    return chosen[0]


def fill_file(course, graded, path, roster=None, assignment=None, out=None):
    """Fill the LMS's exported file at `path` with the grades of the course's `graded`
    assignment (an `Assignment` or its id) in the gradebook; writes `out` (default:
    `<name>-graded.csv` next to it) and returns (Filled, out).  `assignment` names the LMS's."""
    from .lms import read_roster, read_students
    path = Path(path)
    filled = fill(path.read_bytes(), read_grades(course, graded),
                  read_students(course, graded), read_roster(roster) if roster else None,
                  assignment, id_of(graded))
    out = Path(out) if out else path.with_name(f"{path.stem}-graded{path.suffix or '.csv'}")
    out.write_bytes(filled.text.encode("utf-8"))
    return filled, out
