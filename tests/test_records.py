"""autograder.grading.records: the record's size budgets, its JSON Schema and the checks a schema
cannot make (array sizes, expression trees), on real records made by the kernel side."""
import json

import pytest

from autograder.grading import records
from autograder.judging import collect_namespace
from mdl_kernel.limits import MAX_DEPTH, MAX_NODES, MAX_RECORD_DEPTH, MAX_RECORD_VALUES


def _record(eid, namespace):
    """What the test cell of `eid` records from `namespace`, through JSON as nbformat keeps it."""
    return json.loads(json.dumps({"exercise": eid,
                                  "answers": collect_namespace(eid, namespace)}))


F4_HALF = {"n_obs_2x3": 3, "n_inputs_2x3": 2, "n_obs_3x2": 3, "n_inputs_3x2": 2}


def _edit(record, change):
    record = json.loads(json.dumps(record))
    change(record)
    return record


def test_validate_accepts_real_records_of_every_kind():
    import sympy as sp
    from autograder.reference import network as net
    assert records.validate(_record("F4", F4_HALF), "F4")
    assert records.validate(_record("N4", {"forward_pass": net.forward_pass}), "N4")
    assert records.validate(_record("N3", {"prediction": "yes"}), "N3")
    assert records.validate(_record("G4", {"diverges_eta_0_3": True}), "G4")
    assert records.validate(_record("F1a", {"z_1a": object()}), "F1a")      # invalid, judged 0
    assert records.validate(_record("F1a", {}), "F1a")                      # missing
    w, b = sp.symbols("w b", real=True)
    record = _record("B1", {"dL_dw": 2 * w + b, "dL_db": "2*(w + b)"})
    assert records.validate(record, "B1")["dL_dw"]["type"] == "expr"


SCHEMA = "does not follow the schema"


def _mutations():
    """(label, record, words of the refusal): each record is refused for its own reason."""
    good = _record("F4", F4_HALF)

    def edit(change):
        return _edit(good, change)
    answer = "the record.answers.n_obs_2x3 " + SCHEMA
    yield "wrong exercise", edit(lambda r: r.update(exercise="F1a")), \
        "the record is for exercise 'F1a', not F4"
    yield "extra key", edit(lambda r: r.update(extra=1)), f"the record {SCHEMA}: Additional"
    yield "missing answer", edit(lambda r: r["answers"].pop("n_obs_2x3")), \
        f"the record.answers {SCHEMA}: 'n_obs_2x3' is a required property"
    yield "unknown answer", edit(lambda r: r["answers"].update(z=r["answers"]["n_obs_2x3"])), \
        f"the record.answers {SCHEMA}: Additional properties are not allowed ('z' was"
    yield "NaN", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[float("nan")])), \
        "not finite"
    yield "infinity", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[-float("inf")])), \
        "not finite"
    yield "beyond 1e300", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[-1.0000001e300])), \
        "not finite"
    yield "bool as number", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=[True])), answer
    yield "text as number", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=["2"])), answer
    yield "shape mismatch", edit(lambda r: r["answers"]["n_obs_2x3"].update(shape=[2])), \
        "answers.n_obs_2x3.data does not hold the number of entries its shape says"
    yield "huge shape", edit(lambda r: r["answers"]["n_obs_2x3"].update(shape=[10**9],
                                                                         data=[1.0] * 10**5)), answer
    yield "extra field", edit(lambda r: r["answers"]["n_obs_2x3"].update(note="x")), answer
    yield "unknown type", edit(lambda r: r["answers"].update(n_obs_2x3={"type": "python",
                                                                        "code": "1"})), answer
    yield "not an object", "F4: 2 / 2", f"the record {SCHEMA}: 'F4: 2 / 2' is not of type"
    yield "deep", edit(lambda r: r["answers"].update(n_obs_2x3=json.loads("[" * 150 + "]" * 150))), \
        f"nested more than {MAX_RECORD_DEPTH} levels deep"
    yield "key not text", edit(lambda r: r["answers"]["n_obs_2x3"].update({1: 2})), \
        "a key that is not text"
    yield "tuple", edit(lambda r: r["answers"]["n_obs_2x3"].update(data=(3.0,))), \
        "holds a tuple, which JSON does not have"
    yield "long string", edit(lambda r: r["answers"]["n_obs_2x3"].update(
        type="x" * (records.MAX_STRING + 1))), "a string far too long"


MUTATIONS = list(_mutations())


