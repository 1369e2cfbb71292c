"""mdl_kernel.expressions, the kernel side of symbolic answers: a string of plain maths or a SymPy
expression read into a tree of whitelisted operations (or refused, with the exact reason a
student reads), trees evaluated at points, and the wording of how an answer's values differ.
The judging of whole answers against the references is in tests/test_symbolic.py."""
import numpy as np
import pytest
import sympy as sp

from autograder.catalogue import exercise
from autograder.checks.answer_banks import setup
from mdl_kernel import expressions as E
from mdl_kernel.limits import MAX_DEPTH, MAX_EXPONENT, MAX_NODES, MAX_TEXT

OPTIONS = exercise("G6").item("dCE_dw1").options       # symbols x1, x2, y, w1, w2, b; z and p
ALLOWED = "+, -, *, /, powers (** or ^), exp, log, tanh, sinh, cosh, sqrt and sigmoid"
PLAIN = f"; write plain maths with {ALLOWED}"
UNKNOWN = ("the answer uses the name {!r}, which this exercise does not define; its symbols are "
           "x1, x2, y, w1, w2, b (the expressions z, p may be used too)")
NOT_AN_EXPRESSION = ("the answer is a {} where a SymPy expression (or a string of maths written "
                     f"with the exercise's symbols and {ALLOWED}) is expected")


@pytest.mark.parametrize("text,reason", [
    ("q*x1", UNKNOWN.format("q")), ("x1 x2", "the answer is not a valid expression: write "
                                              "products with *, powers with ** or ^, and balance "
                                              "the brackets"),
    ("2(p - y)", "the answer calls something that is not a function name; products need * "
                 "(write 2*(y_hat - y), not 2(y_hat - y))"),
    ("x1.y()", "the answer calls something that is not a function name; products need * "
               "(write 2*(y_hat - y), not 2(y_hat - y))"),
    ("exp", "the answer uses exp without an argument: write exp(...)"),
    ("sigmoid", "the answer uses sigmoid without an argument: write sigmoid(...)"),
    ("sqrt", "the answer uses sqrt without an argument: write sqrt(...)"),
    ("abs(p - y)", "the answer calls abs(...); the functions accepted are exp, log, tanh, sinh, "
                   "cosh, sqrt and sigmoid"),
    ("exp(z, 2)", "the answer calls exp with other than one argument"),
    ("exp(z=2)", "the answer calls exp with other than one argument"),
    ("exp(*z)", "the answer calls exp with other than one argument"),
    ("(p - y) // x1", f"the answer uses the operator //, which is not plain maths here; use {ALLOWED}"),
    ("(p - y) % x1", f"the answer uses the operator %, which is not plain maths here; use {ALLOWED}"),
    ("x1 @ p", f"the answer uses the operator @, which is not plain maths here; use {ALLOWED}"),
    ("1j*x1", "the answer contains 1j, which is not a real number"),
    ("'x1'", "the answer contains 'x1', which is not a real number"),
    ("x1.real", "the answer contains attribute access with a dot (write exp(z), not sp.exp(z))"
                + PLAIN),
    ("x1[0]", "the answer contains indexing with [...]" + PLAIN),
    ("lambda: 1", "the answer contains a lambda" + PLAIN),
    ("[x1]", "the answer contains a list" + PLAIN),
    ("x1 < 2", "the answer contains a comparison" + PLAIN),
    ("x1 and p", "the answer contains and/or" + PLAIN),
    ("x1 if p else y", "the answer contains if/else" + PLAIN),
    ("(x1, p)", "the answer contains a tuple (or a comma)" + PLAIN),
    ("{x1: 1}", "the answer contains a dict" + PLAIN), ("{x1}", "the answer contains a set" + PLAIN),
    ("f'{x1}'", "the answer contains an f-string" + PLAIN),
    ("(a := 1)", "the answer contains an assignment" + PLAIN),
    ("await x1", "the answer contains await" + PLAIN),
    ("[x for x in y]", "the answer contains a comprehension" + PLAIN),
    ("x1 ** 101", f"the answer raises to a power larger than {MAX_EXPONENT}"),
    ("x1 ** -101.5", f"the answer raises to a power larger than {MAX_EXPONENT}"),
    ("x1 ** (202/2)", None),       # a computed exponent: bounded by the tutor's side when built
    ("1e400 * x1", "the answer contains a number that is infinite, undefined or far too large"),
    ("10**16 * x1", None),
    ("1" * 16 + " * x1", "the answer contains a number with more than 15 digits"),
    ("x" * (MAX_TEXT + 1), f"the answer is {MAX_TEXT + 1} characters long; at most {MAX_TEXT} "
                           "are accepted"),
])
def test_strings_refused_with_their_reason(text, reason):
    plain = E.to_plain(text, OPTIONS)
    if reason is None:
        assert plain["type"] == "expr"
    else:
        assert plain == {"type": "invalid", "reason": reason}


