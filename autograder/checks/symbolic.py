"""Symbolic judging: a student's recorded expression tree against a reference derivative.

The kernel side (`mdl_kernel.expressions`) turns a SymPy expression or a string of maths into a
tree of whitelisted operations.  Here `compare` rebuilds an unevaluated SymPy expression from the
tree with whitelisted constructors, checking every bound again (a recorded tree is not trusted),
and evaluates it with `lambdify` (NumPy) at seeded random points of a real domain, its
intermediate names as variables whose values come from their definitions.  The reference r
(lambdified once per process) is evaluated at the same points; the answer s is correct when
|s - r| <= 1e-8 |r| + 1e-10 (1 + mean |r|) at every point.  A near miss (relative differences
below 1e-6 only) is evaluated again in 40-digit arithmetic, each step bounded in size: that
confirms an answer whose floats lost digits, or shows that it differs; an undecided recheck never
makes an answer wrong.  A wrong answer gets a counterexample (the point, 3 decimals, exactly as
evaluated; the student's value; too large, too small or the wrong sign) and the name of a known
mistake it equals at every point, worded by `mdl_kernel.expressions.difference`; neither the
reference expression nor its value is ever printed.

`values_at_points` gives what the `full` self-check ships instead of the expression: the points,
the intermediate expressions' values there, and the reference's and known mistakes' values.

Options of a symbolic item (`Item.options`):
    symbols        names of the real symbols, in the order messages list them
    intermediates  {name: SymPy expression (or string of plain maths) in the symbols}, in order
    domain         {symbol name: (low, high) sampled uniformly, 3 decimals, or domains.Values}
                   (default (-1, 1)): each symbol's meaning (`autograder.domains`)
    points         number of points (default 32); seed (default: from the item's name)
"""
import math
import zlib
from functools import lru_cache

import numpy as np
import sympy as sp

from mdl_kernel.compare import Comparison
from mdl_kernel.expressions import (NEAR_MISS, Budget, Refused, close, difference,
                                    float_literal, literal, parse, scale_of, to_plain,
                                    undefined_everywhere)
from mdl_kernel.limits import MAX_BITS, MAX_EXP_ARG, MAX_EXPONENT
from ..domains import DEFAULT, sample

POINTS = 32
FUNCTIONS = {"exp": sp.exp, "log": sp.log, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh}
_FLOAT_FUNCTIONS = {"exp": math.exp, "log": math.log, "tanh": math.tanh, "sinh": math.sinh,
                    "cosh": math.cosh}
__all__ = ["compare", "to_plain", "to_sympy", "values_at_points", "Refused"]


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
            env[name] = _build(parse(definition, options), env, Budget())[0]
        else:
            env[name] = definition
    return env


def _leaf(op, args, env):
    """(expression, value, bits) of a number or a name."""
    if op == "int" and len(args) == 1 and type(args[0]) is int:
        return sp.Integer(literal(args[0])), float(args[0]), args[0].bit_length()
    if op == "rat" and len(args) == 2 and all(type(a) is int for a in args) and args[1] > 0:
        p, q = literal(args[0]), literal(args[1])
        return sp.Rational(p, q), p / q, max(p.bit_length(), q.bit_length())
    if op == "float" and len(args) == 1 and type(args[0]) is str and len(args[0]) <= 32:
        try:
            value = float(args[0])
        except ValueError:
            raise Refused("contains a number the grader cannot read") from None
        float_literal(value)
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
    return _build(tree, _env(options, expand), Budget())[0]


# ------------------------------------------------------------------ numbers at the points
def _seed(name, options):
    return options.get("seed", zlib.crc32(name.encode()))


@lru_cache(maxsize=64)
def _points(names, domain, seed, n):
    """An (n, len(names)) array of points, each coordinate from its symbol's domain
    (`domains.sample`: uniform in a range, 3 decimals, or one of a set of values)."""
    rng = np.random.default_rng(seed)
    ranges = dict(domain)
    columns = [sample(ranges.get(name, DEFAULT), rng, n) for name in names]
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
def _key(name, options):
    """(symbol names, domain, seed, number of points): what fixes the points of an item."""
    return (tuple(options.get("symbols", ())), tuple(sorted(options.get("domain", {}).items())),
            _seed(name, options), int(options.get("points", POINTS)))


def _intermediates(options):
    defined = _env(options)
    return tuple((n, defined[n]) for n in options.get("intermediates", {}))


def compare(name, plain, reference, options, mistakes=()):
    """Judge plain expression data against a reference SymPy expression; returns a Comparison.

    `mistakes` holds (mistake_name, explanation, wrong_expression) triples: a wrong answer equal to
    one of them at every point is named.
    """
    if type(plain) is not dict or plain.get("type") not in ("expr", "invalid"):
        return Comparison(0.0, f"{name}: a SymPy expression or a string of maths is expected.")
    if plain["type"] == "invalid":
        return Comparison(0.0, f"{name}: {plain.get('reason', 'not an expression')}.")
    key = _key(name, options)
    names, inter = key[0], _intermediates(options)
    points, want = _points(*key), _known_values(reference, key)
    ok = np.isfinite(want)
    try:
        expr = to_sympy(plain.get("tree"), options, expand=False)
        got = _evaluate(expr, names + tuple(n for n, _ in inter), _table(key, inter), cached=False)
    except Refused as refused:
        return Comparison(0.0, f"{name}: the answer {refused.reason}.")
    if not np.isfinite(got[ok]).any():
        return Comparison(0.0, undefined_everywhere(name, names, points))
    scale = scale_of(want, ok)
    bad = ok & ~close(got, want, scale)
    if not bad.any():
        return Comparison(1.0, f"{name}: correct.")
    near = close(got[bad], want[bad], scale, NEAR_MISS)
    if near.all() and _recheck(expr, reference, names, inter, points[bad][:4]) is not False:
        return Comparison(1.0, f"{name}: correct.")
    message, mistake = difference(name, names, points, got, want, ok, bad, scale,
                                  _mistake_values(mistakes, key))
    return Comparison(0.0, message, mistake)


def _mistake_values(mistakes, key):
    found = []
    for mistake, explanation, wrong in mistakes:
        try:
            found.append((mistake, explanation, _known_values(wrong, key)))
        except Refused:
            continue
    return found


def values_at_points(name, reference, options, mistakes=()):
    """What the `full` self-check compares with: {"names": symbol names, "columns": {name: values
    at the points, for every symbol and intermediate expression}, "expected": the reference's
    values, "mistakes": [[name, explanation, values]]}; undefined values are None."""
    key = _key(name, options)
    names, inter = key[0], _intermediates(options)
    table = _table(key, inter)
    columns = names + tuple(n for n, _ in inter)

    def plain(values):
        return [float(v) if np.isfinite(v) else None for v in values]
    return {"names": list(names),
            "columns": {n: plain(table[:, k]) for k, n in enumerate(columns)},
            "expected": plain(_known_values(reference, key)),
            "mistakes": [[m, why, plain(values)]
                         for m, why, values in _mistake_values(mistakes, key)]}
