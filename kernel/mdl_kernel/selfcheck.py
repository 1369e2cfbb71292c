"""The self-check a student runs under each answer: right or wrong and why, never the answer.

`check(exercise_id, globals())` reads the exercise's names as the graded test will, then
    in the `format` release mode: says whether each answer has the type, shape and finiteness
        asked for, and nothing about its values;
    in the `full` mode: judges each answer as the grader will (visible inputs only for a
        function), with the data the manifest ships: which entries are off and in which
        direction, and the name of a known mistake.
Points are decided only when the tutor grades the notebook.
"""
from . import manifest
from .kinds import KERNEL_KINDS
from .recording import collect

FROM_THE_TOP = (" Grading runs the notebook from the top, so define it in a cell above this one "
                "(Kernel > Restart & Run All shows what grading will see).")


def _lines(verdicts):
    for message in verdicts:
        for line in message.splitlines():
            print("  " + line)


def check(exercise_id, namespace):
    """Print the self-check of an exercise."""
    entry = manifest.exercise(exercise_id)
    answers = collect(entry, namespace)
    full = manifest.mode() == "full"
    print(f"Self-check of {exercise_id}:")
    messages, all_ok = [], True
    for info in entry["items"]:
        name, kind = info["name"], KERNEL_KINDS[info["kind"]]
        plain = answers[name]
        if plain["type"] == "missing":
            messages.append(f"{name} is not defined.{FROM_THE_TOP}")
            all_ok = False
            continue
        data = manifest.answers(exercise_id, name) if full else None
        if data is None:
            ok, message = kind.check_form(name, plain, info)
        else:
            score, message, _ = kind.judge(name, plain, info, data, include_hidden=False)
            ok = score >= 1
        all_ok &= ok
        messages.append(message)
    _lines(messages)
    functions = any(info["kind"] == "function" for info in entry["items"])
    if all_ok:
        hidden = " Your functions will also be tested on hidden inputs." if functions else ""
        print(("  All correct so far." if full else
               "  Every answer has the form asked for; its values are judged when you are "
               "graded.") + hidden)
