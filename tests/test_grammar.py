"""mdl_kernel.grammar, the one table of the expression trees' operations, and what is built from
it on both sides: the kernel's readers and evaluator (`mdl_kernel.expressions`), the record's
JSON Schema (`kinds.symbolic`), its validator (`grading.records`) and the tutor's SymPy builder,
float constants and 50-digit check (`checks.symbolic`).  Every entry round-trips, real SymPy in
and out; an operation outside the table is refused on both sides; and the table is the only
place that lists the operations."""
import ast
import json
import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from autograder.catalogue import exercise
from autograder.checks import symbolic as S
from autograder.grading import records
from autograder.kinds.symbolic import TREE
from mdl_kernel import expressions as E
from mdl_kernel.grammar import (ALLOWED, FUNCTIONS, MANY, OPERATIONS, TABLE, sympy_class,
                                sympy_classes)

ROOT = Path(__file__).resolve().parents[1]
ITEM = exercise("G6").item("dCE_dw1")
OPTIONS = ITEM.options                                   # symbols x1, x2, y, w1, w2, b; z and p
X1, W1 = sp.Symbol("x1", real=True), sp.Symbol("w1", real=True)


def _example(op):
    """A student's SymPy expression whose tree holds a node of `op`."""
    if op.operands == 1:                                 # a function: name(argument)
        return sympy_class(op)(X1 ** 2 / 4 + 1) * W1     # an argument where each is defined
    return {"int": 3 * X1, "rat": sp.Rational(2, 3) * X1, "float": sp.Float(2.5) * X1,
            "sym": X1, "add": X1 + W1, "mul": X1 * W1, "pow": X1 ** 3}[op.name]


def _operations(tree):
    return {tree[0]} | {name for a in tree[1:] if type(a) is list for name in _operations(a)}


def _record(plain):
    """A G6 record holding `plain` for each item, through JSON as nbformat keeps it."""
    return json.loads(json.dumps({"exercise": "G6", "answers": {
        item.name: plain for item in exercise("G6").items}}))


def _points(n=16):
    rng = np.random.default_rng(7)
    return {name: rng.uniform(-2, 2, n) for name in OPTIONS["symbols"]}


@pytest.mark.parametrize("op", TABLE, ids=[op.name for op in TABLE])
def test_each_operation_round_trips(op):
    """Student SymPy expression -> tree (in the kernel) -> a record the schema and the validator
    accept -> SymPy rebuilt on the tutor's side, equal to the student's at points: in SymPy's
    own evaluation, in the kernel's NumPy evaluator and in the tutor's 50-digit one."""
    answer = _example(op)
    plain = E.to_plain(answer, OPTIONS)
    assert plain["type"] == "expr" and op.name in _operations(plain["tree"]), plain
    assert records.validate(_record(plain), "G6")["dCE_dw1"] == plain
    rebuilt = S.to_sympy(plain["tree"], OPTIONS)
    columns = _points()
    names = list(columns)
    symbols = [sp.Symbol(n, real=True) for n in names]
    want = sp.lambdify(symbols, answer, "numpy")(*columns.values())
    got = sp.lambdify(symbols, rebuilt, "numpy")(*columns.values())
    np.testing.assert_allclose(np.broadcast_to(got, want.shape), want, rtol=1e-12)
    np.testing.assert_allclose(E.evaluate(plain["tree"], columns), want, rtol=1e-12)
    with mpmath.workdps(50):
        for k in range(3):
            values = {s: mpmath.mpf(float(columns[n][k])) for s, n in zip(symbols, names)}
            precise = S._precise(rebuilt, values, mpmath.mp)
            exact = answer.evalf(50, subs={s: sp.Float(float(columns[n][k]), 50)
                                           for s, n in zip(symbols, names)})
            assert abs(precise - mpmath.mpf(str(exact))) <= mpmath.mpf(10) ** -40 * (1 + abs(precise))


