"""Release documents (issue 4): worked-solution PDFs and printable exercise sheets.

The end-to-end tests build every document once per session from a clean course folder (the
configuration and freshly built source notebooks, no release/), exactly as the command does on a
clean checkout, then read the PDFs back with `pdftotext -layout`.  The build takes about 15 s on
two idle cores (XeLaTeX dominates; up to a minute on a loaded machine).  The worked solutions must show each exercise's reference answer as the
package computes it, at the printed precision (`worked.fmt`), and no grader text; the exercise
sheets must name every exercise and show none of the answers.  The PDFs committed in exercises/
and solutions/ must read exactly like the fresh build (rebuild them with
`python -m course.documents .`).  The intermediate steps of the worked solutions are checked in
tests/test_worked.py.
"""
import difflib
import os
import re
import shutil
from datetime import datetime, timezone
from html.parser import HTMLParser
import subprocess
import sys
from pathlib import Path

import nbformat.v4 as nbf
import numpy as np
import pytest

from course import documents, sheets, tools, typesetting, worked
import contract
from autograder.catalogue import CATALOGUE, NOTEBOOKS, with_kind

ROOT = Path(__file__).resolve().parent.parent
# The exercise ids of docs/lab/EXERCISES.md, the symbolic G6, B1 and B3 included: every one is required.
EXPECTED_IDS = list(contract.exercises())
SYMBOLIC = with_kind("symbolic")
GRADER_TEXT = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "grade(", "check(", "autograder",
               "NotImplementedError", "YOUR CODE HERE", "YOUR ANSWER HERE")

MISSING = tools.missing_tools()
needs_tex = pytest.mark.skipif(
    bool(MISSING) or not shutil.which("pdftotext"),
    reason="PDF tools missing: " + (tools.install_hint(MISSING) or "pdftotext (poppler-utils)"))


# ---------------------------------------------------------------- what the PDFs must show
def shown(value):
    """The text a PDF shows for a number: `worked.fmt`, the mantissa of 4.1e-8 style numbers."""
    return worked.mantissa(worked.fmt(value))


def answer_strings(ex):
    """Every reference answer of an exercise as the solutions print it."""
    out = []
    for item in ex.items:
        if item.kind.name in ("value", "integer"):
            out += [shown(v) for v in np.ravel(item.expected)]
        elif item.kind.name == "boolean":
            out.append(str(bool(item.expected)))
        elif item.kind.name == "label":
            out.append(str(item.expected))
        elif item.kind.name == "function":
            for case in item.cases:
                if not case.hidden:
                    result = case.expected()
                    for part in result if isinstance(result, tuple) else (result,):
                        out += [shown(v) for v in np.ravel(part)]
        elif item.kind.name == "symbolic":
            out.append(item.name)
    return out


def distinctive_answers(ex):
    """Answers of a hand exercise that cannot appear on a sheet by chance (5 digits or more)."""
    return [s for item in ex.items if item.kind.name == "value"
            for s in (shown(v) for v in np.ravel(item.expected))
            if len(re.sub(r"\D", "", s)) >= 5]


def normalise(text):
    """pdftotext's rendering of maths, made comparable: U+2212 minus as '-'."""
    return text.replace("\u2212", "-").replace("\ufb01", "fi").replace("\ufb02", "fl")


# ---------------------------------------------------------------- quick tests (no TeX)
def test_fmt_is_the_one_formatter():
    assert worked.fmt(-6.0) == "-6"
    assert worked.fmt(4.266666666) == "4.26667"
    assert worked.fmt(1.6000000000000003) == "1.6"
    assert worked.fmt(4.139937718785167e-08) == "4.13994e-8"
    assert worked.tex(4.139937718785167e-08) == r"4.13994 \times 10^{-8}"
    assert worked.fmt(-1e-17) == "0"
    assert worked.eq(3 - 4.6) == "=" and worked.eq(2 / 3) == r"\approx"


def test_the_catalogue_holds_every_exercise_symbolic_ones_included():
    """The catalogue holds EXERCISES.md's ids, in its order (and perhaps the course's own
    exercises beside them, tests/test_reference.py); G6, B1, B3 are not optional."""
    assert [eid for eid in CATALOGUE if eid in EXPECTED_IDS] == EXPECTED_IDS
    for eid in SYMBOLIC:
        assert any(item.kind.name == "symbolic" for item in CATALOGUE[eid].items), \
            f"{eid} has no symbolic item"


