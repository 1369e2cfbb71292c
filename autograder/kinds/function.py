"""A student's function, called on the item's `cases`: visible inputs (shipped, so the self-check
can call it) and hidden ones (handed to the kernel by the tutor's process at grading time).
Its outputs are judged against the reference outputs computed here; a case passes when every
returned value is within the case's tolerance.

The record is the kernel's claim, and the kernel is the student's.  The tutor's process knows the
cases it sent (every case of the item, `test_inputs`); each needs one well-formed result of its
own, matched by its index ("case": k) and checked against `result_schema` here, one by one: a
case with no result, several, a "skipped" one or anything else earns nothing, and the feedback
names it (`mdl_kernel.calls.judge_results`).  Nothing judged is never full marks."""
import math
from functools import lru_cache

import numpy as np
from jsonschema import Draft202012Validator

from mdl_kernel import calls
from mdl_kernel.cases import encode, encode_case

from ..verdict import ItemVerdict
from .base import INVALID, Kind
from .value import ARRAY, tolerance_json

SECONDS = {"type": "number", "minimum": 0}


# the input arrays a call changed in place: "argument k" or a keyword's name
CHANGED = {"type": "array", "maxItems": 20, "uniqueItems": True,
           "items": {"type": "string", "pattern": "^(argument [1-9][0-9]?|[A-Za-z_][A-Za-z0-9_]{0,39})$"}}


def _timed(schema):
    return dict(schema, properties=dict(schema["properties"], seconds=SECONDS))


def _called(schema):
    """A returned value's record: timed, with the input arrays the call changed."""
    return dict(schema, properties=dict(schema["properties"], seconds=SECONDS, changed=CHANGED))


def _outputs(item):
    return item.options.get("outputs", 1)


def _indexed(schema, count):
    """A result's schema with its case's index, an int below `count`."""
    return dict(schema, properties=dict(schema["properties"],
                                        case={"type": "integer", "minimum": 0,
                                              "maximum": count - 1}),
                required=schema["required"] + ["case"])


def _counted(part):
    """Every array of a result holds as many numbers as its shape says."""
    if part.get("type") == "array":
        return len(part["data"]) == math.prod(part["shape"])
    return all(_counted(p) for p in part.get("items", ()))


@lru_cache(maxsize=None)
def _result_validator(kind, item):
    return Draft202012Validator(kind.result_schema(item))


class Function(Kind):
    name = "function"

    def info(self, item):
        cases = []
        for case in item.cases:   # a hidden case: not even its label
            entry = {"hidden": True}
            if not case.hidden:
                entry = {"label": case.label, "hidden": False, "exact_shape": case.exact_shape,
                         "inputs": encode_case(*case.inputs())}
            cases.append(entry)
        return dict(super().info(item), outputs=_outputs(item), cases=cases)

    def test_inputs(self, item):
        """{case index: encoded inputs} of every case, visible and hidden."""
        return {k: encode_case(*case.inputs()) for k, case in enumerate(item.cases)}

    def compute_data(self, item):
        outputs, cases = _outputs(item), []
        for case in item.cases:
            expected = case.expected()
            expected = [expected] if outputs == 1 else list(expected)
            args = case.inputs()[0]
            mistakes = []
            for m in item.mistakes:
                wrong = m.wrong(*args)
                mistakes.append((m.name, m.explanation, [wrong] if outputs == 1 else list(wrong)))
            cases.append({"label": case.label, "hidden": case.hidden,
                          "exact_shape": case.exact_shape, "keep_inputs": case.keep_inputs,
                          "tolerance": case.tolerance,
                          "expected": [np.asarray(e, dtype=float) for e in expected],
                          "mistakes": mistakes})
        return {"cases": cases}

    def shipped(self, item):
        shipped = []
        for case in self.data(item)["cases"]:
            if case["hidden"]:
                shipped.append({"hidden": True})
                continue
            shipped.append({"label": case["label"], "hidden": False,
                            "exact_shape": case["exact_shape"],
                            "keep_inputs": case["keep_inputs"],
                            "tolerance": tolerance_json(case["tolerance"]),
                            "expected": [encode(e) for e in case["expected"]],
                            "mistakes": [[m, why, [encode(np.asarray(v, dtype=float))
                                                   for v in values]]
                                         for m, why, values in case["mistakes"]]})
        return {"cases": shipped}

    def result_schema(self, item):
        """The JSON Schema of one case's result: what the function returned (one array, or a tuple
        of `outputs` arrays), or why it returned nothing (it raised, ran out of time); its time,
        the inputs it changed and its case's index."""
        outputs, n = _outputs(item), len(item.cases)
        if outputs == 1:
            value = _called(ARRAY)
        else:
            value = {"type": "object",
                     "properties": {"type": {"const": "tuple"},
                                    "items": {"type": "array", "minItems": outputs,
                                              "maxItems": outputs,
                                              "items": {"oneOf": [ARRAY, INVALID]}},
                                    "seconds": SECONDS, "changed": CHANGED},
                     "required": ["type", "items"], "additionalProperties": False}
        return {"oneOf": [_indexed(value, n), _indexed(_timed(INVALID), n)]}

    def record_schema(self, item):
        """The calls' record: a list of entries, each checked on its own as its case's result
        (`well_formed`) when the item is judged, so that one bad entry costs its own case."""
        n = len(item.cases)
        return {"type": "object",
                "properties": {"type": {"const": "calls"},
                               "results": {"type": "array", "maxItems": 4 * n,
                                           "items": {"type": "object"}}},
                "required": ["type", "results"], "additionalProperties": False}

    def well_formed(self, item, entry):
        """True if `entry` is a result of one of the item's cases (`result_schema`), every array
        in it as long as its shape says."""
        return _result_validator(self, item).is_valid(entry) and _counted(entry)

    def schema(self, item):
        return {"oneOf": [super().schema(item)["oneOf"][0], _timed(INVALID),
                          self.record_schema(item)]}

    def reference_record(self, item):
        return {"type": "calls",
                "results": [dict(calls.record_output(case.expected(), _outputs(item)), case=k)
                            for k, case in enumerate(item.cases)]}

    def judge(self, item, record, include_hidden=True):
        judged = calls.judge_results(item.name, record, self.data(item)["cases"], _outputs(item),
                                     include_hidden, lambda entry: self.well_formed(item, entry))
        hidden_fail = any(c.hidden for c in item.cases) and judged.score < 1
        return ItemVerdict(item.name, judged.score, "\n".join(judged.messages), judged.mistake,
                           hidden=hidden_fail,
                           flags=tuple(("record-incomplete", p) for p in judged.problems))
