"""The record: the one thing that crosses from a student's kernel to the tutor's process.

A graded test cell displays one output of MIME type RECORD_MIME holding
    {"exercise": id, "answers": {name: plain record}}
where each plain record follows its item's kind (`kinds.*.schema`): numbers with a shape, True/
False, short text, an expression tree of whitelisted operations, a function's outputs on the test
inputs, or {"type": "missing"} / {"type": "invalid", "reason": ...}.

`validate(record, exercise_id)` checks a record in two steps and returns a fresh copy:
    1. size budgets, in code: only JSON types (dict with text keys, list, str, int, float, bool,
       None), at most MAX_RECORD_VALUES values nested MAX_RECORD_DEPTH deep, every number finite
       and below 1e300, every string at most 100 000 characters;
    2. the exercise's JSON Schema (`schema(exercise_id)`, checked with `jsonschema`), plus what a
       schema cannot say: an array holds as many numbers as its shape says, an expression tree
       follows the grammar's table (`mdl_kernel.grammar`: operations, their operands, at most
       MAX_NODES nodes, none more than MAX_DEPTH levels below the root).
It raises Malformed, whose message says where the record breaks the rules.
"""
import math
from functools import lru_cache

from jsonschema import Draft202012Validator

from mdl_kernel.grammar import TooLarge, Unreadable, measure
from mdl_kernel.limits import MAX_RECORD_DEPTH, MAX_RECORD_VALUES
from mdl_kernel.recording import RECORD_MIME

from ..catalogue import CATALOGUE
from ..kinds.symbolic import TREE

MAX_STRING = 100_000
__all__ = ["RECORD_MIME", "Malformed", "schema", "validate"]


class Malformed(Exception):
    """A record that does not follow the schema; the message says where."""


def _plain(value, budget, depth=0):
    """A copy made of dict/list/str/int/float/bool/None only, within the size budgets."""
    budget[0] -= 1
    if budget[0] < 0:
        raise Malformed(f"the record has more than {MAX_RECORD_VALUES} values")
    if depth > MAX_RECORD_DEPTH:
        raise Malformed(f"the record is nested more than {MAX_RECORD_DEPTH} levels deep")
    kind = type(value)
    if isinstance(value, dict):   # nbformat reads JSON objects as NotebookNode, a dict
        if not all(type(k) is str for k in value):
            raise Malformed("the record has a key that is not text")
        return {k: _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, budget, depth + 1) for v in value]
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        if not math.isfinite(value) or abs(value) > 1e300:
            raise Malformed("the record holds a number that is not finite")
        return value
    if kind is str:
        if len(value) > MAX_STRING:
            raise Malformed("the record holds a string far too long")
        return value
    raise Malformed(f"the record holds a {kind.__name__}, which JSON does not have")


@lru_cache(maxsize=None)
def schema(exercise_id):
    """The JSON Schema of a record of this exercise."""
    exercise = CATALOGUE[exercise_id]
    names = [item.name for item in exercise.items]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$defs": TREE["$defs"],
        "type": "object",
        "properties": {
            "exercise": {"const": exercise_id},
            "answers": {"type": "object", "required": names, "additionalProperties": False,
                        "properties": {item.name: item.kind.schema(item)
                                       for item in exercise.items}}},
        "required": ["exercise", "answers"], "additionalProperties": False}


@lru_cache(maxsize=None)
def _validator(exercise_id):
    return Draft202012Validator(schema(exercise_id))


def _where(error):
    path = "".join(f"[{p}]" if type(p) is int else f".{p}" for p in error.absolute_path)
    return f"the record{path}"


def _arrays(value, where):
    """Arrays hold as many numbers as their shapes say; trees are within their budgets.  (Run
    after the schema, which gives every array its data and shape.)"""
    if isinstance(value, dict):
        if value.get("type") == "calls":
            return   # each result is checked on its own, as its case's, by the function kind
        if value.get("type") == "array" and len(value["data"]) != math.prod(value["shape"]):
            raise Malformed(f"{where}.data does not hold the number of entries its shape says")
        if value.get("type") == "expr":
            _tree(value["tree"], f"{where}.tree")
        for k, v in value.items():
            _arrays(v, f"{where}.{k}")
    elif type(value) is list:
        for k, v in enumerate(value):
            _arrays(v, f"{where}[{k}]")


_UNREADABLE = {"node": "is not a node of a whitelisted operation",
               "leaf": "is not a well-formed {} node",
               "operands": "does not have the operands {} takes"}


def _tree(tree, where):
    """A tree of the grammar's operations (`mdl_kernel.grammar.measure`): leaves with operands
    of their types, operations with their number of operands, within its size limits."""
    def at(path):
        return where + "".join(f"[{k}]" for k in path)
    try:
        measure(tree)
    except TooLarge as large:
        raise Malformed(f"{at(large.where)} is an expression tree larger than the grader "
                        "accepts") from None
    except Unreadable as bad:
        raise Malformed(f"{at(bad.where)} {_UNREADABLE[bad.what].format(bad.op)}") from None


def validate(record, exercise_id):
    """The answers of a record for `exercise_id`, checked and copied; raises Malformed."""
    record = _plain(record, [MAX_RECORD_VALUES])
    if type(record) is dict and record.get("exercise") != exercise_id and \
            "exercise" in record:
        raise Malformed(f"the record is for exercise {str(record['exercise'])[:20]!r}, "
                        f"not {exercise_id}")
    error = next(iter(sorted(_validator(exercise_id).iter_errors(record),
                             key=lambda e: len(e.absolute_path))), None)
    if error is not None:
        raise Malformed(f"{_where(error)} does not follow the schema: {error.message[:200]}")
    _arrays(record["answers"], "answers")
    return record["answers"]
