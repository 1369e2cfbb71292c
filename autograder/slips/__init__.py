"""Generic slips: a wrong numeric answer named when it is the reference after one plain slip
(entries swapped, transposed, scaled, shifted, one step more or fewer), in values and functions
alike.  `detect` finds the slip of one array; `naming` names slips in an exercise's verdict, after
the exercise's own known mistakes.  Tutor's side only: the self-check names no generic slip."""
from .naming import name_slips, prepare

__all__ = ["name_slips", "prepare"]
