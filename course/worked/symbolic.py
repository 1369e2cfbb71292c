"""What the symbolic derivations (G6, B1, B3) share: SymPy expressions in the notebooks' notation,
tidied, and confirmed against the catalogue's references before they are shown."""
import re

from .blocks import md


def _sym_name(name):
    """LaTeX for the notebooks' symbol names: w1_21 -> w^{(1)}_{21}, x1 -> x_{1}, y_hat -> hat y."""
    m = re.fullmatch(r"(w|z|a|delta)(\d)_(\d+)", name)
    if m:
        base = r"\delta" if m[1] == "delta" else m[1]
        return rf"{base}^{{({m[2]})}}_{{{m[3]}}}"
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return rf"{m[1]}_{{{m[2]}}}"
    if name == "y_hat":
        return r"\hat{y}"
    m = re.fullmatch(r"yhat(\d+)", name)
    if m:
        return rf"\hat{{y}}_{{{m[1]}}}"
    return None


def sym_latex(expr):
    """sympy.latex with the notebooks' names typeset (w1_21 as w^(1)_21, y_hat as y-hat)."""
    import sympy as sp
    expr = sp.sympify(expr)
    names = {s: _sym_name(s.name) for s in expr.free_symbols if _sym_name(s.name)}
    texts = [sp.latex(expr, symbol_names=names, order=order) for order in (None, "old")]
    # the term order with the fewest sums that start with a minus sign: y-hat - y, 1 - a, b - 7
    return min(texts, key=lambda t: len(re.findall(r"(^|\\left\(|\{)\s*-", t)))


def _tidy(expr):
    """Factor, and orient each factor that is a sum to print with the fewest minus signs:
    p (1 - p) rather than -p (p - 1)."""
    import sympy as sp
    expr = sp.factor(expr)
    coeff, rest = expr.as_coeff_Mul()
    factors = list(sp.Mul.make_args(rest))
    sums = [k for k, f in enumerate(factors) if f.is_Add]
    best = None
    for mask in range(2 ** len(sums)):
        fs, c = list(factors), coeff
        for bit, k in enumerate(sums):
            if mask >> bit & 1:
                fs[k], c = sp.expand(-fs[k]), -c
        candidate = sp.Mul(*([c] if c != 1 else []), *fs, evaluate=False)
        text = sym_latex(candidate)
        usual = sum(text.count(t) for t in (r"\hat{y} - y", "p - y", "1 - "))  # prediction - target
        key = (text.count("-"), -usual, len(text))
        if best is None or key < best[0]:
            best = (key, candidate)
    return best[1]


def _paren(expr):
    """LaTeX of a chain-rule factor, in parentheses when it is a sum or negative."""
    text = sym_latex(expr)
    return rf"\left({text}\right)" if expr.is_Add or text.startswith("-") else text


def confirmed(ex, derived):
    """{item name: (the derived expression, the grader's verdict on it)}: each form the worked
    derivation reaches, judged against the catalogue's reference (derived by `sympy.diff` of the
    loss itself) by the grader's own symbolic check, at the item's seeded points."""
    from autograder.checks import symbolic as S
    out = {}
    for item in ex.items:
        if item.kind.name == "symbolic":
            plain = S.to_plain(derived[item.name], item.options)
            out[item.name] = derived[item.name], S.compare(item.name, plain, item.expected,
                                                           item.options, [])
    return out


def _symbolic_answer(ex, derived):
    """The answers as the derivation above reaches them, each confirmed equal to the catalogue's
    reference by the grader's own check (a build that finds one unequal stops)."""
    lines = []
    for name, (expr, verdict) in confirmed(ex, derived).items():
        if verdict.score < 1:
            raise AssertionError(f"{ex.id} {name}: the derivation does not reach the reference: "
                                 f"{verdict.message}")
        lines.append(f"* `{name}` $= {sym_latex(expr)}$")
    if not lines:
        return []
    return [md("**Answer.** As the derivation above arrives at them. The grader's own check "
               "confirms each equal to the catalogue's reference (derived by `sympy.diff` of the "
               "loss itself) at its random points; any equivalent form earns full credit:", "",
               *lines)]


def _sigmoid_factor(z, out):
    """dS/dz by sympy.diff, and the same written with the output `out` = S(z)."""
    import sympy as sp
    u = sp.Symbol("u", positive=True)
    raw = sp.diff(1 / (1 + sp.exp(-z)), z)
    e_minus_z = sp.solve(sp.Eq(out, 1 / (1 + u)), u)[0]       # S(z) = out  <=>  e^{-z} = ...
    return raw, _tidy(sp.simplify(raw.subs(sp.exp(-z), e_minus_z)))