@pytest.mark.parametrize("eid", list(CATALOGUE))
def test_worked_steps_end_with_the_catalogue_answers(eid):
    ex = CATALOGUE[eid]
    text = worked.markdown(eid)
    for answer in answer_strings(ex):
        assert answer in text, f"{eid}: {answer} missing from the worked steps"
    assert not [t for t in GRADER_TEXT if t in text]


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_roles_of_the_release_cells(notebook):
    """Each exercise has its answer cell and its test cell; manual ones a cell a tutor grades."""
    import nbformat
    from autograder.catalogue import in_notebook
    from autograder.submissions import grade_id
    nb = nbformat.read(ROOT / "release" / "maths_of_dl" / f"{notebook}.ipynb", as_version=4)
    roles = {}
    for cell in nb.cells:
        roles.setdefault(sheets.role(cell), []).append(grade_id(cell))
    exercises = in_notebook(notebook)
    assert roles["test"] == [e.id for e in exercises]
    assert roles["answer"] == [f"{e.id}_answer" for e in exercises]
    assert [g.split("_")[0] for g in roles.get("manual", [])] == \
        [e.id for e in exercises if e.manual_points]
    assert set(roles) - {"test", "answer", "manual"} <= {"code", "markdown"}


def test_sheet_and_solution_cells_leave_out_the_grader():
    release = nbf.new_notebook(cells=[
        nbf.new_markdown_cell("## Exercise N3\n\nWhich answer?"),
        nbf.new_code_cell("import numpy as np\nfrom mdl_kernel import check, record"),
        nbf.new_code_cell("# YOUR CODE HERE\nraise NotImplementedError()",
                          metadata={"nbgrader": {"grade_id": "N3_answer", "solution": True,
                                                 "grade": False}}),
        nbf.new_code_cell('check("N3", globals())',
                          metadata={"nbgrader": {"grade_id": "N3", "solution": False,
                                                 "grade": True, "points": 1}})])
    sheet = sheets.exercise_sheet(release)
    solution = sheets.solution_notebook(release, {"N3_answer": 'prediction = "YES"'})
    for nb in (sheet, solution):
        assert sheets.forbidden_text(nb) == []
    assert any("Working space for N3" in c.source for c in sheet.cells)
    assert any('"YES"' in c.source for c in solution.cells)
    assert sheets.forbidden_text(nbf.new_notebook(cells=[
        nbf.new_code_cell("### BEGIN HIDDEN TESTS\nrecord('N3', globals())")])) == \
        ["HIDDEN TESTS", "record("]


def test_the_stubs_nbgrader_writes_are_the_ones_the_sheets_leave_out():
    """nbgrader_config.py's stubs are settings.CODE_STUB and TEXT_STUB: the release holds them,
    and a sheet made from the release holds neither."""
    import nbformat
    from autograder.settings import CODE_STUB, TEXT_STUB
    release = [nbformat.read(p, as_version=4)
               for p in sorted((ROOT / "release" / "maths_of_dl").glob("*.ipynb"))]
    sources = [c.source for nb in release for c in nb.cells]
    assert any(CODE_STUB in s for s in sources) and any(TEXT_STUB in s for s in sources)
    for nb in release:
        for document in (sheets.exercise_sheet(nb), sheets.solution_notebook(nb)):
            text = "\n".join(c.source for c in document.cells)
            assert TEXT_STUB not in text
            assert not [line for line in CODE_STUB.splitlines() if line in text]


# What only makes sense in Jupyter: none of it belongs on paper.
NOTEBOOK_ONLY_TEXT = ("Restart", "Run All", "check cell", "self-check", "Kernel >", "Kernel", "the cell below each")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_sheets_and_solutions_leave_out_what_only_a_notebook_needs(name, tmp_path):
    """Built from the committed release: the reminder to restart and run all, and the words about
    running the check cells, stay in the notebook (the release holds them: the test would see them)."""
    release = documents.release_notebooks(ROOT, tmp_path)[name]
    in_release = "\n".join(c.source for c in release.cells)
    assert any(t in in_release for t in NOTEBOOK_ONLY_TEXT)
    for nb in (sheets.exercise_sheet(release), sheets.solution_notebook(release)):
        prose = "\n".join(c.source for c in nb.cells if c.cell_type in ("markdown", "raw"))
        found = [t for t in NOTEBOOK_ONLY_TEXT if t in prose]
        assert not found, f"{name}: {found}"