@pytest.mark.parametrize("op", [op for op in TABLE if not op.leaf], ids=lambda op: op.name)
def test_each_operation_of_constants_has_its_value(op):
    """A node of constants: its float value (the table's `floats`, folded on the tutor's side),
    the kernel's NumPy value and the 50-digit value agree with SymPy's evalf."""
    tree = [op.name] + [["rat", 1, 2], ["int", 3]][:2 if op.operands in (MANY, 2) else 1]
    expr, value, _ = S._build(tree, {})
    want = float(sp.N(expr, 30))
    assert value == pytest.approx(want, rel=1e-14)
    assert E.evaluate(tree, {})[0] == pytest.approx(want, rel=1e-14)
    with mpmath.workdps(50):
        assert float(S._precise(expr, {}, mpmath.mp)) == pytest.approx(want, rel=1e-15)


def test_the_text_forms_are_the_tables():
    """What a student may write in a string, as the messages list it, is the table's: each
    written form and function, then the shorthands."""
    assert ALLOWED == "+, -, *, /, powers (** or ^), exp, log, tanh, sinh, cosh, sqrt and sigmoid"
    for name in FUNCTIONS:
        assert E.to_plain(f"{name}(x1)", OPTIONS)["tree"] == [name, ["sym", "x1"]]
    for op in TABLE:
        for symbol in op.infix:
            assert op.name in _operations(E.to_plain(f"x1 {symbol} w1", OPTIONS)["tree"])


OUTSIDE = ["abs", "sin", "Abs", "call", "__import__"]


@pytest.mark.parametrize("name", OUTSIDE)
def test_an_operation_outside_the_table_is_refused_on_both_sides(name):
    assert name not in OPERATIONS
    # the kernel: a string calling it, a tree holding it
    reason = E.to_plain(f"{name}(x1)", OPTIONS)["reason"]
    assert reason == (f"the answer calls {name}(...); the functions accepted are exp, log, tanh, "
                      "sinh, cosh, sqrt and sigmoid")
    with pytest.raises(E.Refused, match="^is not an expression the check can read$"):
        E.evaluate(["add", [name, ["sym", "x1"]]], {"x1": np.ones(2)})
    # the tutor: the schema at the root, the validator below it, the builder anywhere
    plain = {"type": "expr", "tree": [name, ["sym", "x1"]]}
    with pytest.raises(records.Malformed, match=r"answers.dCE_dw1 does not follow the schema"):
        records.validate(_record(plain), "G6")
    nested = {"type": "expr", "tree": ["mul", ["int", 2], [name, ["sym", "x1"]]]}
    with pytest.raises(records.Malformed) as malformed:
        records.validate(_record(nested), "G6")
    assert str(malformed.value).endswith(
        ".tree[2] is not a node of a whitelisted operation")
    for tree in (plain, nested):
        assert S.compare("d", tree, ITEM.expected, OPTIONS) == S.Comparison(
            0.0, "d: the answer is not a recorded expression the grader can read.")


def test_a_sympy_class_outside_the_table_is_refused_in_the_kernel():
    for answer, cls in ((sp.sin(X1), "sin"), (sp.Abs(X1 - W1), "Abs"), (sp.atan(X1), "atan")):
        assert E.to_plain(answer, OPTIONS) == {"type": "invalid", "reason": (
            f"the answer uses {cls}, which is not accepted here; write the answer with {ALLOWED}")}


def test_the_schema_and_the_readers_know_exactly_the_tables_operations():
    assert TREE["$defs"]["tree"]["prefixItems"][0]["enum"] == list(OPERATIONS)
    assert {op.name for _, op in sympy_classes()} == set(OPERATIONS)
    assert {op.name for _, op in S._OPERATIONS} == {op.name for op in TABLE if not op.leaf}
    for op in TABLE:
        if op.leaf:
            node = [op.name] + [{int: 2, str: "x1" if op.name == "sym" else "0.5"}[t]
                                for t in op.operands]
        else:
            node = [op.name] + [["sym", "x1"]] * (2 if op.operands in (MANY, 2) else 1)
        assert records.validate(_record({"type": "expr", "tree": node}), "G6")


