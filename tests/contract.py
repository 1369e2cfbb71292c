"""The lab's exercise contract, read from the copy the project keeps (docs/lab/EXERCISES.md), for
the tests that check the catalogue against it: no test keeps its own list of the exercises.

Each notebook is a heading `## 01_forward_pass ... (14 auto + 2 manual points)`, each exercise a
row of its table: `| F4 | given | student defines | 2 (+2 manual) |`.
"""
import re
from dataclasses import dataclass
from pathlib import Path

EXERCISES_MD = Path(__file__).resolve().parent.parent / "docs" / "lab" / "EXERCISES.md"
HEADING = re.compile(r"^## (\d\d_[a-z_]+)\b.*\((\d+)(?: auto \+ (\d+) manual)? points\)\s*$")
ROW = re.compile(r"^\| ([A-Z]\d[a-z]?) \|(.*)\|\s*$")
POINTS = re.compile(r"^(\d+)(?: \(\+(\d+) manual\))?(?: \(.*\))?$")
NAME = re.compile(r"`([A-Za-z_]\w*)(?:\(|`)")      # `z_1a` or `forward_pass(X, ...)`


@dataclass(frozen=True)
class Row:
    notebook: str
    names: tuple          # the names a student defines: those in backquotes in "student
                          # defines", in order, before its first colon (what follows explains)
    points: int
    manual: int
    kind: str             # "function" or "symbolic" when its cell says so, else "value"


def _defined(cell):
    """The part of a "student defines" cell before its first colon outside backquotes."""
    quoted = False
    for k, char in enumerate(cell):
        quoted ^= char == "`"
        if char == ":" and not quoted:
            return cell[:k]
    return cell


def _rows(text=None):
    text = EXERCISES_MD.read_text() if text is None else text
    notebook, rows, notebooks = None, {}, {}
    for line in text.splitlines():
        heading = HEADING.match(line)
        if heading:
            notebook = heading[1]
            notebooks[notebook] = (int(heading[2]), int(heading[3] or 0))
            continue
        row = ROW.match(line)
        if row and notebook:
            cells = [c.strip() for c in row[2].split("|")]
            points = POINTS.match(cells[-1])
            assert points, f"EXERCISES.md: {row[1]}'s points {cells[-1]!r} not read"
            defines = cells[-2]
            kind = next((k for k in ("function", "symbolic") if defines.startswith(k)), "value")
            rows[row[1]] = Row(notebook, tuple(NAME.findall(_defined(defines))), int(points[1]),
                               int(points[2] or 0), kind)
    return rows, notebooks


def exercises():
    """{exercise id: Row}, in the contract's order."""
    return _rows()[0]


def notebook_points():
    """{notebook: (auto points, manual points)} from the contract's headings."""
    return _rows()[1]
