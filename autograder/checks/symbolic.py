"""Symbolic checks: a student's expression against a reference derivative.

Plain data.  In the student's kernel, `to_plain` turns a SymPy expression, a number, or a string of
plain maths ("2*(y_hat - y)*y_hat*a1_1", with ^ or ** for powers) into JSON:
    {"type": "expr", "tree": T}  or  {"type": "invalid", "reason": ...}
where a tree T is a nested list of whitelisted operations only:
    ["int", n]  ["rat", p, q]  ["float", "0.5"]  ["sym", name]
    ["add", T, T, ...]  ["mul", T, T, ...]  ["pow", base, exponent]
    ["exp", T]  ["log", T]  ["tanh", T]  ["sinh", T]  ["cosh", T]
SymPy trees are walked by their exact classes (never by methods a subclass could override), strings
by Python's `ast` with a whitelist (nothing is ever eval'ed or sympified).  `sym` names are the
exercise's symbols or its intermediate expressions (z, p, a1_1, y_hat, ...), expanded when judged.

Judging.  `compare` rebuilds an unevaluated SymPy expression from the tree with whitelisted
constructors, checking every bound again (a recorded tree is not trusted), and evaluates it with
`lambdify` (NumPy) at seeded random points of a real domain, its intermediate names as variables
whose values come from their definitions.  The reference r (lambdified once per process) is
evaluated at the same points; the answer s is correct when |s - r| <= 1e-8 |r| + 1e-10 (1 + mean |r|)
at every point.  A near miss (relative differences below 1e-6 only) is evaluated again in 40-digit
arithmetic, each step bounded in size: that confirms an answer whose floats lost digits, or shows
that it differs; an undecided recheck never makes an answer wrong.  A wrong answer gets a
counterexample (the point, 3 decimals, exactly as evaluated; the student's value; too large, too
small or the wrong sign) and the name of a known mistake it equals at every point; neither the
reference expression nor its value is ever printed.

Options of a symbolic item (`Item.options`):
    symbols        names of the real symbols, in the order messages list them
    intermediates  {name: SymPy expression (or string of plain maths) in the symbols}, in order
    domain         {symbol name: (low, high)} sampled uniformly (default (-1, 1)), 3 decimals
    points         number of points (default 32); seed (default: from the item's name)
"""
import ast
import math
import warnings
import zlib
from functools import lru_cache

import numpy as np
import sympy as sp
from sympy.core import numbers as N
from sympy.core.function import UndefinedFunction

from .numeric import Comparison
from .plain import _NUMPY_SCALARS, describe, invalid

MAX_TEXT = 4000        # characters of a string answer
MAX_NODES = 4000       # nodes of a tree
MAX_DEPTH = 60         # nesting of a tree
MAX_LITERAL = 10**15   # magnitude of an integer literal
MAX_EXPONENT = 100     # magnitude of a constant exponent
MAX_BITS = 20000       # bound on the size of the exact numbers an expression computes
MAX_EXP_ARG = 700.0    # exp, sinh, cosh of a constant beyond this would overflow a float
POINTS = 32
RTOL, ATOL = 1e-8, 1e-10
NEAR_MISS = 1e-6

FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh}
_FLOAT_FUNCTIONS = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "sinh": math.sinh,
                    "cosh": math.cosh}
ALLOWED = "+, -, *, /, powers (** or ^), exp, log, tanh, sinh, cosh, sqrt and sigmoid"


class Refused(Exception):
    """The answer cannot be judged; `reason` says why, in words for the student."""

    @property
    def reason(self):
        return self.args[0]


class _Budget:
    def __init__(self):
        self.left = MAX_NODES

    def take(self, depth):
        self.left -= 1
        if self.left < 0:
            raise Refused(f"is too long: at most {MAX_NODES} operations and numbers are accepted")
        if depth > MAX_DEPTH:
            raise Refused(f"is nested too deeply (more than {MAX_DEPTH} levels)")