@pytest.mark.parametrize("text,tree", [
    ("x1", ["sym", "x1"]), ("p", ["sym", "p"]), ("-x1", ["mul", ["int", -1], ["sym", "x1"]]),
    ("+x1", ["sym", "x1"]), ("-2", ["int", -2]), ("- 2.5", ["float", "-2.5"]),
    ("2.5", ["float", "2.5"]), ("x1 ^ 2", ["pow", ["sym", "x1"], ["int", 2]]),
    ("x1 ** 100", ["pow", ["sym", "x1"], ["int", 100]]),
    ("x1 ** -100.0", ["pow", ["sym", "x1"], ["float", "-100.0"]]),
    ("sqrt(x1)", ["pow", ["sym", "x1"], ["rat", 1, 2]]),
    ("sigmoid(z)", ["pow", ["add", ["int", 1], ["exp", ["mul", ["int", -1], ["sym", "z"]]]],
                    ["int", -1]]),
    ("sigmoid(2)", ["pow", ["add", ["int", 1], ["exp", ["int", -2]]], ["int", -1]]),
    ("sigmoid(0.5)", ["pow", ["add", ["int", 1], ["exp", ["float", "-0.5"]]], ["int", -1]]),
    ("E*x1", ["mul", ["exp", ["int", 1]], ["sym", "x1"]]),
    ("tanh(x1) + log(p) - cosh(y) / sinh(b)",
     ["add", ["tanh", ["sym", "x1"]], ["log", ["sym", "p"]],
      ["mul", ["int", -1], ["mul", ["cosh", ["sym", "y"]], ["pow", ["sinh", ["sym", "b"]],
                                                             ["int", -1]]]]]),
    ("x1 - y - b", ["add", ["sym", "x1"], ["mul", ["int", -1], ["sym", "y"]],
                    ["mul", ["int", -1], ["sym", "b"]]]),
    ("x1 * y / b * w1", ["mul", ["sym", "x1"], ["sym", "y"], ["pow", ["sym", "b"], ["int", -1]],
                         ["sym", "w1"]]),
    (" x1 \n", ["sym", "x1"]),
])
def test_strings_read_into_trees(text, tree):
    assert E.to_plain(text, OPTIONS) == {"type": "expr", "tree": tree}


def test_the_budgets_of_a_tree():
    x1 = sp.Symbol("x1", real=True)
    assert E.to_plain(sp.Add(*[x1] * MAX_NODES, evaluate=False), OPTIONS) == {
        "type": "invalid",
        "reason": f"the answer is too long: at most {MAX_NODES} operations and numbers are accepted"}
    deep = "exp(" * (MAX_DEPTH + 1) + "x1" + ")" * (MAX_DEPTH + 1)
    assert E.to_plain(deep, OPTIONS) == {
        "type": "invalid", "reason": f"the answer is nested too deeply (more than {MAX_DEPTH} levels)"}
    ok = "exp(" * MAX_DEPTH + "x1" + ")" * MAX_DEPTH
    assert E.to_plain(ok, OPTIONS)["type"] == "expr"
    assert E.to_plain(sp.Add(*[x1] * (MAX_NODES - 1), evaluate=False), OPTIONS)["type"] == "expr"
    budget = E.Budget()
    assert budget.left == MAX_NODES
    budget.take(MAX_DEPTH)
    assert budget.left == MAX_NODES - 1


def test_names_refused_without_intermediates():
    options = {"symbols": ("w", "b")}
    assert E.to_plain("x1", options)["reason"] == (
        "the answer uses the name 'x1', which this exercise does not define; its symbols are w, b")


