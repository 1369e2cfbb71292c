"""Follow-through (autograder.followthrough): an answer right from the student's own earlier
wrong answers earns the catalogue's credit and says so; one that is wrong from them too does not;
one that is wrong while the earlier answers are right is not excused.

Each dependency of the catalogue is tried (N2 from N1, N3 from N2, G1's step from its gradient,
B2's theta from the previous theta, B3's deltas and weight derivatives from the earlier deltas),
chains of two, and the credit policy.  The student's answers are recorded as a grading kernel
records them (`collect_namespace`) and judged from those plain records."""
from dataclasses import replace

import numpy as np
import pytest

from autograder import catalogue as cat
from autograder.catalogue import NETWORK, exercise
from autograder.followthrough import FULL, HALF, NONE, follow_through
from autograder.judging import collect_namespace, judge
from autograder.reference import backprop as bp, descent as gd, network as net
from autograder.symbolic_exercises import B3_SETUP


def _network(**changed):
    params = dict(NETWORK, **changed)
    hidden, output = net.forward_pass(**params)
    nodes = dict(zip("ABCD", map(float, np.concatenate([hidden[0], output[0]]))))
    return params, nodes


def _grade_in_order(*steps):
    """Judge (exercise id, namespace) pairs in notebook order, as the grader does; {id: Verdict}."""
    earlier, verdicts = {}, {}
    for eid, namespace in steps:
        answers = collect_namespace(eid, namespace)
        verdicts[eid] = judge(eid, answers, earlier=earlier)
        earlier.update(answers)
    return verdicts


def _by_item(verdict):
    return {v.item: v for v in verdict.items}


TRANSPOSED = NETWORK["w2"].T


def test_n2_follows_from_a_transposed_w2_and_n3_from_that_n2():
    """s07 of the sample class: one transposed w2 no longer costs N2's C and D and N3."""
    params, nodes = _network(w2=TRANSPOSED)
    theirs = net.predicted_class(nodes)
    assert theirs != net.prediction()            # the error does change the class
    v = _grade_in_order(("N1", params), ("N2", nodes), ("N3", {"prediction": theirs}))
    assert v["N1"].points == 4.0                                    # w2 itself stays wrong
    n2 = _by_item(v["N2"])
    assert n2["A"].message == "A: correct." and not n2["A"].followed   # A, B do not use w2
    for node in "CD":
        assert n2[node].followed and n2[node].score == 1.0
        assert n2[node].message == f"{node}: follows correctly from your own w2 (full credit)."
    assert v["N2"].points == 4.0
    (n3,) = v["N3"].items
    assert n3.followed and "from your own C and D" in n3.message and v["N3"].points == 1.0


def test_without_the_earlier_answers_the_same_answers_are_wrong():
    params, nodes = _network(w2=TRANSPOSED)
    alone = judge("N2", collect_namespace("N2", nodes))
    assert alone.points == 2.0 and not any(v.followed for v in alone.items)


@pytest.mark.parametrize("changed", [
    {"X": NETWORK["X"] * 2}, {"w1": NETWORK["w1"][::-1]}, {"b1": 0 * NETWORK["b1"]},
    {"w2": TRANSPOSED}, {"b2": np.array([[1.0, 0.0]])}])   # (equal biases cancel in softmax)
def test_each_of_n1s_answers_carries_into_n2(changed):
    (name,) = changed
    params, nodes = _network(**changed)
    v = _grade_in_order(("N1", params), ("N2", nodes))
    followed = [i for i in v["N2"].items if i.followed]
    assert followed and all(f"your own {name}" in i.message for i in followed)
    assert v["N2"].points == 4.0


def test_a_follow_through_that_is_itself_wrong_earns_nothing():
    params, nodes = _network(w2=TRANSPOSED)
    wrong = dict(nodes, C=nodes["C"] + 0.05)            # C wrong from their own w2 as well
    v = _by_item(_grade_in_order(("N1", params), ("N2", wrong))["N2"])
    assert v["C"].score == 0.0 and not v["C"].followed and "follows" not in v["C"].message
    assert v["D"].followed


def test_a_wrong_answer_from_right_earlier_answers_is_not_excused():
    params, nodes = _network()
    wrong = dict(nodes, C=nodes["C"] + 0.05)
    v = _by_item(_grade_in_order(("N1", params), ("N2", wrong))["N2"])
    assert v["C"].score == 0.0 and not v["C"].followed
    v = _grade_in_order(("N1", params), ("N2", nodes),
                        ("N3", {"prediction": "NO" if net.prediction() == "YES" else "YES"}))
    assert v["N3"].points == 0.0 and not v["N3"].items[0].followed


def test_a_descent_step_follows_from_the_students_own_gradient():
    X, y = cat.BATCH1
    dw, db = gd.mse_gradients(X, y, cat.W0, cat.B0)
    dw, db = dw / 2, db / 2                               # the missing factor 2
    w, b = cat.W0 - cat.ETA * dw, cat.B0 - cat.ETA * db
    v = _by_item(_grade_in_order(("G1", {"dw_batch1": dw, "db_batch1": db, "w_step1": w,
                                         "b_step1": b}))["G1"])
    assert v["dw_batch1"].mistake == "missing_factor_2" and v["dw_batch1"].score == 0
    assert v["w_step1"].followed and "your own dw_batch1" in v["w_step1"].message
    assert v["b_step1"].followed and "your own db_batch1" in v["b_step1"].message


