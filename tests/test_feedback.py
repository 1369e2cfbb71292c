"""Feedback a student can read (autograder.feedback and the grader's verdicts), through nbgrader's
real feedback template, in a real headless Chromium with no network at all.

The pages are made every way a course makes them: plain `nbgrader generate_feedback`, then
`release_feedback` and a student's `fetch_feedback` through a real exchange (after
`release_assignment`, `fetch_assignment`, `submit` and `collect`), `maths-of-dl feedback` and
`maths-of-dl grade-class`.  On each page the visible text keeps no `$...$`, maths is drawn
(MathML), each graded cell shows one verdict (its points and each item's message), no verdict box
needs a horizontal scrollbar at 1000 px, and the header splits autograded points from those still
to be graded by hand.
"""
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from traitlets.config import PyFileConfigLoader

from autograder.assignment import LAB
from autograder import cli, feedback
from autograder.catalogue import in_notebook
from autograder.grading import marking
from autograder.settings import COURSE_KEY, REPO, tool_env
from autograder.submissions import solutions

from offline_browser import look

MATHS = r"Inline $\mathbf{z} = \mathbf{X}\mathbf{w} + \mathbf{b}$ and" \
        "\n\n$$\\frac{\\partial L}{\\partial w} = \\frac{2}{N}\\sum_i (\\hat y_i - y_i) x_i$$"
DOLLARS = re.compile(r"\$[^$\n]{1,200}\$")
W2_TRANSPOSED = ("X = np.array([[0.29, 0.11, 0.8]])\n"
                 "w1 = np.array([[0.3, 0.6], [0.8, 0.4], [0.1, 0.5]])\n"
                 "b1 = np.array([[1.0, 1.0]])\n"
                 "w2 = np.array([[0.1, 0.7], [0.5, 0.2]])\nb2 = np.array([[1.0, 1.0]])\n")
NOTEBOOKS = ("01_forward_pass", "03_network_output")
STUDENT_ANSWERS = {"01_forward_pass": {"F1b_answer": "z_1b = X_1b @ w_1b\n"},     # no bias
                   "03_network_output": {"N1_answer": W2_TRANSPOSED}}


def _exporter():
    """The course's feedback exporter with the configuration `generate_feedback` gives it:
    nbgrader's own `feedback` template and the course's nbgrader_config.py."""
    from nbgrader.converters import GenerateFeedback
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    config.merge(GenerateFeedback(config=config).config)
    return feedback.FeedbackExporter(config=config)


def _page(cells, scores=None):
    resources = {"nbgrader": {"notebook": "01_forward_pass", "score": 3, "max_score": 5,
                              "late_penalty": 0}}
    if scores:
        resources[COURSE_KEY] = {"scores": scores}
    html, _ = _exporter().from_notebook_node(new_notebook(cells=cells), resources=resources)
    return html


def test_a_page_holds_its_maths_as_mathml_and_loads_nothing():
    html = _page([new_markdown_cell(MATHS), new_code_cell("z = 1", outputs=[new_output(
        "execute_result", data={"text/latex": r"$\displaystyle x^{2}$", "text/plain": "x**2"},
        execution_count=1)])])
    assert "nbgrader_cell" in html or "Score" in html or "<h4>" in html   # nbgrader's template
    assert html.count("<math") == 3 and "<mfrac>" in html
    assert "<script" not in html and "cdnjs" not in html and "MathJax.Hub" not in html
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    body = re.sub(r"<[^>]+>", " ", html.split("<body")[-1])
    assert not DOLLARS.search(body) and "\\frac" not in body


