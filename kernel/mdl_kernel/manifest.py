"""What the kernel knows of the assignment: `data/manifest.json`, written by the tutor's tools.

    {"format": "maths-of-dl/kernel-manifest/1",
     "mode": "full" or "format",
     "exercises": {id: {"items": [{"name", "kind", ...what reading and the form check need}]}},
     "answers": packed data (full mode only)}

An item's entry holds what the student is told anyway: the expected shape of a value, the
choices of a label, the symbols of an expression, the labels of a function's test inputs and the
inputs of its visible ones.  In the `full` release mode (the default for this formative lab),
"answers" holds what the self-check compares with: references, known mistakes, the expected
values of expressions at fixed points.  It is zlib-compressed and base64-encoded, so it is not
readable at a glance, but it is not secret: a self-check that says "too small by 1-10%" is an
oracle, and a determined student can read the data.  In the `format` mode nothing answer-like
ships: the self-check checks type, shape and finiteness only.
"""
import json
from functools import lru_cache
from pathlib import Path

from .cases import decode, unpack
from .compare import Tolerance

FORMAT = "maths-of-dl/kernel-manifest/1"
PATH = Path(__file__).with_name("data") / "manifest.json"


@lru_cache(maxsize=1)
def load(path=PATH):
    manifest = json.loads(Path(path).read_text())
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path} is not a manifest of this version of the kernel side")
    return manifest


def exercise(exercise_id):
    """The manifest entry of an exercise; a KeyError names the known ids."""
    exercises = load()["exercises"]
    try:
        return exercises[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise id {exercise_id!r}; known: {', '.join(exercises)}") \
            from None


def mode():
    return load()["mode"]


@lru_cache(maxsize=1)
def _answers():
    packed = load().get("answers")
    return unpack(packed) if packed else {}


def _decoded(value):
    if type(value) is dict:
        if "array" in value:
            return decode(value)
        return {k: Tolerance(*v) if k == "tolerance" else _decoded(v) for k, v in value.items()}
    if type(value) is list:
        return [_decoded(v) for v in value]
    return value


def answers(exercise_id, item_name):
    """What the self-check compares an item with (full mode), decoded; None in format mode."""
    found = _answers().get(exercise_id, {}).get(item_name)
    return None if found is None else _decoded(found)
