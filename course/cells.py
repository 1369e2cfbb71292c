"""A small vocabulary for writing nbgrader notebooks: each function returns one cell.

Cells carry nbgrader's metadata: prose and given data are locked (read-only), answers are solution
cells, tests are graded and locked, free-text and plot answers are manually graded.  Given data is
printed from the exercise catalogue, so the notebooks and the grader cannot disagree.
"""
import re

import nbformat.v4 as nbf
import numpy as np

from autograder import graded_cell
from autograder.catalogue import exercise

SCHEMA = 3


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    cell_meta = {"nbgrader": meta}
    if locked:
        cell_meta.update(editable=False, deletable=False)
    return cell_meta


class Counter:
    """Gives locked cells stable, unique grade ids within a notebook."""

    def __init__(self, prefix):
        self.prefix, self.n = prefix, 0

    def __call__(self, kind):
        self.n += 1
        return f"{self.prefix}_{kind}_{self.n:02d}"


def md(ids, text):
    return nbf.new_markdown_cell(text.strip(), metadata=_meta(ids("prose"), locked=True))


SUBMITTING = r"""
**Before you submit:** choose *Kernel > Restart & Run All* (in JupyterLab, *Kernel > Restart Kernel
and Run All Cells*) and check that every cell runs. Grading runs your notebook once, from the top,
in a fresh kernel: a name defined only in a cell you ran later, or in a cell you have since deleted,
does not exist there.
"""


def before_you_submit(ids):
    """The reminder every notebook carries: grading runs it from the top."""
    # its own grade id, so the other cells keep theirs
    return nbf.new_markdown_cell(SUBMITTING.strip(),
                                 metadata=_meta(f"{ids.prefix}_submitting", locked=True))


def in_notebook_only(ids, text):
    """Prose about working in Jupyter (the check cells, the kernel): kept out of the printed
    sheets and worked solutions (`is_notebook_only`).  Its own grade id, as `before_you_submit`."""
    return nbf.new_markdown_cell(text.strip(),
                                 metadata=_meta(f"{ids.prefix}_in_notebook", locked=True))


NOTEBOOK_ONLY = re.compile(r"_(submitting|in_notebook)$")


def is_notebook_only(cell):
    """Whether a cell speaks of the notebook itself (running cells, the kernel), not of the maths."""
    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or ""
    return bool(NOTEBOOK_ONLY.search(gid))


def code(ids, source):
    return nbf.new_code_cell(source.strip(), metadata=_meta(ids("code"), locked=True))


def _number(x):
    return repr(float(x)) if isinstance(x, (float, np.floating)) else repr(int(x))


def literal(value, indent=0, width=90):
    """NumPy source for a value of the catalogue: exact (shortest round-trip repr, floats stay
    floats), one row of a matrix per line when it does not fit on one line."""
    if not isinstance(value, np.ndarray):
        return repr(value)
    if value.ndim == 1:
        return "np.array([" + ", ".join(map(_number, value)) + "])"
    rows = ["[" + ", ".join(map(_number, row)) + "]" for row in value]
    flat = "np.array([" + ", ".join(rows) + "])"
    if indent + len(flat) <= width:
        return flat
    return "np.array([" + (",\n" + " " * (indent + 10)).join(rows) + "])"


def latex(value):
    """A pmatrix for a vector or matrix, the number otherwise."""
    value = np.asarray(value)
    if value.ndim == 0:
        return f"{float(value):g}"
    rows = value.reshape(value.shape[0], -1) if value.ndim == 2 else value.reshape(1, -1)
    body = r" \\ ".join(" & ".join(f"{x:g}" for x in row) for row in rows)
    return r"\begin{pmatrix} " + body + r" \end{pmatrix}"


def given(ids, eid):
    """The read-only cell that defines an exercise's given data (and symbols, if any)."""
    ex = exercise(eid)
    lines = [f"# given data for {eid} (read-only)"]
    lines += [f"{name} = {literal(value, indent=len(name) + 3)}" for name, value in ex.given.items()]
    if ex.setup:
        lines.append(ex.setup.strip())
    return nbf.new_code_cell("\n".join(lines), metadata=_meta(f"{eid}_given", locked=True))


def given_math(eid, symbols=None):
    """Inline LaTeX of the given data: `X = (..), w = (..), b = (..)`."""
    ex = exercise(eid)
    symbols = symbols or {}
    return ", \\quad ".join(f"{symbols.get(name, name)} = {latex(v)}" for name, v in ex.given.items())


def answer(eid, solution, before="", after="", suffix="answer", indent=""):
    """A solution cell: `before` and `after` are shown to the student around the answer region,
    whose markers are indented by `indent` (inside a function body, say)."""
    body = "\n".join(part for part in (before.strip("\n"),
                                       f"{indent}### BEGIN SOLUTION", solution.strip("\n"),
                                       f"{indent}### END SOLUTION", after.strip("\n")) if part)
    return nbf.new_code_cell(body, metadata=_meta(f"{eid}_{suffix}", solution=True))


def tests(eid):
    """The graded test cell: a visible self-check, and the graded call hidden from students
    (`autograder.graded_cell`, which also reads it back)."""
    ex = exercise(eid)
    return nbf.new_code_cell(graded_cell.source(eid),
                             metadata=_meta(eid, grade=True, locked=True, points=ex.points))


def manual_text(grade_id, points, solution):
    return nbf.new_markdown_cell(solution.strip(), metadata=_meta(grade_id, grade=True, solution=True,
                                                                  points=points))


def manual_code(grade_id, points, solution):
    body = "### BEGIN SOLUTION\n" + solution.strip("\n") + "\n### END SOLUTION"
    return nbf.new_code_cell(body, metadata=_meta(grade_id, grade=True, solution=True,
                                                  points=points))
