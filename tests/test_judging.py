"""autograder.judging and the tutor's kinds (autograder/kinds/): every exercise of the catalogue
judged from plain records, as grading judges them, with the exact messages and points.

The judging of each kind's answers in depth is in tests/test_numeric.py (values), test_functions.py
(functions) and test_symbolic.py (expressions); here: the judging of whole exercises, the kinds'
records and schemas, and what each kind may ship to the self-check."""
import json

import numpy as np
import pytest
from jsonschema import Draft202012Validator

from autograder import judging
from autograder.catalogue import CATALOGUE
from autograder.grading import records
from autograder.kinds import BOOLEAN, FUNCTION, KINDS, LABEL, SYMBOLIC, VALUE
from autograder.kinds.base import INVALID, MISSING
from autograder.verdict import ItemVerdict, Verdict
from mdl_kernel.cases import decode_case

IDS = list(CATALOGUE)


def reference_answers(exercise):
    return {item.name: item.kind.reference_record(item) for item in exercise.items}


@pytest.mark.parametrize("eid", IDS)
def test_the_reference_answers_earn_every_point(eid):
    exercise = CATALOGUE[eid]
    answers = reference_answers(exercise)
    assert records.validate({"exercise": eid, "answers": answers}, eid) == answers
    verdict = judging.judge(eid, answers)
    assert isinstance(verdict, Verdict) and verdict.exercise == eid
    assert verdict.points == verdict.max_points == exercise.points
    assert verdict.weights == exercise.weights
    assert [v.item for v in verdict.items] == [item.name for item in exercise.items]
    assert all(v.score == 1 and v.mistake is None and not v.hidden for v in verdict.items)
    text = judging.graded_text(eid, verdict)
    unit = "point" if exercise.points == 1 else "points"
    assert text.splitlines()[-1] == f"{eid}: {exercise.points:g} / {exercise.points:g} {unit}"
    assert text == verdict.message + f"\n{eid}: {exercise.points:g} / {exercise.points:g} {unit}"


@pytest.mark.parametrize("eid", IDS)
def test_an_exercise_with_nothing_defined_earns_nothing(eid):
    exercise = CATALOGUE[eid]
    verdict = judging.judge(eid, {})
    assert verdict.points == 0
    for item, v in zip(exercise.items, verdict.items):
        assert (v.score, v.mistake) == (0.0, None)
        if item.kind is FUNCTION:
            assert v.message == (f"{item.name} is not defined: run the cell that defines it "
                                 f"(the function must be called exactly {item.name}).")
        else:
            assert v.message == (f"{item.name} is not defined: run the cell where you define it "
                                 f"(the name must be exactly {item.name}).")
    assert judging.judge(eid, {item.name: {"type": "missing"} for item in exercise.items}) == \
        verdict


@pytest.mark.parametrize("eid", IDS)
def test_an_invalid_record_earns_nothing_and_says_why(eid):
    item = CATALOGUE[eid].items[0]
    verdict = judging.judge(eid, {item.name: {"type": "invalid", "reason": "a dict here"}})
    assert verdict.items[0].score == 0
    assert verdict.items[0].message == f"{item.name}: a dict here."


def test_points_are_shared_by_the_items_weights():
    exercise = CATALOGUE["B1"]                      # two items, half the points each
    answers = reference_answers(exercise)
    del answers["dL_db"]
    verdict = judging.judge("B1", answers)
    assert [v.score for v in verdict.items] == [1.0, 0.0] and verdict.points == 1.5
    assert judging.graded_text("B1", verdict).endswith("\nB1: 1.5 / 3 points")


def test_graded_text_of_an_exercise_without_messages():
    assert judging.graded_text("F1a", Verdict("F1a", 2, (), (1.0,))) == "F1a: 0 / 2 points"