class _Reader(HTMLParser):
    """The tags and the text inside <pre> of an HTML fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.pre, self._in_pre = [], "", False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_pre |= tag == "pre"

    def handle_endtag(self, tag):
        self._in_pre &= tag != "pre"

    def handle_data(self, data):
        if self._in_pre:
            self.pre += data


def test_html_working_space_shows_code_as_text():
    """The HTML fallback shows a signature in the working space as text: the browser reads back
    exactly the code (with its <, > and &), and no tag hidden in it."""
    code = ("def forward_pass(X, w1, b1, w2, b2):\n"
            "    # 0 < x & x > -1; returns '<b>hidden</b>', output")
    cells = sheets.blank_box("Working space for N4", ["forward_pass"], 3, code)
    (html_cell,) = [c for c in cells if c.metadata.get("raw_mimetype") == "text/html"]
    reader = _Reader()
    reader.feed(html_cell.source)
    assert reader.pre == code
    assert "b" not in reader.tags


def test_latex_working_space_escapes_code():
    """The LaTeX working space escapes TeX's special characters in names and code (nbconvert's
    escape_latex), keeping indentation as space."""
    cells = sheets.blank_box("Working space", ["z_1a"], 3, "def f(x):\n    return x % 2 & {1}")
    (tex,) = [c.source for c in cells if c.metadata.get("raw_mimetype") == "text/latex"]
    assert r"\texttt{z\_1a}" in tex
    assert r"return x \% 2 \& \{1\}" in tex and r"\hspace*{2em}" in tex


def test_install_hint_names_the_packages():
    hint = tools.install_hint([tools.Requirement("xelatex", "texlive-xetex"),
                                   tools.Requirement("pandoc", "pandoc")])
    assert "texlive-xetex" in hint and "pandoc" in hint
    assert set(tools.APT_PACKAGES) >= {"texlive-xetex", "texlive-fonts-recommended",
                                            "texlive-plain-generic", "pandoc", "fonts-dejavu",
                                            "poppler-utils"}


# ---------------------------------------------------------------- the build, once
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A clean course folder: the configuration and the source notebooks, no release."""
    from course.build import build
    folder = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    build(folder)
    return folder


@pytest.fixture(scope="module")
def built(course, tmp_path_factory):
    """Run the command once; returns (output folder, completed process)."""
    out = tmp_path_factory.mktemp("documents")
    run = subprocess.run([sys.executable, "-m", "course.documents", str(course), "--out",
                          str(out)], cwd=ROOT, capture_output=True, text=True)
    return out, run


