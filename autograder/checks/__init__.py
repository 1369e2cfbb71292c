"""Checks: a student's plain data against a reference, giving verdicts; no printing here."""