@pytest.mark.parametrize("label,record,words", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_validate_refuses_malformed_records(label, record, words):
    with pytest.raises(records.Malformed) as refused:
        records.validate(record, "F4")
    assert words in str(refused.value)


def test_validate_returns_a_copy_of_the_answers():
    record = _record("F4", F4_HALF)
    answers = records.validate(record, "F4")
    assert answers == record["answers"]
    answers["n_obs_2x3"]["data"][0] = 99.0
    assert record["answers"]["n_obs_2x3"]["data"] == [3.0]


def test_numbers_and_strings_at_their_limits_are_accepted():
    good = _record("F4", F4_HALF)
    at_limit = _edit(good, lambda r: r["answers"]["n_obs_2x3"].update(data=[-1e300]))
    assert records.validate(at_limit, "F4")["n_obs_2x3"]["data"] == [-1e300]
    integer = _edit(good, lambda r: r["answers"]["n_obs_2x3"].update(data=[3]))
    assert records.validate(integer, "F4")["n_obs_2x3"]["data"] == [3]
    text = _record("N3", {"prediction": "y" * 50})
    assert records.validate(text, "N3")["prediction"]["value"] == "y" * 50


def _flat(values):
    """A record of F4 whose first answer is a list nested in a list ... holding `values` values."""
    return {"exercise": "F4", "answers": {"n_obs_2x3": [None] * values}}


def test_the_value_budget_counts_every_value():
    # the record, its exercise, its answers and the list: 4 values besides the list's entries
    within = _flat(MAX_RECORD_VALUES - 4)
    with pytest.raises(records.Malformed, match=SCHEMA):      # refused by the schema only
        records.validate(within, "F4")
    with pytest.raises(records.Malformed, match=f"more than {MAX_RECORD_VALUES} values"):
        records.validate(_flat(MAX_RECORD_VALUES - 3), "F4")


def test_the_nesting_budget():
    def nested(level):   # the record is level 0, its answers 1, ...; None sits at `level`
        value = None
        for _ in range(level - 2):
            value = [value]
        return {"exercise": "F4", "answers": {"n_obs_2x3": value}}
    with pytest.raises(records.Malformed, match=SCHEMA):
        records.validate(nested(MAX_RECORD_DEPTH), "F4")
    with pytest.raises(records.Malformed, match="nested more than"):
        records.validate(nested(MAX_RECORD_DEPTH + 1), "F4")


def test_schema_names_every_item_and_only_its_exercise():
    schema = records.schema("F4")
    assert schema["properties"]["exercise"] == {"const": "F4"}
    answers = schema["properties"]["answers"]
    assert answers["required"] == ["n_obs_2x3", "n_inputs_2x3", "n_obs_3x2", "n_inputs_3x2"]
    assert set(answers["properties"]) == set(answers["required"])
    assert answers["additionalProperties"] is False and schema["additionalProperties"] is False
    assert schema["required"] == ["exercise", "answers"]


def _b1(tree):
    record = _record("B1", {"dL_dw": "2*w", "dL_db": "2*b"})
    record["answers"]["dL_dw"]["tree"] = tree
    return record


def _chain(depth):
    """A tree `depth` levels below its root: exp(exp(...(w)))."""
    tree = ["sym", "w"]
    for _ in range(depth):
        tree = ["exp", tree]
    return tree


@pytest.mark.parametrize("tree", [
    ["int", 2], ["rat", 1, 2], ["float", "0.5"], ["sym", "w" * 64], ["pow", ["sym", "w"], ["int", 2]],
    ["add", ["sym", "w"]], ["mul", ["int", 2], ["sym", "w"], ["sym", "b"]],
    ["log", ["sym", "w"]], ["tanh", ["sym", "w"]], ["sinh", ["sym", "w"]], ["cosh", ["sym", "w"]],
    _chain(MAX_DEPTH), ["add"] + [["int", 1]] * (MAX_NODES - 1)])
def test_well_formed_trees_are_accepted(tree):
    assert records.validate(_b1(tree), "B1")["dL_dw"]["tree"] == tree


@pytest.mark.parametrize("tree,words", [
    (["call", ["sym", "__import__"]], f"[dL_dw] {SCHEMA}"),      # the root: by the schema
    ([], f"[dL_dw] {SCHEMA}"), ("w", f"[dL_dw] {SCHEMA}"),
    (["add", ["call", ["sym", "__import__"]]],
     "[dL_dw].tree[1] is not a node of a whitelisted operation"),  # below it: in code
    (["add", []], "tree[1] is not a node"), (["mul", ["int", 2], "w"], "tree[2] is not a node"),
    (["pow", ["sym", "w"]], "tree does not have the operands pow takes"),
    (["exp", ["sym", "w"], ["sym", "b"]], "does not have the operands exp takes"),
    (["add"], f"[dL_dw] {SCHEMA}"),
    (["mul", ["int", 2], ["add"]], "tree[2] does not have the operands add takes"),
    (["int", 1.5], "not a well-formed int node"), (["int", True], "not a well-formed int node"),
    (["rat", 1], "not a well-formed rat node"), (["float", 0.5], "not a well-formed float node"),
    (["sym", "w" * 65], "not a well-formed sym node"),
    (["add", ["mul", ["int", 2], ["exp"]]], "tree[1][2] does not have the operands exp takes"),
    (_chain(MAX_DEPTH + 1), "larger than the grader accepts"),
    (["add"] + [["int", 1]] * MAX_NODES, "larger than the grader accepts"),
])
def test_malformed_trees_are_refused_where_they_break(tree, words):
    with pytest.raises(records.Malformed) as refused:
        records.validate(_b1(tree), "B1")
    assert words in str(refused.value).replace("answers.dL_dw", "[dL_dw]")


def test_validate_refuses_malformed_function_and_expression_records():
    from autograder.reference import network as net
    good = _record("N4", {"forward_pass": net.forward_pass})
    for results in ("results", [1] * 17, [{}] * 17):       # not a list; more than 4 per case
        bad = json.loads(json.dumps(good))
        bad["answers"]["forward_pass"]["results"] = results
        with pytest.raises(records.Malformed):
            records.validate(bad, "N4")
    record = _record("B1", {"dL_dw": "2*w", "dL_db": "2*b"})
    for tree in (["call", ["sym", "__import__"]], ["pow", ["sym", "w"]], ["int", 1.5],
                 ["sym", "w" * 65], ["add", ["mul", ["int", 2], ["exp"]]], ["rat", 1],
                 ["mul", ["int", 2], "w"]):
        record["answers"]["dL_dw"]["tree"] = tree
        with pytest.raises(records.Malformed):
            records.validate(record, "B1")




def test_refusals_say_exactly_where_and_why():
    good = _record("F4", F4_HALF)
    cases = [
        (_edit(good, lambda r: r["answers"]["n_obs_2x3"].update({1: 2})),
         "the record has a key that is not text"),
        (_edit(good, lambda r: r["answers"]["n_obs_2x3"].update(data=[float("nan")])),
         "the record holds a number that is not finite"),
        (_edit(good, lambda r: r["answers"]["n_obs_2x3"].update(type="x" * (records.MAX_STRING + 1))),
         "the record holds a string far too long"),
        (_edit(good, lambda r: r.update(exercise="F" + "1" * 30)),
         f"the record is for exercise {'F' + '1' * 19!r}, not F4"),
    ]
    for record, message in cases:
        with pytest.raises(records.Malformed) as refused:
            records.validate(record, "F4")
        assert str(refused.value) == message


def test_a_string_at_the_length_limit_reaches_the_schema():
    at_limit = _edit(_record("F4", F4_HALF),
                     lambda r: r["answers"]["n_obs_2x3"].update(type="x" * records.MAX_STRING))
    with pytest.raises(records.Malformed, match=SCHEMA):
        records.validate(at_limit, "F4")


def test_schema_messages_are_cut_at_200_characters():
    noted = _edit(_record("F4", F4_HALF), lambda r: r["answers"]["n_obs_2x3"].update(note="x" * 300))
    with pytest.raises(records.Malformed) as refused:
        records.validate(noted, "F4")
    assert len(str(refused.value).split(f"{SCHEMA}: ", 1)[1]) == 200


def test_arrays_inside_a_functions_results_are_counted():
    """A function's results are a list of arrays and tuples of arrays: each is checked as its
    case's result, and one whose array does not hold its shape's entries earns its case
    nothing, named in the feedback; the other cases are judged."""
    from autograder.judging import judge
    from autograder.reference import network as net
    record = _record("N4", {"forward_pass": net.forward_pass})
    first = record["answers"]["forward_pass"]["results"][0]
    assert first["type"] == "tuple"
    first["items"][1]["data"].append(0.5)
    verdict = judge("N4", records.validate(record, "N4"))
    n = len(record["answers"]["forward_pass"]["results"])
    assert verdict.items[0].score == (n - 1) / n
    assert "what was recorded for this input is not a result" in verdict.message


def test_where_names_list_indices_in_brackets():
    """The record's schema reports its errors at the answer (the shortest path comes first), so
    an index shows only in a path like this one, from a schema over a list."""
    from jsonschema import Draft202012Validator
    schema = {"type": "object", "properties": {"results": {"type": "array",
                                                           "items": {"type": "string"}}}}
    error, = Draft202012Validator(schema).iter_errors({"results": ["a", 1]})
    assert records._where(error) == "the record.results[1]"
    error, = Draft202012Validator({"type": "object"}).iter_errors([])
    assert records._where(error) == "the record"
