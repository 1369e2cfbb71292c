"""An expression in the exercise's symbols, judged by its values at seeded points
(`checks.symbolic`); the `full` self-check ships those values, never the expression."""
from mdl_kernel.grammar import OPERATIONS

from ..checks import symbolic as S
from ..verdict import ItemVerdict
from .base import Kind, missing


# One node of a tree: the name of an operation of the grammar's table first.  Nesting, arity and
# leaves are checked in code (`grading.records`, by the grammar's `fold`), with the tree's size
# limits: a recursive schema costs seconds per record.
TREE = {"$defs": {"tree": {"type": "array", "minItems": 2,
                           "prefixItems": [{"enum": list(OPERATIONS)}]}}}


class Symbolic(Kind):
    name = "symbolic"

    def info(self, item):
        return dict(super().info(item), symbols=list(item.options["symbols"]),
                    intermediates=list(item.options["intermediates"]))

    def compute_data(self, item):
        return {"expected": item.expected, "mistakes": item.wrong_variants()}

    def shipped(self, item):
        data = self.data(item)
        return S.values_at_points(item.name, data["expected"], item.options, data["mistakes"])

    def record_schema(self, item):
        return {"type": "object",
                "properties": {"type": {"const": "expr"}, "tree": {"$ref": "#/$defs/tree"}},
                "required": ["type", "tree"], "additionalProperties": False}

    def reference_record(self, item):
        return S.to_plain(item.expected, item.options)

    def judge(self, item, record, include_hidden=True):
        if record is None or record.get("type") == "missing":
            return missing(item.name)
        data = self.data(item)
        result = S.compare(item.name, record, data["expected"], item.options, data["mistakes"])
        flags = (("check-undecided", result.undecided),) if result.undecided else ()
        return ItemVerdict(item.name, result.score, result.message, result.mistake, flags=flags)


