"""The symbolic exercises G6, B1, B3 and checks.symbolic: equivalent forms are accepted, wrong forms
rejected with a counterexample (and the mistake named), hostile input refused quickly and safely.

The answers come from autograder.checks.answer_banks (shared with scripts/bench_symbolic.py): the
lab's formulas (e.g. delta2_1 = 2 (y_hat - y) y_hat), equivalent, perturbed and hostile forms; B1's
data come from reference.backprop, never typed.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
import sympy as sp

from autograder.catalogue import exercise
from autograder.domains import DEFAULT, contains
from autograder.checks import symbolic as S
from autograder.checks.answer_banks import (BANKS, CANARY, HOSTILE, ITEMS, LAB, LINE, SYMBOLIC,
                                           finite_difference, finite_differences,
                                           overflow_tricks,
                                            b3_texts, lab_b1_text, perturbations, setup)
from autograder.judging import grade_namespace as grade
from autograder.judging import judge
from autograder.reference import derivatives as D
from mdl_kernel.limits import MAX_TEXT


def check(eid, name, answer):
    item = exercise(eid).item(name)
    plain = S.to_plain(answer, item.options)
    json.dumps(plain)   # plain data only
    return S.compare(name, plain, item.expected, item.options, item.wrong_variants())


def _values(expr, names, points):
    f = sp.lambdify([sp.Symbol(s, real=True) for s in names], expr, "numpy")
    return np.broadcast_to(np.asarray(f(*points.T), dtype=float), (points.shape[0],))


# ------------------------------------------------------------------ catalogue and references
def test_catalogue_entries():
    expected = {"G6": ("04_gradient_descent", 3, 3), "B1": ("05_backpropagation", 3, 2),
                "B3": ("05_backpropagation", 11, 11)}
    for eid, (notebook, points, n) in expected.items():
        ex = exercise(eid)
        assert (ex.notebook, ex.points, len(ex.items)) == (notebook, points, n)
        assert ex.title and ex.setup and not ex.hand
        assert all(i.kind.name == "symbolic" for i in ex.items)
        assert np.allclose(ex.weights, 1 / n)
    assert [i.name for i in exercise("B3").items] == [
        "delta2_1", "delta1_1", "delta1_2", "dL_dw2_11", "dL_dw2_21", "dL_dw1_11", "dL_dw1_21",
        "dL_dw1_31", "dL_dw1_12", "dL_dw1_22", "dL_dw1_32"]
    assert [i.name for i in exercise("G6").items] == ["dCE_dw1", "dCE_dw2", "dCE_db"]
    assert [i.name for i in exercise("B1").items] == ["dL_dw", "dL_db"]


@pytest.mark.parametrize("eid,model", [("G6", D.logistic), ("B1", D.line), ("B3", D.network)])
def test_setup_cell_builds_the_model(eid, model):
    n, m = setup(eid), model()
    for name, symbol in m.symbols.items():
        assert getattr(n, name) == symbol
    for name, expr in m.intermediates.items():
        assert getattr(n, name) == expr


@pytest.mark.parametrize("eid,name", ITEMS)
def test_reference_is_the_labs_formula(eid, name):
    item = exercise(eid).item(name)
    names = item.options["symbols"]
    assert {s.name for s in item.expected.free_symbols} <= set(names)
    points = np.random.default_rng(1).uniform(-1, 1, size=(40, len(names)))
    lab = LAB[eid](setup(eid), name)
    assert np.allclose(_values(item.expected, names, points), _values(lab, names, points),
                       rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", D.NETWORK_TARGETS)
def test_network_chain_rule_equals_diff(name):
    names = tuple(D.network().symbols)
    points = np.random.default_rng(2).uniform(-1, 1, size=(20, len(names)))
    assert np.allclose(_values(D.network_chain(name), names, points),
                       _values(D.network_reference(name), names, points), rtol=1e-10)


@pytest.mark.parametrize("eid,name", ITEMS)
def test_mistakes_are_distinct_and_wrong(eid, name):
    item = exercise(eid).item(name)
    names = item.options["symbols"]
    points = np.random.default_rng(3).uniform(-1, 1, size=(20, len(names)))
    seen = [_values(item.expected, names, points)]
    for mistake, explanation, wrong in item.wrong_variants():
        values = _values(wrong, names, points)
        assert not any(np.allclose(values, s) for s in seen), mistake
        seen.append(values)


@pytest.mark.parametrize("eid,name", ITEMS)
def test_equivalent_forms_accepted(eid, name):
    bank = BANKS[eid](name)
    assert len(bank) >= 8
    for answer in bank:
        verdict = check(eid, name, answer)
        assert verdict.score == 1.0, (answer, verdict.message)
        assert verdict.message == f"{name}: correct."


# ------------------------------------------------------------------ finite differences, overflows
@pytest.mark.parametrize("eid,name", ITEMS)
def test_a_finite_difference_of_the_loss_is_not_the_derivative(eid, name):
    """Finite differences built with SymPy's subs, with no calculus: a central difference (exact
    for B1's quadratic loss whatever the step), five- and seven-point stencils within the float
    test's tolerance; each earns nothing and is told it is not the derivative."""
    answers = finite_differences(eid, name)
    assert len(answers) >= 6
    told = 0
    for answer in answers:
        verdict = check(eid, name, answer)
        assert verdict.score == 0.0, (str(answer)[:80], verdict.message)
        assert verdict.undecided is None
        if "this expression is not the derivative" in verdict.message:
            told += 1
        else:   # wrong in floats too (a large step): told where it is wrong
            assert verdict.message.startswith(f"{name}: not right. At "), verdict.message
    assert told >= len(answers) - 2


