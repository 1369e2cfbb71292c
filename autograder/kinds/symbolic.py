"""An expression in the exercise's symbols, judged by its values at seeded points
(`checks.symbolic`); the `full` self-check ships those values, never the expression."""
from ..checks import symbolic as S
from ..verdict import ItemVerdict
from .base import Kind, missing


# One node of a tree: an operation's name first.  Nesting, arity and leaves are checked in code
# (`grading.records`), with the tree's size budgets: a recursive schema costs seconds per record.
OPERATIONS = ["int", "rat", "float", "sym", "add", "mul", "pow", "exp", "log", "tanh", "sinh",
              "cosh"]
TREE = {"$defs": {"tree": {"type": "array", "minItems": 2,
                           "prefixItems": [{"enum": OPERATIONS}]}}}


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


