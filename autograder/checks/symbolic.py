"""Symbolic judging: a student's recorded expression tree against a reference derivative.

The kernel side (`mdl_kernel.expressions`) turns a SymPy expression or a string of maths into a
tree of the operations of the grammar's table (`mdl_kernel.grammar`).  Here `compare` rebuilds an
unevaluated SymPy expression from the tree with the table's SymPy classes only, checking every
bound again (a recorded tree is not trusted),
and evaluates it with `lambdify` (NumPy) at seeded random points of a real domain, its
intermediate names as variables whose values come from their definitions.  The reference r
(lambdified once per process) is evaluated at the same points.  An answer s far from r somewhere
(|s - r| > 1e-6 |r| + 1e-10 (1 + mean |r|)) is wrong.  Every other answer is decided in
50-digit arithmetic, each step bounded in size: it is correct only when at least 25 significant
digits of s and r agree at every point, so floats are never taken on trust.  Before that, an
answer written as a finite difference of the loss is wrong whatever its values
(`finite_difference`: a constant step added to a weight, a bias or a pre-activation, or, where
the derivative is a polynomial in the parameters, terms of higher degree than it has; a
central difference of B1's quadratic loss equals its derivative exactly), and its message says
it is not the derivative.  An answer equal in
floats but not to 25 digits is an approximation (a finite difference with a small step or a
high-order stencil) and is wrong, and its message says it is not the derivative.  A check that
cannot decide (a step overflows or leaves the real numbers, as `0*exp(695 + 0*w)` does) earns
nothing and is flagged for a human (`Comparison.undecided`).  A wrong answer gets a
counterexample (the point, 3 decimals, exactly as evaluated; the student's value; too large, too
small or the wrong sign) and the name of a known mistake it equals at every point, worded by
`mdl_kernel.expressions.difference`; neither the reference expression nor its value is ever
printed.

`values_at_points` gives what the `full` self-check ships instead of the expression: the points,
the intermediate expressions' values there, and the reference's and known mistakes' values.

Options of a symbolic item (`Item.options`):
    symbols        names of the real symbols, in the order messages list them
    intermediates  {name: SymPy expression (or string of plain maths) in the symbols}, in order
    domain         {symbol name: (low, high) sampled uniformly, 3 decimals, or domains.Values}
                   (default (-1, 1)): each symbol's meaning (`autograder.domains`)
    points         number of points (default 32); seed (default: from the item's name)
    parameters     names of the parameters the loss is differentiated in (the degree check)
    shiftable      names a finite difference would add a step to (the shift check)
"""
import math
import zlib
from fractions import Fraction
from functools import lru_cache

import numpy as np
import sympy as sp

from mdl_kernel.compare import Comparison
from mdl_kernel.expressions import (NEAR_MISS, close, difference, parse, scale_of, to_plain,
                                    undefined_everywhere)
from mdl_kernel.grammar import (Refused, Unreadable, float_literal, fold, number, sympy_class,
                                sympy_classes)
from mdl_kernel.limits import MAX_BITS, MAX_EXPONENT
from ..domains import DEFAULT, sample

POINTS = 32
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
    """The float value of a constant node of operation `op` from its children's values (the
    table's `floats`, within its domain); raises Refused."""
    try:
        if values[0] > op.largest:
            raise Refused(f"takes {op.name} of a constant larger than {op.largest:g}")
        if op.positive and values[0] <= 0:
            raise Refused(f"takes the {op.name} of a constant that is not positive")
        return _constant(op.apply(op.floats, values))
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
            env[name] = _build(parse(definition, options), env)[0]
        else:
            env[name] = definition
    return env