def test_some_finite_differences_are_exact_or_within_the_float_test():
    """The bank holds the finite differences that fooled the float test: exact ones (B1) and
    ones within 1e-8 everywhere (G6, B3)."""
    from mdl_kernel.expressions import close, scale_of
    for eid, name in [("B1", "dL_dw"), ("G6", "dCE_dw1"), ("B3", "dL_dw1_11"),
                      ("B3", "delta2_1")]:
        item = exercise(eid).item(name)
        key = S._key(name, item.options)
        want = S._known_values(item.expected, key)
        fooled = 0
        for answer in [a for a in finite_differences(eid, name) if type(a) is not str]:
            got = S._known_values(S.to_sympy_expanded(answer, item.options), key)
            fooled += bool(close(got, want, scale_of(want, np.isfinite(want))).all())
        assert fooled >= 1, (eid, name)
    dw = finite_difference("B1", "dL_dw", "central", 1)
    assert sp.expand(dw - exercise("B1").item("dL_dw").expected) == 0    # exactly the derivative


@pytest.mark.parametrize("eid,name", ITEMS)
def test_an_overflowing_zero_term_is_never_accepted(eid, name):
    """A near miss (or the right answer) plus 0*exp(695 + 0*w): its precise value overflows, so
    the check cannot decide: no credit, with the reason, flagged for a human."""
    undecided, same, overflows = overflow_tricks(eid, name)
    for answer in (undecided, same):
        verdict = check(eid, name, answer)
        assert verdict.score == 0.0 and verdict.undecided, (answer, verdict.message)
        assert "not confirmed" in verdict.message and "larger than 1e300" in verdict.message
    assert check(eid, name, overflows).score == 0.0


def test_an_undecided_symbolic_check_is_flagged_by_the_grader():
    item = exercise("B1").item("dL_dw")
    undecided = S.to_plain(overflow_tricks("B1", "dL_dw")[0], item.options)
    right = S.to_plain(BANKS["B1"]("dL_db")[0], exercise("B1").item("dL_db").options)
    verdict = judge("B1", {"dL_dw": undecided, "dL_db": right})
    assert verdict.points == 1.5
    assert [reason for reason, _ in verdict.flags] == ["check-undecided"]


