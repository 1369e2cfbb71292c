"""The kernel side of the 'Maths of Deep Learning' lab: what runs in a student's kernel.

Notebooks call `check(exercise_id, globals())` (the self-check) under each answer, and graded test
cells `record(exercise_id, globals())`, which records the answers as plain data for the tutor's
process to judge.  Nothing here knows an answer: see manifest.py for what the self-check is given.
"""
from .recording import record
from .selfcheck import check

__all__ = ["check", "record"]
