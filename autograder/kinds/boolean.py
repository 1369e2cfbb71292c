"""True or False; the item's `hint` says what to do when it is wrong."""
from mdl_kernel import plain as P

from .exact import Exact


class Boolean(Exact):
    name = "boolean"

    def expected(self, item):
        return bool(item.expected)

    def record_schema(self, item):
        return {"type": "object", "properties": {"type": {"const": "bool"},
                                                 "value": {"type": "boolean"}},
                "required": ["type", "value"], "additionalProperties": False}

    def reference_record(self, item):
        return P.boolean(bool(item.expected))

    def worked(self, item, matrix):
        return f"* `{item.name} = {bool(item.expected)}`"
