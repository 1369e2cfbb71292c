"""Shared by the whole suite: only what mutation testing (scripts/mutation.py) needs."""
import os
import sys

import pytest

GRADER = ("autograder", "mdl_kernel", "course")


@pytest.fixture(autouse=True)
def _caches_emptied_while_mutmut_learns_which_tests_reach_what():
    """mutmut learns which tests reach each function from one run of the tests (its "stats"
    run), then tests each mutant with those tests only.  A function behind an `lru_cache` (the
    kinds' judging data, the references, the symbolic points...) would be reached only by the
    first test that fills the cache, and its mutants tested by that test alone.  During that run,
    and only then, every cache of the grader's modules is emptied before each test."""
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in GRADER and module is not None:
                for value in list(vars(module).values()):
                    if callable(getattr(value, "cache_clear", None)):
                        value.cache_clear()
    yield