def test_sympy_expressions_refused_with_their_reason():
    n = setup("G6")
    cases = [
        (sp.Function("sigma")(n.z) * n.x1, "the answer uses the function sigma(...), which SymPy "
                                           "cannot evaluate; write it out (for the sigmoid: "
                                           "1/(1 + sp.exp(-z)))"),
        (sp.Abs(n.p - n.y), f"the answer uses Abs, which is not accepted here; write the answer "
                            f"with {ALLOWED}"),
        (sp.Derivative(n.p, n.w1), "the answer is an unevaluated Derivative: compute it (with "
                                   ".doit() or sp.diff) or write the derivative out"),
        (n.x1 * sp.I, "the answer contains the imaginary unit I; a real expression is expected"),
        (n.x1 + sp.oo, "the answer contains infinity (oo): check for a division by zero"),
        (n.x1 - sp.oo, "the answer contains infinity (-oo): check for a division by zero"),
        (sp.zoo * n.x1, "the answer contains zoo (complex infinity): it divides by zero"),
        (sp.nan * n.x1, "the answer contains nan, an undefined value"),
        (sp.Symbol("x3"), UNKNOWN.format("x3")),
        (sp.Integer(10) ** 40 * n.x1, "the answer contains a number with more than 15 digits"),
        (sp.Float("1e400") * n.x1,
         "the answer contains a number that is infinite, undefined or far too large"),
        (n.x1 ** 101, f"the answer raises to a power larger than {MAX_EXPONENT}"),
        (n.x1 ** sp.Rational(1, 3), None),
        (None, NOT_AN_EXPRESSION.format("NoneType")), ([1, 2], NOT_AN_EXPRESSION.format("list")),
        (True, NOT_AN_EXPRESSION.format("bool")), (float("nan"), "the answer contains a number "
                                                                 "that is infinite, undefined or "
                                                                 "far too large"),
        (10 ** 16, "the answer contains a number with more than 15 digits"),
    ]
    for answer, reason in cases:
        plain = E.to_plain(answer, OPTIONS)
        if reason is None:
            assert plain["type"] == "expr", (answer, plain)
        else:
            assert plain == {"type": "invalid", "reason": reason}, answer


def test_sympy_expressions_read_into_trees():
    n = setup("G6")
    x1, x2 = n.x1, n.x2
    assert E.to_plain(x1 / 3, OPTIONS)["tree"] == ["mul", ["rat", 1, 3], ["sym", "x1"]]
    assert E.to_plain(x1 / 2, OPTIONS)["tree"] == ["mul", ["rat", 1, 2], ["sym", "x1"]]
    assert E.to_plain(sp.Float(2.5) * x1, OPTIONS)["tree"] == ["mul", ["float", "2.5"],
                                                              ["sym", "x1"]]
    assert E.to_plain(sp.E * x1, OPTIONS)["tree"] == ["mul", ["exp", ["int", 1]], ["sym", "x1"]]
    assert E.to_plain(x1 + x2, OPTIONS)["tree"] == ["add", ["sym", "x1"], ["sym", "x2"]]
    assert E.to_plain(x1 ** 2, OPTIONS)["tree"] == ["pow", ["sym", "x1"], ["int", 2]]
    assert E.to_plain(-x1, OPTIONS)["tree"] == ["mul", ["int", -1], ["sym", "x1"]]
    assert E.to_plain(sp.tanh(x1), OPTIONS)["tree"] == ["tanh", ["sym", "x1"]]
    assert E.to_plain(sp.Integer(0), OPTIONS)["tree"] == ["int", 0]
    assert E.to_plain(sp.Integer(1), OPTIONS)["tree"] == ["int", 1]
    assert E.to_plain(sp.Integer(7), OPTIONS)["tree"] == ["int", 7]
    assert E.to_plain(np.float32(0.5), OPTIONS)["tree"] == ["float", "0.5"]
    assert E.to_plain(2, OPTIONS)["tree"] == ["int", 2]


