"""The gradebook across processes and machines: a template out, scores back in.

Only the coordinating process of class grading opens the course gradebook (SQLite or a server
such as PostgreSQL, `settings.db_url`).  A worker grades in a course folder of its own, with a
private SQLite gradebook made from `assignment_template`: the assignment's rows only (the course,
the assignment, its notebooks and cells, as `nbgrader generate_assignment` stored them), no
student.  After grading, `scores` reads the student's submission out of that private gradebook
as plain data, and the coordinator writes it into the course gradebook with `record`.
"""
import tempfile
import warnings
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

from .assignment import id_of

# nbgrader's tables that hold an assignment as released, parents before children
ASSIGNMENT_TABLES = ("course", "assignment", "notebook", "base_cell", "grade_cells",
                     "solution_cells", "task_cells", "source_cell")


def _quiet():
    warnings.filterwarnings("ignore", module="nbgrader")
    warnings.filterwarnings("ignore", message=".*not in session.*")


def assignment_template(url):
    """The bytes of an SQLite gradebook holding the rows of the course gradebook at `url` that
    describe the assignment, and nothing about students."""
    from nbgrader.api import Base
    _quiet()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gradebook.db"
        source, target = create_engine(url), create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(bind=target)           # nbgrader's schema ...
        with source.connect() as src, target.begin() as dst:
            version = src.execute(text("SELECT version_num FROM alembic_version")).scalar()
            dst.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            dst.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
            for name in ASSIGNMENT_TABLES:              # ... and the assignment's rows
                table = Base.metadata.tables[name]
                rows = [dict(r) for r in src.execute(select(table)).mappings()]
                if rows:
                    dst.execute(insert(table), rows)
        source.dispose()
        target.dispose()
        return path.read_bytes()


def scores(url, assignment, student):
    """The student's submission of the `assignment` in the gradebook at `url`, as plain data:
    {"timestamp", "extension", "notebooks": {name: {"flagged", "late_submission_penalty",
    "grades": {cell: [auto, manual, extra credit, needs manual grade]},
    "comments": {cell: [auto comment, manual comment]}}}}; None when there is none."""
    from nbgrader.api import Gradebook, MissingEntry
    _quiet()
    with Gradebook(url) as gb:
        try:
            sub = gb.find_submission(id_of(assignment), student)
        except MissingEntry:
            return None
        return {
            "timestamp": sub.timestamp.isoformat() if sub.timestamp else None,
            "extension": sub.extension.total_seconds() if sub.extension else None,
            "notebooks": {nb.name: {
                "flagged": nb.flagged,
                "late_submission_penalty": nb.late_submission_penalty,
                "grades": {g.name: [g.auto_score, g.manual_score, g.extra_credit,
                                    g.needs_manual_grade] for g in nb.grades},
                "comments": {c.name: [c.auto_comment, c.manual_comment] for c in nb.comments},
            } for nb in sub.notebooks}}


def record(gb, assignment, student, found, excluded=()):
    """Write a student's `scores` of the `assignment` into the open course gradebook `gb` and
    commit: the graded
    notebooks as graded, the `excluded` notebooks (or all, for "*") with 0 points, and every
    notebook of the assignment when `found` is None (nothing could be graded)."""
    from datetime import timedelta

    from nbgrader.api import MissingEntry
    _quiet()
    gb.update_or_create_student(student)
    try:
        sub = gb.find_submission(id_of(assignment), student)
    except MissingEntry:
        sub = gb.add_submission(id_of(assignment), student)
    found = found or {"notebooks": {}}
    if found.get("timestamp"):
        sub.timestamp = datetime.fromisoformat(found["timestamp"])
    if found.get("extension") is not None:
        sub.extension = timedelta(seconds=found["extension"])
    for nb in sub.notebooks:
        theirs = found["notebooks"].get(nb.name)
        zero = theirs is None or nb.name in excluded or "*" in excluded
        if not zero:
            nb.flagged = theirs["flagged"]
            nb.late_submission_penalty = theirs["late_submission_penalty"]
        for g in nb.grades:
            values = None if zero else theirs["grades"].get(g.name)
            g.auto_score, g.manual_score, g.extra_credit, g.needs_manual_grade = \
                values if values is not None else (0.0, None, None, False)
        for c in nb.comments:
            values = None if zero else theirs["comments"].get(c.name)
            if values is not None:
                c.auto_comment, c.manual_comment = values
    gb.db.commit()
