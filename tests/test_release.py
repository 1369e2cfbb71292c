"""Nothing a student receives gives an answer away.

What a student receives: the text of the release notebooks (prose and code cells) and every
message the self-check and the grader can print.  The messages are generated here by judging many
wrong answers of every exercise (scaled, shifted, rounded, reshaped, of the wrong type, each named
mistake, and for functions wrong, raising and input-changing ones), on both sides.

1. Strings of maths.  Every stretch of text that the notebooks' own parser reads as an expression
   in an exercise's symbols (code spans, quoted strings, string literals and any run of words and
   operators, tried at every word boundary) is compared with every symbolic reference of that
   exercise's kind of symbols by the grader's own check: SymPy lambdify at the item's seeded
   points.  None may equal a reference.  Each text is read in the usual written forms of a
   derivative: as written, its LaTeX as plain maths, and both with vector notation read for one
   observation (X^T(p - y)/N as x1 (p - y), 1^T(p - y) as p - y; Unicode minus signs and
   transposes too), so a gradient stated in matrix form before its exercise is found.
2. Numbers.  Every number printed is compared with every numeric reference (every entry of every
   value item, and the expected outputs of every function case, hidden ones included).  A number
   that the grader would accept as that reference (within the hand tolerance, |x - r| <= 5e-4 +
   1e-3 |r|) and that is the reference rounded to the decimals printed gives it away, unless the
   lab itself prints that number (EXERCISES.md and the lab's text, kept in docs/lab/, perhaps with more digits), or
   the number has a single significant figure (1, 0.5, 10%) and is not exactly the reference.
   Release text is compared with every reference; a message with those of its own notebook.
"""
import contextlib
import io
import re
from functools import lru_cache
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import catalogue
from autograder.checks import symbolic as S
from autograder.judging import collect_namespace, judge
from autograder.reference import activations as act
from autograder.reference import backprop as bp
from autograder.reference import descent as gd
from autograder.reference import network as net
from mdl_kernel import check
from mdl_kernel.compare import HAND

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / "release" / "maths_of_dl"
LAB = REPO / "docs" / "lab"   # what the project keeps of the lab (docs/lab/README.md)
SYMBOLIC = catalogue.with_kind("symbolic")


# ------------------------------------------------------------------ what a student reads
def release_texts():
    """(where, text) of every cell of the release notebooks."""
    out = []
    for path in sorted(RELEASE.glob("*.ipynb")):
        for k, cell in enumerate(nbformat.read(path, as_version=4).cells):
            out.append((f"{path.stem} cell {k}", cell.source))
    return out


def _scaled(value, factor, shift=0.0):
    return np.asarray(value, dtype=float) * factor + shift


def _value_answers(item):
    """Wrong answers of a value item: near and far misses, rounding, shapes, types, mistakes."""
    ref = np.asarray(item.expected, dtype=float)
    answers = [_scaled(ref, 1.004), _scaled(ref, 1.05), _scaled(ref, 1.37, 0.71), -ref,
               np.round(ref, 1), np.round(ref, 0), ref.T, np.append(ref.ravel(), 1.0),
               ref.ravel().tolist(), "0.5", None, np.full(ref.shape, np.nan), [[1, 2], [3]]]
    if ref.ndim:
        one = ref.copy()
        one.flat[-1] = one.flat[-1] * 1.2 + 0.3
        answers.append(one)
    answers += [np.asarray(wrong, dtype=float) for _, _, wrong in item.wrong_variants()]
    return answers


def _other_answers(item):
    if item.kind.name == "boolean":
        return [not item.expected, "yes", 1]
    if item.kind.name == "label":
        return ["MAYBE", 3] + [c for c in item.options["choices"] if c != item.expected]
    return []


def _symbolic_answers(item):
    ref = item.expected
    return [ref + 1, 2 * ref, -ref, ref * ref, 3, None, [1], "(", "foo + 1", "x1 +* 2", "1/0",
            "exp(1000*x1)"] + [wrong for _, _, wrong in item.wrong_variants()]


REFERENCE_FUNCTIONS = {
    "sigmoid": act.sigmoid, "tanh": act.tanh, "relu": act.relu, "softmax": act.softmax,
    "forward_pass": net.forward_pass, "lr_gradient_descent": gd.lr_gradient_descent,
    "logistic_gradient_descent": gd.logistic_gradient_descent,
    "backprop_gradients": bp.backprop_gradients}


