"""autograder.slips: generic slips named on wrong answers, never on right ones, never for credit.

The detectors alone (`detect.explain`) on each kind of answer (scalar, vector, matrix), with the
degenerate cases; then through `judging.judge` as grading runs them, on the catalogue's exercises
(values, parameter pairs, two items exchanged, functions); then the self-check (which names no
generic slip); then one slip end to end under real `nbgrader autograde`.  Every wrong answer here
is built from the reference code."""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder.assignment import LAB
from autograder import catalogue as C, class_report
from autograder.catalogue import CATALOGUE, exercise
from autograder.judging import judge
from autograder.reference import backprop as bp, network as net
from autograder.grading.marking import verdict_of as cell_verdict
from autograder.settings import COURSE_KEY
from autograder.slips.detect import Quantities, explain
from autograder.submissions import write_submission
from mdl_kernel import calls, plain as P
from mdl_kernel.compare import CODE, HAND

V = np.array([[2.5], [-1.25], [4.0]])             # a column
M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.5]])   # a 2 x 3 matrix
SQ = np.array([[1.0, 2.0], [3.0, 5.0]])            # square, not symmetric


def name(got, want, tolerance=CODE, **quantities):
    slip = explain(np.asarray(got, float), np.asarray(want, float), tolerance,
                   Quantities(**quantities))
    return slip and slip.name


# ---------------------------------------------------------------------------- the detectors
@pytest.mark.parametrize("want", [np.array(1.75), V, M, SQ], ids=["scalar", "vector", "matrix",
                                                                   "square"])
@pytest.mark.parametrize("factor,slip", [(2, "slip:scaled_2"), (0.5, "slip:scaled_1/2"),
                                         (-1, "slip:sign"), (3, "slip:scaled_N"),
                                         (1 / 3, "slip:scaled_1/N"), (2 / 3, "slip:scaled_2/N"),
                                         (1.5, "slip:scaled_N/2")])
def test_scaled_on_every_kind_of_answer(want, factor, slip):
    assert name(factor * want, want, observations=3) == slip
    assert name(factor * want, want, HAND, observations=3) == slip


@pytest.mark.parametrize("want", [np.array(1.75), V, M], ids=["scalar", "vector", "matrix"])
def test_scaled_near_misses_are_not_named(want):
    assert name(2.01 * want, want) is None               # beyond the tolerance of a factor 2
    assert name(3 * want, want) is None                  # N not declared: no factor N
    assert name(2.5 * want, want, observations=3) is None
    if want.size > 1:
        almost = 2 * want.copy()
        almost.flat[0] = want.flat[0]                     # right in one entry, twice in others
        assert name(almost, want) is None


def test_scaled_degenerate_factors():
    # a zero reference: every scaled candidate is the reference itself, nothing to name
    assert name(np.zeros(3), np.zeros(3)) is None
    assert name(np.array([1e-3, 0, 0]), np.zeros(3), HAND) is None
    # N = 1: N, 1/N are no slip; 2/N is 2 and N/2 is 1/2, named with both readings
    assert name(3 * V, V, observations=1) is None
    assert name(2 * V, V, observations=1) == "slip:scaled_2+scaled_2/N"
    # N = 2: a factor 2 is also a sum over two observations; 1/2 also a mean of a sum
    slip = explain(2 * V, V, CODE, Quantities(observations=2))
    assert slip.name == "slip:scaled_2+scaled_N"
    assert "factor 2 too many" in slip.sentence and "sum over the observations" in slip.sentence
    assert name(V / 2, V, observations=2) == "slip:scaled_1/2+scaled_1/N"
    assert name(V / 2, V, observations=4) == "slip:scaled_1/2+scaled_2/N"
    # a partly zero reference: the factor explains every entry, the zero one too
    assert name(np.array([0.0, 4.0]), np.array([0.0, 2.0])) == "slip:scaled_2"


def test_swapped_entries_of_vectors_in_every_shape():
    for shape in [(3, 1), (1, 3), (3,)]:
        want = V.reshape(shape)
        got = want.copy().ravel()
        got[[0, 2]] = got[[2, 0]]
        slip = explain(got.reshape(shape), want, CODE)
        assert slip.name == "slip:swapped_entries"
        assert "numbers 1 and 3" in slip.sentence and "look swapped" in slip.sentence
    # a column given as a flat vector, with two entries swapped
    assert name(V.ravel()[[1, 0, 2]], V) == "slip:swapped_entries"