# ------------------------------------------------------------------ banks of wrong forms
WRONG_TEXTS = {
    ("G6", "dCE_dw1"): {"(y - p)*x1": "ce_sign", "(p - y)*x2": "wrong_input",
                        "p - y": "missing_input",
                        "-(y/p - (1 - y)/(1 - p))*x1": "missing_sigmoid_derivative",
                        "-(y/p - (1 - y)/(1 - p))*p*x1": "sigmoid_for_derivative"},
    ("G6", "dCE_db"): {"y - p": "ce_sign", "-(y/p - (1-y)/(1-p))": "missing_sigmoid_derivative"},
    ("B1", "dL_dw"): {lab_b1_text("dL_dw").replace(f"2/{len(LINE)}*", f"1/{len(LINE)}*"):
                      "missing_factor_2",
                      lab_b1_text("dL_dw").replace(f"2/{len(LINE)}*", "2*"): "sum_not_mean",
                      "-" + lab_b1_text("dL_dw"): "sign_error",
                      lab_b1_text("dL_db"): "missing_input"},
    ("B1", "dL_db"): {lab_b1_text("dL_dw"): "extra_input",
                      lab_b1_text("dL_db").replace(f"2/{len(LINE)}*", "2*"): "sum_not_mean"},
    ("B3", "delta2_1"): {"2*(y_hat - y)": "missing_output_factor",
                         "(y_hat - y)*y_hat": "missing_factor_2", "2*(y - y_hat)*y_hat": "sign_error"},
    ("B3", "delta1_1"): {"w2_11*2*(y_hat - y)*y_hat": "missing_sigmoid_derivative",
                         "w2_11*2*(y_hat - y)*y_hat*a1_1": "sigmoid_for_derivative",
                         "w2_21*2*(y_hat - y)*y_hat*a1_1*(1 - a1_1)": "other_neuron_weight",
                         "w2_11*2*(y_hat - y)*a1_1*(1 - a1_1)": "missing_output_factor"},
    ("B3", "dL_dw2_11"): {"2*(y_hat - y)*y_hat*a1_2": "wrong_input",
                          "2*(y_hat - y)*a1_1": "missing_output_factor",
                          "(y_hat - y)*y_hat*a1_1": "missing_factor_2"},
    ("B3", "dL_dw1_21"): {"2*(y_hat - y)*y_hat*w2_11*a1_1*(1 - a1_1)*x1": "wrong_input",
                          "2*(y_hat - y)*y_hat*w2_21*a1_2*(1 - a1_2)*x2": "other_neuron_delta",
                          "2*(y_hat - y)*y_hat*w2_11*a1_1*x2": "sigmoid_for_derivative",
                          "2*(y_hat - y)*y_hat*w2_11*x2": "missing_sigmoid_derivative",
                          "2*(y_hat - y)*y_hat*w2_21*a1_1*(1 - a1_1)*x2": "other_neuron_weight",
                          "2*(y - y_hat)*y_hat*w2_11*a1_1*(1 - a1_1)*x2": "sign_error"},
}


def _assert_hides_reference(eid, name, message):
    """The counterexample gives neither the reference expression nor its value (the named
    mistake's explanation may name the factor that is wrong)."""
    item = exercise(eid).item(name)
    message = message.split(" This looks like ")[0]
    assert str(item.expected) not in message
    assert "exp(" not in message and "y_hat -" not in message
    key = (item.options["symbols"], tuple(sorted(item.options["domain"].items())),
           S._seed(name, item.options), S.POINTS)
    for value in S._known_values(item.expected, key):
        assert f" {value:.6g}," not in message and f" {value:.6g}." not in message


@pytest.mark.parametrize("eid,name", ITEMS)
def test_each_named_mistake_is_named(eid, name):
    item = exercise(eid).item(name)
    assert item.mistakes
    for mistake, explanation, wrong in item.wrong_variants():
        for answer in (wrong, sp.expand(wrong)):
            verdict = check(eid, name, answer)
            assert verdict.score == 0 and verdict.mistake == mistake, (mistake, verdict.message)
            assert f"This looks like {explanation}." in verdict.message
            assert "not right. At " in verdict.message
            _assert_hides_reference(eid, name, verdict.message)


@pytest.mark.parametrize("eid,name", sorted(WRONG_TEXTS))
def test_wrong_strings_name_their_mistake(eid, name):
    for answer, mistake in WRONG_TEXTS[(eid, name)].items():
        verdict = check(eid, name, answer)
        assert verdict.score == 0 and verdict.mistake == mistake, (answer, verdict.message)


@pytest.mark.parametrize("eid,name", ITEMS)
def test_perturbed_forms_rejected(eid, name):
    for answer in perturbations(eid, name):
        verdict = check(eid, name, answer)
        assert verdict.score == 0, (answer, verdict.message)
        assert verdict.message.startswith(f"{name}: not right. At ")
        assert any(w in verdict.message for w in ("too large", "too small", "wrong sign"))
        _assert_hides_reference(eid, name, verdict.message)


