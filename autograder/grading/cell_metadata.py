"""A student's notebook whose nbgrader cell metadata is broken: graded as far as it can be, flagged.

nbgrader's autograde stops the *whole class* on one notebook whose cell metadata is of another
schema version: its last sanitizing step, `CheckCellMetadata`, raises SchemaTooOldError or
SchemaTooNewError, which its converter turns into an error for the run, so the students after that
one are not graded.  Two ways a student gets there:

  * a copied graded cell: nbgrader's `DeduplicateIds` empties the copy's metadata to `{}`, which
    reads as schema version 0 (too old);
  * a cell whose `schema_version` was edited (`"schema_version": 99`: too new).

Two preprocessors among autograde's sanitizing ones (`c.Autograde.sanitize_preprocessors`,
nbgrader_config.py), so on both ways of grading (`nbgrader autograde` by hand and `grade-class`):

  * `RepairCellMetadata`, before `DeduplicateIds`: in each cell with nbgrader metadata, metadata
    that is not a mapping, or not of nbgrader's schema's shape, is removed (an ordinary cell); an
    older schema version is upgraded as `nbgrader update` does, and any other version than
    nbgrader's (newer, not a number) is read as nbgrader's; a graded cell without points gets 0
    (nbgrader's `OverwriteCells` then gives a cell of the assignment its points, type and lock
    back from the gradebook); then the later copies of a duplicated cell become ordinary cells,
    as staging does for the class (`staging.drop_duplicated_cells`: the first copy is graded);
  * `DropInvalidCellMetadata`, before `CheckCellMetadata` (after `OverwriteCells`): the nbgrader
    metadata of a cell that still does not validate is removed.

Every change is a note in the notebook's metadata (`COURSE_KEY`'s `intake`), which the grader turns
into the flag `cell-metadata`; whatever the student put under `COURSE_KEY` is dropped.
"""
import jsonschema
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import NbGraderPreprocessor

from ..settings import COURSE_KEY
from ..staging import drop_duplicated_cells

NOTES = "intake"


class RepairCellMetadata(NbGraderPreprocessor):
    """Cell metadata that would stop nbgrader repaired or removed, with a note each (above)."""

    def preprocess(self, nb, resources):
        validator = MetadataValidator()
        notes = []
        for index, cell in enumerate(nb.cells):
            if "nbgrader" in cell.get("metadata", {}):
                note = _repaired(cell, validator)
                if note:
                    notes.append(f"cell {index + 1}: {note}")
        notes += drop_duplicated_cells(nb)[1]
        nb.metadata.pop(COURSE_KEY, None)
        _note(self, nb, resources, notes)
        return nb, resources


class DropInvalidCellMetadata(NbGraderPreprocessor):
    """The nbgrader metadata of a cell that does not validate once the gradebook has restored
    the assignment's cells, removed, with a note."""

    def preprocess(self, nb, resources):
        validator = MetadataValidator()
        notes = []
        for index, cell in enumerate(nb.cells):
            if "nbgrader" not in cell.get("metadata", {}):
                continue
            try:
                validator.validate_cell(cell)
            except Exception as error:  # noqa: BLE001 (whatever a student's metadata raises)
                cell.metadata.pop("nbgrader", None)
                notes.append(f"cell {index + 1}: nbgrader metadata that does not validate, "
                             f"removed ({type(error).__name__}: {str(error)[:120]})")
        _note(self, nb, resources, notes)
        return nb, resources


def _note(preprocessor, nb, resources, notes):
    if notes:
        kept = nb.metadata.setdefault(COURSE_KEY, {}).setdefault(NOTES, [])
        kept.extend(notes)
        preprocessor.log.warning("Cell metadata repaired in %s: %s",
                                 resources.get("nbgrader", {}).get("notebook"), "; ".join(notes))


_checkers = {}


def _check(meta, validator):
    """`jsonschema.validate(meta, validator.schema)`, with the schema itself checked once per
    schema version (not once per cell) and the same error for metadata that does not validate."""
    checker = _checkers.get(validator.schema_version)
    if checker is None:
        kind = jsonschema.validators.validator_for(validator.schema)
        kind.check_schema(validator.schema)
        checker = _checkers[validator.schema_version] = kind(validator.schema)
    error = jsonschema.exceptions.best_match(checker.iter_errors(meta))
    if error is not None:
        raise error


def _repaired(cell, validator):
    """Give the cell's nbgrader metadata nbgrader's schema version and shape, or remove it; what
    was done, or None."""
    meta = cell.metadata["nbgrader"]
    current = validator.schema_version
    if not isinstance(meta, dict):
        cell.metadata.pop("nbgrader")
        return "nbgrader metadata that is not a mapping, removed"
    version = meta.get("schema_version", 0)
    notes = []
    try:
        if type(version) is int and 0 <= version < current:
            validator.upgrade_cell_metadata(cell)
            notes.append(f"nbgrader metadata of schema version {version} upgraded to {current}")
        elif version != current or type(version) is not int:
            meta["schema_version"] = current
            notes.append(f"nbgrader metadata of schema version {version!r} read as version "
                         f"{current}")
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            return "; ".join(notes) or None
        if meta.get("grade") is True and "points" not in meta:
            meta["points"] = 0
            notes.append("graded cell without points given 0 (the gradebook's points apply)")
        _check(meta, validator)
    except Exception as error:  # noqa: BLE001 (whatever a student's metadata makes it raise)
        cell.metadata.pop("nbgrader", None)
        return (f"nbgrader metadata that does not validate, removed "
                f"({type(error).__name__}: {str(error)[:120]})")
    return "; ".join(notes) or None