def _decimal(text):
    """A number written in decimals, exactly as written: 0.2 is 1/5, not the binary float nearest
    to it.  A machine-printed decimal (12 significant digits or more, as SymPy's evalf or a
    float's repr print 20/3) is the fraction of denominator at most 10**6 within its rounding
    (half a unit of its last digit, or a float's precision), when there is one."""
    exact = Fraction(text)
    mantissa, _, exponent = text.lower().partition("e")
    if len(mantissa.lstrip("-+").replace(".", "").lstrip("0")) >= 12:
        decimals = len(mantissa.partition(".")[2]) - int(exponent or 0)
        rounding = Fraction(1, 2) * Fraction(10) ** -decimals + abs(exact) * Fraction(1, 2 ** 52)
        simple = exact.limit_denominator(10 ** 6)
        if abs(simple - exact) <= rounding:
            exact = simple
    return sp.Rational(exact.numerator, exact.denominator)


def _leaf(op, args, env, where):
    """(expression, value, bits) of a number or a name."""
    if op.name == "sym":
        if args[0] not in env:
            raise Refused(f"uses the name {args[0][:40]!r}, which this exercise does not define")
        return env[args[0]], None, 0
    args = number(op, args, where)
    if op.name == "float":
        try:
            value = op.floats(*args)
        except ValueError:
            raise Refused("contains a number the grader cannot read") from None
        float_literal(value)
        return _decimal(args[0]), value, 0
    return sympy_class(op)(*args), op.floats(*args), max(a.bit_length() for a in args)


def _operation(op, built, where):
    """(expression, value, bits) of an operation of the table, from its operands'."""
    exprs, values = [b[0] for b in built], [b[1] for b in built]
    bits = sum(b[2] for b in built) + len(built)
    if op.name == "pow" and values[1] is not None:
        if abs(values[1]) > MAX_EXPONENT:
            raise Refused(f"raises to a power larger than {MAX_EXPONENT}")
        bits = built[0][2] * max(1, math.ceil(abs(values[1]))) + built[1][2]
    if bits > MAX_BITS:
        raise Refused("contains numbers with too many digits")
    value = _float_value(op, values) if all(v is not None for v in values) else None
    return sympy_class(op)(*exprs, evaluate=False), value, bits


def _build(tree, env):
    """(unevaluated SymPy expression, float value if constant else None, bits bound), read by
    the grammar's `fold`; raises Refused."""
    try:
        return fold(tree, lambda op, args, where: _leaf(op, args, env, where), _operation)
    except Unreadable:
        raise Refused("is not a recorded expression the grader can read") from None


def to_sympy(tree, options, expand=True):
    """The SymPy expression of a tree, built unevaluated with whitelisted constructors only, the
    intermediate names replaced by their definitions (or, with expand=False, kept as symbols);
    raises Refused."""
    return _build(tree, _env(options, expand))[0]


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


_OPERATIONS = tuple((cls, op) for cls, op in sympy_classes() if not op.leaf)
DIGITS = 25            # digits that must agree at every point
WORKING_DIGITS = 50    # digits of the arithmetic that confirms them


def _precise(expr, values, mp, limit=None):
    """The value of a rebuilt (unevaluated, whitelisted) expression in mpmath arithmetic, every
    step kept below 1e300 in magnitude so that the work stays small; raises _Undecided.
    (`limit`: 1e300 as an mpf, made once by the caller rather than at every step.)"""
    return _stepwise(expr, mp, limit)(values)


def _stepwise(expr, mp, limit=None):
    """`_precise` of `expr` as a function of the values, for many points: each node's class,
    operation and constant worked out once (in the precision in force, which must be the one
    the function is called in), every step's value still checked at every point."""
    if limit is None:
        limit = mp.mpf(1e300)
    mpf, isfinite = mp.mpf, mp.isfinite

    def checked(value):
        if not isinstance(value, mpf):
            raise _Undecided("a step of it leaves the real numbers")
        if not isfinite(value) or abs(value) > limit:
            raise _Undecided("a step of it is larger than 1e300 (an overflow, e.g. exp of a "
                             "large number)")
        return value

    if expr.is_Symbol:
        return lambda values: checked(values[expr])
    if expr.is_Rational or expr.is_Float:
        constant = mpf(int(expr.p)) / int(expr.q) if expr.is_Rational else mpf(float(expr))
        return lambda values: checked(constant)
    steps = [_stepwise(a, mp, limit) for a in expr.args]
    cls = type(expr)
    op = next((op for c, op in _OPERATIONS if c is cls), None)
    if op is None:
        def unknown(values):
            for step in steps:
                step(values)
            raise StopIteration       # as the search for its operation did: not whitelisted
        return unknown
    function, apply = getattr(mp, op.mpmath), op.apply
    return lambda values: checked(apply(function, [step(values) for step in steps]))