@pytest.mark.parametrize("eid", ["F1a", "N3"])       # 2 points; 1 point
def test_the_points_line_is_the_graders(eid):
    """The self-check's text and the grader's verdict state an exercise's points in one line,
    the same words in both (`verdict.points_line`): rounded for reading, 'point' for one."""
    from autograder.grading.marking import verdict_markdown
    verdict = Verdict(eid, CATALOGUE[eid].points, (ItemVerdict("x", 1 / 3, "off."),))
    line = judging.graded_text(eid, verdict).splitlines()[-1]
    summary = {"points": verdict.points, "max": verdict.max_points, "feedback": []}
    assert verdict_markdown(eid, summary).splitlines()[0] == f"**{line}**"
    unit = "point" if CATALOGUE[eid].points == 1 else "points"
    assert line == f"{eid}: {round(CATALOGUE[eid].points / 3, 2):g} / {CATALOGUE[eid].points} {unit}"

def test_grade_namespace_prints_the_feedback_and_returns_the_points(capsys):
    exercise = CATALOGUE["F1a"]
    points = judging.grade_namespace("F1a", {"z_1a": exercise.item("z_1a").expected})
    assert points == 2.0 and type(points) is float
    assert capsys.readouterr().out == "z_1a: correct.\nF1a: 2 / 2 points\n"
    assert judging.grade_namespace("F1a", {}) == 0.0
    assert capsys.readouterr().out.endswith("\nF1a: 0 / 2 points\n")


@pytest.mark.parametrize("eid", [eid for eid, ex in CATALOGUE.items()
                                 if any(item.kind is FUNCTION for item in ex.items)])
def test_test_inputs_are_every_case_of_every_function(eid):
    exercise = CATALOGUE[eid]
    inputs = judging.test_inputs(exercise)
    assert set(inputs) == {item.name for item in exercise.items if item.kind is FUNCTION}
    for name, cases in inputs.items():
        item = exercise.item(name)
        assert sorted(cases) == list(range(len(item.cases)))
        for k, case in enumerate(item.cases):
            args, kwargs = decode_case(cases[k])
            want_args, want_kwargs = case.inputs()
            assert len(args) == len(want_args) and set(kwargs) == set(want_kwargs)
            for got, want in zip(args, want_args):
                np.testing.assert_array_equal(got, want)


def test_a_namespace_is_judged_on_every_input_or_on_the_visible_ones():
    def softmax_by_columns(z):        # right on a row, wrong on the hidden matrices
        e = np.exp(z - np.max(z))
        return e / e.sum(axis=0, keepdims=True)
    from autograder.reference import activations as act
    namespace = {"sigmoid": act.sigmoid, "tanh": act.tanh, "relu": act.relu,
                 "softmax": softmax_by_columns}
    every = judging.collect_namespace("A0", namespace)
    visible = judging.collect_namespace("A0", namespace, include_hidden=False)
    assert [r["type"] for r in every["softmax"]["results"]] == ["array"] * len(
        CATALOGUE["A0"].item("softmax").cases)
    assert [r["case"] for r in visible["softmax"]["results"]] == \
        [k for k, case in enumerate(CATALOGUE["A0"].item("softmax").cases) if not case.hidden]
    graded = judging.judge_namespace("A0", namespace)
    checked = judging.judge_namespace("A0", namespace, include_hidden=False)
    assert graded.items[3].score < 1 and graded.items[3].hidden
    assert checked.items[3].score == 1 and graded.points < checked.points == 8


# ------------------------------------------------------------------ the kinds
def test_the_kinds_by_name():
    assert KINDS == {"value": VALUE, "integer": KINDS["integer"], "boolean": BOOLEAN,
                     "label": LABEL, "function": FUNCTION, "symbolic": SYMBOLIC}
    for name, kind in KINDS.items():
        assert kind.name == name and kind.kernel.name == name


