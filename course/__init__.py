"""Authoring of the course: the five source notebooks, written as Python and built by `build`.

Nothing here is installed where students work: it holds the solutions.
"""
