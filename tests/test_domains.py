"""Points sampled from each symbol's meaning (autograder.domains): G6's label y is 0 or 1, so
every counterexample a student is shown is an observation that can exist."""
import re

import numpy as np
import pytest

from autograder import domains
from autograder.catalogue import exercise
from autograder.checks import symbolic as S


def test_a_set_of_values_is_sampled_from_those_values_only():
    rng = np.random.default_rng(0)
    drawn = domains.sample(domains.LABEL, rng, 200)
    assert set(drawn) == {0.0, 1.0}
    assert domains.contains(domains.LABEL, drawn)
    assert not domains.contains(domains.LABEL, [0.472])
    assert domains.contains((0.0, 1.0), [0.472]) and not domains.contains((0.0, 1.0), [1.5])
    with pytest.raises(ValueError):
        domains.Values(())


def test_g6s_label_is_declared_a_label_and_its_points_are_labels():
    for item in exercise("G6").items:
        assert item.options["domain"]["y"] == domains.LABEL
        names = item.options["symbols"]
        points = S._points(*S._key(item.name, item.options))
        labels = points[:, list(names).index("y")]
        assert set(labels) == {0.0, 1.0}          # both labels, nothing else


WRONG_G6 = ["(y - p) * x1", "(p - y) * x1 * 2", "p * x1", "(p - y) * x2", "(p - y)**2 * x1",
            "x1 * p * (1 - p)", "-(p - y)", "y * x1", "(p - y) * x1 + 0.1", "log(p) * x1"]


@pytest.mark.parametrize("answer", WRONG_G6)
def test_every_counterexample_of_g6_has_a_label_of_0_or_1(answer):
    item = exercise("G6").item("dCE_dw1")
    result = S.compare(item.name, S.to_plain(answer, item.options), item.expected, item.options)
    assert result.score == 0.0, (answer, result.message)
    label = re.search(r"\by = (-?[0-9.]+)", result.message)
    assert label, result.message
    assert float(label.group(1)) in (0.0, 1.0), result.message


def test_right_answers_stay_right_on_labels():
    item = exercise("G6").item("dCE_dw1")
    for answer in ["(p - y) * x1", "x1 * (1/(1 + exp(-z)) - y)", "-x1 * (y - p)",
                   "x1*p - x1*y"]:
        result = S.compare(item.name, S.to_plain(answer, item.options), item.expected,
                           item.options)
        assert result.score == 1.0, (answer, result.message)