@pytest.mark.parametrize("op", [op for op in TABLE if not op.leaf], ids=lambda op: op.name)
def test_each_operation_takes_its_number_of_operands_on_both_sides(op):
    """A node with other operands than its operation takes (one more than a function or a
    power has, none for a sum or a product) is refused by the validator, the kernel's evaluator
    and the tutor's builder."""
    count = 0 if op.operands is MANY else op.operands + 1
    tree = ["mul", ["int", 2], [op.name] + [["sym", "x1"]] * count]
    with pytest.raises(records.Malformed) as malformed:
        records.validate(_record({"type": "expr", "tree": tree}), "G6")
    assert str(malformed.value).endswith(f".tree[2] does not have the operands {op.name} takes")
    with pytest.raises(E.Refused, match="^is not an expression the check can read$"):
        E.evaluate(tree, {"x1": np.ones(2)})
    assert S.compare("d", {"type": "expr", "tree": tree}, ITEM.expected, OPTIONS) == \
        S.Comparison(0.0, "d: the answer is not a recorded expression the grader can read.")


# The modules built from the table; none may list operations of its own.
BUILT = ["kernel/mdl_kernel/expressions.py", "autograder/kinds/symbolic.py",
         "autograder/grading/records.py", "autograder/checks/symbolic.py"]
MODULES = {"sp", "sympy", "np", "numpy", "math", "mp", "mpmath"}


def _collections(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            yield node


def _names_in(node):
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and n.value in OPERATIONS]


@pytest.mark.parametrize("path", BUILT)
def test_the_table_is_the_only_definition(path):
    """No list, tuple, set or dict of two operations or more, and no SymPy, NumPy, math or
    mpmath function of the table's named, outside the table: a second definition fails here."""
    tree = ast.parse((ROOT / path).read_text())
    for node in _collections(tree):
        assert len(_names_in(node)) < 2, f"{path}:{node.lineno} lists operations of its own"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id in MODULES:
            assert node.attr not in FUNCTIONS, f"{path}:{node.lineno} names {node.value.id}." \
                                               f"{node.attr} outside the table"


def test_the_scan_finds_a_second_definition():
    """The scan above can fail: the lists the table replaced are found."""
    for source in ('FUNCTIONS = {"exp": sp.exp, "log": sp.log}',
                   'OPERATIONS = ["int", "rat", "float"]',
                   '_MP = ((sp.exp, "exp"), (sp.log, "log"))', 'f = np.tanh'):
        tree = ast.parse(source)
        found = any(len(_names_in(n)) >= 2 for n in _collections(tree)) or any(
            isinstance(n, ast.Attribute) and n.attr in FUNCTIONS for n in ast.walk(tree))
        assert found, source


def test_limits_mean_the_same_on_both_sides():
    """A tree the kernel makes from a string is measured as the validator measures it: nested
    sigmoids deeper than the limit are refused in the kernel with the reason, never recorded and
    then refused as a malformed record; the deepest accepted is a valid record."""
    accepted = None
    for k in range(1, 40):
        plain = E.to_plain("sigmoid(" * k + "x1" + ")" * k, OPTIONS)
        if plain["type"] == "invalid":
            assert plain["reason"] == "the answer is nested too deeply (more than 60 levels)"
            break
        accepted = plain
    assert accepted is not None and k < 39
    assert records.validate(_record(accepted), "G6")
    many = E.to_plain("x1" + "-E" * 1400, OPTIONS)          # 2 characters, 4 nodes each
    assert many == {"type": "invalid", "reason": "the answer is too long: at most 4000 "
                                                 "operations and numbers are accepted"}
    fits = E.to_plain("x1" + "-E" * 999, OPTIONS)
    assert records.validate(_record(fits), "G6") and len(json.dumps(fits)) > 0
    assert math.isfinite(S.compare("d", fits, ITEM.expected, OPTIONS).score)
