"""autograder.grading.sanitize: nothing from a submission is active in a browser.

Fast tests of the sanitiser on each vector (outputs of every active type, markdown's raw HTML,
links, attachments, metadata that nbconvert writes into attributes) and on what must be kept
(plots, images, maths, honest markdown left as written, the course's notebooks untouched).

Slow: the vectors in a real browser (Selenium, Debian chromium; tests/browser.py), after real
`nbgrader autograde` and `generate_feedback` with the course configuration: a student whose
answer displays `HTML('<script>')`, a `text/html` image with `onerror`, SVG with `onload` and
`<script>`, `application/javascript` and markdown with `onerror`, draws a plot, and whose
manually graded markdown answer holds maths, `<img onerror>` and a `javascript:` link; each
payload leaves a marker and writes a file through the contents API.  Nothing runs in
formgrader's submission and students pages or in the feedback page, the plot and the maths are
there; the same class graded without the sanitiser runs them (the control).
"""
import base64
import io
from html.parser import HTMLParser

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from autograder.assignment import LAB
from autograder.grading import sanitize as sz
from autograder.grading.records import RECORD_MIME
from autograder.settings import REPO


def _png():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure = plt.figure(figsize=(1, 1))
    plt.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=20)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


PNG = _png()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\0" * 20).decode()
ATTACK = "document.title='pwned'"


def _page(nb):
    """The notebook as nbconvert renders it to HTML with its `lab` template (the feedback's)
    and its `classic` one (formgrader's)."""
    return "".join(HTMLExporter(template_name=name).from_notebook_node(nb)[0]
                   for name in ("lab", "classic"))


class _Active(HTMLParser):
    """What in a page would run or load active content: an element or attribute, not text."""

    def __init__(self):
        super().__init__()
        self.found, self._script = [], False

    def handle_starttag(self, tag, attrs):
        if tag in ("iframe", "svg", "object", "embed", "animate", "details"):
            self.found.append(tag)
        self._script = tag in ("script", "style")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") or value.startswith(("javascript:", "data:text",
                                                          "data:image/svg")):
                self.found.append(f"{tag} {name}")

    def handle_data(self, data):
        if self._script and "pwned" in data:
            self.found.append("script or style")

    def handle_endtag(self, tag):
        self._script = False


def _active(html):
    parser = _Active()
    parser.feed(html)
    return parser.found


def _display(data, metadata=None, kind="display_data"):
    extra = {"execution_count": 3} if kind == "execute_result" else {}
    return new_output(kind, data=data, metadata=metadata or {}, **extra)


OUTPUTS = {
    "html script": {"text/html": f"<script>{ATTACK}</script>", "text/plain": "<HTML>"},
    "html img onerror": {"text/html": f'<img src=x onerror="{ATTACK}">'},
    "html svg onload": {"text/html": f'<svg onload="{ATTACK}"></svg>'},
    "html iframe": {"text/html": f'<iframe srcdoc="<script>{ATTACK}</script>"></iframe>'},
    "html link": {"text/html": "<a href=\"javascript:document.title='pwned'\">x</a>"},
    "html style": {"text/html": "<style>body{background:url(javascript:pwned)}</style>x"},
    "svg": {"image/svg+xml": f'<svg xmlns="http://www.w3.org/2000/svg" onload="{ATTACK}">'
                             f"<script>{ATTACK}</script></svg>"},
    "javascript": {"application/javascript": ATTACK},
    "markdown": {"text/markdown": f'Look <img src=x onerror="{ATTACK}">'},
}


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_an_active_output_is_made_passive_and_flagged(name):
    cell = new_code_cell("x = 1", outputs=[_display(OUTPUTS[name])])
    assert _active(_page(new_notebook(cells=[cell.copy()]))), "the vector must be active"
    found = sz.sanitize_cell(cell)
    assert found, "a removed vector is flagged"
    assert _active(_page(new_notebook(cells=[cell]))) == []


@pytest.mark.parametrize("mime", ["application/vnd.jupyter.widget-view+json",
                                  "application/vnd.jupyter.widget-state+json",
                                  "text/vnd.mermaid", "application/pdf"])
