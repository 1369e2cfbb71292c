"""The grammar of expression trees: one table of operations, for both sides.

A student's symbolic answer crosses from the kernel to the tutor as a tree, a nested JSON list
whose first entry names an operation of OPERATIONS:
    leaves      ["int", n]  ["rat", p, q]  ["float", "0.5"]  ["sym", name]
    operations  ["add", T, ...]  ["mul", T, ...]  ["pow", base, exponent]  ["exp", T]  ...
Each entry of the table says what the operation is everywhere it is read or written: its operands
(a leaf's types, or an operation's number of operands), the SymPy classes that are it, its value
in floats at many points (NumPy), in floats for a constant (math) and in 50 digits (mpmath), and
how a student writes it in a string of maths.  From it are built the kernel's readers and its
evaluator (`expressions`), the record's JSON Schema (`autograder.kinds.symbolic`), its validator
(`autograder.grading.records`) and the tutor's SymPy builder (`autograder.checks.symbolic`).

`fold(tree, leaf, operation)` walks a tree as every reader does: the size limits first (a tree has
at most MAX_NODES nodes, leaves included, and its nodes lie at most MAX_DEPTH levels below its
root: `Budget`), then the node's operation and operands against the table; a node that breaks
the grammar raises `Unreadable` (where, and what is wrong), which each reader words for its reader.
The grammar knows no answer: it is the kernel side's, and the tutor's side imports it.
"""
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .limits import MAX_DECIMAL, MAX_DEPTH, MAX_EXP_ARG, MAX_LITERAL, MAX_NAME, MAX_NODES

MANY = "one or more"          # the operands of a sum or a product


class Refused(Exception):
    """The answer cannot be judged; `reason` says why, in words for the student."""

    @property
    def reason(self):
        return self.args[0]


class TooLarge(Refused):
    """A tree beyond the size limits; `where` is the path of the node where it was found."""

    def __init__(self, reason, where):
        super().__init__(reason)
        self.where = where


class Unreadable(Exception):
    """A node that breaks the grammar.  `where` is its path (the indices from the root), `what`
    is "node" (not a node of an operation of the table), "leaf" (a leaf whose operands are not of
    its types) or "operands" (an operation with the wrong number of operands), `op` its name."""

    def __init__(self, where, what, op=None):
        super().__init__(where, what, op)
        self.where, self.what, self.op = where, what, op


@dataclass(frozen=True)
class Operation:
    name: str                 # the first entry of its nodes
    operands: object          # a leaf: the types of its operands; else their number, or MANY
    sympy: tuple              # the SymPy classes that are this node, by name (sympy, then
                              # sympy.core.numbers); the first builds it
    numpy: object             # its value at many points from its operands' (arrays or floats)
    floats: object            # its value in floats, for a constant (math)
    mpmath: str = ""          # the mpmath function that computes it in working precision
    written: str = ""         # how a string of maths writes it, in messages
    infix: tuple = ()         # the Python operators that write it (- and / by inverse terms)
    largest: float = math.inf  # a constant operand beyond this overflows a float
    positive: bool = False    # defined for positive constants only

    @property
    def leaf(self):
        return type(self.operands) is tuple

    def apply(self, function, values):
        """`function` (one of numpy, floats, an mpmath function) of the operands' values."""
        return function(values) if self.operands is MANY else function(*values)

    def fits(self, args):
        """Whether `args` are operands this operation takes (leaves: of exactly its types, text
        of at most MAX_NAME characters)."""
        if self.leaf:
            return tuple(type(a) for a in args) == self.operands and \
                all(len(a) <= MAX_NAME for a in args if type(a) is str)
        return bool(args) and (self.operands is MANY or len(args) == self.operands)


def _function(name, numpy, floats, largest=math.inf, positive=False):
    return Operation(name, 1, (name,), numpy, floats, name, name, largest=largest,
                     positive=positive)


def _power(base, exponent):
    return np.power(np.asarray(base, dtype=float), exponent)


def _float_power(base, exponent):
    value = base ** exponent
    if isinstance(value, complex):
        raise Refused("raises a negative constant to a fractional power")
    return float(value)


TABLE = (
    Operation("int", (int,), ("Integer", "Zero", "One", "NegativeOne"), float, float),
    Operation("rat", (int, int), ("Rational", "Half"), lambda p, q: p / q, lambda p, q: p / q),
    Operation("float", (str,), ("Float",), float, float),
    Operation("sym", (str,), ("Symbol",), None, None),
    Operation("add", MANY, ("Add",), lambda terms: sum(terms[1:], terms[0]), math.fsum, "fsum",
              "+, -", ("+", "-")),
    Operation("mul", MANY, ("Mul",), lambda factors: math.prod(factors[1:], start=factors[0]),
              math.prod, "fprod", "*, /", ("*", "/")),
    Operation("pow", 2, ("Pow",), _power, _float_power, "power", "powers (** or ^)", ("**",)),
    _function("exp", np.exp, math.exp, largest=MAX_EXP_ARG),
    _function("log", np.log, math.log, positive=True),
    _function("tanh", np.tanh, math.tanh),
    _function("sinh", np.sinh, math.sinh, largest=MAX_EXP_ARG),
    _function("cosh", np.cosh, math.cosh, largest=MAX_EXP_ARG),
)
OPERATIONS = {op.name: op for op in TABLE}
FUNCTIONS = tuple(op.name for op in TABLE if op.operands == 1)   # written name(argument)

