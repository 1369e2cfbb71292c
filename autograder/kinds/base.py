"""What the kinds share: the kernel side's kind of the same name, records that say nothing, and
the verdict of an item from its plain record."""
from functools import lru_cache

from mdl_kernel.kinds import KERNEL_KINDS
from mdl_kernel.limits import MAX_REASON

from ..verdict import ItemVerdict

MISSING = {"type": "object", "properties": {"type": {"const": "missing"}},
           "required": ["type"], "additionalProperties": False}
INVALID = {"type": "object",
           "properties": {"type": {"const": "invalid"},
                          "reason": {"type": "string", "maxLength": MAX_REASON}},
           "required": ["type", "reason"], "additionalProperties": False}


def missing(name):
    return ItemVerdict(name, 0.0, f"{name} is not defined: run the cell where you define it "
                                  f"(the name must be exactly {name}).")


class Kind:
    name = None

    @property
    def kernel(self):
        return KERNEL_KINDS[self.name]

    def info(self, item):
        return {"name": item.name, "kind": self.name}

    def data(self, item):
        return _data(self, item)

    def compute_data(self, item):
        raise NotImplementedError

    def shipped(self, item):
        return None

    def record_schema(self, item):
        raise NotImplementedError

    def schema(self, item):
        return {"oneOf": [MISSING, INVALID, self.record_schema(item)]}

    def judge(self, item, record, include_hidden=True):
        if record is None or record.get("type") == "missing":
            return missing(item.name)
        if record["type"] == "invalid":
            return ItemVerdict(item.name, 0.0, f"{item.name}: {record['reason']}.")
        # a whole answer: hidden inputs are the function kind's alone (it has its own judge)
        score, message, mistake = self.kernel.judge(item.name, record, self.info(item),
                                                    self.data(item))
        return ItemVerdict(item.name, score, message, mistake)

    def worked(self, item, matrix):
        return None


@lru_cache(maxsize=None)
def _data(kind, item):
    """Judging data, computed once per process (items are compared by identity)."""
    return kind.compute_data(item)