def test_widgets_and_other_types_are_removed_and_flagged(mime):
    """Only a Jupyter front end interprets them (a widget's model, a diagram's script)."""
    value = {"model_id": "pwned"} if mime.endswith("json") else "graph TD; click A pwned"
    cell = new_code_cell("w", outputs=[_display({mime: value})])
    assert sz.sanitize_cell(cell) == [f"a {mime} output"]
    assert list(cell.outputs[0]["data"]) == ["text/plain"]


def test_what_is_flagged_names_a_students_mimetype_as_text():
    """The flags reach the reports and logs: a type named with HTML is percent-encoded there."""
    cell = new_code_cell("w", outputs=[_display({"x/<img src=x onerror=pwned>": "1"})])
    found = sz.sanitize_cell(cell)
    assert found == ["a x/%3Cimg%20src%3Dx%20onerror%3Dpwned%3E output"]
    assert "<" not in cell.outputs[0]["data"]["text/plain"]


def test_image_metadata_cannot_add_an_attribute():
    """nbconvert writes an image's width into an unquoted attribute."""
    cell = new_code_cell("x", outputs=[_display({"image/png": PNG}, {
        "image/png": {"width": f"1 onerror={ATTACK}", "height": 30}, "filenames": {
            "image/png": "../../source/x.png"}})])
    assert "onerror" in _page(new_notebook(cells=[cell.copy()]))
    sz.sanitize_cell(cell)
    page = _page(new_notebook(cells=[cell]))
    assert _active(page) == [] and 'height="30"' in page and "source/x.png" not in page
    assert cell.outputs[0].metadata == {"image/png": {"height": 30}}


def test_a_plot_an_image_text_maths_and_a_record_are_kept_as_they_are():
    outputs = [_display({"image/png": PNG, "text/plain": "<Figure>"},
                        {"image/png": {"width": 50}}),
               _display({"image/jpeg": JPEG}),
               _display({"text/latex": r"$\frac{\partial L}{\partial w} < 1$",
                         "text/plain": "dL/dw"}, kind="execute_result"),
               _display({RECORD_MIME: {"exercise": "F1a"}, "text/plain": "[recorded]"}),
               new_output("stream", name="stdout", text="<b>printed</b>\n"),
               new_output("error", ename="ValueError", evalue="<img>", traceback=["<img>"])]
    cell = new_code_cell("plot()", outputs=[dict(o) for o in outputs], execution_count=3)
    assert sz.sanitize_cell(cell) == []
    assert cell.outputs == outputs and cell.execution_count == 3


def test_an_image_that_is_not_its_type_is_not_kept():
    svg = base64.b64encode(f'<svg onload="{ATTACK}"/>'.encode()).decode()
    cell = new_code_cell("x", outputs=[_display({"image/png": svg}),
                                       _display({"image/jpeg": PNG, "text/plain": "fig"})])
    assert len(sz.sanitize_cell(cell)) == 2
    assert [o["data"] for o in cell.outputs][1] == {"text/plain": "fig"}
    assert "not shown" in cell.outputs[0]["data"]["text/plain"]


def test_plain_html_tables_are_kept():
    table = "<table><thead><tr><th>x</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    cell = new_code_cell("df", outputs=[_display({"text/html": table})])
    assert sz.sanitize_cell(cell) == []
    assert cell.outputs[0]["data"]["text/html"] == table


HONEST = [
    "The derivative is $\\frac{\\partial L}{\\partial w} = 2(\\hat y - y)x$, since $a<b$.",
    "**Rows** are observations:\n\n- one row per policy\n- $$\\sum_i z_i < 1$$\n\n> quoted",
    "See [the notes](https://example.org/notes) and `x < y`.\n\n```python\nx = 1 < 2\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "\\begin{align} z &= Xw + b \\end{align}",
]


@pytest.mark.parametrize("source", HONEST)
def test_honest_markdown_is_left_as_the_student_wrote_it(source):
    cell = new_markdown_cell(source)
    assert sz.sanitize_cell(cell) == [] and cell.source == source