def test_formulas_keep_no_link_and_unknown_tex_stays_readable():
    assert "href" not in feedback.tex_to_mathml(r"\href{javascript:alert(1)}{x}")
    assert "javascript" not in feedback.tex_to_mathml(r"\href{javascript:alert(1)}{x}")
    fallback = feedback.tex_to_mathml(r"\unknowncommand{<b>}")
    assert fallback.startswith("<") and "<b>" not in fallback
    for hostile in (r"\text{<script>alert(1)</script>}", r"\text{<img src=x onerror=alert(1)>}",
                    r"\mathrm{</math><script>alert(1)</script>}"):
        made = feedback.tex_to_mathml(hostile)
        assert "<script" not in made and "<img" not in made, made
    assert feedback.tex_to_mathml("x < y") == \
        '<math display="inline"><mrow><mi>x</mi><mo>&lt;</mo><mi>y</mi></mrow></math>'


def test_the_header_splits_autograded_points_from_points_graded_by_hand():
    pending = dict(auto=14, auto_max=14, manual=0, manual_max=2, manual_graded_max=0)
    assert feedback.header(pending) == "14 / 14 autograded · 2 points still to be graded by hand"
    done = dict(pending, manual=1.5, manual_graded_max=2)
    assert feedback.header(done) == \
        "14 / 14 autograded · 1.5 / 2 graded by hand · 15.5 / 16 in all"
    assert feedback.header(dict(auto=5.428571, auto_max=9, manual=0, manual_max=0,
                                manual_graded_max=0)) == "5.43 / 9 autograded"
    html = _page([new_markdown_cell("text")], scores=pending)
    assert "2 points still to be graded by hand" in html and "(Score: 3" not in html


def test_a_verdict_rounds_partial_points_for_reading():
    summary = {"points": 5.428571, "max": 8.0, "feedback": ["sigmoid: right on 3 of 7 inputs."],
               "errors": [], "answers": {}}
    text = marking.verdict_markdown("A0", summary)
    assert text.startswith("**A0: 5.43 / 8 points**") and "5.4285" not in text
    assert "- sigmoid: right on 3 of 7 inputs\\." in text


def test_a_message_is_shown_as_written_never_as_markdown_or_html():
    summary = {"points": 0.0, "max": 2.0, "feedback": ["z_1a: <img src=x> **bold** $x$ [a](b)"],
                "errors": [], "answers": {}}
    html = _page([new_code_cell("x", outputs=[new_output(
        "execute_result", execution_count=1, data={
            "text/plain": "0.0", "text/markdown": marking.verdict_markdown("F1a", summary)})])])
    assert "<img" not in html and "<strong>bold" not in html and "<math" not in html
    assert "&lt;img src=x&gt;" in html and "z_1a" in html