@lru_cache(maxsize=64)
def _precise_known(reference, key, inter):
    """The points of `key` in WORKING_DIGITS-digit numbers, each with the values there of the
    intermediate expressions and of the reference, computed once per item and process."""
    import mpmath
    names = key[0]
    with mpmath.workdps(WORKING_DIGITS):
        theirs = _function(reference, names, "mpmath")
        parts = [_function(e, names, "mpmath") for _, e in inter]
        rows = []
        for row in _points(*key):
            point = [mpmath.mpf(float(v)) for v in row]
            rows.append((point + [f(*point) for f in parts], theirs(*point)))
    return rows


def _confirm(expr, reference, key, inter, ok):
    """Whether `expr` equals `reference` to DIGITS significant digits at every point of `key`
    where `ok`, evaluated in WORKING_DIGITS-digit arithmetic: ("equal", None), ("differs", (point
    index, digits that agree there)) at the first point where it does not, or ("undecided", why)."""
    import mpmath
    symbols = [sp.Symbol(n, real=True) for n in key[0] + tuple(n for n, _ in inter)]
    known = _precise_known(reference, key, inter)
    with mpmath.workdps(WORKING_DIGITS):
        value_of = None
        for k in np.flatnonzero(ok):
            values, want = known[k]
            try:
                value_of = value_of or _stepwise(expr, mpmath.mp)
                mine = value_of(dict(zip(symbols, values)))
            except _Undecided as undecided:
                return "undecided", str(undecided)
            except (ArithmeticError, ValueError, KeyError, StopIteration):
                return "undecided", "a step of it cannot be evaluated precisely"
            error = abs(mine - want)
            if error > mpmath.mpf(10) ** -DIGITS * abs(want) + mpmath.mpf(10) ** -(2 * DIGITS):
                digits = 0 if error >= abs(want) else \
                    int(mpmath.floor(-mpmath.log10(error / abs(want))))
                return "differs", (int(k), digits)
    return "equal", None


# ------------------------------------------------------------------ finite differences
def _constant_shift(expr):
    """A nonzero constant added to an expression, or None: the mark of a loss evaluated at a
    shifted argument (theta + h)."""
    if type(expr) is not sp.Add:
        return None
    shifts = [a for a in expr.args if not a.free_symbols]
    if not shifts or len(shifts) == len(expr.args):
        return None
    try:
        return shifts if any(abs(float(sp.N(a, 15))) > 0 for a in shifts) else None
    except (TypeError, ValueError):
        return None


def _scaled(term):
    """The name of the symbol of a term that is a symbol or a number times one (-b, 2*w1)."""
    if term.is_Symbol:
        return term.name
    if type(term) is sp.Mul and len(term.args) == 2:
        number, symbol = sorted(term.args, key=lambda a: not a.is_Number)
        if number.is_Number and number != 0 and symbol.is_Symbol:
            return symbol.name
    return None


def _shifted(expr, shiftable):
    """The name of a parameter (or pre-activation) that `expr` adds a nonzero constant to, as a
    finite difference does (loss(theta + h) - loss(theta - h)) / 2h; or None."""
    if type(expr) is sp.Add and _constant_shift(expr):
        bare = [_scaled(a) for a in expr.args if _scaled(a) in shiftable]
        if bare:
            return bare[0]
    for arg in expr.args:
        found = _shifted(arg, shiftable)
        if found:
            return found
    return None