MARKDOWN = {
    "img onerror": f'My answer <img src=x onerror="{ATTACK}"> is $a<b$.',
    "script block": f"<script>{ATTACK}</script>\n\n$x^2$",
    "details": f'<details open ontoggle="{ATTACK}"><summary>x</summary></details>',
    "javascript link": f"[click](javascript:{ATTACK})",
    "data link": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "svg": f'<svg><animate onbegin="{ATTACK}" attributeName=x dur=1s></svg>',
    "mermaid": "```mermaid\ngraph TD; A-->B; click A callback\n```",
}


@pytest.mark.parametrize("name", sorted(MARKDOWN))
def test_active_markdown_is_replaced_by_its_rendering_cleaned_and_keeps_its_maths(name):
    cell = new_markdown_cell(MARKDOWN[name])
    before = _page(new_notebook(cells=[cell.copy()]))
    assert _active(before) or "mermaid" in before
    assert sz.sanitize_cell(cell)
    page = _page(new_notebook(cells=[cell]))
    assert _active(page) == [] and 'class="mermaid"' not in page
    sz.sanitize_cell(cell)
    assert _active(_page(new_notebook(cells=[cell]))) == [], "cleaned again, still passive"
    if "$a<b$" in MARKDOWN[name]:
        assert "$a&lt;b$" in page      # text for MathJax, which reads it as a < b


def test_a_graded_cell_id_that_formgrader_would_print_as_html_is_removed():
    cell = new_markdown_cell("my answer", metadata={"nbgrader": {
        "grade": True, "solution": True, "points": 1, "schema_version": 3,
        "grade_id": "x\"><img src=x onerror=pwned>"}})
    assert sz.sanitize_cell(cell) and "nbgrader" not in cell.metadata
    kept = new_markdown_cell("mine", metadata={"nbgrader": {"grade_id": "F4_explanation-2"}})
    assert sz.sanitize_cell(kept) == [] and kept.metadata.nbgrader.grade_id == "F4_explanation-2"


def test_an_image_from_a_missing_attachment_is_shown_as_text():
    """nbconvert cannot render it (InvalidNotebook): the page would not be made at all."""
    cell = new_markdown_cell("![x](attachment:none.png) and <b onclick=pwned>$x$</b>")
    assert sz.sanitize_cell(cell)
    assert _active(_page(new_notebook(cells=[cell]))) == [] and "$x$" in cell.source


def test_attachments_keep_only_png_and_jpeg_images():
    cell = new_markdown_cell("![plot](attachment:plot.png) ![s](attachment:s.svg)")
    cell["attachments"] = {"plot.png": {"image/png": PNG},
                           "s.svg": {"image/svg+xml": f"<svg onload=\"{ATTACK}\"/>"},
                           "fake.png": {"image/png": base64.b64encode(b"<svg>").decode()}}
    found = sz.sanitize_cell(cell)
    assert cell.attachments == {"plot.png": {"image/png": PNG}}
    assert sum("attachment" in f for f in found) == 2
    assert _active(_page(new_notebook(cells=[cell]))) == []     # and the page is made


def test_raw_cells_tags_ids_and_execution_counts_cannot_reach_an_attribute():
    raw = new_raw_cell(f"<img src=x onerror=\"{ATTACK}\">")
    raw.metadata["raw_mimetype"] = "text/html"
    code = new_code_cell("x", metadata={"tags": ['x" onclick="pwned', "ok_tag"]})
    code["id"] = 'x" onclick="pwned'
    code["execution_count"] = "<img src=x onerror=pwned>"
    nb = new_notebook(cells=[raw])
    nb.cells.append(code)
    nb.metadata.update({"widgets": {"state": "<script>"}, "title": "<script>pwned</script>"})
    findings = sz.sanitize_notebook(nb)
    assert len(findings) == 4
    assert code.metadata.tags == ["ok_tag"] and code.execution_count is None
    assert set(code.id) <= sz.CELL_ID
    assert "widgets" not in nb.metadata and "title" not in nb.metadata
    assert _active(_page(nb)) == []
    nbformat.validate(nb)


@pytest.mark.parametrize("notebook", sorted(p.name for p in (REPO / "source" / "maths_of_dl")
                                             .glob("*.ipynb")))