def test_changed_coefficient_in_a_string_is_rejected():
    good = "2*(y_hat - y)*y_hat*w2_11*a1_1*(1 - a1_1)*x1"
    assert check("B3", "dL_dw1_11", good).score == 1
    for bad in (good.replace("2*", "3*", 1), good.replace("(1 - a1_1)", "(2 - a1_1)"),
                good + " + 0.001", good.replace("x1", "x3")):
        assert check("B3", "dL_dw1_11", bad).score == 0


def test_counterexample_is_reproducible_at_the_printed_point():
    """The point is printed exactly (3 decimals), so a student can evaluate there."""
    verdict = check("G6", "dCE_dw1", "(p - y)*x1*1.5")
    point = verdict.message.split("At ")[1].split(", your")[0]
    values = {k: float(v) for k, v in (kv.split(" = ") for kv in point.split(", "))}
    n = setup("G6")
    subs = {getattr(n, k): v for k, v in values.items()}
    student = float(((n.p - n.y) * n.x1 * 1.5).subs(subs))
    assert f"your expression is {student:.6g}" in verdict.message


# ------------------------------------------------------------------ invalid answers
@pytest.mark.parametrize("answer,words", [
    ("q*x1", "uses the name 'q'"), ("x3*(p - y)", "uses the name 'x3'"),
    (None, "is a NoneType"), ([1, 2], "is a list"), ("", "not a valid expression"),
    ("2(p - y)", "products need *"), ("x1 x2", "not a valid expression"),
    ("exp", "without an argument"), ("abs(p - y)", "calls abs"), ("exp(z, 2)", "one argument"),
    ("(p - y) // x1", "operator //"), ("1/0", "divides by zero"), ("log(0)*x1", "log of a constant"),
    ("sqrt(-1)*x1", "negative constant"), ("1j*x1", "not a real number"),
    (True, "is a bool"), ("'x1'", "not a real number"),
])
def test_invalid_answers_explained(answer, words):
    item = exercise("G6").item("dCE_dw1")
    plain = S.to_plain(answer, item.options)
    verdict = judge("G6", {"dCE_dw1": plain})
    assert verdict.items[0].score == 0 and words in verdict.items[0].message
    # the kernel refuses what it cannot read; a constant that cannot be computed is refused when
    # the tutor's process builds the expression (the kernel evaluates nothing)
    if words not in ("divides by zero", "log of a constant", "negative constant"):
        assert plain["type"] == "invalid" and words in plain["reason"], plain


def test_invalid_sympy_answers_explained():
    n = setup("G6")
    options = exercise("G6").item("dCE_dw1").options
    cases = [(sp.Function("sigma")(n.z) * n.x1, "the function sigma"),
             (sp.Abs(n.p - n.y) * n.x1, "uses Abs"),
             (sp.Derivative(n.p, n.w1), "unevaluated Derivative"), (sp.Eq(n.x1, 1), "not accepted"),
             (sp.Matrix([n.x1]), "is a sympy"), ((n.p - n.y) * sp.Symbol("x3"), "uses the name 'x3'"),
             (n.x1 * sp.I, "imaginary unit"), (n.x1 + sp.oo, "infinity"),
             (sp.Dummy("x1") * 2, "uses Dummy"), (sp.pi * n.x1, "uses Pi")]
    for answer, words in cases:
        plain = S.to_plain(answer, options)
        assert plain["type"] == "invalid" and words in plain["reason"], (answer, plain)


def test_symbol_tables_are_per_exercise():
    """y means a label in G6 and a target in B3; B1 has only w and b."""
    assert check("B1", "dL_db", "x1 + w").message.startswith("dL_db: the answer uses the name 'x1'")
    assert check("G6", "dCE_db", "y_hat - y").message.startswith("dCE_db: the answer uses the name")
    assert check("B3", "delta2_1", "p - y").message.startswith("delta2_1: the answer uses the name")


@pytest.mark.parametrize("answer", ["log(-(x1^2) - 1)", "x1/(z - z)", "x1*(z - z - 1)^0.5",
                                    "x1*(x1 - x1 - 1)^(1/2)", "exp(1000 + x1^2)"])
def test_undefined_everywhere_is_invalid_not_wrong(answer):
    verdict = check("G6", "dCE_dw1", answer)
    assert verdict.score == 0 and "undefined (or infinite) at every point" in verdict.message
    assert verdict.mistake is None and "not right" not in verdict.message


