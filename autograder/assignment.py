"""Which assignment nbgrader is grading, and whether it is the lab's.

A course folder holds many assignments.  The course's own grading (the test inputs written into
the test cells, the grader that judges each record, the kernel that costs only the cells from
the one it died in) acts only on the lab's assignment, chosen from nbgrader's `resources`
(`resources["nbgrader"]["assignment"]`), never from a cell's grade id alone: another assignment
with a plain nbgrader test cell called `N1` is graded by nbgrader's own rules (a cell that runs
clean scores its points, one that raises scores 0).  What protects the tutor applies to every
assignment: its kernels run in the sandbox (the grading kernel spec), links in `submitted/` are
not followed and nothing it outputs is active in a browser (`grading.intake`, `grading.sanitize`).
"""
from dataclasses import dataclass

from .settings import ASSIGNMENT


@dataclass(frozen=True)
class Assignment:
    """An assignment graded by the course's grader: its nbgrader id and its exercises."""
    id: str

    @property
    def catalogue(self):
        """{exercise id: Exercise} of the assignment (loaded on first use: it is large)."""
        from .catalogue import CATALOGUE
        return CATALOGUE


LAB = (Assignment(ASSIGNMENT),)


def lab_assignment(assignment_id):
    """The lab's `Assignment` called `assignment_id`, or None for any other assignment."""
    return next((a for a in LAB if a.id == assignment_id), None)


def being_graded(resources):
    """The lab's `Assignment` that nbgrader is grading (from its `resources`), or None when it
    grades another assignment or names none."""
    info = (resources or {}).get("nbgrader") or {}
    return lab_assignment(info.get("assignment"))
