"""Expressions in the kernel: a student's SymPy expression or string of maths as a plain tree.

`to_plain(value, options)` turns a SymPy expression, a number, or a string of plain maths
("2*(y_hat - y)*y_hat*a1_1", with ^ or ** for powers) into JSON:
    {"type": "expr", "tree": T}  or  {"type": "invalid", "reason": ...}
where a tree T is a nested list of the operations of `grammar.OPERATIONS` only:
    ["int", n]  ["rat", p, q]  ["float", "0.5"]  ["sym", name]
    ["add", T, T, ...]  ["mul", T, T, ...]  ["pow", base, exponent]
    ["exp", T]  ["log", T]  ["tanh", T]  ["sinh", T]  ["cosh", T]
within the grammar's limits (the tree made is measured as the tutor's validator measures it).
SymPy trees are walked by their exact classes (never by methods a subclass could override), strings
by Python's `ast` with a whitelist: nothing is ever eval'ed or sympified.  `sym` names are the
exercise's symbols or its intermediate expressions (z, p, a1_1, y_hat, ...).

`evaluate(tree, columns)` gives the tree's float values at many points at once (the self-check
compares them with values it was given; it never sees a reference expression), and `difference`
words how an answer's values differ from the expected ones.  The tutor's judge uses the same
wording, so a student reads the same sentence in the self-check and in the feedback.
"""
import ast
import sys
import warnings

import numpy as np

from .grammar import (ALLOWED, FUNCTIONS, FUNCTIONS_WRITTEN, MANY, OPERATIONS, SHORTHANDS,
                      Budget, Refused, Unreadable, euler, expand_sigmoid, expand_sqrt,
                      float_literal, fold, literal, measure, negative, number, reciprocal,
                      sympy_classes)
from .limits import MAX_EXPONENT, MAX_TEXT
from .plain import NUMPY_SCALARS, a_described, invalid

RTOL, ATOL = 1e-8, 1e-10     # |s - r| <= RTOL |r| + ATOL (1 + mean |r|) at every point
NEAR_MISS = 1e-6            # relative differences below this are re-decided more precisely


def _names(options):
    return tuple(options.get("symbols", ())), tuple(options.get("intermediates", {}))


def _unknown(name, options):
    symbols, inter = _names(options)
    text = f"uses the name {name[:40]!r}, which this exercise does not define; its symbols are " \
           f"{', '.join(symbols)}"
    return Refused(text + (f" (the expressions {', '.join(inter)} may be used too)" if inter else ""))


# ------------------------------------------------------------------ SymPy -> tree (in the kernel)
def _class_name(cls):
    return type.__dict__["__name__"].__get__(cls)[:40]


def _refused_classes():
    import sympy as sp
    from sympy.core import numbers as N
    return {
    N.Infinity: "contains infinity (oo): check for a division by zero",
    N.NegativeInfinity: "contains infinity (-oo): check for a division by zero",
    N.ComplexInfinity: "contains zoo (complex infinity): it divides by zero",
    N.NaN: "contains nan, an undefined value",
    N.ImaginaryUnit: "contains the imaginary unit I; a real expression is expected",
    sp.Derivative: "is an unevaluated Derivative: compute it (with .doit() or sp.diff) or write "
                   "the derivative out",
}


def _args(node):
    args = node.args
    if type(args) is not tuple:
        raise Refused("is not a SymPy expression SymPy itself built")
    return args


def _leaf_from_sympy(op, node, options):
    if op.name == "sym":
        name = node.name
        if type(name) is not str or name not in sum(_names(options), ()):
            raise _unknown(str(name) if type(name) is str else "?", options)
        return ["sym", name]
    if op.name == "int":
        return ["int", literal(int(node.p))]
    if op.name == "rat":
        return ["rat", literal(int(node.p)), literal(int(node.q))]
    return float_literal(float(node))


def _from_sympy(node, options, budget, depth=0):
    from sympy.core import numbers as N
    from sympy.core.function import UndefinedFunction
    budget.take(depth)
    cls = type(node)
    walk = lambda child: _from_sympy(child, options, budget, depth + 1)  # noqa: E731
    op = next((op for c, op in sympy_classes() if c is cls), None)   # by identity, never ==
    if op is not None and op.leaf:
        return _leaf_from_sympy(op, node, options)
    if op is not None:
        args = _args(node)
        if op.operands is not MANY and len(args) != op.operands:
            raise Refused(f"uses {op.name} with {len(args)} arguments; "
                          f"{'one is' if op.operands == 1 else f'{op.operands} are'} expected")
        trees = [walk(a) for a in args]
        return power(*trees) if op.name == "pow" else [op.name, *trees]
    if cls is N.Exp1:
        return euler()
    for refused, reason in _refused_classes().items():
        if cls is refused:
            raise Refused(reason)
    if type(cls) is UndefinedFunction:
        raise Refused(f"uses the function {_class_name(cls)}(...), which SymPy cannot evaluate; "
                      "write it out (for the sigmoid: 1/(1 + sp.exp(-z)))")
    raise Refused(f"uses {_class_name(cls)}, which is not accepted here; write the answer with "
                  f"{ALLOWED}")