# ------------------------------------------------------------------ hostile input
# Refused without blowing up: a limit only a hang (a power computed to a billion digits, a tree
# walked along its 2**30 paths) reaches; how fast is measured in scripts/bench_symbolic.py.
HANG = 60

@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_strings_refused_without_a_hang(text):
    start = time.perf_counter()
    verdict = check("B3", "dL_dw1_11", text)
    assert time.perf_counter() - start < HANG, text[:60]
    assert verdict.score == 0
    assert not os.path.exists(CANARY)


def test_hostile_objects_refused():
    n = setup("B3")
    options = exercise("B3").item("delta2_1").options

    class Sneaky(sp.Add):
        pass

    sneaky = Sneaky(n.x1, n.y)
    Sneaky.args = property(lambda self: (_ for _ in ()).throw(AssertionError("student's method")))

    class Liar:
        __class__ = sp.Symbol   # claims to be a SymPy symbol

    expr = n.x1
    for _ in range(30):          # a DAG with 2**30 paths
        expr = sp.Mul(expr, expr + 1, evaluate=False)
    for answer in (sneaky, Liar(), expr, sp.Float("1e400") * n.x1, n.x1 ** 10**6):
        start = time.perf_counter()
        plain = S.to_plain(answer, options)
        assert plain["type"] == "invalid", plain
        assert time.perf_counter() - start < HANG


def _nested(depth):
    tree = ["sym", "x1"]
    for _ in range(depth):
        tree = ["exp", tree]
    return tree


@pytest.mark.parametrize("tree", [
    ["pow", ["int", 10], ["int", 10**9]], ["int", 10**30], ["evil", ["int", 1]], ["sym", "__class__"],
    ["sym", "os"], _nested(10_000), ["add"] + [["int", 1]] * 10_000, ["float", "nan"],
    ["float", "1e999"], ["rat", 1, 0], ["int", True], "x1", None, ["pow", ["int", 2]],
    ["mul", ["int", 2], ["float", "1" * 10_000]],
])
def test_tampered_records_refused(tree):
    """The trusted recheck reads recorded trees: it must refuse anything to_plain would not emit."""
    item = exercise("B3").item("delta2_1")
    start = time.perf_counter()
    verdict = S.compare("delta2_1", {"type": "expr", "tree": tree}, item.expected, item.options,
                        item.wrong_variants())
    assert verdict.score == 0 and "the answer" in verdict.message
    assert time.perf_counter() - start < HANG


