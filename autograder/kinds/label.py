"""A word from the item's `choices` (any case); the item's `hint` says what to do when it is
wrong."""
from mdl_kernel import plain as P
from mdl_kernel.limits import MAX_LABEL

from .base import Kind


class Label(Kind):
    name = "label"

    def info(self, item):
        return dict(super().info(item), choices=list(item.options["choices"]))

    def compute_data(self, item):
        return {"expected": str(item.expected), "hint": item.hint}

    def shipped(self, item):
        return self.data(item)

    def record_schema(self, item):
        return {"type": "object", "properties": {"type": {"const": "text"},
                                                 "value": {"type": "string",
                                                           "maxLength": MAX_LABEL}},
                "required": ["type", "value"], "additionalProperties": False}

    def reference_record(self, item):
        return P.text(str(item.expected))

    def worked(self, item, matrix):
        return f'* `{item.name} = "{item.expected}"`'