# ------------------------------------------------------------------ text -> tree (in the kernel)
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**",
              ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&",
              ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}
_CONSTRUCTS = {ast.Attribute: "attribute access with a dot (write exp(z), not sp.exp(z))",
               ast.Subscript: "indexing with [...]", ast.Lambda: "a lambda",
               ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
               ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
               ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
               ast.List: "a list", ast.Tuple: "a tuple (or a comma)", ast.Dict: "a dict",
               ast.Set: "a set", ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment",
               ast.Starred: "a starred argument", ast.Await: "await", ast.Yield: "yield"}


def power(base, exponent):
    """A pow node; a constant exponent above MAX_EXPONENT in magnitude is refused."""
    kind = OPERATIONS[exponent[0]]
    if kind.leaf and kind.floats is not None and \
            abs(kind.floats(*exponent[1:])) > MAX_EXPONENT:
        raise Refused(f"raises to a power larger than {MAX_EXPONENT}")
    return ["pow", base, exponent]


def _from_ast(node, options, budget, depth=0):
    budget.take(depth)
    walk = lambda child: _from_ast(child, options, budget, depth + 1)  # noqa: E731
    kind = type(node)
    if kind is ast.Constant:
        value = node.value
        if type(value) is int:
            return ["int", literal(value)]
        if type(value) is float:
            return float_literal(value)
        raise Refused(f"contains {value!r:.30}, which is not a real number")
    if kind is ast.Name:
        if node.id in sum(_names(options), ()):
            return ["sym", node.id]
        if node.id == "E":
            return euler()
        if node.id in FUNCTIONS or node.id in SHORTHANDS:
            raise Refused(f"uses {node.id} without an argument: write {node.id}(...)")
        raise _unknown(node.id, options)
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        inner = walk(node.operand)
        return negative(inner) if type(node.op) is ast.USub else inner
    if kind is ast.BinOp and type(node.op) in _CHAINS:
        return _chain(node, walk)
    if kind is ast.BinOp and type(node.op) in _POWERS:
        return power(walk(node.left), walk(node.right))
    if kind is ast.BinOp:
        symbol = _OPERATORS.get(type(node.op), "this operator")
        raise Refused(f"uses the operator {symbol}, which is not plain maths here; use {ALLOWED}")
    if kind is ast.Call:
        return _call(node, walk)
    what = _CONSTRUCTS.get(kind, f"Python syntax ({kind.__name__}) that is not plain maths")
    raise Refused(f"contains {what}; write plain maths with {ALLOWED}")


# The operators of a sum or a product (the table's infix: + and -, * and /; the second of each
# writes an inverse term) and of a power.
_CHAINS = {cls: op.name for cls, symbol in _OPERATORS.items() for op in OPERATIONS.values()
           if op.operands is MANY and symbol in op.infix}
_INVERSE = {cls for cls, symbol in _OPERATORS.items() for op in OPERATIONS.values()
            if op.operands is MANY and symbol in op.infix[1:]}
_POWERS = {cls for cls, symbol in _OPERATORS.items() if symbol in OPERATIONS["pow"].infix}


def _inverse(kind, tree):
    return negative(tree) if kind == "add" else reciprocal(tree)


def _chain(node, walk):
    """a + b - c + ... (or a * b / c ...) as one flat node, so that long sums are not deep trees."""
    kind = _CHAINS[type(node.op)]
    terms = []
    while type(node) is ast.BinOp and _CHAINS.get(type(node.op)) == kind:
        right = walk(node.right)
        terms.append(_inverse(kind, right) if type(node.op) in _INVERSE else right)
        node = node.left
    terms.append(walk(node))
    return [kind, *reversed(terms)]


def _call(node, walk):
    if type(node.func) is not ast.Name:
        raise Refused("calls something that is not a function name; products need * "
                      "(write 2*(y_hat - y), not 2(y_hat - y))")
    name = node.func.id
    if name not in FUNCTIONS and name not in SHORTHANDS:
        raise Refused(f"calls {name[:40]}(...); the functions accepted are {FUNCTIONS_WRITTEN}")
    if len(node.args) != 1 or node.keywords or type(node.args[0]) is ast.Starred:
        raise Refused(f"calls {name} with other than one argument")
    arg = walk(node.args[0])
    if name == "sqrt":
        return expand_sqrt(arg)
    if name == "sigmoid":
        return expand_sigmoid(arg)
    return [name, arg]


