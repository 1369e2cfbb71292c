"""Students' notebooks made from the release: the instructor's solutions, or other answers.

A submission starts from the release notebooks (what students download) and fills answer cells,
identified by nbgrader grade id, with code: the source notebook's solutions (markers removed) by
default, or any replacement.  Used for the sample class, the tests and the benchmarks.
"""
import re
import shutil
from pathlib import Path

import nbformat
from nbgrader import utils

from .assignment import LAB, id_of


MARKERS = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$\n?", re.MULTILINE)


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solutions(source_dir):
    """{notebook name: {grade id: solution text}} of the source notebooks' answer cells."""
    found = {}
    for path in sorted(Path(source_dir).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        found[path.stem] = {grade_id(c): MARKERS.sub("", c.source) for c in nb.cells
                            if utils.is_solution(c)}
    return found


def write_submission(course, student, answers=None, blank=False, notebooks=None,
                     assignment=None):
    """Write submitted/<student>/<assignment>/ from the release (of the lab's `LAB`, unless
    another `assignment` or id is given).

    `answers` maps notebook name -> {grade id: code} and overrides the solutions; `blank` keeps
    the release as downloaded; `notebooks` limits which notebooks are submitted.
    """
    course = Path(course)
    assignment = id_of(assignment or LAB)
    release = course / "release" / assignment
    target = course / "submitted" / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    model = {} if blank else solutions(course / "source" / assignment)
    for path in sorted(release.glob("*.ipynb")):
        if notebooks is not None and path.stem not in notebooks:
            continue
        nb = nbformat.read(path, as_version=4)
        fill = dict(model.get(path.stem, {}), **(answers or {}).get(path.stem, {}))
        for cell in nb.cells:
            if grade_id(cell) in fill:
                cell.source = fill[grade_id(cell)]
        nbformat.write(nb, target / path.name)
    return target
