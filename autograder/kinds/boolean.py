"""True or False; the item's `hint` says what to do when it is wrong."""
from mdl_kernel import plain as P

from .base import Kind


class Boolean(Kind):
    name = "boolean"

    def compute_data(self, item):
        return {"expected": bool(item.expected), "hint": item.hint}

    def shipped(self, item):
        return self.data(item)

    def record_schema(self, item):
        return {"type": "object", "properties": {"type": {"const": "bool"},
                                                 "value": {"type": "boolean"}},
                "required": ["type", "value"], "additionalProperties": False}

    def reference_record(self, item):
        return P.boolean(bool(item.expected))

    def worked(self, item, matrix):
        return f"* `{item.name} = {bool(item.expected)}`"