def test_evaluate_at_points():
    columns = {"a": np.array([1.0, 2.0]), "b": np.array([3.0, -1.0])}
    tree = ["add", ["sym", "a"], ["mul", ["int", 2], ["sym", "b"]], ["rat", 1, 2], ["float", "0.25"]]
    np.testing.assert_array_equal(E.evaluate(tree, columns), [7.75, 0.75])
    np.testing.assert_array_equal(E.evaluate(["pow", ["sym", "a"], ["rat", 1, 2]],
                                             {"a": np.array([4.0, -1.0])}), [2.0, np.nan])
    np.testing.assert_array_equal(E.evaluate(["log", ["int", 0]], {}), [np.nan])
    np.testing.assert_allclose(E.evaluate(["exp", ["int", 1]], {"a": np.zeros(3)}), [np.e] * 3)
    np.testing.assert_array_equal(E.evaluate(["mul", ["sym", "a"], ["sym", "a"]], columns),
                                  [1.0, 4.0])
    for name in ("tanh", "sinh", "cosh"):
        np.testing.assert_allclose(E.evaluate([name, ["sym", "a"]], columns),
                                   getattr(np, name)(columns["a"]))
    for bad in (["sym", "c"], ["evil", ["int", 1]], ["add"], ["pow", ["int", 1]], "a", [],
                [1, 2], ["int", 1.5], ["rat", 1, 0], ["float", "1" * 33], ["exp", ["int", 1],
                                                                           ["int", 2]]):
        with pytest.raises(E.Refused, match="^is not an expression the check can read$"):
            E.evaluate(bad, columns)


def test_close_and_the_scale_of_the_tolerance():
    want, ok = np.array([2.0, -4.0, np.nan]), np.array([True, True, False])
    assert E.scale_of(want, ok) == 4.0                          # 1 + mean |want|
    assert E.scale_of(want, np.zeros(3, bool)) == 1.0
    bound = E.RTOL * 2.0 + E.ATOL * 4.0
    np.testing.assert_array_equal(E.close(np.array([2.0 + bound, 2.0 - 2 * bound]),
                                          np.array([2.0, 2.0]), 4.0), [True, False])
    assert E.close(np.array([2.0 + 1e-7]), np.array([2.0]), 1.0, rtol=E.NEAR_MISS)[0]
    assert not E.close(np.array([2.0 + 1e-7]), np.array([2.0]), 1.0)[0]


def test_the_students_value_is_printed_with_enough_digits_to_differ():
    assert E._digits(2.5, 3.0) == "2.5"
    assert E._digits(2.67833, 2.678331) == "2.678330"
    assert E._digits(1.0, 1.0 + 1e-9) == "1.000000000"


@pytest.mark.parametrize("got,want,words", [
    (-1.0, 2.0, "which has the wrong sign"), (1.0, -2.0, "which has the wrong sign"),
    (3.0, 2.0, "which is too large"), (1.0, 2.0, "which is too small"),
    (0.0, 2.0, "which is too small"), (1.0, 0.0, "which is too large"),
    (-1.0, 0.0, "which is too small")])
def test_direction(got, want, words):
    assert E._direction(got, want) == words


POINTS = np.array([[0.5, -1.25], [1.0, 2.0], [0.1, 0.2], [3.0, 4.0]])


def test_how_an_answer_differs():
    want = np.array([1.0, 2.5, 3.5, 4.0])
    ok = np.isfinite(want)
    got = np.array([1.0, 2.0, 3.0, 4.0])
    bad = ok & ~E.close(got, want, E.scale_of(want, ok))
    assert E.difference("d", ("a", "b"), POINTS, got, want, ok, bad, E.scale_of(want, ok)) == (
        "d: not right. At a = 1, b = 2, your expression is 2, which is too small. It differs from "
        "the derivative at 2 of 4 points tried.", None)
    assert E.difference("d", ("a", "b"), POINTS, got, want, ok, bad, E.scale_of(want, ok),
                        [("other", "another slip", [9.0, 9.0, 9.0, 9.0]),
                         ("slip", "a known slip", [1.0, 2.0, 3.0, 4.0])]) == (
        "d: not right. At a = 1, b = 2, your expression is 2, which is too small. It differs from "
        "the derivative at 2 of 4 points tried. This looks like a known slip.", "slip")
    undefined = np.array([1.0, np.nan, 3.0, 4.0])
    assert E.difference("d", ("a", "b"), POINTS, undefined, want, ok, bad, 1.0)[0] == (
        "d: not right. At a = 0.1, b = 0.2, your expression is 3, which is too small. It differs "
        "from the derivative at 2 of 4 points tried.")                 # a finite counterexample
    nowhere = np.full(4, np.nan)
    assert E.difference("d", ("a", "b"), POINTS, nowhere, want, ok, ok, 1.0)[0] == (
        "d: not right. At a = 0.5, b = -1.25, your expression is undefined (a division by zero or "
        "the log of a number that is not positive). It differs from the derivative at 4 of 4 "
        "points tried.")


