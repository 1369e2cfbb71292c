"""The assignments the lab is released as, and which one nbgrader is grading.

The lab is one course's worth of five notebooks.  It is released either as one assignment
(`maths_of_dl`, all five notebooks: `LAB`) or week by week, one notebook an assignment
(`week1_forward_pass` ... `week5_backpropagation`: `WEEKS`).  Both plans are known at once, so a
course folder may use either; an `Assignment` is a value passed down to whatever builds, grades or
reports, never a module constant.

A course folder holds many assignments.  The course's own grading (the test inputs written into
the test cells, the grader that judges each record, the kernel that costs only the cells from
the one it died in) acts only on the lab's assignments, chosen from nbgrader's `resources`
(`resources["nbgrader"]["assignment"]`), never from a cell's grade id alone: another assignment
with a plain nbgrader test cell called `N1` is graded by nbgrader's own rules (a cell that runs
clean scores its points, one that raises scores 0).  What protects the tutor applies to every
assignment: its kernels run in the sandbox (the grading kernel spec), links in `submitted/` are
not followed and nothing it outputs is active in a browser (`grading.intake`, `grading.sanitize`).
"""
from dataclasses import dataclass

#: The lab's notebooks, in teaching order (each is `course/nbXX_<name>.py` and `<name>.ipynb`).
NOTEBOOKS = ("01_forward_pass", "02_activations", "03_network_output", "04_gradient_descent",
             "05_backpropagation")


@dataclass(frozen=True)
class Assignment:
    """An assignment graded by the course's grader: its nbgrader id and its notebooks (a subset of
    `NOTEBOOKS`, in teaching order)."""
    id: str
    notebooks: tuple = NOTEBOOKS

    @property
    def catalogue(self):
        """{exercise id: Exercise} of this assignment's notebooks, in teaching order (the
        catalogue is loaded on first use: it is large)."""
        from .catalogue import CATALOGUE
        return {eid: e for eid, e in CATALOGUE.items() if e.notebook in self.notebooks}

    @property
    def course_modules(self):
        """The `course.nbXX_*` modules that write this assignment's notebooks (the course
        package is the instructor's: it is imported only by who builds the notebooks)."""
        import importlib
        return tuple(importlib.import_module(f"course.nb{nb}") for nb in self.notebooks)


#: The lab as one assignment (today's release).
LAB = Assignment("maths_of_dl")
#: The lab released week by week: one notebook an assignment.
WEEKS = tuple(Assignment(f"week{int(nb[:2])}_{nb[3:]}", (nb,)) for nb in NOTEBOOKS)
#: Every assignment the course's grader knows, by nbgrader id.
ASSIGNMENTS = {a.id: a for a in (LAB, *WEEKS)}
#: The release plans: the same course code builds either.
PLANS = {"one": (LAB,), "weekly": WEEKS}


def lab_assignment(assignment_id):
    """The lab's `Assignment` called `assignment_id`, or None for any other assignment."""
    return ASSIGNMENTS.get(assignment_id)


def being_graded(resources):
    """The lab's `Assignment` that nbgrader is grading (from its `resources`), or None when it
    grades another assignment or names none."""
    info = (resources or {}).get("nbgrader") or {}
    return lab_assignment(info.get("assignment"))


def named(assignment_id):
    """The `Assignment` called `assignment_id`: the lab's, or else an ordinary nbgrader
    assignment of the course folder (no notebook of the lab: an empty catalogue, so nbgrader's
    own rules grade it).  The id is a folder name in the course: one path part, no dot first."""
    assignment_id = str(assignment_id)
    if not assignment_id or assignment_id.startswith(".") or "/" in assignment_id \
            or "\\" in assignment_id:
        raise ValueError(f"{assignment_id!r} is not an assignment's name (a folder of source/)")
    return lab_assignment(assignment_id) or Assignment(assignment_id, ())


def is_lab(assignment):
    """True for the lab's assignments (graded by the course's grader)."""
    return lab_assignment(assignment.id) == assignment


def id_of(assignment):
    """The nbgrader id of an `Assignment` or of an id."""
    return assignment.id if isinstance(assignment, Assignment) else str(assignment)
