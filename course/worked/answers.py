"""The end of every worked solution: the catalogue's reference answers, as the grader holds them,
and the reference implementation's results on the cases a student sees (never the hidden ones);
and the whole worked solution of an exercise that has no hand-written steps (`worked_answer`)."""
import numpy as np

from .blocks import display, md
from .numbers import tmat


OUTPUT_NAMES = {"forward_pass": ("hidden", "output"), "lr_gradient_descent": ("w", "b"),
                "logistic_gradient_descent": ("w", "b"), "backprop_gradients": ("dW1", "dw2")}


def _outputs(item, value):
    value = value if isinstance(value, tuple) else (value,)
    names = OUTPUT_NAMES.get(item.name, tuple(f"output {k + 1}" for k in range(len(value))))
    if len(value) == 1:
        names = (item.name + "(z)",)
    return names, value


def function_results(ex):
    """The reference's output on each case the student sees (never the hidden ones)."""
    lines = []
    for item in ex.items:
        if item.kind.name != "function":
            continue
        for case in item.cases:
            if case.hidden:
                continue
            names, values = _outputs(item, case.expected())
            shown = ", \\quad ".join(rf"\texttt{{{n.replace('_', chr(92) + '_')}}} = {tmat(v)}"
                                     for n, v in zip(names, values))
            lines.append(f"`{item.name}` on {case.label}:\n\n" + display(shown))
    return lines


def answers(ex):
    """The catalogue's reference answers of an exercise, as the grader holds them."""
    out = []
    for item in ex.items:
        line = item.kind.worked(item, tmat)
        if line:
            out.append(line)
    blocks = []
    if out:
        blocks.append(md("**Answer.**", "", *out))
    results = function_results(ex)
    if results:
        blocks.append(md("**Results of the reference implementation.**", "", "\n\n".join(results)))
    return blocks


def _given_line(name, value):
    shown = name.replace("_", "\\_")
    try:
        return rf"\texttt{{{shown}}} = {tmat(value)}"
    except (TypeError, ValueError):      # not numbers: as the notebook prints it
        return rf"\texttt{{{shown}}} = \texttt{{{value!r}}}"


def worked_answer(ex):
    """The worked solution of an exercise the course adds without hand-written steps: what it
    states (title, given data, formatted as every worked solution formats numbers), then the
    answers the reference computes from that data, as the grader holds them (`answers`)."""
    given = [_given_line(name, value) for name, value in ex.given.items()
             if isinstance(value, (int, float, np.ndarray, list, tuple))]
    lead = []
    if given:
        lead += [f"{ex.title}: the exercise gives", "", display(*given), ""]
    lead.append("The reference implementation computes the answer from "
                + ("these, " if given else "the exercise's data, ")
                + "exactly as the grader does; a correct answer equals it within the "
                "exercise's tolerance.")
    return [md(*lead)] + answers(ex)