# ---------------------------------------------------------------------------- real pages
def _nbgrader(cwd, *args):
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=tool_env(),
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    return run


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Feedback pages of a student whose N1 has w2 transposed and whose F1b has no bias, made
    each way a course makes them: {way: {notebook: path}}."""
    root = tmp_path_factory.mktemp("feedback")
    course, home, exchange = root / "course", root / "student", root / "exchange"
    cli.prepare(course)
    cli.release(course, LAB)
    home.mkdir()
    ex = [f"--Exchange.root={exchange}", f"--Exchange.cache={root / 'cache'}"]
    _nbgrader(course, "release_assignment", LAB.id, *ex)
    _nbgrader(home, "fetch_assignment", LAB.id, "--course", "maths-of-dl", *ex)
    model = solutions(course / "source" / LAB.id)
    for path in sorted((home / LAB.id).glob("*.ipynb")):
        if path.stem not in NOTEBOOKS:
            path.unlink()                          # this student hands in two notebooks
            continue
        nb = nbformat.read(path, as_version=4)
        fill = dict(model[path.stem], **STUDENT_ANSWERS.get(path.stem, {}))
        for cell in nb.cells:
            cell.source = fill.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
        nbformat.write(nb, path)
    _nbgrader(home, "submit", LAB.id, "--course", "maths-of-dl", *ex)
    _nbgrader(course, "collect", LAB.id, *ex)
    (student,) = [p.name for p in (course / "submitted").iterdir()]
    _nbgrader(course, "autograde", LAB.id)
    _nbgrader(course, "generate_feedback", LAB.id)
    made = {"generate_feedback": root / "generate_feedback"}
    shutil.copytree(course / "feedback" / student / LAB.id, made["generate_feedback"])
    _nbgrader(course, "release_feedback", LAB.id, *ex)
    _nbgrader(home, "fetch_feedback", LAB.id, "--course", "maths-of-dl", *ex)
    (made["fetch_feedback"],) = (home / LAB.id / "feedback").iterdir()
    assert cli.feedback(course, LAB) == 0
    made["maths-of-dl feedback"] = course / "feedback" / student / LAB.id
    # the same answers graded by grade-class, on a worker
    shutil.copytree(course / "submitted" / student, course / "submitted" / "gc")
    assert cli.grade_class(course, LAB, workers=1, students=["gc"], quiet=True) <= 1
    made["grade-class"] = course / "feedback" / "gc" / LAB.id
    return {way: {nb: folder / f"{nb}.html" for nb in NOTEBOOKS} for way, folder in made.items()}


@pytest.fixture(scope="module")
def seen(pages, tmp_path_factory):
    """What an offline browser shows of each page: {(way, notebook): probe}."""
    order = [(way, nb) for way in pages for nb in NOTEBOOKS]
    probes = look([pages[way][nb] for way, nb in order], tmp=tmp_path_factory.mktemp("browser"))
    return dict(zip(order, probes))


@pytest.mark.slow
def test_every_way_of_making_feedback_makes_every_page(pages):
    assert set(pages) == {"generate_feedback", "fetch_feedback", "maths-of-dl feedback",
                          "grade-class"}
    for way, made in pages.items():
        for nb, page in made.items():
            html = page.read_text()
            assert "<script" not in html and 'class="tex"' not in html, (way, nb)
            assert "HIDDEN TESTS" not in html, (way, nb)


@pytest.mark.slow
def test_offline_the_maths_is_drawn_and_no_tex_is_left(seen):
    for (way, nb), probe in seen.items():
        assert probe["maths"] >= 5, (way, nb, probe["maths"])
        assert not DOLLARS.search(probe["text"]), (way, nb, DOLLARS.findall(probe["text"])[:3])
        assert "\\frac" not in probe["text"] and "\\mathbf" not in probe["text"], (way, nb)


@pytest.mark.slow
def test_each_graded_cell_shows_one_verdict_that_wraps_at_1000_px(seen):
    for (way, nb), probe in seen.items():
        assert probe["verdicts"] == len(in_notebook(nb)), (way, nb, probe["verdicts"])
        assert probe["scrolling"] == [] and not probe["page_scrolls"], (way, nb, probe["scrolling"])
        text = probe["text"]
        for stale in ("judged when you are graded", "recorded]", "Graded:"):
            assert stale not in text, (way, nb, stale)
        assert not re.search(r"Out\[\d*\]:\s*(\d+\.\d+\s*$|\w+: [\d.]+ / [\d.]+ points)", text,
                             re.M), (way, nb)
        for points in re.findall(r"(\d+\.\d+) / \d+ points?", text):
            assert len(points.split(".")[1]) <= 2, (way, nb, points)


@pytest.mark.slow
def test_the_verdicts_say_what_the_student_needs(seen):
    for way in ("generate_feedback", "fetch_feedback", "maths-of-dl feedback", "grade-class"):
        network = seen[(way, "03_network_output")]["text"]
        assert "N1: 4 / 5 points" in network and "w2 with rows and columns swapped" in network
        assert "C: follows correctly from your own w2" in network, way
        assert "N2: 4 / 4 points" in network and "N3: 1 / 1 point\n" in network, way
        forward = seen[(way, "01_forward_pass")]["text"]
        assert "F1b: 0 / 2 points" in forward and "without adding the bias" in forward
        assert "2 points still to be graded by hand" in forward, way
        assert "Score: " not in forward.split("\n")[1], way