# Written forms that are not operations of their own: each is read into the table's operations.
#   sqrt(x) = x ** (1/2);  sigmoid(x) = (1 + exp(-x)) ** -1;  E = exp(1) (`euler`)
# and the inverse terms of a sum or a product: a - b = a + (-1) b, a / b = a b ** -1.
SHORTHANDS = ("sqrt", "sigmoid")


def _listed(words):
    return ", ".join(words[:-1]) + " and " + words[-1]


ALLOWED = _listed([op.written for op in TABLE if op.written] + list(SHORTHANDS))
FUNCTIONS_WRITTEN = _listed(list(FUNCTIONS) + list(SHORTHANDS))


def expand_sqrt(tree):
    """sqrt(x) = x ** (1/2)."""
    return ["pow", tree, ["rat", 1, 2]]


def negative(tree):
    """-tree: a number's sign changed, anything else times -1."""
    if tree[0] == "int":
        return ["int", -tree[1]]
    if tree[0] == "float":
        return ["float", repr(-float(tree[1]))]
    return ["mul", ["int", -1], tree]


def reciprocal(tree):
    """1/x = x ** -1."""
    return ["pow", tree, ["int", -1]]


def expand_sigmoid(tree):
    """sigmoid(x) = 1 / (1 + exp(-x))."""
    return reciprocal(["add", ["int", 1], ["exp", negative(tree)]])


def euler():
    """E, Euler's number, as a tree: exp(1)."""
    return ["exp", ["int", 1]]


@lru_cache(maxsize=None)
def sympy_classes():
    """(SymPy class, its operation) for every class the table names (SymPy imported here):
    compared by identity, never by a class's own ==."""
    import sympy
    from sympy.core import numbers
    return tuple((getattr(sympy, name, None) or getattr(numbers, name), op)
                 for op in TABLE for name in op.sympy)


@lru_cache(maxsize=None)
def sympy_class(op):
    """The SymPy class that builds a node of `op` (its first)."""
    import sympy
    from sympy.core import numbers
    return getattr(sympy, op.sympy[0], None) or getattr(numbers, op.sympy[0])


# ------------------------------------------------------------------ numbers
def literal(n):
    if abs(n) > MAX_LITERAL:
        raise Refused(f"contains a number with more than {len(str(MAX_LITERAL)) - 1} digits")
    return n


def float_literal(x):
    if not math.isfinite(x) or abs(x) > MAX_LITERAL:
        raise Refused("contains a number that is infinite, undefined or far too large")
    return ["float", repr(x)]


def number(op, args, where=()):
    """A number leaf's operands, checked as a number is read: integers of at most MAX_LITERAL in
    magnitude, a positive denominator, decimals of at most MAX_DECIMAL characters; raises
    Refused (too large) or Unreadable."""
    if op.name == "rat" and args[1] <= 0 or op.name == "float" and len(args[0]) > MAX_DECIMAL:
        raise Unreadable(where, "leaf", op.name)
    for a in args:
        if type(a) is int:
            literal(a)
    return args


# ------------------------------------------------------------------ trees
class Budget:
    """The size limits of one tree: MAX_NODES nodes, nodes at most MAX_DEPTH levels deep."""

    def __init__(self):
        self.left = MAX_NODES

    def take(self, depth, where=()):
        self.left -= 1
        if self.left < 0:
            raise TooLarge(f"is too long: at most {MAX_NODES} operations and numbers are "
                           "accepted", where)
        if depth > MAX_DEPTH:
            raise TooLarge(f"is nested too deeply (more than {MAX_DEPTH} levels)", where)


def fold(tree, leaf, operation, budget=None, depth=0, where=()):
    """leaf(op, operands, where) at each leaf, operation(op, [its operands' results], where) at
    each other node, bottom up, once every node is checked against the table and the limits;
    raises TooLarge (a Refused), Refused from `leaf` or `operation`, or Unreadable (not of the
    grammar)."""
    if budget is None:
        budget = Budget()
    budget.take(depth, where)
    if type(tree) is not list or not tree or type(tree[0]) is not str or \
            tree[0] not in OPERATIONS:
        raise Unreadable(where, "node")
    op, args = OPERATIONS[tree[0]], tree[1:]
    if not op.fits(args):
        raise Unreadable(where, "leaf" if op.leaf else "operands", op.name)
    if op.leaf:
        return leaf(op, args, where)
    return operation(op, [fold(a, leaf, operation, budget, depth + 1, where + (k + 1,))
                          for k, a in enumerate(args)], where)


def measure(tree):
    """Checks a tree against the grammar and its limits (raises Refused or Unreadable)."""
    fold(tree, lambda op, args, where: None, lambda op, values, where: None)