def test_a_mistake_is_named_only_where_it_is_known_and_wrong():
    want, ok = np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, bool)
    got = np.array([2.0, 4.0, 6.0, 8.0])
    double = ("double", "twice the answer", got)
    assert E.matching_mistake(got, want, ok, 1.0, [double]) == ("double", "twice the answer")
    three = ("three", "known at three points", [2.0, 4.0, 6.0, np.nan])
    assert E.matching_mistake(got, want, ok, 1.0, [three]) == ("three", "known at three points")
    two = ("two", "known at two points", [2.0, 4.0, np.nan, np.nan])
    assert E.matching_mistake(got, want, ok, 1.0, [two]) == (None, None)
    same = ("same", "the reference itself", want)
    assert E.matching_mistake(want, want, ok, 1.0, [same]) == (None, None)


def test_undefined_everywhere():
    assert E.undefined_everywhere("d", ("a", "b"), POINTS) == (
        "d: your expression is undefined (or infinite) at every point tried, for example at "
        "a = 0.5, b = -1.25; check for a division by zero or the log of a number that is not "
        "positive.")


def test_expressions_at_their_limits():
    from mdl_kernel.limits import MAX_LITERAL
    x1 = sp.Symbol("x1", real=True)
    assert E.to_plain(float(MAX_LITERAL), OPTIONS)["tree"] == ["float", repr(float(MAX_LITERAL))]
    assert E.to_plain(float(MAX_LITERAL) * 2, OPTIONS)["type"] == "invalid"
    assert E.to_plain(x1 ** sp.Rational(199, 2), OPTIONS)["type"] == "expr"       # 99.5
    assert E.to_plain(x1 ** sp.Rational(201, 2), OPTIONS)["reason"] == (
        f"the answer raises to a power larger than {MAX_EXPONENT}")
    deep = x1
    for _ in range(MAX_DEPTH + 1):
        deep = sp.exp(deep, evaluate=False)
    assert E.to_plain(deep, OPTIONS)["reason"] == (
        f"the answer is nested too deeply (more than {MAX_DEPTH} levels)")
    assert E.evaluate(["float", "1." + "0" * 30], {}).tolist() == [1.0]     # 32 characters


def test_other_python_syntax_is_named():
    for text in ("not x1", "~x1"):
        assert E.to_plain(text, OPTIONS)["reason"] == (
            "the answer contains Python syntax (UnaryOp) that is not plain maths" + PLAIN)


def test_a_sympy_expression_with_forged_arguments_is_refused():
    x1, x2 = sp.Symbol("x1", real=True), sp.Symbol("x2", real=True)
    forged = sp.Add(x1, x2)
    forged._args = [x1, x2]                     # a list where SymPy keeps a tuple
    assert E.to_plain(forged, OPTIONS) == {
        "type": "invalid", "reason": "the answer is not a SymPy expression SymPy itself built"}


def test_a_mistakes_values_may_be_undefined_where_the_manifest_says_none():
    want, ok = np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, bool)
    got = np.array([2.0, 4.0, 6.0, 8.0])
    shipped = ("double", "twice the answer", [2.0, 4.0, 6.0, None])      # JSON: None undefined
    assert E.matching_mistake(got, want, ok, 1.0, [shipped]) == ("double", "twice the answer")


def test_an_answer_undefined_at_every_bad_point_is_shown_at_the_first():
    want, ok = np.array([1.0, 2.5, 3.5, 4.0]), np.ones(4, bool)
    got = np.full(4, np.nan)
    bad = np.array([False, True, True, False])
    assert E.difference("d", ("a", "b"), POINTS, got, want, ok, bad, 1.0)[0].startswith(
        "d: not right. At a = 1, b = 2, your expression is undefined")