def _degree(expr, parameters):
    """The degree of `expr` in `parameters` as written (before anything cancels): a sum's is its
    terms' largest, a product's their sum, a whole power's a multiple; None when it is not a
    polynomial as written."""
    if expr.is_Symbol:
        return 1 if expr.name in parameters else 0
    if not {s.name for s in expr.free_symbols} & parameters:
        return 0
    args = [_degree(a, parameters) for a in expr.args]
    if type(expr) is sp.Pow and expr.args[1].is_Integer and int(expr.args[1]) >= 0 \
            and args[0] is not None:
        return args[0] * int(expr.args[1])
    if None in args or type(expr) not in (sp.Add, sp.Mul):
        return None
    return max(args) if type(expr) is sp.Add else sum(args)


@lru_cache(maxsize=64)
def _reference_degree(reference, parameters):
    """The degree of a reference that is a polynomial in the parameters, else None."""
    symbols = [s for s in reference.free_symbols if s.name in parameters]
    try:
        return sp.Poly(reference, *symbols).total_degree() if symbols else 0
    except sp.PolynomialError:
        return None


def finite_difference(name, expr, reference, options, degree=True):
    """Why `expr` is a finite difference of the loss rather than its derivative, or None:
    it adds a constant step to one of the item's `shiftable` names (a weight, a bias or a
    pre-activation: the loss evaluated at shifted arguments), or (with `degree`: for answers
    equal to the derivative in floats, since a wrong answer of higher degree is told where it is
    wrong instead), where the derivative is a polynomial in the item's `parameters`, it is
    written with terms of higher degree than the derivative has (a difference of values of the
    loss, whose higher terms cancel)."""
    shiftable = frozenset(options.get("shiftable", ()))
    shifted = _shifted(expr, shiftable) if shiftable else None
    if shifted:
        return (f"{name}: this expression is not the derivative: it evaluates the loss at "
                f"{shifted} shifted by a constant step, which is a finite difference (an "
                "approximation of the derivative). Differentiate the loss instead.")
    parameters = frozenset(options.get("parameters", ()))
    if not parameters or not degree:
        return None
    wanted = _reference_degree(reference, parameters)
    if wanted is None:
        return None
    degree = _degree(to_sympy_expanded(expr, options), parameters)
    if degree is not None and degree > wanted:
        return (f"{name}: this expression is not the derivative: it is written with terms of "
                f"degree {degree} in {', '.join(sorted(parameters))}, like the loss itself (a "
                f"difference of values of the loss, a finite difference), while the derivative "
                f"has degree {wanted}. Differentiate the loss instead.")
    return None


def to_sympy_expanded(expr, options):
    """`expr` (built with its intermediate names as symbols) with their definitions put in."""
    inter = _intermediates(options)
    if not inter:
        return expr
    return expr.xreplace({sp.Symbol(n, real=True): e for n, e in inter})


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
    near = close(got[bad], want[bad], scale, NEAR_MISS).all()
    shifted = finite_difference(name, expr, reference, options, degree=near)
    if shifted:
        return Comparison(0.0, shifted)
    if near:   # equal in floats, or nearly: decided in high precision, never taken on trust
        verdict, detail = _confirm(expr, reference, key, inter, ok)
        if verdict == "equal":
            return Comparison(1.0, f"{name}: correct.")
        if verdict == "undecided":
            return Comparison(0.0, (f"{name}: not confirmed: {detail}, so the grader could not "
                                    f"check it to {DIGITS} digits. It earns no credit as it "
                                    "stands; a tutor will look at it. Write the derivative "
                                    "without such terms."), undecided=detail)
        if not bad.any():   # equal in floats, not in high precision: an approximation
            k, digits = detail
            row = points[k]
            return Comparison(0.0, (
                f"{name}: this expression is not the derivative: at "
                f"{', '.join(f'{n} = {round(float(v), 3):g}' for n, v in zip(names, row))} it "
                f"agrees with it to about {digits} significant digits only, as an approximation "
                f"(such as a finite difference of the loss) does, not to the {DIGITS} digits of "
                "an exact derivative. Differentiate the loss instead."))
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