def test_theta_follows_from_the_previous_theta_in_a_chain_of_two():
    first = np.array(bp.line_thetas(1)[0]) + np.array([0.1, 0.0])     # theta_1 off
    second = np.array(bp.line_thetas(1, theta0=tuple(first))[0])
    third = np.array(bp.line_thetas(1, theta0=tuple(second))[0])
    v = _by_item(_grade_in_order(("B2", {"theta_1": first, "theta_2": second,
                                         "theta_3": third}))["B2"])
    assert v["theta_1"].score == 0
    assert v["theta_2"].followed and "your own theta_1" in v["theta_2"].message
    assert v["theta_3"].followed and "your own theta_2" in v["theta_3"].message
    # theta_3 wrong from their own theta_2 as well: wrong
    v = _by_item(_grade_in_order(("B2", {"theta_1": first, "theta_2": second,
                                         "theta_3": third + 0.1}))["B2"])
    assert v["theta_3"].score == 0 and not v["theta_3"].followed


BACKPROP = '''
d2 = (y_hat - y) * y_hat                                   # the factor 2 forgotten
delta2_1 = d2
delta1_1 = d2 * w2_11 * a1_1 * (1 - a1_1)                  # right from their delta2_1
delta1_2 = 2 * (y_hat - y) * y_hat * w2_21 * a1_2 * (1 - a1_2)
dL_dw2_11 = d2 * a1_1                                      # right from their delta2_1
dL_dw2_21 = d2 * a1_1                                      # wrong from it too (a1_1 for a1_2)
dL_dw1_11 = delta1_1 * x1                                  # right from their delta1_1: a chain
dL_dw1_21 = delta1_1 * x2
dL_dw1_31 = delta1_1 * x1                                  # wrong from it too
dL_dw1_12 = delta1_2 * x1
dL_dw1_22 = delta1_2 * x2
dL_dw1_32 = delta1_2 * x3
'''


@pytest.mark.slow
def test_backprop_deltas_and_derivatives_follow_from_the_earlier_deltas():
    namespace = {}
    exec(B3_SETUP + BACKPROP, namespace)
    v = _by_item(_grade_in_order(("B3", namespace))["B3"])
    assert v["delta2_1"].score == 0 and v["delta2_1"].mistake == "missing_factor_2"
    for name in ("delta1_1", "dL_dw2_11"):
        assert v[name].followed and "your own delta2_1" in v[name].message, v[name].message
    for name in ("dL_dw1_11", "dL_dw1_21"):
        assert v[name].followed and "your own delta1_1" in v[name].message, v[name].message
    for name in ("dL_dw2_21", "dL_dw1_31"):
        assert v[name].score == 0 and not v[name].followed, v[name].message
    for name in ("delta1_2", "dL_dw1_12", "dL_dw1_22", "dL_dw1_32"):
        assert v[name].message == f"{name}: correct." and not v[name].followed


@pytest.mark.parametrize("credit,points", [(FULL, 4.0), (HALF, 3.0), (NONE, 2.0)])
def test_the_catalogues_policy_sets_the_credit(credit, points):
    params, nodes = _network(w2=TRANSPOSED)
    n2 = exercise("N2")
    strict = replace(n2, items=tuple(replace(i, follows=replace(i.follows, credit=credit))
                                     for i in n2.items))
    answers = collect_namespace("N2", nodes)
    plain = judge("N2", answers)
    verdict = replace(plain, items=follow_through(strict, plain.items, answers,
                                                  collect_namespace("N1", params)))
    assert verdict.points == points
    said = {FULL: "full credit", HALF: "half credit", NONE: "no credit"}[credit]
    assert all(said in v.message for v in verdict.items if v.item in "CD")


def test_every_dependency_names_answers_of_its_own_notebook():
    from autograder.catalogue import in_notebook
    found = 0
    for ex in cat.CATALOGUE.values():
        names = {i.name for e in in_notebook(ex.notebook) for i in e.items}
        for item in ex.items:
            if item.follows:
                found += 1
                assert set(item.follows.names) <= names, (ex.id, item.name)
    assert found >= 4 + 1 + 2 + 2 + 10


EVERY_STEP_FOLLOWS = '''
d2 = (y_hat - y) * y_hat                                   # the factor 2 forgotten
delta2_1 = d2
delta1_1 = d2 * w2_11 * a1_1 * (1 - a1_1)
delta1_2 = d2 * w2_21 * a1_2 * (1 - a1_2)
dL_dw2_11 = d2 * a1_1
dL_dw2_21 = d2 * a1_2
dL_dw1_11, dL_dw1_21, dL_dw1_31 = delta1_1 * x1, delta1_1 * x2, delta1_1 * x3
dL_dw1_12, dL_dw1_22, dL_dw1_32 = delta1_2 * x1, delta1_2 * x2, delta1_2 * x3
'''


@pytest.mark.slow
def test_every_step_of_backprop_follows_from_a_wrong_output_delta():
    namespace = {}
    exec(B3_SETUP + EVERY_STEP_FOLLOWS, namespace)
    verdict = _grade_in_order(("B3", namespace))["B3"]
    v = _by_item(verdict)
    assert v["delta2_1"].score == 0
    for name, source in [("delta1_1", "delta2_1"), ("delta1_2", "delta2_1"),
                         ("dL_dw2_11", "delta2_1"), ("dL_dw2_21", "delta2_1"),
                         *[(f"dL_dw1_{i}{j}", f"delta1_{j}") for i in (1, 2, 3) for j in (1, 2)]]:
        assert v[name].followed and f"your own {source} " in v[name].message, v[name].message
    assert verdict.points == pytest.approx(exercise("B3").points * (1 - 1 / 11), abs=1e-3)
