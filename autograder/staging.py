"""A student's submission, read and checked before it is graded: what a grading task carries.

`stage(course, assignment, student, expected)` reads `submitted/<student>/<assignment>/` (it
never writes there) and returns a `Submission`: every file of the folder as bytes, except the
notebooks that are missing or not valid JSON notebooks (left out: they score 0 with the reason),
and with the later copies of a duplicated graded cell made ordinary cells.  The task needs no
shared folder: a worker on another machine writes these files into a course folder of its own.

Why staging removes duplicated cells itself, when nbgrader's `DeduplicateIds` (the second of
autograde's sanitizing preprocessors) exists for that: in nbgrader 0.9.6 it is not enough.
  1. It empties the extra copies' metadata to `{}` instead of removing it, and the sanitizing
     step's last preprocessor, `CheckCellMetadata`, then reads `{}` as metadata of schema
     version 0: `nbgrader autograde` drops the student's autograded folder and stops, "One or
     more notebooks in the assignment use an old version of the nbgrader metadata format" (a
     plain class-wide run grades nobody after that student either).
  2. It keeps the *last* copy (it walks the cells backwards) where staging keeps the first:
     using it would change which copy of a duplicated cell is graded.
  3. It only logs a warning; staging records "graded cell X duplicated" for the class report.
Staging removes the `nbgrader` key of the later copies, so DeduplicateIds then finds nothing to
do.  tests/test_staging.py shows all three on nbgrader's own preprocessors.

Staging reads with the tutor's rights, so it follows no symbolic link (unzipping a student's zip
with its links kept makes them: a link to `source/.../nb.ipynb` or to another student's notebook):
a linked file is left out and named in the reasons, a notebook that is a link is missing (0
points, with the reason), and a student folder that is a link, or whose name is not a safe
student id (`autograder.student_ids`), is not graded at all (`refused_students`).
"""
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader import utils

from .grading.intake import linked_part, links_below
from .assignment import id_of
from .student_ids import is_safe, refusal, shown
from .submissions import grade_id


@dataclass
class Submission:
    """One student's files, ready to grade anywhere.

    `files` maps a path inside the assignment folder to its bytes; `reasons` maps a notebook to
    what staging found (a human should look); `excluded` holds the notebooks left out (0 points).
    """
    student: str
    digest: str
    files: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)
    excluded: set = field(default_factory=set)

    def notebooks(self):
        return sorted(Path(p).stem for p in self.files if p.endswith(".ipynb") and "/" not in p)


def release_cells(course, assignment):
    """{notebook: {grade id: cell type}} of the graded/locked nbgrader cells of the
    `assignment`'s release."""
    found = {}
    for path in sorted((Path(course) / "release" / id_of(assignment)).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found[path.stem] = {grade_id(c): c.cell_type for c in nb.cells if utils.is_grade(c)}
    return found


def submitted_dir(course, assignment, student):
    return Path(course) / "submitted" / student / id_of(assignment)


def students_of(course, assignment):
    """The students of `submitted/` with the `assignment` that can be graded (see
    `refused_students` for the rest)."""
    root = Path(course) / "submitted"
    return sorted(p.parent.name for p in root.glob(f"*/{id_of(assignment)}")
                  if p.is_dir() and is_safe(p.parent.name)
                  and linked_part(root, p) is None) if root.exists() else []


def refused_students(course, assignment):
    """{the folder's name as `shown`: why it is not graded} for the folders of `submitted/`
    whose name is not a safe student id, or that are (or hold as the assignment) a symbolic
    link."""
    root, name = Path(course) / "submitted", id_of(assignment)
    refused = {}
    for folder in sorted(root.iterdir()) if root.exists() else ():
        if not ((folder / name).exists() or (folder / name).is_symlink()):
            continue
        if not is_safe(folder.name):
            refused[shown(folder.name)] = refusal(folder.name)
        elif linked_part(root, folder / name) is not None:
            refused[folder.name] = (f"{linked_part(root, folder / name).relative_to(root)} "
                                    "is a symbolic link: not followed, not graded")
    return refused


def tree_hash(folder):
    """SHA-256 over the relative paths and contents of every file below `folder` (a symbolic
    link by its path and target, never followed)."""
    h = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            h.update(b"link\0" + str(path.relative_to(folder)).encode() + b"\0" +
                     os.readlink(path).encode(errors="replace") + b"\0")
        elif path.is_file():
            h.update(str(path.relative_to(folder)).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def drop_duplicated_cells(nb):
    """Later copies of a cell nbgrader keeps track of (graded, solution or locked: what its
    DeduplicateIds looks at) made ordinary cells, their `nbgrader` key removed (not nbgrader's
    DeduplicateIds: see above); the first copy stays.  Returns ({grade id: cell type}, notes).
    Also the hand-run `nbgrader autograde`'s (grading.cell_metadata)."""
    seen, notes = {}, []
    for cell in nb.cells:
        if not (utils.is_grade(cell) or utils.is_solution(cell) or utils.is_locked(cell)):
            continue
        gid = grade_id(cell)
        if gid in seen:
            cell.metadata.pop("nbgrader")
            notes.append(f"graded cell {gid} duplicated (copy ignored)")
            continue
        seen[gid] = cell.cell_type
    return seen, notes


def _checked_notebook(text, graded):
    """(notebook text to grade, notes): later copies of a graded cell made ordinary cells
    (`drop_duplicated_cells`); deleted and retyped graded cells noted."""
    nb = nbformat.reads(text, as_version=4)
    if not isinstance(nb.get("cells"), list):
        raise ValueError("no cells")
    seen, notes = drop_duplicated_cells(nb)
    for gid, kind in graded.items():
        if gid not in seen:
            notes.append(f"graded cell {gid} deleted")
        elif seen[gid] != kind:
            notes.append(f"graded cell {gid} retyped {kind} -> {seen[gid]}")
    return nbformat.writes(nb), notes


def stage(course, assignment, student, expected, digest=None):
    """The student's `Submission` of the `assignment`; `expected` is `release_cells` (of the
    notebooks to grade)."""
    src = submitted_dir(course, assignment, student)
    submission = Submission(student, digest or (tree_hash(src) if src.exists() else "absent"))
    links = set(links_below(src)) if src.is_dir() else set()
    for link in sorted(links):
        if not link.endswith(".ipynb") or "/" in link:
            submission.reasons.setdefault("*", []).append(
                f"{link} is a symbolic link: not followed")
    for path in sorted(src.rglob("*")) if src.exists() else ():
        inside = str(path.relative_to(src))
        if any(inside == link or inside.startswith(link + "/") for link in links):
            continue
        if path.is_file() and path.suffix != ".ipynb":
            submission.files[inside] = path.read_bytes()
    for name, graded in expected.items():
        path = src / f"{name}.ipynb"
        if path.name in links:
            submission.reasons.setdefault(name, []).append(
                "the notebook is a symbolic link: not followed (graded as missing)")
            submission.excluded.add(name)
            continue
        if not path.is_file():
            submission.reasons.setdefault(name, []).append("missing notebook")
            submission.excluded.add(name)
            continue
        try:
            text, notes = _checked_notebook(path.read_text(encoding="utf-8"), graded)
        except Exception as exc:  # truncated, not JSON, not a notebook
            submission.reasons.setdefault(name, []).append(
                f"not a valid notebook ({type(exc).__name__})")
            submission.excluded.add(name)
            continue
        if notes:
            submission.reasons.setdefault(name, []).extend(notes)
        submission.files[path.name] = text.encode("utf-8")
    return submission