def test_swapped_near_misses_and_equal_entries():
    assert name(V.ravel()[[1, 2, 0]], V) is None           # three entries moved: no single swap
    got = V.ravel()[[1, 0, 2]].copy()
    got[0] *= 1.01
    assert name(got, V) is None                            # swapped, and one of them off
    got = V.ravel()[[1, 0, 2]].copy()
    got[2] += 1
    assert name(got, V) is None                            # swapped, and a third entry off
    equal = np.array([2.0, 2.0, 7.0])
    assert name(equal[[1, 0, 2]], equal) is None           # equal entries swapped: it is right
    assert name(np.array([2.0, 7.0, 3.0]), equal) is None  # not a swap of the reference


def test_swapped_rows_and_columns():
    assert name(M[[1, 0]], M) == "slip:swapped_rows"
    assert name(M[:, [2, 1, 0]], M) == "slip:swapped_columns"
    slip = explain(M[:, [1, 0, 2]], M, CODE)
    assert slip.sentence == "Columns 1 and 2 look swapped."
    assert name(M[:, [1, 2, 0]], M) is None                # three columns moved
    rows = M[[1, 0]].copy()
    rows[0, 0] += 0.5
    assert name(rows, M) is None                           # swapped, and one entry off
    same_rows = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 3.0]])
    assert name(same_rows[[1, 0, 2]], same_rows) is None   # equal rows swapped: it is right


def test_transposed():
    assert name(SQ.T, SQ) == "slip:transposed"             # same shape: shape rule cannot see it
    assert name(M.T, M) == "slip:transposed"               # the shape reversed, values transposed
    assert name(M.T + 1, M) is None                        # the shape reversed, other values
    symmetric = np.array([[1.0, 2.0], [2.0, 5.0]])
    assert name(symmetric.T, symmetric) is None            # a symmetric matrix: it is right
    near = SQ.T.copy()
    near[0, 1] += 0.1
    assert name(near, SQ) is None
    # [[0, 1], [-1, 0]] transposed is also its negative: ambiguous, nothing named
    antisymmetric = np.array([[0.0, 1.0], [-1.0, 0.0]])
    assert name(antisymmetric.T, antisymmetric) is None


def test_swap_that_is_also_a_sign_flip_is_not_named():
    want = np.array([1.0, -1.0])
    assert name(want[::-1], want) is None


def test_shifted_and_steps():
    bias = np.array([[3.0], [3.0], [3.0]])
    shifts = (("bias", "the bias b", bias),)
    slip = explain(V + bias, V, CODE, Quantities(shifts=shifts))
    assert slip.name == "slip:shifted_bias"
    assert slip.sentence == "This is off by exactly the bias b: is it counted twice?"
    slip = explain(V - bias, V, CODE, Quantities(shifts=shifts))
    assert slip.name == "slip:shifted_bias" and slip.sentence.endswith("the bias b: is it left out?")
    assert name(V + 2 * bias, V, shifts=shifts) is None
    assert name(V + bias * [[1], [1], [1.1]], V, shifts=shifts) is None
    assert name(V + 0 * bias, V, shifts=(("bias", "b", 0 * bias),)) is None   # right: b = 0
    steps = ((-1, V - 0.5), (1, V + 0.25))
    assert name(V - 0.5, V, steps=steps) == "slip:one_step_fewer"
    assert name(V + 0.25, V, steps=steps) == "slip:one_step_more"
    assert name(V + 0.2, V, steps=steps) is None


@pytest.mark.parametrize("want", [np.array(1.75), V, M], ids=["scalar", "vector", "matrix"])
def test_shifted_and_steps_on_every_kind_of_answer(want):
    q = np.full(want.shape, 0.5) if want.ndim else np.array(0.5)
    shifts, steps = (("q", "q", q),), ((-1, want * 0.9), (1, want * 1.05))
    for got, slip in [(want + q, "slip:shifted_q"), (want - q, "slip:shifted_q"),
                      (want * 0.9, "slip:one_step_fewer"), (want * 1.05, "slip:one_step_more")]:
        assert name(got, want, shifts=shifts, steps=steps) == slip
        assert name(got, want, HAND, shifts=shifts, steps=steps) == slip
    assert name(want + 1.01 * q, want, shifts=shifts, steps=steps) is None
    assert name(want * 0.95, want, shifts=shifts, steps=steps) is None


