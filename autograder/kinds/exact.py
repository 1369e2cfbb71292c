"""What the boolean and label kinds share: an answer right or wrong as a whole, judged against the
expected value with the item's `hint` for a wrong one; the self-check may ship both."""
from .base import Kind


class Exact(Kind):
    def expected(self, item):
        raise NotImplementedError

    def compute_data(self, item):
        return {"expected": self.expected(item), "hint": item.hint}

    def shipped(self, item):
        return self.data(item)