def _function_answers(item):
    right = REFERENCE_FUNCTIONS[item.name]

    def scaled(*args, **kwargs):
        out = right(*args, **kwargs)
        return tuple(np.asarray(o) * 1.3 for o in out) if type(out) is tuple else np.asarray(out) * 1.3

    def nearly(*args, **kwargs):
        out = right(*args, **kwargs)
        return tuple(np.asarray(o) * 1.004 for o in out) if type(out) is tuple else np.asarray(out) * 1.004

    def changes_inputs(*args, **kwargs):
        out = right(*args, **kwargs)
        for a in list(args) + list(kwargs.values()):
            if isinstance(a, np.ndarray):
                a *= 2
        return out

    def raises(*args, **kwargs):
        raise ValueError("not done")

    def text(*args, **kwargs):
        return "no"

    def flat(*args, **kwargs):
        out = right(*args, **kwargs)
        return tuple(np.ravel(o) for o in out) if type(out) is tuple else np.ravel(out)

    return [scaled, nearly, changes_inputs, raises, text, flat, 3]


def _answers(item):
    kind = item.kind.name
    if kind in ("value", "integer"):
        return _value_answers(item) + ([np.asarray(item.expected) + 0.5] if kind == "integer" else [])
    if kind == "symbolic":
        return _symbolic_answers(item)
    if kind == "function":
        return _function_answers(item)
    return _other_answers(item)


@lru_cache(maxsize=None)
def messages():
    """Every message judged for the wrong answers above, by the grader and by the self-check."""
    out = []
    for ex in catalogue.CATALOGUE.values():
        for item in ex.items:
            for answer in _answers(item):
                namespace = {item.name: answer}
                verdict = judge(ex.id, collect_namespace(ex.id, namespace))
                out.append((f"{ex.id} graded", verdict.message))
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    check(ex.id, namespace)
                out.append((f"{ex.id} self-check", printed.getvalue()))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            check(ex.id, {})
        out.append((f"{ex.id} self-check, nothing defined", printed.getvalue()))
    return tuple(out)


def everything():
    return release_texts() + list(messages())


# ------------------------------------------------------------------ 1. strings of maths
SEPARATORS = re.compile(r"[`\"'\n,;:=<>\[\]{}$\\|]|\. |\.$")
MATHS = re.compile(r"[A-Za-z0-9_.+\-*/^() ]+")


def maths_candidates(text):
    """Every stretch of `text` that could be a string of plain maths: quoted strings and code
    spans whole, and every run of words and operators at every pair of word boundaries."""
    found = set(re.findall(r"`([^`\n]+)`", text)) | set(re.findall(r"\"([^\"\n]+)\"", text))
    found |= set(re.findall(r"'([^'\n]+)'", text))
    for piece in SEPARATORS.split(text):
        for run in MATHS.findall(piece):
            words = run.split()
            for i in range(len(words)):
                for j in range(i + 1, min(len(words), i + 25) + 1):
                    found.add(" ".join(words[i:j]))
    return {c.strip() for c in found if re.search(r"[A-Za-z]", c) and len(c) <= 400}


def latex_as_plain(text):
    """The inline and display maths of markdown ($...$), rewritten as plain maths where the
    notation maps simply: \\frac{a}{b} -> (a)/(b), \\hat{y} -> y_hat, w^{(2)}_{11} -> w2_11,
    x_1 -> x1, S(...) -> sigmoid(...), \\exp -> exp, \\cdot -> *; implicit products (2x) stay as they
    are and simply do not parse."""
    out = []
    for maths in re.findall(r"\$\$?([^$]+)\$\$?", text):
        t = maths
        for _ in range(3):
            t = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", t)
        t = re.sub(r"\\hat\{(\w)\}", r"\1_hat", t)
        t = re.sub(r"(\w)\^\{\((\d)\)\}_\{?(\w+)\}?", r"\g<1>\2_\3", t)
        t = re.sub(r"([A-Za-z])_\{?(\d+)\}?", r"\1\2", t)
        t = re.sub(r"\bS\(", "sigmoid(", t)
        t = t.replace("\\left", "").replace("\\right", "").replace("\\cdot", "*")
        t = t.replace("\\big", "").replace("\\Big", "").replace("\\,", " ").replace("\\exp", "exp")
        t = t.replace("\\log", "log").replace("{", "(").replace("}", ")")
        out.append(t)
    return "\n".join(out)


UNICODE = {"\u2212": "-", "\u1d40": "^T", "\u00b7": "*", "\u00d7": "*", "\u00b2": "^2", "\u2202": "d"}
VECTOR = [   # a formula in vectors and matrices, read for one observation (N = 1) and component k
    (r"\\(?:mathbf|boldsymbol|vec)\{1\}\s*\^\s*\{?(?:\\top|T)\}?", " 1*"),
    (r"\\(?:mathbf|boldsymbol)\{X\}\s*\^\s*\{?(?:\\top|T)\}?|\bX\s*\^\s*\{?(?:\\top|T)\}?", " x{k}*"),
    (r"\\(?:mathbf|boldsymbol)\{x\}_\{?i\}?|\\(?:mathbf|boldsymbol)\{x\}", "x{k}"),
    (r"\\(?:mathbf|boldsymbol)\{(\w)\}", r"\1"),
    (r"\\frac\{1\}\{N\}|\(1/N\)|\b1/N\b", " 1*"),
    (r"\b([pyz])_i\b|\b([pyz])_\{i\}", r"\1\2"),
]