def test_a_slip_that_changes_nothing_beyond_the_tolerance_is_not_named():
    # the shifted candidate is within the tolerance of the reference, the answer just outside
    # it and within the tolerance of the candidate: the "slip" is no slip at all
    shifts = (("q", "q", np.array(9e-7)),)
    assert name(np.array(1.0000018), np.array(1.0), shifts=shifts) is None
    assert name(np.array(1.0000018), np.array(1.0), shifts=(("q", "q", np.array(1.8e-6)),)) \
        == "slip:shifted_q"


def test_a_right_answer_is_never_a_slip():
    for want in [np.array(1.75), V, M, SQ, np.zeros((2, 2))]:
        for got in [want, want * (1 + 1e-7), want.reshape(-1) if want.ndim else want]:
            assert name(got, want, observations=2, shifts=(("q", "q", np.ones_like(want)),),
                        steps=((-1, want + 1), (1, want - 1))) is None


# ---------------------------------------------------------------------------- through judging
def answers(eid, **values):
    """The reference records of an exercise, some names replaced by plain values."""
    found = {i.name: i.kind.reference_record(i) for i in exercise(eid).items}
    found.update({k: P.numeric(np.asarray(v, dtype=float)) for k, v in values.items()})
    return found


def verdict_of(eid, **values):
    return judge(eid, answers(eid, **values))


def item_of(verdict, name):
    return next(v for v in verdict.items if v.item == name)


def reveals(message, reference):
    """True when the message prints an entry of the reference (to three figures)."""
    return any(f"{x:.3g}" in message for x in np.ravel(reference)
               if abs(x) > 1e-9 and not float(x).is_integer())


def check_slip(eid, item, value, slip):
    """`value` for `item` gets `slip`, no credit for it, and no reference value printed."""
    verdict = verdict_of(eid, **{item: value})
    judged = item_of(verdict, item)
    assert judged.mistake == slip, judged.message
    assert judged.score == 0
    assert verdict.points < CATALOGUE[eid].points
    assert not reveals(judged.message, exercise(eid).item(item).expected)
    return judged


def test_every_reference_is_right_and_names_nothing():
    for eid, ex in CATALOGUE.items():
        verdict = judge(eid, answers(eid))
        assert verdict.points == ex.points, eid
        assert verdict.mistakes == (), eid


def test_scalar_and_vector_items_named():
    ref = exercise("G1").item("dw_batch1").expected
    judged = check_slip("G1", "dw_batch1", 2 * ref, "slip:scaled_2")
    assert judged.message.endswith("This is twice what it should be: is there a factor 2 too "
                                   "many?")
    judged = check_slip("G1", "dw_batch1", ref / 3, "slip:scaled_1/N")
    assert judged.message.endswith("This is 1/N of what it should be (N = 3, the number of "
                                   "observations): is it divided by N once too often, or a mean "
                                   "where the sum belongs?")
    check_slip("G1", "dw_batch1", ref[::-1], "slip:swapped_entries")
    db = exercise("G1").item("db_batch1").expected
    check_slip("G1", "db_batch1", 2 / 3 * db, "slip:scaled_2/N")
    # the exercise's own list first: half of dw is its listed missing factor 2
    assert item_of(verdict_of("G1", dw_batch1=ref / 2), "dw_batch1").mistake == "missing_factor_2"
    # near miss: 2.2 times
    assert item_of(verdict_of("G1", dw_batch1=2.2 * ref), "dw_batch1").mistake is None


def test_shifted_by_the_bias_and_by_the_step():
    X, w, b = C.FORWARD_GIVEN["F1b"]
    ref = exercise("F1b").item("z_1b").expected
    judged = check_slip("F1b", "z_1b", ref + b, "slip:shifted_bias")
    assert "the bias b" in judged.message
    assert item_of(verdict_of("F1b", z_1b=ref - b), "z_1b").mistake == "no_bias"   # listed
    dw, db = C.gd.mse_gradients(*C.BATCH1, C.W0, C.B0)
    w1 = exercise("G1").item("w_step1").expected
    judged = check_slip("G1", "w_step1", w1 - C.ETA * dw, "slip:shifted_step_w")
    assert judged.message.endswith("one learning-rate step eta * dw: is it counted twice?")
    judged = check_slip("G1", "w_step1", C.W0, "slip:shifted_step_w")   # no step taken
    assert judged.message.endswith("one learning-rate step eta * dw: is it left out?")
    b1 = exercise("G1").item("b_step1").expected
    # from b0 = 0 the step is b1 itself: a second step is also twice b1, ambiguous, unnamed
    assert b1 == pytest.approx(-C.ETA * db)
    assert item_of(verdict_of("G1", b_step1=b1 - C.ETA * db), "b_step1").mistake is None


