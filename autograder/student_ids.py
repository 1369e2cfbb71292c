"""Student ids the tools accept: a safe character set, so that no page or file name shows more.

A student id becomes a folder name (`submitted/<id>/`), a gradebook key that formgrader prints
into its pages without escaping, and a line of the reports.  Ids come from folder names, which an
LMS download or a student's own file name may fill with anything.  Safe: 1 to 64 letters, digits,
'.', '_', '-' and '@' (an email as an id), starting with a letter or a digit (so neither `.`, `..` nor an option).  A
folder whose name is not safe is refused by both grading paths (`grading.intake` for a hand-run
`nbgrader autograde`, `staging.refused_students` for `grade-class`) and named in reports only as
`shown(id)`: percent-encoded, so it is text everywhere.
"""
from urllib.parse import quote

MAX_LENGTH = 64
CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


def is_safe(student):
    """Whether `student` is a safe id (see the module)."""
    return (isinstance(student, str) and 0 < len(student) <= MAX_LENGTH
            and set(student) <= CHARACTERS and student[0].isascii() and student[0].isalnum())


def shown(student):
    """`student` as it may be printed anywhere: unsafe characters percent-encoded."""
    return quote(str(student)[:200], safe="._-@")


def refusal(student):
    """Why a folder named `student` is not graded, naming it only as `shown`."""
    return (f"the folder name {shown(student)!r} is not a safe student id (1 to {MAX_LENGTH} "
            "letters, digits, '.', '_', '-' or '@', starting with a letter or digit): not graded; "
            "rename the folder to the student's id and grade again")
