"""An expression in the exercise's symbols, judged by its values at seeded points
(`checks.symbolic`); the `full` self-check ships those values, never the expression."""
from ..checks import symbolic as S
from ..verdict import ItemVerdict
from .base import Kind, missing


TREE = {"$defs": {"tree": {"oneOf": [
    {"type": "array", "prefixItems": [{"const": "int"}, {"type": "integer"}],
     "minItems": 2, "maxItems": 2},
    {"type": "array", "prefixItems": [{"const": "rat"}, {"type": "integer"}, {"type": "integer"}],
     "minItems": 3, "maxItems": 3},
    {"type": "array", "prefixItems": [{"enum": ["float", "sym"]}, {"type": "string",
                                                                   "maxLength": 64}],
     "minItems": 2, "maxItems": 2},
    {"type": "array", "prefixItems": [{"enum": ["add", "mul"]}],
     "items": {"$ref": "#/$defs/tree"}, "minItems": 2},
    {"type": "array", "prefixItems": [{"const": "pow"}], "items": {"$ref": "#/$defs/tree"},
     "minItems": 3, "maxItems": 3},
    {"type": "array", "prefixItems": [{"enum": ["exp", "log", "tanh", "sinh", "cosh"]}],
     "items": {"$ref": "#/$defs/tree"}, "minItems": 2, "maxItems": 2}]}}}


class Symbolic(Kind):
    name = "symbolic"

    def info(self, item):
        return dict(super().info(item), symbols=list(item.options.get("symbols", ())),
                    intermediates=list(item.options.get("intermediates", {})))

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
        return ItemVerdict(item.name, result.score, result.message, result.mistake)