def test_one_step_more_or_fewer():
    check_slip("G3", "w_sgd_epoch1", C._sgd(11)[0], "slip:one_step_fewer")
    check_slip("G3", "b_sgd_epoch1", C._sgd(13)[1], "slip:one_step_more")
    check_slip("G5", "w_logistic_3", C._logistic(2)[0], "slip:one_step_fewer")
    judged = check_slip("B2", "theta_1", bp.THETA0, "slip:one_step_fewer")
    assert "one step before" in judged.message
    check_slip("B2", "theta_3", bp.line_thetas(4)[3], "slip:one_step_more")
    assert item_of(verdict_of("B2", theta_3=bp.line_thetas(5)[4]), "theta_3").mistake is None


def test_parameter_pair_swapped():
    theta = exercise("B2").item("theta_2").expected   # (w, b)
    judged = check_slip("B2", "theta_2", theta[::-1], "slip:swapped_entries")
    assert "numbers 1 and 2" in judged.message


def test_matrix_items_named():
    w1 = C.NETWORK["w1"]
    check_slip("N1", "w1", w1[[2, 1, 0]], "slip:swapped_rows")
    check_slip("N1", "w1", w1[:, ::-1], "slip:swapped_columns")
    judged = check_slip("N1", "w1", w1.T, "slip:transposed")
    assert "transposed" in judged.message
    # w2 transposed is w2's own listed mistake, named first
    assert item_of(verdict_of("N1", w2=C.NETWORK["w2"].T), "w2").mistake == "transposed_w2"
    # a row where a column is asked, values right: half credit, no slip
    x = item_of(verdict_of("N1", X=C.NETWORK["X"].T), "X")
    assert x.score == 0.5 and x.mistake is None


def test_two_outputs_of_the_network_swapped():
    values = net.node_values()
    verdict = verdict_of("N2", C=values["D"], D=values["C"])
    for node in "CD":
        judged = item_of(verdict, node)
        assert judged.mistake == "slip:swapped_items" and judged.score == 0
        assert "C and D look swapped" in judged.message
        assert not reveals(judged.message, [values["C"], values["D"]])
    assert item_of(verdict, "A").mistake is None
    assert verdict.points == pytest.approx(CATALOGUE["N2"].points / 2)
    # only one of them holds the other's value: a partial match names nothing
    verdict = verdict_of("N2", C=values["D"])
    assert verdict.mistakes == ()
    verdict = verdict_of("N2", C=values["D"], D=values["C"] + 0.01)
    assert verdict.mistakes == ()


def test_two_integer_items_swapped_are_their_listed_mistake_first():
    verdict = verdict_of("F4", n_obs_2x3=3, n_inputs_2x3=2)
    assert set(verdict.mistakes) == {"rows_columns_swapped"}


# ---------------------------------------------------------------------------- functions
def calls_record(eid, output, broken=()):
    """A function item's record: `output(case, args, kwargs)` on every case; cases in `broken`
    raise instead."""
    item = exercise(eid).items[0]
    n = item.options.get("outputs", 1)
    results = []
    for k, case in enumerate(item.cases):
        if k in broken:
            results.append(dict(P.invalid("raised ValueError"), case=k))
            continue
        args, kwargs = case.inputs()
        results.append(dict(calls.record_output(output(case, args, kwargs), n), case=k))
    return {item.name: {"type": "calls", "results": results}}


def function_verdict(eid, output, broken=()):
    return judge(eid, calls_record(eid, output, broken)).items[0]


