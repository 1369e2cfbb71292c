"""autograder.cache: the slow references (B5's and B6's 5000-step trainings), stored once in
autograder/data/slow_references.json and equal to a fresh computation."""
import json

import numpy as np

from autograder import cache


def test_stored_slow_references_equal_a_fresh_computation(tmp_path):
    """The one slow test (~6 s): 5000 steps of gradient descent and of Adam on 10000 observations,
    written as `python -m autograder.cache` writes them."""
    assert cache.PATH.exists(), "autograder/data/slow_references.json is missing"
    path = tmp_path / "data" / "slow.json"
    cache.write(path)
    fresh = json.loads(path.read_text())
    assert path.read_text() == json.dumps(fresh, indent=1) + "\n"   # as committed: one final newline
    assert set(fresh) == {"B5", "B6"}
    for key in ("B5", "B6"):
        stored = cache.slow(key)
        assert set(stored) == set(fresh[key]) == {"W1", "w2"}
        for name in ("W1", "w2"):
            assert stored[name].shape == np.shape(fresh[key][name]) == ((3, 2) if name == "W1"
                                                                          else (2, 1))
            np.testing.assert_allclose(stored[name], fresh[key][name], rtol=0, atol=1e-10,
                                       err_msg=f"{key} {name}")


def test_slow_returns_fresh_arrays():
    a = cache.slow("B5")
    a["W1"][:] = 0
    assert not np.all(cache.slow("B5")["W1"] == 0)
    assert cache.slow("B5")["W1"].dtype == np.float64


def test_the_stored_file_is_read_once(monkeypatch, tmp_path):
    cache._stored.cache_clear()
    try:
        assert cache.slow("B6")["w2"].shape == (2, 1)
        monkeypatch.setattr(cache, "PATH", tmp_path / "gone.json")    # no longer readable
        assert cache.slow("B6")["w2"].shape == (2, 1)
    finally:
        cache._stored.cache_clear()