def one_observation(text, k):
    """`text` with its vector notation read for one observation's k-th input: X^T(p - y)/N is
    x_k (p - y), 1^T(p - y) is p - y (the usual written forms of a gradient in matrix form)."""
    for char, plain in UNICODE.items():
        text = text.replace(char, plain)
    for pattern, replacement in VECTOR:
        text = re.sub(pattern, replacement.replace("{k}", str(k)), text)
    return text


def written_forms(text):
    """Every reading of `text` as plain maths: as written, its LaTeX rewritten, and both read for
    one observation (each input in turn)."""
    forms = [text, latex_as_plain(text)]
    for k in (1, 2, 3):
        once = one_observation(text, k)
        forms += [once, latex_as_plain(once)]
    return set().union(*(maths_candidates(form) for form in forms))


def _symbolic_items():
    return [(eid, item) for eid in SYMBOLIC for item in catalogue.exercise(eid).items]


def _names(item):
    return set(item.options["symbols"]) | set(item.options["intermediates"])


def give_aways(texts):
    """(where, string, exercise, item) for each string equal to a symbolic reference."""
    items = _symbolic_items()
    found = []
    tried = {}
    for where, text in texts:
        for candidate in written_forms(text):
            if candidate in tried:
                hits = tried[candidate]
            else:
                hits = []
                for eid, item in items:
                    identifiers = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", candidate))
                    if not identifiers & _names(item):
                        continue   # a constant, or none of this exercise's names
                    plain = S.to_plain(candidate, item.options)
                    if plain["type"] != "expr":
                        continue
                    result = S.compare(item.name, plain, item.expected, item.options, [])
                    if result.score >= 1:
                        hits.append((eid, item.name))
                tried[candidate] = hits
            found += [(where, candidate, eid, name) for eid, name in hits]
    return found


def test_the_search_finds_a_reference_written_as_an_example():
    """The search itself: the G6 example of before ("(p - y)*x1") and the wrong-type message of
    before (quoting "2*(y_hat - y)*y_hat") are found, as are answers inside sentences."""
    old = [("G6 prose", 'strings of plain maths such as `"(p - y)*x1"`) in'),
           ("message", 'a string of maths such as "2*(y_hat - y)*y_hat" is expected'),
           ("sentence", "so the gradient is p - y for the bias."),
           ("latex", r"so $\frac{\partial L}{\partial w^{(2)}_{11}} = 2 \cdot (\hat{y} - y) "
                     r"\cdot \hat{y} \cdot a^{(1)}_1$ here")]
    old += [("G5 prose", r"Its gradients are $\partial\mathcal{L}/\partial\mathbf{w} = "
                         r"\frac{1}{N}\mathbf{X}^\top(\mathbf{p} - \mathbf{y})$ and "
                         r"$\partial\mathcal{L}/\partial b = \frac{1}{N}\mathbf{1}^\top(\mathbf{p} - \mathbf{y})$."),
            ("unicode", "so \u2202L/\u2202w = (1/N) X\u1d40(p \u2212 y) for the weights")]
    hits = {(where, eid, name) for where, _, eid, name in give_aways(old)}
    assert hits == {("G6 prose", "G6", "dCE_dw1"), ("message", "B3", "delta2_1"),
                    ("sentence", "G6", "dCE_db"), ("latex", "B3", "dL_dw2_11"),
                    ("latex", "B3", "delta2_1"), ("G5 prose", "G6", "dCE_dw1"),
                    ("G5 prose", "G6", "dCE_dw2"), ("G5 prose", "G6", "dCE_db"),
                    ("unicode", "G6", "dCE_dw1"), ("unicode", "G6", "dCE_dw2")}


@pytest.mark.parametrize("source", ["release", "messages"])
def test_no_string_of_maths_equals_a_symbolic_reference(source):
    texts = release_texts() if source == "release" else list(messages())
    found = give_aways(texts)
    assert not found, "\n".join(f"{w}: {c!r} is {e} {n}" for w, c, e, n in found[:20])