def test_the_course_notebooks_are_passive_as_they_are(notebook):
    """The course's own prose, maths and figures are never rewritten or flagged."""
    nb = nbformat.read(REPO / "source" / "maths_of_dl" / notebook, as_version=4)
    before = nbformat.writes(nb)
    assert sz.sanitize_notebook(nb) == []
    assert nbformat.writes(nb) == before


def test_the_course_configuration_sanitises_after_the_grader_before_nbgrader_saves():
    from traitlets.config import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    names = [p if isinstance(p, str) else p.__name__
             for p in config.Autograde.autograde_preprocessors]
    here = names.index("autograder.grading.sanitize.SanitizeNotebook")
    assert names[here - 1:here + 2] == ["autograder.grading.marking.MarkRecords",
                                        "autograder.grading.sanitize.SanitizeNotebook",
                                        "SaveAutoGrades"]


# ------------------------------------------------------------- in a real browser, after nbgrader
NOTEBOOK, STUDENT, MANUAL = "01_forward_pass", "mallory", "F4_explanation"
UNSAFE_ID = "<img src=x onerror=document.title='pwned-id'>"
MATHS = r"\frac{\partial L}{\partial w}"


def _js(vector):
    """A payload: leaves a marker in the page and writes a file through the contents API."""
    return (f"window.pwned=(window.pwned||[]).concat(['{vector}']);"
            f"document.title='pwned-{vector}';"
            f"fetch('/api/contents/pwned-{vector}.txt',{{method:'PUT',headers:{{'X-XSRFToken':"
            "(document.cookie.match(/_xsrf=([^;]*)/)||[])[1]||''},body:JSON.stringify("
            "{type:'file',format:'text',content:'pwned'})})")


def _onerror(vector):
    return f'<img src=x onerror="{_js(vector)}">'


SVG_PAYLOAD = (f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" '
               f'onload="{_js("svg-onload")}"><script>{_js("svg-script")}</script></svg>')
PAYLOAD = "\n".join([
    "from IPython.display import HTML, Markdown, display",
    f"display(HTML({'<script>' + _js('html-script') + '</script>'!r}))",
    f"display({{'text/html': {_onerror('html-img')!r}, 'text/plain': 'x'}}, raw=True)",
    f"display({{'image/svg+xml': {SVG_PAYLOAD!r}, 'text/plain': 'svg'}}, raw=True)",
    f"display({{'application/javascript': {_js('javascript')!r}, 'text/plain': 'js'}}, raw=True)",
    f"display(Markdown({_onerror('markdown-output')!r}))",
    "import matplotlib.pyplot as plt",
    "plt.plot([0, 1], [1, 0])",
    "plt.show()",
])
LINK = "see my working"
ANSWER = (f"Rows are observations, so ${MATHS} = 2x$ for each one. {_onerror('markdown-cell')} "
          f"[{LINK}](javascript:void(document.title='pwned-link'))")