def pdf_text(pdf):
    """The text of a PDF as `pdftotext -layout` lays it out."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def texts(built):
    out, _ = built
    return {(kind, pdf.stem): normalise(pdf_text(pdf))
            for kind in sheets.DOCUMENTS for pdf in sorted((out / kind).glob("*.pdf"))}


@pytest.mark.slow
@needs_tex
def test_the_command_builds_every_pdf(built):
    out, run = built
    assert run.returncode == 0, run.stdout + run.stderr
    for kind in sheets.DOCUMENTS:
        for name in NOTEBOOKS:
            pdf = out / kind / f"{name}.pdf"
            assert pdf.exists(), f"{pdf} missing:\n{run.stdout}{run.stderr}"
            assert pdf.stat().st_size > 5000
            assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("eid", list(CATALOGUE))
def test_solutions_show_the_reference_answers(texts, eid):
    ex = CATALOGUE[eid]
    text = texts[("solutions", ex.notebook)]
    missing = [a for a in answer_strings(ex) if a not in text]
    assert not missing, f"{eid}: {missing} not in solutions/{ex.notebook}.pdf"


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_grader_text_in_any_pdf(texts, name):
    for kind in sheets.DOCUMENTS:
        found = [t for t in GRADER_TEXT if t in texts[(kind, name)]]
        assert not found, f"{kind}/{name}.pdf shows {found}"


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_notebook_instruction_and_no_wrapped_line_in_any_pdf(texts, name):
    """Paper carries no instruction about Jupyter, and no code line wrapped with a marker."""
    for kind in sheets.DOCUMENTS:
        found = [t for t in NOTEBOOK_ONLY_TEXT + ("\u21aa",) if t in texts[(kind, name)]]
        assert not found, f"{kind}/{name}.pdf shows {found}"


@pytest.mark.slow
@needs_tex
def test_solutions_show_the_working(texts):
    nb04 = texts[("solutions", "04_gradient_descent")]
    assert "Worked solution of G3" in nb04 and nb04.count("∂L/∂w₁") >= 1   # the SGD table
    assert "eta = 0.3" in nb04                                               # the loss figure
    assert "sigmoid" in texts[("solutions", "03_network_output")]           # the network figure
    nb05 = texts[("solutions", "05_backpropagation")]
    assert "Hidden weights" in nb05, "B3's worked derivation is missing from the solutions"
    assert "Worked solution of B1" in nb05
    assert "Worked solution of G6" in nb04


@pytest.mark.slow
@needs_tex
def test_sheets_name_every_exercise(texts):
    sheets = "\n".join(t for (kind, _), t in texts.items() if kind == "exercises")
    missing = [e for e in CATALOGUE if not re.search(rf"\b{e}\b", sheets)]
    assert not missing, f"exercise ids missing from the sheets: {missing}"
    assert sheets.count("Working space for") >= len(CATALOGUE) >= len(EXPECTED_IDS)


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("eid", [e for e, ex in CATALOGUE.items() if ex.hand])
def test_sheets_show_no_answers(texts, eid):
    ex = CATALOGUE[eid]
    answers = distinctive_answers(ex)
    text = texts[("exercises", ex.notebook)]
    assert not [a for a in answers if a in text], f"{eid}: an answer is on the sheet"


@pytest.mark.slow
def test_without_xelatex_it_says_what_is_missing_and_builds_html(course, tmp_path):
    missing = [tools.Requirement("xelatex (typesets the PDFs)", "texlive-xetex")]
    name = "03_network_output"          # one notebook (with a figure) keeps this test short
    report = documents.build_documents(course, tmp_path, tools=missing, notebooks=[name])
    assert report.exit_code == 1 and not report.pdfs and not report.problems, report.summary()
    assert "texlive-xetex" in report.summary() and "xelatex" in report.summary()
    for kind in sheets.DOCUMENTS:
        html = (tmp_path / kind / f"{name}.html").read_text()
        assert "image/png;base64" in html                      # the network's figure
        assert not [t for t in GRADER_TEXT if t in html]
        assert (tmp_path / kind / f"{name}.tex").exists()         # LaTeX to typeset elsewhere,
        assert list((tmp_path / kind / f"{name}_files").glob("*.pdf"))     # with its figures


# ---------------------------------------------------------------- the committed PDFs
REBUILD = "python -m course.documents ."        # run in the course folder (this repository)


@pytest.mark.slow
@needs_tex
def test_exactly_the_ten_pdfs_are_committed():
    for kind in sheets.DOCUMENTS:
        found = sorted(p.stem for p in (ROOT / kind).glob("*.pdf"))
        assert found == sorted(NOTEBOOKS), \
            f"{kind}/ holds {found}, not one PDF per notebook; rebuild with: {REBUILD}"


@pytest.mark.slow
@needs_tex
@pytest.mark.parametrize("kind", list(sheets.DOCUMENTS))
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_pdf_has_the_text_of_a_fresh_build(built, kind, name):
    """The committed PDF reads (pdftotext -layout) exactly like one built now from the course."""
    committed = ROOT / kind / f"{name}.pdf"
    fresh = built[0] / kind / f"{name}.pdf"
    assert committed.exists(), f"{kind}/{name}.pdf is not committed; build it with: {REBUILD}"
    old, new = pdf_text(committed).splitlines(), pdf_text(fresh).splitlines()
    if old != new:
        diff = list(difflib.unified_diff(old, new, "committed", "fresh build", n=1, lineterm=""))
        pytest.fail(f"{kind}/{name}.pdf is stale: its text differs from a fresh build. Rebuild "
                    f"the PDFs with: {REBUILD}\n" + "\n".join(diff[:30]))


@pytest.mark.slow
def test_the_build_writes_the_committed_worked_text(built):
    """solutions/worked.md, the worked solutions' text, is written by the build with the PDFs."""
    assert (built[0] / documents.WORKED_TEXT).read_text() == \
        (ROOT / documents.WORKED_TEXT).read_text(), f"rebuild with: {REBUILD}"