def parse(text, options):
    """The tree of a string of plain maths; raises Refused.  `^` means a power, as in maths."""
    if len(text) > MAX_TEXT:
        raise Refused(f"is {len(text)} characters long; at most {MAX_TEXT} are accepted")
    try:
        with warnings.catch_warnings():   # "2(x)" warns before it fails: say it in our words
            warnings.simplefilter("ignore")
            node = ast.parse(text.strip().replace("^", "**"), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        raise Refused("is not a valid expression: write products with *, powers with ** or ^, "
                      "and balance the brackets") from None
    return _from_ast(node.body, options, Budget())


def _is_sympy(kind):
    if "sympy" not in sys.modules:   # no SymPy object can exist before SymPy is imported
        return False
    basic = sys.modules["sympy"].Basic
    return any(c is basic for c in type.__dict__["__mro__"].__get__(kind))


def to_plain(value, options):
    """Plain JSON data for a student's answer: an expression tree, or a reason it is refused."""
    kind = type(value)
    try:
        if kind is str:
            tree = parse(value, options)
        elif kind is int:
            tree = ["int", literal(value)]
        elif kind is float or any(kind is t for t in NUMPY_SCALARS):
            value = float(value) if kind is float else np.float64(value).item()
            tree = float_literal(float(value))
        elif _is_sympy(kind):
            tree = _from_sympy(value, options, Budget())
        else:
            return invalid(f"the answer is {a_described(value)} where a SymPy expression (or a "
                           "string of maths written with the exercise's symbols and "
                           f"{ALLOWED}) is expected")
        measure(tree)   # the tree made, as the tutor's validator measures it
    except Refused as refused:
        return invalid(f"the answer {refused.reason}")
    except Unreadable:
        return invalid("the answer is not an expression the grader can read")
    return {"type": "expr", "tree": tree}


# ------------------------------------------------------------------ values at points
def evaluate(tree, columns):
    """The float values of a tree at n points: `columns` maps each name the tree may use to an
    array of its n values.  NaN where the expression is undefined, complex or infinite; raises
    Refused for a tree that is not one `to_plain` makes."""
    def leaf(op, args, where):
        if op.name == "sym":
            if args[0] not in columns:
                raise Unreadable(where, "leaf", op.name)
            return columns[args[0]]
        return op.numpy(*number(op, args, where))

    with np.errstate(all="ignore"):
        try:
            values = fold(tree, leaf, lambda op, parts, where: op.apply(op.numpy, parts))
        except Unreadable:
            raise Refused("is not an expression the check can read") from None
        n = len(next(iter(columns.values()))) if columns else 1
        values = np.broadcast_to(np.asarray(values, dtype=float), (n,))
    return np.where(np.isfinite(values), values, np.nan)


# ------------------------------------------------------------------ how values differ
def close(got, want, scale, rtol=RTOL):
    """|got - want| <= rtol |want| + ATOL scale, entry by entry."""
    with np.errstate(invalid="ignore"):
        return np.abs(got - want) <= rtol * np.abs(want) + ATOL * scale


def scale_of(want, ok):
    """1 + the mean magnitude of the expected values: the scale of the absolute tolerance."""
    return 1.0 + float(np.mean(np.abs(want[ok]))) if ok.any() else 1.0


def _fmt_point(names, row):
    return ", ".join(f"{n} = {round(float(v), 3):g}" for n, v in zip(names, row))


def _digits(got, want):
    """The student's value with enough digits (6 at least) to differ from the expected one."""
    if f"{got:.6g}" != f"{want:.6g}":
        return f"{got:.6g}"
    for digits in range(7, 18):   # the alternate form keeps trailing zeros: 2.678330, not 2.67833
        if f"{got:#.{digits}g}" != f"{want:#.{digits}g}":
            break
    return f"{got:#.{digits}g}"


def _direction(got, want):
    if want != 0 and got * want < 0:
        return "which has the wrong sign"
    return "which is too large" if got > want else "which is too small"


def matching_mistake(got, want, ok, scale, mistakes):
    """(name, explanation) of the first known mistake whose values `got` equals wherever both are
    defined (at 3 points at least), or (None, None).  `mistakes` holds (name, explanation,
    values) triples."""
    for mistake, explanation, values in mistakes:
        values = np.asarray(values, dtype=float)
        usable = ok & np.isfinite(values)
        if usable.sum() >= 3 and close(got[usable], values[usable], scale).all() and \
                not close(values[usable], want[usable], scale).all():
            return mistake, explanation
    return None, None


def undefined_everywhere(name, names, points):
    return (f"{name}: your expression is undefined (or infinite) at every point tried, for "
            f"example at {_fmt_point(names, points[0])}; check for a division by zero or the log "
            "of a number that is not positive.")


def difference(name, names, points, got, want, ok, bad, scale, mistakes=()):
    """(message, mistake) for an answer whose values `got` differ from `want` where `bad`: one
    counterexample (the point, the answer's value there, and whether it is too large, too small
    or of the wrong sign), how many points differ, and a known mistake's name when one matches.
    The expected value is never printed."""
    finite_bad = bad & np.isfinite(got)
    k = int(np.argmax(finite_bad)) if finite_bad.any() else int(np.argmax(bad))
    where = _fmt_point(names, points[k])
    if np.isfinite(got[k]):
        value = f"your expression is {_digits(got[k], want[k])}, {_direction(got[k], want[k])}"
    else:
        value = "your expression is undefined (a division by zero or the log of a number that " \
                "is not positive)"
    message = (f"{name}: not right. At {where}, {value}. It differs from the derivative at "
               f"{int(bad.sum())} of {int(ok.sum())} points tried.")
    mistake, explanation = matching_mistake(got, want, ok, scale, mistakes)
    if mistake:
        message += f" This looks like {explanation}."
    return message, mistake