# ------------------------------------------------------------------ determinism, end to end
def test_same_answer_same_verdict():
    first = check("B3", "dL_dw1_12", "2*(y_hat - y)*y_hat*w2_21*a1_2*x1")
    assert check("B3", "dL_dw1_12", "2*(y_hat - y)*y_hat*w2_21*a1_2*x1") == first
    code = ("from autograder.catalogue import exercise; from autograder.checks import symbolic as S;"
            "i = exercise('B3').item('dL_dw1_12');"
            "print(S.compare(i.name, S.to_plain('2*(y_hat - y)*y_hat*w2_21*a1_2*x1', i.options),"
            " i.expected, i.options, i.wrong_variants()).message)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == first.message


def _answers(eid, wrong=None):
    n = setup(eid)
    answers = {}
    for item in exercise(eid).items:
        value = LAB[eid](n, item.name)
        answers[item.name] = value * 2 if item.name == wrong else value
    return answers


@pytest.mark.parametrize("eid", SYMBOLIC)
def test_judge_end_to_end(eid):
    ex = exercise(eid)
    plain = {k: S.to_plain(v, ex.item(k).options) for k, v in _answers(eid).items()}
    plain = json.loads(json.dumps(plain))      # as the trusted recheck reads it
    assert judge(eid, plain).points == ex.points
    wrong = ex.items[-1].name
    plain[wrong] = S.to_plain(_answers(eid, wrong)[wrong], ex.item(wrong).options)
    verdict = judge(eid, plain)
    assert verdict.points == pytest.approx(ex.points * (len(ex.items) - 1) / len(ex.items), abs=1e-4)
    del plain[ex.items[0].name]
    assert "is not defined" in judge(eid, plain).items[0].message


@pytest.mark.parametrize("eid", SYMBOLIC)
def test_grade_end_to_end(eid, capsys):
    ex = exercise(eid)
    namespace = {}
    exec(ex.setup, namespace)
    namespace.update(_answers(eid))
    assert grade(eid, namespace) == ex.points
    namespace[ex.items[0].name] = "0"
    points = grade(eid, namespace)
    assert points == pytest.approx(ex.points * (len(ex.items) - 1) / len(ex.items), abs=1e-4)
    out = capsys.readouterr().out
    assert f"{eid}: {points:g} / {ex.points:g} points" in out


def test_grade_accepts_strings_with_intermediates(capsys):
    namespace = {}
    exec(exercise("B3").setup, namespace)
    for name in D.NETWORK_TARGETS:
        namespace[name] = b3_texts(name)[0]
    assert grade("B3", namespace) == 11


# ------------------------------------------------------------------ parsing and precision details
@pytest.mark.parametrize("text,expected", [
    ("a - b - c", "a - b - c"), ("a/b/c", "a/(b*c)"), ("a/b*c", "a*c/b"), ("-a^2", "-(a**2)"),
    ("a^b^c", "a**(b**c)"), ("2*a^2 - a/2", "2*a**2 - a/2"), ("-(-a)", "a"), ("a - -b", "a + b"),
    ("sqrt(a)*E", "sqrt(a)*exp(1)"), ("sigmoid(a)", "1/(1 + exp(-a))"), ("1.5e-3*a", "0.0015*a"),
])
def test_parse_follows_maths_precedence(text, expected):
    options = {"symbols": ("a", "b", "c"), "intermediates": {}}
    got = S.to_sympy(S.parse(text, options), options)
    a, b, c = sp.symbols("a b c", real=True)
    want = eval(expected, {"a": a, "b": b, "c": c, "sqrt": sp.sqrt, "exp": sp.exp})  # test's own
    assert sp.simplify(got.doit() - want) == 0


def test_long_sums_are_flat_not_deep():
    answer = " + ".join(["(p - y)*x1/150"] * 150)
    assert len(answer) < MAX_TEXT
    assert check("G6", "dCE_dw1", answer).score == 1


def test_float_cancellation_is_confirmed_by_the_precise_recheck(monkeypatch):
    """(p - y + 1e8) - 1e8 loses digits in floats; 50-digit arithmetic shows it is p - y."""
    assert check("G6", "dCE_db", "(p - y + 1e8) - 1e8").score == 1
    assert check("G6", "dCE_db", "(p - y)*(1 + 1e-7)").score == 0
    monkeypatch.setattr(S, "_confirm", lambda *args: ("differs", (0, 3)))
    assert check("G6", "dCE_db", "(p - y + 1e8) - 1e8").score == 0


def test_every_answer_is_confirmed_in_high_precision(monkeypatch):
    """Floats are never taken on trust: an answer exactly right in floats earns its marks only
    when the precise check says so."""
    assert check("G6", "dCE_db", "p - y").score == 1
    monkeypatch.setattr(S, "_confirm", lambda *args: ("differs", (0, 17)))
    verdict = check("G6", "dCE_db", "p - y")
    assert verdict.score == 0 and "is not the derivative" in verdict.message
    assert "about 17 significant digits only" in verdict.message


def test_an_undecided_check_never_earns_the_points(monkeypatch):
    monkeypatch.setattr(S, "_confirm", lambda *args: ("undecided", "a step of it overflows"))
    for answer in ("(p - y)*(1 + 1e-7)", "p - y"):
        verdict = check("G6", "dCE_db", answer)
        assert verdict.score == 0 and verdict.undecided == "a step of it overflows"
        assert "not confirmed" in verdict.message
    assert check("G6", "dCE_db", "(p - y)*(1 + 1e-3)").undecided is None   # wrong in floats


def test_decimals_are_read_as_written():
    """0.2 is 1/5; a machine-printed decimal is the simple fraction it rounds (20/3), so that
    evalf's output is exact; hand-rounded decimals stay as typed."""
    assert [S._decimal(t) for t in ("0.2", "6.66666666666667", "25.333333333333332",
                                    "-0.0833333333333333", "1.0000001", "0.1667", "1e-07")] == \
        [sp.Rational(1, 5), sp.Rational(20, 3), sp.Rational(76, 3), sp.Rational(-1, 12),
         sp.Rational(10000001, 10000000), sp.Rational(1667, 10000), sp.Rational(1, 10 ** 7)]
    assert check("G6", "dCE_db", "(p - y)*0.2*5").score == 1
    assert check("G6", "dCE_db", "(p - y)*0.3333333333333333*3").score == 1
    assert check("G6", "dCE_db", "(p - y)*0.3333*3").score == 0


# ------------------------------------------------------------------ the sigmoid's derivative at the exp output
SIGMOID_AT_OUTPUT = {
    "delta2_1": "2*(y_hat - y)*y_hat*(1 - y_hat)",
    "dL_dw2_11": "2*(y_hat - y)*y_hat*(1-y_hat)*a1_1",
    "dL_dw2_21": "2*(y_hat - y)*y_hat*(1 - y_hat)*a1_2",
    "delta1_1": "2*(y_hat - y)*y_hat*(1 - y_hat)*w2_11*a1_1*(1 - a1_1)",
    "dL_dw1_32": "2*(y_hat - y)*y_hat*(1 - y_hat)*w2_21*a1_2*(1 - a1_2)*x3",
}


@pytest.mark.parametrize("name", sorted(SIGMOID_AT_OUTPUT))
def test_b3_the_sigmoids_derivative_at_the_exp_output_is_named(name):
    """S'(z) = S(1 - S) applied at the output, whose activation is exp (derivative y_hat): the
    message names that mistake, not a sign error or 'too small'."""
    verdict = check("B3", name, SIGMOID_AT_OUTPUT[name])
    assert verdict.score == 0 and verdict.mistake == "sigmoid_derivative_at_output", verdict.message
    assert "the sigmoid's derivative y_hat(1 - y_hat) at the output" in verdict.message
    _assert_hides_reference("B3", name, verdict.message)


# ------------------------------------------------------------------ constants, rebuilt on the tutor's side
@pytest.mark.parametrize("text,reason", [
    ("1/0*x1", "divides by zero"),
    ("exp(700.5)*x1", "takes exp of a constant larger than 700"),
    ("sinh(1000)*x1", "takes sinh of a constant larger than 700"),
    ("cosh(1000)*x1", "takes cosh of a constant larger than 700"),
    ("exp(700)*x1", "contains a constant that is undefined, complex or too large to be a number"),
    ("log(0)*x1", "takes the log of a constant that is not positive"),
    ("log(-1)*x1", "takes the log of a constant that is not positive"),
    ("(0 - 2)**0.5*x1", "raises a negative constant to a fractional power"),
    ("900000000000000.0**30*x1", "contains a constant too large to be a number"),
])
def test_constants_that_cannot_be_computed_are_refused_with_their_reason(text, reason):
    assert check("G6", "dCE_dw1", text) == S.Comparison(0.0, f"dCE_dw1: the answer {reason}.")


def test_constants_at_the_edge_are_computed():
    assert check("G6", "dCE_dw1", "log(1)*x1 + (p - y)*x1").score == 1        # log(1) = 0
    assert check("G6", "dCE_dw1", "(p - y)*x1*exp(690)/exp(690)").score == 1    # below the bound


def test_the_precise_recheck_reads_rationals():
    """A near miss with rational factors (2/3 * 3/2) is confirmed in 50-digit arithmetic."""
    n = setup("G6")
    cancelling = sp.Add(sp.Add(n.p - n.y, sp.Float(1e8), evaluate=False), sp.Float(-1e8),
                        evaluate=False)
    answer = sp.Mul(sp.Rational(2, 3), sp.Rational(3, 2), cancelling, evaluate=False)
    assert check("G6", "dCE_db", answer) == S.Comparison(1.0, "dCE_db: correct.")
    wrong = sp.Mul(sp.Rational(2, 3), sp.Rational(4, 3), cancelling, evaluate=False)
    assert check("G6", "dCE_db", wrong).score == 0


def test_values_at_points_are_what_the_self_check_compares_with():
    item = exercise("B3").item("delta1_1")
    shipped = S.values_at_points(item.name, item.expected, item.options, item.wrong_variants())
    assert shipped["names"] == list(item.options["symbols"])
    assert list(shipped["columns"]) == list(item.options["symbols"]) + list(
        item.options["intermediates"])
    key = S._key(item.name, item.options)
    points = S._points(*key)
    for k, name in enumerate(shipped["names"]):
        assert shipped["columns"][name] == points[:, k].tolist()
    assert shipped["expected"] == S._known_values(item.expected, key).tolist()
    assert [m[:2] for m in shipped["mistakes"]] == [[m, why] for m, why, _ in
                                                    item.wrong_variants()]
    for (_, _, values), (_, _, wrong) in zip(shipped["mistakes"], item.wrong_variants()):
        assert values == S._known_values(wrong, key).tolist()
    options = {"symbols": ("a",), "intermediates": {}, "domain": {"a": (-1, 1)}}
    a = sp.Symbol("a", real=True)
    undefined = S.values_at_points("f", sp.log(a), options, [("neg", "x", sp.log(-a))])
    values = [(v is None, p < 0) for v, p in zip(undefined["expected"], undefined["columns"]["a"])]
    assert all(is_none == negative for is_none, negative in values) and any(n for n, _ in values)
    assert all(type(v) is float for v in undefined["expected"] if v is not None)


def test_a_recorded_rational_with_denominator_one_is_read():
    options = exercise("G6").item("dCE_db").options
    assert S.to_sympy(["rat", 3, 1], options) == 3
    with pytest.raises(S.Refused):
        S.to_sympy(["rat", 3, 0], options)


@pytest.mark.parametrize("tree,reason", [
    (["pow", ["sym", "x1"], ["int", 101]], "raises to a power larger than 100"),
    (["pow", ["int", 10], ["int", 10**9]], "raises to a power larger than 100"),
    (["evil", ["int", 1]], "is not a recorded expression the grader can read"),
    (["rat", 1, 0], "is not a recorded expression the grader can read"),
    (["mul"] + [["int", 10**14]] * 418 + [["sym", "x1"]], "contains numbers with too many digits"),
    (["pow", ["pow", ["int", 2], ["int", 99]], ["int", 99]],
     "contains numbers with too many digits"),                     # the base's digits, powered
])
def test_tampered_records_refused_with_their_reason(tree, reason):
    item = exercise("G6").item("dCE_dw1")
    assert S.compare("d", {"type": "expr", "tree": tree}, item.expected, item.options) == \
        S.Comparison(0.0, f"d: the answer {reason}.")


def test_an_exponent_of_exactly_the_limit_is_computed():
    item = exercise("G6").item("dCE_dw1")
    verdict = S.compare("d", {"type": "expr", "tree": ["pow", ["sym", "x1"], ["int", 100]]},
                        item.expected, item.options)
    assert verdict.message.startswith("d: not right. At ")


@pytest.mark.parametrize("plain", ["x", None, {"type": "other"}, {"tree": ["sym", "x1"]}])
def test_what_is_not_an_expression_record_is_named(plain):
    item = exercise("G6").item("dCE_dw1")
    assert S.compare("d", plain, item.expected, item.options) == S.Comparison(
        0.0, "d: a SymPy expression or a string of maths is expected.")


def test_points_lie_in_each_items_domain():
    for eid in SYMBOLIC:
        for item in exercise(eid).items:
            key = S._key(item.name, item.options)
            points = S._points(*key)
            assert points.shape == (S.POINTS, len(item.options["symbols"]))
            for k, name in enumerate(item.options["symbols"]):
                domain = item.options["domain"].get(name, DEFAULT)
                assert contains(domain, points[:, k]), (item.name, name)
    narrow = {"symbols": ("a",), "intermediates": {}, "domain": {"a": (5.0, 6.0)}}
    assert np.all(S._points(*S._key("f", narrow)) >= 5.0)


def test_options_of_a_symbolic_item_beyond_the_catalogues():
    """Intermediates written as strings of plain maths, no intermediates at all, and the number
    of points, as the module's docstring allows."""
    a = sp.Symbol("a", real=True)
    options = {"symbols": ("a",), "intermediates": {"s": "a^2 + 1"}, "points": 5}
    answer = S.to_plain("2*s", options)
    assert S.compare("f", answer, 2 * a**2 + 2, options) == S.Comparison(1.0, "f: correct.")
    assert S.compare("f", answer, 2 * a**2, options).score == 0
    shipped = S.values_at_points("f", 2 * a**2 + 2, options)
    assert len(shipped["expected"]) == 5 and list(shipped["columns"]) == ["a", "s"]
    bare = {"symbols": ("a",)}
    assert S.compare("f", S.to_plain("a*3", bare), 3 * a, bare).score == 1
    assert len(S.values_at_points("f", 3 * a, bare)["expected"]) == S.POINTS