def _names(options):
    return tuple(options.get("symbols", ())), tuple(options.get("intermediates", {}))


def _unknown(name, options):
    symbols, inter = _names(options)
    text = f"uses the name {name[:40]!r}, which this exercise does not define; its symbols are " \
           f"{', '.join(symbols)}"
    return Refused(text + (f" (the expressions {', '.join(inter)} may be used too)" if inter else ""))


def _literal(n):
    if abs(n) > MAX_LITERAL:
        raise Refused(f"contains a number with more than {len(str(MAX_LITERAL)) - 1} digits")
    return n


def _float_literal(x):
    if not math.isfinite(x) or abs(x) > MAX_LITERAL:
        raise Refused("contains a number that is infinite, undefined or far too large")
    return ["float", repr(x)]


# ------------------------------------------------------------------ SymPy -> tree (in the kernel)
def _class_name(cls):
    return type.__dict__["__name__"].__get__(cls)[:40]


_REFUSED_CLASSES = {
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


def _from_sympy(node, options, budget, depth=0):
    budget.take(depth)
    cls = type(node)
    walk = lambda child: _from_sympy(child, options, budget, depth + 1)  # noqa: E731
    if cls is sp.Symbol:
        name = node.name
        if type(name) is not str or name not in sum(_names(options), ()):
            raise _unknown(str(name) if type(name) is str else "?", options)
        return ["sym", name]
    if cls is sp.Integer or cls is N.Zero or cls is N.One or cls is N.NegativeOne:
        return ["int", _literal(int(node.p))]
    if cls is sp.Rational or cls is N.Half:
        return ["rat", _literal(int(node.p)), _literal(int(node.q))]
    if cls is sp.Float:
        return _float_literal(float(node))
    if cls is N.Exp1:
        return ["exp", ["int", 1]]
    if cls is sp.Add or cls is sp.Mul:
        return ["add" if cls is sp.Add else "mul", *(walk(a) for a in _args(node))]
    if cls is sp.Pow:
        base, exponent = _args(node)
        return ["pow", walk(base), walk(exponent)]
    for name, function in FUNCTIONS.items():
        if cls is function:
            args = _args(node)
            if len(args) != 1:
                raise Refused(f"uses {name} with {len(args)} arguments; one is expected")
            return [name, walk(args[0])]
    for refused, reason in _REFUSED_CLASSES.items():
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


def _neg(tree):
    if tree[0] == "int":
        return ["int", -tree[1]]
    if tree[0] == "float":
        return ["float", repr(-float(tree[1]))]
    return ["mul", ["int", -1], tree]


def _sigmoid(tree):
    return ["pow", ["add", ["int", 1], ["exp", _neg(tree)]], ["int", -1]]


def _from_ast(node, options, budget, depth=0):
    budget.take(depth)
    walk = lambda child: _from_ast(child, options, budget, depth + 1)  # noqa: E731
    kind = type(node)
    if kind is ast.Constant:
        value = node.value
        if type(value) is int:
            return ["int", _literal(value)]
        if type(value) is float:
            return _float_literal(value)
        raise Refused(f"contains {value!r:.30}, which is not a real number")
    if kind is ast.Name:
        if node.id in sum(_names(options), ()):
            return ["sym", node.id]
        if node.id == "E":
            return ["exp", ["int", 1]]
        if node.id in FUNCTIONS or node.id in ("sqrt", "sigmoid"):
            raise Refused(f"uses {node.id} without an argument: write {node.id}(...)")
        raise _unknown(node.id, options)
    if kind is ast.UnaryOp and type(node.op) in (ast.USub, ast.UAdd):
        inner = walk(node.operand)
        return _neg(inner) if type(node.op) is ast.USub else inner
    if kind is ast.BinOp and type(node.op) in _CHAINS:
        return _chain(node, walk)
    if kind is ast.BinOp and type(node.op) is ast.Pow:
        return ["pow", walk(node.left), walk(node.right)]
    if kind is ast.BinOp:
        symbol = _OPERATORS.get(type(node.op), "this operator")
        raise Refused(f"uses the operator {symbol}, which is not plain maths here; use {ALLOWED}")
    if kind is ast.Call:
        return _call(node, walk)
    what = _CONSTRUCTS.get(kind, f"Python syntax ({kind.__name__}) that is not plain maths")
    raise Refused(f"contains {what}; write plain maths with {ALLOWED}")


_CHAINS = {ast.Add: "add", ast.Sub: "add", ast.Mult: "mul", ast.Div: "mul"}


def _chain(node, walk):
    """a + b - c + ... (or a * b / c ...) as one flat node, so that long sums are not deep trees."""
    kind = _CHAINS[type(node.op)]
    terms = []
    while type(node) is ast.BinOp and _CHAINS.get(type(node.op)) == kind:
        right = walk(node.right)
        terms.append(right if type(node.op) in (ast.Add, ast.Mult) else
                     _neg(right) if kind == "add" else ["pow", right, ["int", -1]])
        node = node.left
    terms.append(walk(node))
    return [kind, *reversed(terms)]


def _call(node, walk):
    if type(node.func) is not ast.Name:
        raise Refused("calls something that is not a function name; products need * "
                      "(write 2*(y_hat - y), not 2(y_hat - y))")
    name = node.func.id
    if name not in FUNCTIONS and name not in ("sqrt", "sigmoid"):
        raise Refused(f"calls {name[:40]}(...); the functions accepted are exp, log, tanh, sinh, "
                      "cosh, sqrt and sigmoid")
    if len(node.args) != 1 or node.keywords or type(node.args[0]) is ast.Starred:
        raise Refused(f"calls {name} with other than one argument")
    arg = walk(node.args[0])
    if name == "sqrt":
        return ["pow", arg, ["rat", 1, 2]]
    if name == "sigmoid":
        return _sigmoid(arg)
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
    return _from_ast(node.body, options, _Budget())


def to_plain(value, options):
    """Plain JSON data for a student's answer: an expression tree, or a reason it is refused."""
    kind = type(value)
    try:
        if kind is str:
            tree = parse(value, options)
        elif kind is int:
            tree = ["int", _literal(value)]
        elif kind is float or any(kind is t for t in _NUMPY_SCALARS):
            value = float(value) if kind is float else np.float64(value).item()
            tree = _float_literal(float(value))
        elif any(c is sp.Basic for c in type.__dict__["__mro__"].__get__(kind)):
            tree = _from_sympy(value, options, _Budget())
        else:
            return invalid(f"the answer is a {describe(value)} where a SymPy expression (or a "
                           "string of maths such as \"2*(y_hat - y)*y_hat\") is expected")
        to_sympy(tree, options, expand=False)   # the same checks the judge applies
    except Refused as refused:
        return invalid(f"the answer {refused.reason}")
    return {"type": "expr", "tree": tree}


# ------------------------------------------------------------------ tree -> SymPy (trusted side)
# The expression is built unevaluated (evaluate=False): SymPy's automatic simplification could
# otherwise do unbounded work (exp(10**15*log(2*x)) becomes (2*x)**(10**15)).  Each node carries
# its float value when constant, and an upper bound on the bits of the exact numbers Python will
# compute from it, so that 9**9**9 and its kind are refused before any arithmetic.
def _constant(value):
    if not isinstance(value, float) or not math.isfinite(value) or abs(value) > 1e300:
        raise Refused("contains a constant that is undefined, complex or too large to be a number")
    return value


def _float_value(op, values):
    """The float value of a constant node from its children's values; raises Refused."""
    try:
        if op == "add":
            return _constant(math.fsum(values))
        if op == "mul":
            return _constant(math.prod(values))
        if op == "pow":
            value = values[0] ** values[1]
            if isinstance(value, complex):
                raise Refused("raises a negative constant to a fractional power")
            return _constant(float(value))
        if op in ("exp", "sinh", "cosh") and values[0] > MAX_EXP_ARG:
            raise Refused(f"takes {op} of a constant larger than {MAX_EXP_ARG:g}")
        if op == "log" and values[0] <= 0:
            raise Refused("takes the log of a constant that is not positive")
        return _constant(_FLOAT_FUNCTIONS[op](values[0]))
    except ZeroDivisionError:
        raise Refused("divides by zero") from None
    except OverflowError:
        raise Refused("contains a constant too large to be a number") from None


def _env(options, expand=True):
    """name -> SymPy object: the symbols, and the intermediate expressions (their definitions in
    the symbols, or with expand=False symbols of their own, evaluated separately)."""
    env = {name: sp.Symbol(name, real=True) for name in options.get("symbols", ())}
    for name, definition in options.get("intermediates", {}).items():
        if not expand:
            env[name] = sp.Symbol(name, real=True)
        elif type(definition) is str:
            env[name] = _build(parse(definition, options), env, _Budget())[0]
        else:
            env[name] = definition
    return env


def _leaf(op, args, env):
    """(expression, value, bits) of a number or a name."""
    if op == "int" and len(args) == 1 and type(args[0]) is int:
        return sp.Integer(_literal(args[0])), float(args[0]), args[0].bit_length()
    if op == "rat" and len(args) == 2 and all(type(a) is int for a in args) and args[1] > 0:
        p, q = _literal(args[0]), _literal(args[1])
        return sp.Rational(p, q), p / q, max(p.bit_length(), q.bit_length())
    if op == "float" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= 32:
        try:
            value = float(args[0])
        except ValueError:
            raise Refused("contains a number the grader cannot read") from None
        _float_literal(value)
        return sp.Float(value), value, 0
    if op == "sym" and len(args) == 1 and type(args[0]) is str:
        if args[0] not in env:
            raise Refused(f"uses the name {args[0][:40]!r}, which this exercise does not define")
        return env[args[0]], None, 0
    raise Refused("is not a recorded expression the grader can read")


def _build(tree, env, budget, depth=0):
    """(unevaluated SymPy expression, float value if constant else None, bits bound); raises
    Refused."""
    budget.take(depth)
    if type(tree) is not list or not tree or type(tree[0]) is not str:
        raise Refused("is not a recorded expression the grader can read")
    op, args = tree[0], tree[1:]
    if op in ("int", "rat", "float", "sym"):
        return _leaf(op, args, env)
    arity = {"add": None, "mul": None, "pow": 2}.get(op, 1 if op in FUNCTIONS else 0)
    if arity == 0 or not args or (arity and len(args) != arity):
        raise Refused("is not a recorded expression the grader can read")
    built = [_build(a, env, budget, depth + 1) for a in args]
    exprs, values = [b[0] for b in built], [b[1] for b in built]
    bits = sum(b[2] for b in built) + len(built)
    if op == "pow" and values[1] is not None:
        if abs(values[1]) > MAX_EXPONENT:
            raise Refused(f"raises to a power larger than {MAX_EXPONENT}")
        bits = built[0][2] * max(1, math.ceil(abs(values[1]))) + built[1][2]
    if bits > MAX_BITS:
        raise Refused("contains numbers with too many digits")
    value = _float_value(op, values) if all(v is not None for v in values) else None
    if op == "add":
        return sp.Add(*exprs, evaluate=False), value, bits
    if op == "mul":
        return sp.Mul(*exprs, evaluate=False), value, bits
    if op == "pow":
        return sp.Pow(*exprs, evaluate=False), value, bits
    return FUNCTIONS[op](exprs[0], evaluate=False), value, bits


def to_sympy(tree, options, expand=True):
    """The SymPy expression of a tree, built unevaluated with whitelisted constructors only, the
    intermediate names replaced by their definitions (or, with expand=False, kept as symbols);
    raises Refused."""
    return _build(tree, _env(options, expand), _Budget())[0]


# ------------------------------------------------------------------ numbers at the points
def _seed(name, options):
    return options.get("seed", zlib.crc32(name.encode()))


@lru_cache(maxsize=64)
def _points(names, domain, seed, n):
    """An (n, len(names)) array of points, each coordinate uniform in its range, 3 decimals."""
    rng = np.random.default_rng(seed)
    ranges = dict(domain)
    columns = [np.round(rng.uniform(*ranges.get(name, (-1.0, 1.0)), size=n), 3) for name in names]
    return np.column_stack(columns) if columns else np.zeros((n, 0))


@lru_cache(maxsize=512)
def _function(expr, names, module="numpy"):
    return sp.lambdify([sp.Symbol(n, real=True) for n in names], expr, modules=module)


def _evaluate(expr, names, columns, cached=True):
    """Float values of `expr` of the symbols `names`, whose values are the columns of `columns`;
    NaN where undefined or complex.  Raises Refused."""
    try:
        with np.errstate(all="ignore"):
            function = _function(expr, names) if cached else _function.__wrapped__(expr, names)
            values = np.asarray(function(*columns.T))
            values = np.broadcast_to(values, (columns.shape[0],))
            if np.iscomplexobj(values):
                values = np.where(values.imag == 0, values.real, np.nan)
            values = values.astype(float)
    except Exception:   # the expression is trusted (rebuilt); its numbers may still not fit
        raise Refused("could not be evaluated as a number (a constant in it may be too large)") \
            from None
    return np.where(np.isfinite(values), values, np.nan)


@lru_cache(maxsize=512)
def _known_values(expr, key):
    """Values of a reference, a known wrong variant or an intermediate expression at the points of
    `key` = (symbol names, domain, seed, n), cached per process."""
    return _evaluate(expr, key[0], _points(*key))


@lru_cache(maxsize=64)
def _table(key, inter):
    """The points, with a column more for each intermediate expression: a student's expression
    is evaluated with its intermediate names as variables, which keeps it small."""
    points = _points(*key)
    return np.column_stack([points] + [_known_values(e, key) for _, e in inter])


def _close(got, want, scale, rtol=RTOL):
    with np.errstate(invalid="ignore"):
        return np.abs(got - want) <= rtol * np.abs(want) + ATOL * scale


class _Undecided(Exception):
    """The precise evaluation cannot decide (a step leaves the real numbers or grows huge)."""


_MP_FUNCTIONS = ((sp.exp, "exp"), (sp.log, "log"), (sp.tanh, "tanh"), (sp.sinh, "sinh"),
                 (sp.cosh, "cosh"))


def _precise(expr, values, mp):
    """The value of a rebuilt (unevaluated, whitelisted) expression in mpmath arithmetic, every
    step kept below 1e300 in magnitude so that the work stays small; raises _Undecided."""
    cls = type(expr)
    if expr.is_Symbol:
        value = values[expr]
    elif expr.is_Rational:
        value = mp.mpf(int(expr.p)) / int(expr.q)
    elif expr.is_Float:
        value = mp.mpf(float(expr))
    else:
        args = [_precise(a, values, mp) for a in expr.args]
        if cls is sp.Add:
            value = mp.fsum(args)
        elif cls is sp.Mul:
            value = mp.fprod(args)
        elif cls is sp.Pow:
            value = mp.power(*args)
        else:
            name = next(n for c, n in _MP_FUNCTIONS if c is cls)
            value = getattr(mp, name)(args[0])
    if not isinstance(value, mp.mpf) or not mp.isfinite(value) or abs(value) > 1e300:
        raise _Undecided
    return value


def _recheck(expr, reference, names, inter, rows):
    """True if `expr` equals `reference` at these points to 25 digits (in 40-digit arithmetic),
    False if it does not, None when undecided."""
    import mpmath
    symbols = [sp.Symbol(n, real=True) for n in names + tuple(n for n, _ in inter)]
    with mpmath.workdps(40):
        theirs = _function(reference, names, "mpmath")
        parts = [_function(e, names, "mpmath") for _, e in inter]
        for row in rows:
            point = [mpmath.mpf(float(v)) for v in row]
            values = dict(zip(symbols, point + [f(*point) for f in parts]))
            try:
                mine = _precise(expr, values, mpmath.mp)
            except (_Undecided, ArithmeticError, ValueError, KeyError, StopIteration):
                return None
            want = theirs(*point)
            if abs(mine - want) > mpmath.mpf(10) ** -25 * (1 + abs(want)):
                return False
    return True


# ------------------------------------------------------------------ the verdict
def _fmt_point(names, row):
    return ", ".join(f"{n} = {round(float(v), 3):g}" for n, v in zip(names, row))


def _digits(got, want):
    """The student's value with enough digits (6 at least) to differ from the reference's."""
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


def _mistake(got, want, ok, scale, mistakes, key):
    for mistake, explanation, wrong in mistakes:
        try:
            values = _known_values(wrong, key)
        except Refused:
            continue
        usable = ok & np.isfinite(values)
        if usable.sum() >= 3 and _close(got[usable], values[usable], scale).all() and \
                not _close(values[usable], want[usable], scale).all():
            return mistake, explanation
    return None, None


def compare(name, plain, reference, options, mistakes=()):
    """Judge plain expression data against a reference SymPy expression; returns a Comparison.

    `mistakes` holds (mistake_name, explanation, wrong_expression) triples: a wrong answer equal to
    one of them at every point is named.
    """
    if type(plain) is not dict or plain.get("type") not in ("expr", "invalid"):
        return Comparison(0.0, f"{name}: a SymPy expression or a string of maths is expected.")
    if plain["type"] == "invalid":
        return Comparison(0.0, f"{name}: {plain.get('reason', 'not an expression')}.")
    names = tuple(options.get("symbols", ()))
    key = (names, tuple(sorted(options.get("domain", {}).items())), _seed(name, options),
           int(options.get("points", POINTS)))
    defined = _env(options)
    inter = tuple((n, defined[n]) for n in options.get("intermediates", {}))
    points, want = _points(*key), _known_values(reference, key)
    ok = np.isfinite(want)
    try:
        expr = to_sympy(plain.get("tree"), options, expand=False)
        got = _evaluate(expr, names + tuple(n for n, _ in inter), _table(key, inter), cached=False)
    except Refused as refused:
        return Comparison(0.0, f"{name}: the answer {refused.reason}.")
    if not np.isfinite(got[ok]).any():
        return Comparison(0.0, f"{name}: your expression is undefined (or infinite) at every point "
                               f"tried, for example at {_fmt_point(names, points[0])}; check for a "
                               "division by zero or the log of a number that is not positive.")
    scale = 1.0 + float(np.mean(np.abs(want[ok])))
    bad = ok & ~_close(got, want, scale)
    if not bad.any():
        return Comparison(1.0, f"{name}: correct.")
    near = _close(got[bad], want[bad], scale, NEAR_MISS)
    if near.all() and _recheck(expr, reference, names, inter, points[bad][:4]) is not False:
        return Comparison(1.0, f"{name}: correct.")
    return _wrong(name, names, points, got, want, ok, bad, scale, mistakes, key)


def _wrong(name, names, points, got, want, ok, bad, scale, mistakes, key):
    finite_bad = bad & np.isfinite(got)
    k = int(np.argmax(finite_bad)) if finite_bad.any() else int(np.argmax(bad))
    where = _fmt_point(names, points[k])
    if np.isfinite(got[k]):
        value = f"your expression is {_digits(got[k], want[k])}, {_direction(got[k], want[k])}"
    else:
        value = "your expression is undefined (a division by zero or the log of a number that " \
                "is not positive)"
    count = int(bad.sum())
    message = (f"{name}: not right. At {where}, {value}. It differs from the derivative at "
               f"{count} of {int(ok.sum())} points tried.")
    mistake, explanation = _mistake(got, want, ok, scale, mistakes, key)
    if mistake:
        message += f" This looks like {explanation}."
    return Comparison(0.0, message, mistake)