def test_function_scaled_named_once():
    judged = function_verdict("B4", lambda c, a, k: tuple(2 * g for g in c.expected()))
    assert judged.mistake == "slip:scaled_2" and judged.score == 0
    lines = judged.message.splitlines()
    assert sum("factor 2" in line for line in lines) == 1
    assert lines[-1] == ("backprop_gradients, on every input where it is off: This is twice what "
                         "it should be: is there a factor 2 too many?")
    judged = function_verdict("B4", lambda c, a, k: tuple(g / a[0].shape[0] for g in c.expected()))
    assert judged.mistake == "slip:scaled_1/N"          # N differs per input: 100, 50, 7, 1


def test_a_function_slip_is_named_only_on_a_result_for_every_case():
    """A record that lacks a case's result, or repeats one, is explained by no slip: the cases
    are matched by index as the judging matches them."""
    from autograder.judging import judge
    record = calls_record("B4", lambda c, a, k: tuple(2 * g for g in c.expected()))
    results = record["backprop_gradients"]["results"]
    for forged in (results[1:], results + [results[0]]):
        judged = judge("B4", {"backprop_gradients": {"type": "calls", "results": forged}}).items[0]
        assert judged.score == 0 and judged.mistake is None


def test_function_known_mistakes_named_like_values_once():
    judged = function_verdict("B4", lambda c, a, k: C._without_sigmoid_derivative(*a))
    assert judged.mistake == "missing_sigmoid_derivative" and judged.score == 0
    assert judged.message.count("without the sigmoid's derivative") == 1
    assert judged.message.splitlines()[-1] == (
        "backprop_gradients, on every input where it is off: This looks like a backward pass "
        "without the sigmoid's derivative a1 (1 - a1) in delta1.")
    assert "returned value 1: 6 of 6 entries are off" in judged.message   # the details stay
    judged = function_verdict("N4", lambda c, a, k: C._forward_without_biases(*a))
    assert judged.mistake == "no_bias" and judged.score == 0
    assert judged.message.count("without the biases") == 1
    # the known mistake first: a sum instead of the mean is listed for B4, and is also factor N
    judged = function_verdict("B4", lambda c, a, k: tuple(a[0].shape[0] * g
                                                          for g in c.expected()))
    assert judged.mistake == "sum_not_mean"


def test_a_known_mistake_on_some_inputs_only_stays_per_input():
    def some(case, args, kwargs):
        if args[0].shape[0] == 7:
            return tuple(2 * g for g in case.expected())
        return C._without_sigmoid_derivative(*args)
    judged = function_verdict("B4", some)
    assert judged.mistake == "missing_sigmoid_derivative"   # named by the kernel, per input
    assert judged.message.count("This looks like a backward pass") == 3
    assert "on every input where it is off" not in judged.message


def test_function_swaps():
    # the two returned values of a parameter pair (w, b) exchanged
    judged = function_verdict("G2", lambda c, a, k: c.expected()[::-1])
    assert judged.mistake == "slip:swapped_outputs" and judged.score == 0
    # the network's two outputs (C, D) exchanged in the output row
    judged = function_verdict("N4", lambda c, a, k: (c.expected()[0], c.expected()[1][:, ::-1]))
    assert judged.mistake == "slip:swapped_entries" and judged.score == 0   # a row: a vector
    assert "Entries [0, 0] and [0, 1] (numbers 1 and 2) look swapped" in judged.message


def test_function_transposed_and_sign():
    judged = function_verdict("B4", lambda c, a, k: (c.expected()[0].T, c.expected()[1]))
    assert judged.mistake == "slip:transposed" and judged.score == 0
    judged = function_verdict("B4", lambda c, a, k: tuple(-g for g in c.expected()))
    assert judged.mistake == "slip:sign" and judged.score == 0


def test_function_steps_explain_only_the_failing_inputs():
    def early(case, args, kwargs):
        wrong = C._lr_steps(args, kwargs, -1)
        return case.expected() if wrong is None else wrong
    judged = function_verdict("G2", early)
    assert judged.mistake == "slip:one_step_fewer" and 0 < judged.score < 1
    judged = function_verdict("G7", lambda c, a, k: C._logistic_steps(a, k, 1))
    assert judged.mistake == "slip:one_step_more" and judged.score == 0


