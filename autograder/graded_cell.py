"""An exercise's graded test cell, written and read back in one place.

Each exercise has one graded test cell: one call with the exercise's id, seen by the student,
and one hidden from them.

    check("F1a", globals())          # visible: the student's self-check (mdl_kernel.selfcheck)
    ### BEGIN HIDDEN TESTS
    record("F1a", globals())         # hidden: records the answers for grading (mdl_kernel.recording)
    ### END HIDDEN TESTS

`source(exercise_id)` writes it (`course.cells.tests`, which builds the notebooks);
`exercise_of(text)` reads it back: the exercise id when `text` is exactly such a cell, None
otherwise (the tests read the built notebooks' test cells with it).  The hidden part is
nbgrader's: `generate_assignment` removes it from the release and `autograde` restores it.
"""
import re

CHECK, RECORD = "check", "record"           # the kernel side's two calls
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"   # nbgrader's markers


def call(function, exercise_id):
    """One call of a test cell: `check("F1a", globals())` or `record("F1a", globals())`."""
    return f'{function}("{exercise_id}", globals())'


def source(exercise_id):
    """The graded test cell of an exercise: the visible self-check, then the hidden record."""
    return "\n".join((call(CHECK, exercise_id), BEGIN_HIDDEN, call(RECORD, exercise_id), END_HIDDEN))


_FIRST_ID = re.compile(re.escape(CHECK) + r'\("([^"\\]+)"')


def exercise_of(text):
    """The exercise id of a graded test cell's source, or None when it is not exactly `source` of
    an id (another call, a changed line, extra code)."""
    found = _FIRST_ID.match(text or "")
    return found[1] if found and text == source(found[1]) else None
