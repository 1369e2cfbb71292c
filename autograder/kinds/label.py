"""A word from the item's `choices` (any case); the item's `hint` says what to do when it is
wrong."""
from mdl_kernel import plain as P
from mdl_kernel.limits import MAX_LABEL

from .exact import Exact


class Label(Exact):
    name = "label"

    def info(self, item):
        return dict(super().info(item), choices=list(item.options["choices"]))

    def expected(self, item):
        return str(item.expected)

    def record_schema(self, item):
        return {"type": "object", "properties": {"type": {"const": "text"},
                                                 "value": {"type": "string",
                                                           "maxLength": MAX_LABEL}},
                "required": ["type", "value"], "additionalProperties": False}

    def reference_record(self, item):
        return P.text(str(item.expected))

    def worked(self, item, matrix):
        return f'* `{item.name} = "{item.expected}"`'
