"""Numbers (a scalar, a vector, a matrix) judged within the item's tolerance, with known
mistakes named."""
import numpy as np

from mdl_kernel import plain as P
from mdl_kernel.cases import encode
from mdl_kernel.limits import MAX_ENTRIES, MAX_NDIM

from .base import Kind

ARRAY = {"type": "object",
         "properties": {"type": {"const": "array"},
                        "shape": {"type": "array", "maxItems": MAX_NDIM,
                                  "items": {"type": "integer", "minimum": 0}},
                        "data": {"type": "array", "maxItems": MAX_ENTRIES,
                                 "items": {"type": "number"}}},
         "required": ["type", "shape", "data"], "additionalProperties": False}


def tolerance_json(tolerance):
    return [tolerance.atol, tolerance.rtol, tolerance.kind]


class Value(Kind):
    name = "value"

    def info(self, item):
        return dict(super().info(item), shape=list(np.shape(item.expected)))

    def compute_data(self, item):
        return {"expected": np.asarray(item.expected, dtype=float), "tolerance": item.tolerance,
                "mistakes": item.wrong_variants()}

    def shipped(self, item):
        data = self.data(item)
        return {"expected": encode(data["expected"]), "tolerance": tolerance_json(item.tolerance),
                "mistakes": [[m, why, encode(np.asarray(v, dtype=float))]
                             for m, why, v in data["mistakes"]]}

    def record_schema(self, item):
        return ARRAY

    def reference_record(self, item):
        return P.numeric(np.asarray(item.expected))   # plain data is floats

    def worked(self, item, matrix):
        return f"* `{item.name}` $= {matrix(item.expected)}$"