@pytest.mark.parametrize("eid", IDS)
def test_each_record_schema_takes_the_reference_missing_and_invalid_records(eid):
    for item in CATALOGUE[eid].items:
        validator = Draft202012Validator(dict(item.kind.schema(item), **records.TREE))
        for record in (item.kind.reference_record(item), {"type": "missing"},
                       {"type": "invalid", "reason": "why"}):
            assert validator.is_valid(record), (item.name, record)
        for record in ({"type": "missing", "x": 1}, {"type": "invalid"},
                       {"type": "invalid", "reason": "x" * 10_000}, {"type": "other"}):
            assert not validator.is_valid(record), (item.name, record)


def test_a_function_record_may_say_a_whole_run_was_refused_and_how_long_it_took():
    item = CATALOGUE["G2"].item("lr_gradient_descent")
    validator = Draft202012Validator(FUNCTION.schema(item))
    assert validator.is_valid({"type": "invalid", "reason": "why", "seconds": 0.5})
    assert not validator.is_valid({"type": "invalid", "reason": "why", "seconds": -1})
    record = FUNCTION.reference_record(item)
    timed = dict(record["results"][0], seconds=0.1, changed=["argument 1", "w"])
    assert FUNCTION.well_formed(item, timed)
    assert FUNCTION.well_formed(item, {"type": "invalid", "reason": "raised KeyError",
                                       "seconds": 0.5, "case": 1})
    for changed in (["argument 0"], ["argument 1", "argument 1"], ["1w"]):
        assert not FUNCTION.well_formed(item, dict(record["results"][0], changed=changed))
    assert MISSING["required"] == ["type"] and INVALID["required"] == ["type", "reason"]


def test_what_each_kind_tells_the_kernel():
    value = CATALOGUE["F1a"].item("z_1a")
    assert VALUE.info(value) == {"name": "z_1a", "kind": "value", "shape": [2, 1]}
    label = CATALOGUE["N3"].item("prediction")
    assert LABEL.info(label) == {"name": "prediction", "kind": "label",
                                 "choices": list(label.options["choices"])}
    boolean = CATALOGUE["G4"].item("diverges_eta_0_3")
    assert BOOLEAN.info(boolean) == {"name": "diverges_eta_0_3", "kind": "boolean"}
    symbolic = CATALOGUE["B3"].item("delta1_1")
    info = SYMBOLIC.info(symbolic)
    assert info["symbols"] == list(symbolic.options["symbols"]) and info["symbols"]
    assert info["intermediates"] == list(symbolic.options.get("intermediates", {}))
    function = CATALOGUE["G2"].item("lr_gradient_descent")
    info = FUNCTION.info(function)
    assert info["outputs"] == 2 and len(info["cases"]) == len(function.cases)
    for case, entry in zip(function.cases, info["cases"]):
        if case.hidden:
            assert entry == {"hidden": True}                  # not even its label
        else:
            assert set(entry) == {"label", "hidden", "exact_shape", "inputs"}
            assert entry["label"] == case.label and entry["hidden"] is False


def test_what_each_kind_may_ship_to_the_self_check():
    boolean = CATALOGUE["G4"].item("diverges_eta_0_3")
    assert BOOLEAN.shipped(boolean) == {"expected": bool(boolean.expected), "hint": boolean.hint}
    label = CATALOGUE["N3"].item("prediction")
    assert LABEL.shipped(label) == {"expected": str(label.expected), "hint": label.hint}
    value = CATALOGUE["G1"].item("w_step1")
    shipped = VALUE.shipped(value)
    assert shipped["tolerance"] == [value.tolerance.atol, value.tolerance.rtol,
                                    value.tolerance.kind]
    assert len(shipped["mistakes"]) == len(value.wrong_variants()) > 0
    function = CATALOGUE["G2"].item("lr_gradient_descent")
    cases = FUNCTION.shipped(function)["cases"]
    assert [c == {"hidden": True} for c in cases] == [case.hidden for case in function.cases]
    visible = next(c for c in cases if not c["hidden"])
    assert set(visible) == {"label", "hidden", "exact_shape", "keep_inputs", "tolerance",
                            "expected", "mistakes"}
    json.dumps(FUNCTION.shipped(function))                 # JSON, for the manifest