# ------------------------------------------------------------------ 2. numbers
NUMBER = re.compile(r"(?<![A-Za-z_0-9.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def numbers_in(text):
    return {m.group(0).lstrip("-") for m in NUMBER.finditer(text)}


@lru_cache(maxsize=None)
def lab_numbers():
    """The numbers the lab itself prints (its text and EXERCISES.md), as floats: the contract
    as copied, and the numbers of the lab's text by line (after each line's `<line>:`)."""
    printed = [line.partition(":")[2] for line in (LAB / "lab-printed-numbers.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    text = (LAB / "EXERCISES.md").read_text() + "\n".join(printed)
    return {float(n) for n in numbers_in(text)}


def _significant(token):
    digits = re.sub(r"[eE].*", "", token).replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." not in token else len(digits)


@lru_cache(maxsize=None)
def numeric_references():
    """(label, value) of every entry of every numeric reference."""
    out = []
    for ex in catalogue.CATALOGUE.values():
        for item in ex.items:
            if item.kind.name in ("value", "integer"):
                values = [np.asarray(item.expected, dtype=float)]
            elif item.kind.name == "function":
                values = []
                for case in item.cases:
                    expected = case.expected()
                    values += [np.asarray(e, dtype=float) for e in
                               (expected if type(expected) is tuple else (expected,))]
            else:
                continue
            for v in values:
                out += [(f"{ex.id} {item.name}", float(x)) for x in np.ravel(v)]
    return out


def _decimals(token):
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return decimals - int(exponent or 0)


def _rounds_to(values, x, decimals):
    """Which of `values` print as x when rounded to `decimals` decimals."""
    return np.abs(values - x) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9) + 1e-12


def number_give_aways(texts, exercise_ids=None):
    """(where, number, reference) for each printed number that is a reference rounded to the
    decimals printed (and that the grader would accept), unless the lab prints it too.  Only the
    references of `exercise_ids` count when given (a message is read next to its own notebook)."""
    chosen = [(label, v) for label, v in numeric_references()
              if exercise_ids is None or label.split()[0] in exercise_ids]
    refs = np.array([v for _, v in chosen])
    labels = [label for label, _ in chosen]
    lab = np.array(sorted(lab_numbers()))
    found = []
    seen = set()
    for where, text in texts:
        for token in numbers_in(text):
            if token in seen:
                continue
            seen.add(token)
            x, decimals = float(token), _decimals(token)
            if _rounds_to(lab, x, decimals).any():
                continue   # the lab prints it (perhaps with more digits)
            for sign in (1, -1):
                exact = np.abs(sign * x - refs) <= 1e-12 * np.maximum(1, np.abs(refs))
                rounded = _rounds_to(refs, sign * x, decimals) & HAND.close(sign * x, refs)
                hits = exact | (rounded & (_significant(token) >= 2))
                found += [(where, token, labels[k]) for k in np.flatnonzero(hits)]
    return found


def test_the_number_search_finds_a_printed_reference():
    """A hidden case's output (B4 on other data) printed to 4 decimals is found; the lab's own
    printed numbers are not."""
    case = catalogue.exercise("B4").item("backprop_gradients").cases[1]
    ref = float(np.ravel(case.expected()[0])[0])
    hits = number_give_aways([("example", f"the first entry is {ref:.4f}")], exercise_ids=None)
    assert any(label == "B4 backprop_gradients" for _, _, label in hits)
    lab_w = float(np.ravel(catalogue.exercise("G1").item("w_step1").expected)[1])
    assert not number_give_aways([("example", f"{lab_w:.4f}")], exercise_ids=None)


def test_no_number_in_the_release_gives_a_reference_away():
    found = number_give_aways(release_texts())
    assert not found, "\n".join(f"{w}: {t} equals {label}" for w, t, label in found[:30])


@pytest.mark.parametrize("notebook", catalogue.NOTEBOOKS)
def test_no_number_in_a_message_gives_a_reference_of_its_notebook_away(notebook):
    """A message is compared with the references of the exercises of its own notebook: its
    counterexample points are random numbers of 3 decimals, which do meet, by chance, some entry
    of the thousands of hidden outputs elsewhere, and that tells nobody anything."""
    ids = {e.id for e in catalogue.in_notebook(notebook)}
    texts = [(w, m) for w, m in messages() if w.split()[0] in ids]
    found = number_give_aways(texts, exercise_ids=ids)
    assert not found, "\n".join(f"{w}: {t} equals {label}" for w, t, label in found[:30])


def test_the_messages_cover_every_exercise_and_every_kind_of_message():
    """The search ran over what it claims: messages of every exercise, graded and self-checked,
    including counterexamples, named mistakes, shapes, types and changed inputs."""
    text = "\n".join(m for _, m in messages())
    for eid in catalogue.CATALOGUE:
        assert any(w.startswith(f"{eid} graded") for w, _ in messages())
    for words in ("This looks like", "At ", "shape", "where a number or an array", "is not defined",
                  "changed the caller's array", "raised ValueError", "about the size of rounding"):
        assert words in text, words
