"""A whole number (a count), judged exactly."""
from .value import Value


class Integer(Value):
    name = "integer"