def test_the_worked_line_of_each_kind():
    boolean = CATALOGUE["G4"].item("diverges_eta_0_3")
    assert BOOLEAN.worked(boolean, None) == f"* `diverges_eta_0_3 = {bool(boolean.expected)}`"
    label = CATALOGUE["N3"].item("prediction")
    assert LABEL.worked(label, None) == f'* `prediction = "{label.expected}"`'
    value = CATALOGUE["F1a"].item("z_1a")
    assert VALUE.worked(value, lambda v: "M") == "* `z_1a` $= M$"
    assert FUNCTION.worked(CATALOGUE["G2"].items[0], None) is None


def _broken(record):
    """Records that differ from a valid one in one way: a key left out, a key added, a value of
    another JSON type, another type name."""
    for key in record:
        yield {k: v for k, v in record.items() if k != key}
        yield dict(record, **{key: {"x": 1}})
    yield dict(record, extra=1)
    yield dict(record, type="other")


@pytest.mark.parametrize("eid", IDS)
def test_each_record_schema_refuses_records_that_differ_in_one_way(eid):
    for item in CATALOGUE[eid].items:
        validator = Draft202012Validator(dict(item.kind.schema(item), **records.TREE))
        record = item.kind.reference_record(item)
        for broken in _broken(record):
            assert not validator.is_valid(broken), (item.name, broken)
        if item.kind is FUNCTION:   # each result is checked on its own, as its case's
            results = record["results"]
            assert all(FUNCTION.well_formed(item, r) for r in results)
            assert not validator.is_valid(dict(record, results=results * 5))   # over 4 per case
            for broken in _broken(results[0]):
                assert not FUNCTION.well_formed(item, broken), (item.name, broken)
            for index in (-1, len(results), 1.5, "0", None):
                assert not FUNCTION.well_formed(item, dict(results[0], case=index))
            if results[0]["type"] == "tuple":
                items = results[0]["items"]
                for wrong in (items[:-1], items + items[:1]):
                    assert not FUNCTION.well_formed(item, dict(results[0], items=wrong))
                for broken in _broken(items[0]):
                    if broken.get("type") != "other":
                        assert not FUNCTION.well_formed(
                            item, dict(results[0], items=[broken] + items[1:]))


def test_record_schemas_at_their_limits():
    from mdl_kernel.limits import MAX_LABEL, MAX_NDIM
    label = CATALOGUE["N3"].item("prediction")
    validator = Draft202012Validator(LABEL.schema(label))
    assert validator.is_valid({"type": "text", "value": "x" * MAX_LABEL})
    assert not validator.is_valid({"type": "text", "value": "x" * (MAX_LABEL + 1)})
    assert not validator.is_valid({"type": "text", "value": 1})
    value = CATALOGUE["F1a"].item("z_1a")
    validator = Draft202012Validator(VALUE.schema(value))
    assert validator.is_valid({"type": "array", "shape": [1] * MAX_NDIM, "data": [1.0]})
    assert not validator.is_valid({"type": "array", "shape": [1] * (MAX_NDIM + 1), "data": [1.0]})
    assert not validator.is_valid({"type": "array", "shape": [-1], "data": []})
    assert not validator.is_valid({"type": "array", "shape": [1], "data": ["1"]})
    boolean = CATALOGUE["G4"].item("diverges_eta_0_3")
    validator = Draft202012Validator(BOOLEAN.schema(boolean))
    assert not validator.is_valid({"type": "bool", "value": 1})
    assert not validator.is_valid({"type": "text", "value": True})
    symbolic = CATALOGUE["B1"].item("dL_dw")
    validator = Draft202012Validator(dict(SYMBOLIC.schema(symbolic), **records.TREE))
    assert validator.is_valid({"type": "expr", "tree": ["sym", "w"]})
    for tree in (["evil", 1], ["sym"], "w", {"sym": "w"}):
        assert not validator.is_valid({"type": "expr", "tree": tree}), tree