@pytest.mark.slow
@needs_tex
def test_fresh_pdfs_are_dated_by_source_date_epoch(built):
    """Builds are reproducible: every PDF is dated SOURCE_DATE_EPOCH (the build's fixed one unless
    the environment sets it), not the time of the build."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", typesetting.SOURCE_DATE_EPOCH))
    want = datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    for pdf in sorted(built[0].glob("*/*.pdf")):
        info = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        dates = re.findall(r"^(?:CreationDate|ModDate):\s*(\S+)", info, flags=re.M)
        assert dates and all(d.startswith(want) for d in dates), f"{pdf.name}: dated {dates}"


# ---------------------------------------------------------------- the code printed runs as printed
# After the document's cells, the functions its listings define, called on the notebook's data;
# each result must be the catalogue's reference (exercise, item) (N2's C and D: the output row).
CALLS = {
    "02_activations": [("sigmoid(z_2)", "A2", "sigmoid_2"), ("tanh(z_2)", "A2", "tanh_2"),
                       ("relu(z_2)", "A2", "relu_2"), ("softmax(z_2)", "A2", "softmax_2")],
    "03_network_output": [("forward_pass(%s)[1]" % ", ".join(
        f"np.array({np.asarray(CATALOGUE['N1'].item(n).expected, dtype=float).tolist()})"
        for n in ("X", "w1", "b1", "w2", "b2")), "N2", ("C", "D"))],
    "04_gradient_descent": [("logistic_gradient_descent(X_logistic, y_logistic, "
                             "w=np.array([[1.0], [2.0]]), b=-10.0, max_iter=3)[0]", "G5", "w_logistic_3"),
                            ("lr_gradient_descent(X_toy, y_toy, batch_size=3, max_iter=1, "
                             "tol=0, rng=np.random.default_rng(0))[0].shape", None, (2, 1))],
    "05_backpropagation": [("train_gd(X_lab, y_lab)[0]", "B5", "W1_hat"),
                           ("train_adam(X_lab, y_lab)[1]", "B6", "w2_adam")],
}


def _code_blocks(markdown):
    return [m.strip("\n") for m in re.findall(r"```python\n(.*?)```", markdown, re.S)]


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_code_snippet_runs_as_printed_with_the_notebooks_data(name, tmp_path):
    """The code of the worked solutions (each listing of solutions/worked.md, and the model code
    the PDF prints) runs in a fresh kernel that has only what the notebook gives (its imports and
    given-data cells), in the document's order; the functions it defines give the references."""
    import json

    from nbclient import NotebookClient
    release = documents.release_notebooks(ROOT, tmp_path)[name]
    solution = sheets.solution_notebook(release, documents.model_answers(ROOT))
    printed = [c.source for c in solution.cells if c.cell_type == "code" and c.source.strip()]
    worked_md = (ROOT / documents.WORKED_TEXT).read_text()
    ids = [e.id for e in CATALOGUE.values() if e.notebook == name]
    for eid in ids:
        part = worked_md.split(f"<!-- worked solution of {eid} -->")[1].split("<!-- worked")[0]
        for block in _code_blocks(part):
            assert block in printed, f"{eid}: a listing of worked.md is not in the PDF's code"
    given = [c.source for c in release.cells if sheets.role(c) == "code"]
    calls = CALLS.get(name, [])
    probe = "import json\nprint(json.dumps([np.asarray(%s, dtype=float).tolist() for _ in [0]]))"
    cells = [nbf.new_code_cell(s) for s in given + printed] + \
        [nbf.new_code_cell(probe % expr) for expr, _, _ in calls]
    nb = nbf.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}},
                   ).execute()        # raises CellExecutionError at the first cell that fails
    for cell, (expr, eid, item) in zip(nb.cells[-len(calls):] if calls else [], calls):
        got = np.asarray(json.loads(cell.outputs[0]["text"])[0], dtype=float)
        if eid is None:
            expected = np.asarray(item, dtype=float)
        elif isinstance(item, tuple):
            expected = np.array([float(CATALOGUE[eid].item(n).expected) for n in item])
        else:
            expected = np.asarray(CATALOGUE[eid].item(item).expected, dtype=float)
        assert np.allclose(np.ravel(got), np.ravel(expected), rtol=1e-6, atol=1e-9), expr
