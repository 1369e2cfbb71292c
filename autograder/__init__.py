"""Autograder of the 'Maths of Deep Learning' lab.

Notebooks call `check(exercise_id, globals())` for a self-check and `grade(exercise_id, globals())`
in a graded test cell.  See README.md for the map of modules.
"""
from .grading import check, grade

__all__ = ["check", "grade"]