def test_a_symbolic_item_ships_values_at_points_never_the_expression():
    item = CATALOGUE["B1"].item("dL_dw")
    shipped = SYMBOLIC.shipped(item)
    assert set(shipped) == {"names", "columns", "expected", "mistakes"}
    assert shipped["names"] == list(item.options["symbols"]) == list(shipped["columns"])
    assert all(len(v) == 32 for v in shipped["columns"].values()) and len(shipped["expected"]) == 32
    assert [m[:2] for m in shipped["mistakes"]] == [[m, why] for m, why, _ in item.wrong_variants()]
    data = SYMBOLIC.data(item)
    assert data["expected"] is item.expected and len(data["mistakes"]) == len(item.mistakes)
    assert str(item.expected) not in json.dumps(shipped)
    b3 = CATALOGUE["B3"].item("delta1_1")
    assert set(SYMBOLIC.shipped(b3)["columns"]) == set(b3.options["symbols"]) | set(
        b3.options["intermediates"])


def test_what_is_shipped_decodes_to_the_judging_data():
    from mdl_kernel.cases import decode
    value = CATALOGUE["G1"].item("w_step1")
    shipped, data = VALUE.shipped(value), VALUE.data(value)
    np.testing.assert_array_equal(decode(shipped["expected"]), data["expected"])
    for (m, why, wrong), (m2, why2, encoded) in zip(data["mistakes"], shipped["mistakes"]):
        assert (m, why) == (m2, why2)
        np.testing.assert_array_equal(decode(encoded), np.asarray(wrong, dtype=float))
    function = CATALOGUE["A0"].item("softmax")
    shipped, data = FUNCTION.shipped(function), FUNCTION.data(function)
    for case, sent in zip(data["cases"], shipped["cases"]):
        if case["hidden"]:
            continue
        assert len(sent["expected"]) == len(case["expected"]) == 1
        np.testing.assert_array_equal(decode(sent["expected"][0]), case["expected"][0])
        assert [m for m, _, _ in sent["mistakes"]] == [m for m, _, _ in case["mistakes"]]
        for (_, _, values), (_, _, sent_values) in zip(case["mistakes"], sent["mistakes"]):
            assert len(values) == len(sent_values) == 1              # one returned value
            np.testing.assert_array_equal(decode(sent_values[0]), np.asarray(values[0]))


def test_a_one_output_function_record_may_name_the_arrays_it_changed():
    item = CATALOGUE["A0"].item("sigmoid")
    validator = Draft202012Validator(FUNCTION.schema(item))
    record = FUNCTION.reference_record(item)
    first = dict(record["results"][0], seconds=0.1, changed=["argument 1"])
    assert validator.is_valid(dict(record, results=[first] + record["results"][1:]))
    assert FUNCTION.well_formed(item, first)
    for wrong in ({"type": "skipped", "x": 1}, {}, {"type": "skip"}, {"type": "skipped"},
                  {"type": "skipped", "case": 0}, dict(first, data=first["data"] + [1.0])):
        assert not FUNCTION.well_formed(item, wrong)


def test_a_known_mistake_is_named_in_the_items_verdict():
    from autograder.checks import symbolic as S
    from mdl_kernel import plain as P
    item = CATALOGUE["B1"].item("dL_dw")
    mistake, _, wrong = item.wrong_variants()[0]
    verdict = judging.judge("B1", {"dL_dw": S.to_plain(wrong, item.options)})
    assert verdict.items[0].mistake == mistake and verdict.mistakes == (mistake,)
    value = CATALOGUE["G1"].item("w_step1")
    name, _, wrong = value.wrong_variants()[0]
    verdict = judging.judge("G1", {"w_step1": P.numeric(np.asarray(wrong, dtype=float))})
    assert verdict.items[2].mistake == name
