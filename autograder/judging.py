"""From plain data to a verdict, in the tutor's process.

`judge(exercise_id, answers)` reads only plain data (what a test cell recorded, validated by
`grading.records`) and the catalogue: each item is judged by its kind.  `judge_namespace` reads a
namespace as a kernel would and judges it here, for tests and tools that hold trusted code; it is
never used on a submission, whose code runs only in its own kernel.
"""
from functools import lru_cache

from mdl_kernel.cases import pack
from mdl_kernel.recording import collect

from .catalogue import exercise as lookup
from .followthrough import follow_through
from .kernel_data import item_info
from .slips import name_slips
from .verdict import Verdict, points_line


def judge(exercise_id, answers, include_hidden=True, earlier=None):
    """The Verdict of an exercise from {name: plain record}; a missing name scores 0.  With
    `earlier` (the records of the notebook's earlier answers), a wrong answer that follows
    correctly from the student's own earlier ones earns the catalogue's follow-through credit."""
    exercise = lookup(exercise_id)
    items = tuple(item.kind.judge(item, answers.get(item.name), include_hidden)
                  for item in exercise.items)
    if earlier is not None:
        items = follow_through(exercise, items, answers, earlier)
    items = name_slips(exercise, answers, items, include_hidden)   # after the known mistakes
    return Verdict(exercise.id, exercise.points, items, exercise.weights)


def test_inputs(exercise):
    """{function name: {case index: encoded inputs}} of an exercise's function items."""
    return {item.name: item.kind.test_inputs(item) for item in exercise.items
            if hasattr(item.kind, "test_inputs")}


@lru_cache(maxsize=None)
def packed_inputs(exercise_id):
    """The packed test inputs of an exercise (`mdl_kernel.cases.pack`), or None if it has no
    function: what the grading hands the kernel (`grading.inputs`), and what the feedback must not
    show (`grading.marking.remove_hidden_inputs`)."""
    inputs = test_inputs(lookup(exercise_id))
    return pack(inputs) if inputs else None


def collect_namespace(exercise_id, namespace, include_hidden=True):
    """The plain records a graded test cell would record from `namespace` (every test input when
    `include_hidden`, else the visible ones)."""
    exercise = lookup(exercise_id)
    entry = {"items": [item_info(item) for item in exercise.items]}
    return collect(entry, namespace, test_inputs(exercise) if include_hidden else None)


def graded_text(exercise_id, verdict):
    """The feedback of a graded test cell: each item's message, then the points."""
    lines = [verdict.message] if verdict.message else []
    return "\n".join(lines + [points_line(exercise_id, verdict.points, verdict.max_points)])


def grade_namespace(exercise_id, namespace):
    """Print the feedback grading gives the answers in `namespace`; return the points."""
    verdict = judge_namespace(exercise_id, namespace)
    print(graded_text(exercise_id, verdict))
    return float(verdict.points)


def judge_namespace(exercise_id, namespace, include_hidden=True):
    """The Verdict of the answers in `namespace`, as grading would give it."""
    answers = collect_namespace(exercise_id, namespace, include_hidden)
    return judge(exercise_id, answers, include_hidden)