def _class(course):
    from autograder.submissions import solutions, write_submission
    model = solutions(course / "source" / "maths_of_dl")[NOTEBOOK]
    write_submission(course, STUDENT, notebooks=[NOTEBOOK], answers={NOTEBOOK: {
        "F1a_answer": model["F1a_answer"] + "\n" + PAYLOAD, MANUAL: ANSWER}})
    write_submission(course, UNSAFE_ID, notebooks=[NOTEBOOK])


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The class graded by hand (nbgrader autograde, generate_feedback) with the course's
    configuration, and once more without the sanitiser (the control: the payloads are live)."""
    from autograder import cli
    root = tmp_path_factory.mktemp("browser")
    courses = {}
    for kind in ("course", "control"):
        course = cli.prepare(root / kind)
        if kind == "control":
            config = course / "nbgrader_config.py"
            text = config.read_text()
            assert "autograder.grading.sanitize.SanitizeNotebook" in text
            config.write_text(text.replace('"autograder.grading.sanitize.SanitizeNotebook"',
                                           '"nbconvert.preprocessors.Preprocessor"'))
        cli.release(course, LAB)
        _class(course)
        cli.autograde(course, LAB)
        assert cli.feedback(course, LAB) in (0, 1)
        courses[kind] = course
    return courses


@pytest.fixture(scope="module")
def browser(pages):
    from browser import chromium
    with chromium(pages["course"].parent / "chromium-profile") as session:
        yield session


def _markers(browser):
    return browser.execute_script("return [document.title, window.pwned || []]")


def _plot_shown(browser):
    """A PNG image of the page that has loaded (the student's plot)."""
    return browser.execute_script(
        "return Array.from(document.images).some(i => i.src.startsWith('data:image/png') && "
        "i.complete && i.naturalWidth > 0)")


def _maths_shown(browser):
    """The student's maths in their answer, typeset by MathJax or as the TeX it typesets (the
    page may load MathJax from a network the test has not)."""
    return browser.execute_script(
        "const cells = Array.from(document.querySelectorAll('div')).filter(c => "
        "c.textContent.includes('Rows are observations') && c.children.length < 8);"
        f"return cells.some(c => c.querySelector('mjx-container, .MathJax') || "
        f"c.textContent.includes({MATHS!r}))")


def _click(browser):
    """The tutor follows the link in the student's answer."""
    from selenium.webdriver.common.by import By
    browser.find_element(By.PARTIAL_LINK_TEXT, LINK).click()


def _feedback(course):
    return course / "feedback" / STUDENT / "maths_of_dl" / f"{NOTEBOOK}.html"


@pytest.mark.slow
def test_the_payloads_run_in_the_feedback_of_a_course_without_the_sanitiser(pages, browser):
    """The control: the vectors are live in a real browser (application/javascript needs the
    jQuery of formgrader's pages, and SVG is shown as an image there)."""
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(_feedback(pages["control"]).as_uri())
    expected = {"html-script", "html-img", "markdown-output", "markdown-cell"}
    WebDriverWait(browser, 60).until(
        lambda b: expected <= set(b.execute_script("return window.pwned || []")))
    _click(browser)
    WebDriverWait(browser, 60).until(lambda b: b.title == "pwned-link")


@pytest.mark.slow
def test_nothing_from_the_submission_runs_in_its_feedback_page(pages, browser):
    from browser import loaded
    page = _feedback(pages["course"])
    browser.get(page.as_uri())
    loaded(browser)
    title, pwned = _markers(browser)
    assert pwned == [] and not title.startswith("pwned"), (title, pwned)
    assert _plot_shown(browser)
    assert _maths_shown(browser)
    _click(browser)
    assert not browser.title.startswith("pwned")
    assert "Rows are observations" in page.read_text()


@pytest.mark.slow
def test_nothing_from_the_submission_runs_in_formgrader(pages, browser):
    import secrets

    from nbgrader.api import Gradebook
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as until
    from selenium.webdriver.support.ui import WebDriverWait

    from browser import jupyter_server, loaded, log_in
    course, token = pages["course"], secrets.token_hex(16)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        notebook_id = gb.find_submission_notebook(NOTEBOOK, "maths_of_dl", STUDENT).id
        assert {s.id for s in gb.students} == {STUDENT}     # the unsafe id was refused
    with jupyter_server(course, token) as base:
        log_in(browser, base, token)
        browser.get(f"{base}/formgrader/submissions/{notebook_id}/")
        WebDriverWait(browser, 60).until(until.element_to_be_clickable((By.ID, MANUAL)))
        loaded(browser)
        title, pwned = _markers(browser)
        assert pwned == [] and not title.startswith("pwned"), (title, pwned)
        assert _plot_shown(browser)
        assert _maths_shown(browser)
        _click(browser)
        assert not browser.title.startswith("pwned")
        browser.get(f"{base}/formgrader/manage_students")
        WebDriverWait(browser, 60).until(
            lambda b: STUDENT in b.find_element(By.TAG_NAME, "body").text)
        loaded(browser)
        title, pwned = _markers(browser)
        assert pwned == [] and not title.startswith("pwned"), (title, pwned)
        # a contents API write would have landed by now only if a payload had run at all
        contents = browser.execute_async_script(
            "const done = arguments[0]; fetch('/api/contents/').then(r => r.json())"
            ".then(j => done(j.content.map(c => c.name)))")
    assert not [name for name in contents if name.startswith("pwned")]
    assert not list(course.glob("pwned*"))