def test_function_near_misses_name_nothing():
    def mostly_twice(case, args, kwargs):
        factor = 2.1 if args[0].shape[0] == 7 else 2
        return tuple(factor * g for g in case.expected())
    assert function_verdict("B4", mostly_twice).mistake is None        # one input otherwise off
    twice = lambda c, a, k: tuple(2 * g for g in c.expected())          # noqa: E731
    assert function_verdict("B4", twice, broken={2}).mistake is None    # one input raised
    def sign_or_swap(case, args, kwargs):
        w, b = case.expected()
        return (-w, b) if args[0].shape[0] == 20 else (w[::-1], b)
    assert function_verdict("G2", sign_or_swap).mistake is None         # two different slips
    right = function_verdict("B4", lambda c, a, k: c.expected())
    assert right.score == 1 and right.mistake is None


def test_hidden_inputs_left_out_of_the_self_check_judging():
    record = calls_record("B4", lambda c, a, k: tuple(2 * g for g in c.expected()))
    judged = judge("B4", record, include_hidden=False).items[0]
    assert judged.mistake == "slip:scaled_2"


# ---------------------------------------------------------------------------- the self-check
def test_the_self_check_names_no_generic_slip(capsys):
    """The kernel side gets nothing new: the full self-check judges with the data its manifest
    ships, which names the listed mistakes only; generic slips are named at grading."""
    from mdl_kernel import manifest, selfcheck
    assert manifest.mode() == "full"
    values = net.node_values()
    swapped = dict(values, C=values["D"], D=values["C"])
    selfcheck.check("N2", swapped)
    out = capsys.readouterr().out
    assert "C: the value is too small" in out and "swapped" not in out
    assert "slip" not in manifest.PATH.read_text()
    assert judge("N2", answers("N2", C=values["D"], D=values["C"])).mistakes   # graded: named


# ---------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_a_swapped_pair_is_named_in_the_autograded_notebook(tmp_path, monkeypatch):
    """Real nbgrader: N2 answered with C and D swapped, N4 returning (output, hidden)."""
    repo = Path(__file__).resolve().parent.parent
    course = tmp_path / "course"
    shutil.copytree(repo / "source" / LAB.id, course / "source" / LAB.id)
    shutil.copy(repo / "nbgrader_config.py", course)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               PYTHONWARNINGS="ignore")
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB.id,
                    "--force"], cwd=course, env=env, check=True, capture_output=True)
    nb = "03_network_output"
    answers = {nb: {
        "N2_answer": "hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))\n"
                     "scores = np.exp(hidden @ w2 + b2)\noutput = scores / scores.sum()\n"
                     "A, B = hidden[0]\nD, C = output[0]\n",
        "N4_answer": "def forward_pass(X, w1, b1, w2, b2):\n"
                     "    hidden = 1 / (1 + np.exp(-(X @ w1 + b1)))\n"
                     "    scores = np.exp(hidden @ w2 + b2)\n"
                     "    return scores / scores.sum(), hidden\n"}}
    write_submission(course, "swapper", answers=answers, notebooks=[nb])
    run = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB.id],
                         cwd=course, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    graded = nbformat.read(course / "autograded" / "swapper" / LAB.id / f"{nb}.ipynb",
                           as_version=4)
    judged = graded.metadata[COURSE_KEY]["grading"]["exercises"]
    assert judged["N2"]["mistakes"] == {"C": "slip:swapped_items", "D": "slip:swapped_items"}
    assert judged["N4"]["mistakes"] == {"forward_pass": "slip:swapped_outputs"}
    text = {c.metadata["nbgrader"]["grade_id"]: cell_verdict(c)
            for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert "C and D look swapped" in text["N2"]
    assert "Its two returned values look swapped" in text["N4"]
    assert "N2: 2 / 4 points" in text["N2"] and "N4: 0 / 3 points" in text["N4"]
    assert "N1: 5 / 5 points" in text["N1"]
    # the class report counts them per exercise, from the autograded notebook
    monkeypatch.delenv("MATHS_OF_DL_DB_URL", raising=False)
    class_report.write_report(course, LAB)
    rows = {r["exercise"]: r for r in csv.DictReader(open(course / "reports" / LAB.id /
                                                          "class_report.csv"))}
    assert rows["N2"]["slips"] == "slip:swapped_items=1" and rows["N2"]["mistakes"] == ""
    assert rows["N4"]["slips"] == "slip:swapped_outputs=1"
    assert rows["N1"]["slips"] == rows["N1"]["mistakes"] == ""
