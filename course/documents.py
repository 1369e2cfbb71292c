"""Release documents: worked-solution PDFs and printable exercise sheets.

    python -m course.documents [COURSE] [--out DIR] [--regenerate] [--jobs N] [--notebook NAME]
    python -m course.documents --apt-packages      # what a Debian/Ubuntu machine needs

COURSE is the course folder (nbgrader_config.py, source/, release/; default: the current folder).
The release notebooks are read from COURSE/release/maths_of_dl/; when there are none (a clean
checkout), or with --regenerate, they are generated from COURSE/source/ by `nbgrader
generate_assignment` in a temporary copy of the course, so the checkout is left untouched.
Written below DIR (default COURSE):

* `exercises/<notebook>.pdf`: the release notebook as students get it, for paper: prose, given
  data and figures, each answer cell replaced by a framed working space; no solution stubs, no
  check or grade cells.
* `solutions/<notebook>.pdf`: the same prose and given data, and in place of each answer the
  worked solution of `worked.steps` (computed from the reference code the grader uses), the model
  answers of the manually graded cells, and the figures; no hidden tests, grader calls or
  nbgrader markers (every document is checked for them before it is typeset).
* `solutions/worked.md`: the text of every worked solution (`worked.markdown`: words, numbers,
  equations and code, figures left out), exercise by exercise, as plain Markdown.  Committed with
  the PDFs, so a change to what students read shows in a commit's diff, and
  tests/test_worked.py compares it with the worked steps in seconds (no TeX needed).

Notebooks are typeset by nbconvert's PDFExporter (pandoc for Markdown, XeLaTeX in DejaVu fonts,
which keep Greek letters in text) with the template in course/templates/maths_of_dl, nbconvert's
LaTeX template plus our preamble; the documents are built in parallel processes.  Builds are
reproducible: the PDFs' dates come from SOURCE_DATE_EPOCH (fixed here unless set), so building the
same course twice gives the same bytes.  Missing tools are reported with the packages that provide
them, and what can still be built is: HTML instead of PDF without XeLaTeX; the exit status is then
1 (2 for other problems).

The PDFs are committed in exercises/ and solutions/ (tests/test_documents.py fails when they are
stale); after changing the notebooks or the worked steps, rebuild them with

    python -m course.documents .
"""
import argparse
import base64
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
from nbconvert.filters import escape_latex
from nbgrader import utils

from autograder.settings import tool_env
from autograder.submissions import grade_id

ASSIGNMENT = "maths_of_dl"
COURSE_TITLE = "Maths of Deep Learning"
DOCUMENTS = {"exercises": "exercise sheet", "solutions": "worked solutions"}
WORKED_TEXT = Path("solutions") / "worked.md"

# Text that must never reach a document: nbgrader's markers and stubs, the grader's calls.
FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "record(", "check(", "autograder",
             "mdl_kernel",
             "NotImplementedError", "YOUR CODE HERE", "YOUR ANSWER HERE")
STUB_LINES = re.compile(r"^\s*(# YOUR CODE HERE|raise NotImplementedError\(\)|YOUR ANSWER HERE)\s*$")
GRADER_LINES = re.compile(r"^\s*(from (autograder|mdl_kernel)\b|import (autograder|mdl_kernel)\b)"
                          r"|\b(check|record)\(")
SHOW_LINES = re.compile(r"^\s*plt\.show\(\)\s*$")
IMPORT_LINES = re.compile(r"^\s*(import \w[\w.]*( as \w+)?|from [\w.]+ import [\w, ]+)\s*$")


# ---------------------------------------------------------------- tools
@dataclass(frozen=True)
class Requirement:
    what: str          # what is missing, in words
    package: str       # the Debian/Ubuntu package that provides it


def _tex_files_found(names):
    """The names kpsewhich finds in the TeX installation (one call for all)."""
    kpsewhich = shutil.which("kpsewhich")
    if not kpsewhich:
        return set()
    out = subprocess.run([kpsewhich, *names], capture_output=True, text=True).stdout
    return {Path(line.strip()).name for line in out.splitlines() if line.strip()}


def _dejavu():
    if shutil.which("fc-list"):
        out = subprocess.run(["fc-list", ":family"], capture_output=True, text=True).stdout
        return all(f in out for f in ("DejaVu Serif", "DejaVu Sans", "DejaVu Sans Mono"))
    return any(Path(d, "DejaVuSerif.ttf").exists()
               for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
                         "/Library/Fonts", os.path.expanduser("~/.fonts")))


# LaTeX files the nbconvert template and our preamble load, and the Debian package of each.
TEX_FILES = {
    "fontspec.sty": "texlive-latex-recommended", "unicode-math.sty": "texlive-latex-recommended",
    "latinmodern-math.otf": "fonts-lmodern", "adjustbox.sty": "texlive-latex-extra",
    "titling.sty": "texlive-latex-extra", "enumitem.sty": "texlive-latex-extra",
    "upquote.sty": "texlive-latex-extra", "soul.sty": "texlive-plain-generic",
    "ulem.sty": "texlive-plain-generic", "eurosym.sty": "texlive-fonts-recommended",
    "mathrsfs.sty": "texlive-latex-recommended", "grffile.sty": "texlive-latex-recommended",
    "booktabs.sty": "texlive-latex-recommended", "fancyvrb.sty": "texlive-latex-recommended",
    "caption.sty": "texlive-latex-recommended", "float.sty": "texlive-latex-recommended",
    "xcolor.sty": "texlive-latex-recommended", "longtable.sty": "texlive-latex-base",
    "geometry.sty": "texlive-latex-base", "hyperref.sty": "texlive-latex-base",
    "amsmath.sty": "texlive-latex-base", "bookmark.sty": "texlive-latex-base",
    "iftex.sty": "texlive-base",
}
# What set-up installs on Debian/Ubuntu (pdftotext, from poppler-utils, is for the tests).
APT_PACKAGES = ("texlive-xetex", "texlive-fonts-recommended", "texlive-plain-generic",
                "texlive-latex-extra", "fonts-lmodern", "pandoc", "fonts-dejavu", "poppler-utils")


def missing_tools():
    """The requirements of the PDFs that this machine lacks (empty when all is there)."""
    missing = []
    if not shutil.which("pandoc"):
        missing.append(Requirement("pandoc (nbconvert turns Markdown into LaTeX with it)", "pandoc"))
    if not shutil.which("xelatex"):
        missing.append(Requirement("xelatex (typesets the PDFs)", "texlive-xetex"))
    else:
        found = _tex_files_found(TEX_FILES)
        missing += [Requirement(f"the LaTeX file {name}", package)
                    for name, package in TEX_FILES.items() if name not in found]
    if not _dejavu():
        missing.append(Requirement("the DejaVu fonts (Serif, Sans, Sans Mono)", "fonts-dejavu"))
    return missing


def install_hint(missing):
    """Exactly what to install, for Debian/Ubuntu or in words elsewhere."""
    if not missing:
        return ""
    packages = sorted({m.package for m in missing})
    lines = ["Missing for the PDFs:"] + [f"  - {m.what}  [Debian/Ubuntu package {m.package}]"
                                         for m in missing]
    if Path("/etc/debian_version").exists() or shutil.which("apt-get"):
        lines.append("Install them with:  sudo apt-get install -y " + " ".join(packages))
    else:
        lines.append("On this system install a TeX distribution with XeLaTeX and the LaTeX "
                     "packages above (TeX Live or MiKTeX), pandoc, and the DejaVu fonts.")
    return "\n".join(lines)


# ---------------------------------------------------------------- the release
def generate_release(course_root, workdir, assignment=ASSIGNMENT):
    """Run `nbgrader generate_assignment` in a copy of the course; return the release folder."""
    course_root = Path(course_root)
    source = course_root / "source" / assignment
    if not any(source.glob("*.ipynb")):
        raise FileNotFoundError(f"no source notebooks in {source}")
    copy = Path(workdir) / "course"
    (copy / "source").mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, copy / "source" / assignment, dirs_exist_ok=True)
    config = course_root / "nbgrader_config.py"
    if config.exists():
        shutil.copy(config, copy / "nbgrader_config.py")
    run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", assignment,
                          "--force"], cwd=copy, capture_output=True, text=True, env=tool_env())
    release = copy / "release" / assignment
    if run.returncode != 0 or not any(release.glob("*.ipynb")):
        raise RuntimeError("nbgrader generate_assignment failed:\n" + run.stdout[-2000:]
                           + run.stderr[-2000:])
    return release


def release_notebooks(course_root, workdir, assignment=ASSIGNMENT, regenerate=False):
    """{name: notebook} of the release, generated from source/ when there is none."""
    release = Path(course_root) / "release" / assignment
    if regenerate or not any(release.glob("*.ipynb")):
        release = generate_release(course_root, workdir, assignment)
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(release.glob("*.ipynb"))}


def model_answers(course_root, assignment=ASSIGNMENT):
    """{notebook: {grade id: text}} of the source's answer cells, markers removed ({} if none)."""
    from autograder.submissions import solutions
    source = Path(course_root) / "source" / assignment
    return solutions(source) if source.exists() else {}


# ---------------------------------------------------------------- cells
def exercise_of(cell):
    """The catalogue id an nbgrader cell belongs to (grade ids "F1a", "F1a_answer", ...)."""
    from autograder.catalogue import CATALOGUE
    eid = (grade_id(cell) or "").split("_")[0]
    return eid if eid in CATALOGUE else None


def role(cell):
    """"answer", "manual" (graded by a tutor), "test", "code" or "markdown"."""
    if utils.is_solution(cell):
        return "manual" if utils.is_grade(cell) else "answer"
    if utils.is_grade(cell) and cell.cell_type == "code":
        return "test"
    return cell.cell_type


def clean_code(source):
    """Code for paper: no stubs, no grader imports or calls, no plt.show()."""
    kept = [line for line in source.splitlines()
            if not (STUB_LINES.match(line) or GRADER_LINES.search(line) or SHOW_LINES.match(line))]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def _only_imports(code):
    return all(not line.strip() or IMPORT_LINES.match(line) or line.lstrip().startswith("#")
               for line in code.splitlines())


def md_cell(text):
    return nbf.new_markdown_cell(text)


def code_cell(text):
    """Code as paper shows it: no line longer than a page holds (`worked.reflow`)."""
    from course import worked
    return nbf.new_code_cell(worked.reflow(text))


def latex_cell(text):
    return nbf.new_raw_cell(text, metadata={"raw_mimetype": "text/latex"})


def figure_cell(block):
    """A code cell with no visible input whose output is the figure (PDF for LaTeX, PNG for HTML)."""
    data = {"image/png": base64.b64encode(block.png).decode()}
    if block.pdf:
        data["application/pdf"] = base64.b64encode(block.pdf).decode()
    cell = nbf.new_code_cell("", outputs=[nbf.new_output("display_data", data=data)])
    cell.metadata["transient"] = {"remove_source": True}
    return cell


def block_cells(blocks):
    out = []
    for block in blocks:
        if block.kind == "markdown":
            out.append(md_cell(block.text))
        elif block.kind == "code":
            out.append(code_cell(block.text))
        elif block.kind == "figure":
            out.append(figure_cell(block))
    return out


def _figure_for(code):
    """The figure a given-data cell draws with the package's figures, if any."""
    from course import worked
    if "draw_network(" in code:
        return worked.network_figure()
    if "plot_losses(" in code:
        return worked.loss_figure()
    return None


def _shared_cell(cell):
    """A prose or given-data cell as both documents show it (a list of 0 or 1 cells); prose about
    working in the notebook (running the check cells, restarting the kernel) is not for paper."""
    from course.cells import is_notebook_only
    if is_notebook_only(cell):
        return []
    if cell.cell_type == "markdown":
        return [md_cell(cell.source)]
    if cell.cell_type != "code":
        return []
    figure = _figure_for(cell.source)
    if figure is not None:
        return [figure_cell(figure)]
    code = clean_code(cell.source)
    return [] if _only_imports(code) else [code_cell(code)]


def _latex_code(code):
    """Lines of code for the inside of a box: monospaced, indentation kept, no verbatim."""
    lines = []
    for line in code.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        lines.append((rf"\hspace*{{{indent * 0.5:g}em}}" if indent else "") + escape_latex(line.strip()))
    return r"\par\smallskip\upshape\ttfamily " + r"\\ ".join(lines)


def blank_box(label, names, height, code=""):
    """A framed space of `height` cm with its label (and any code given, a signature say) inside:
    one unbreakable box in the PDF.  A LaTeX cell and an HTML cell; each exporter keeps its own."""
    tex_names = ", ".join(rf"\texttt{{{escape_latex(n)}}}" for n in names)
    tex_label = escape_latex(label) + (": " + tex_names if names else "")
    html_names = ", ".join(f"<code>{html.escape(n)}</code>" for n in names)
    html_label = html.escape(label) + (": " + html_names if names else "")
    tex_code = _latex_code(code) if code.strip() else ""
    html_code = f"<pre>{html.escape(code)}</pre>" if code.strip() else ""
    return [
        latex_cell(rf"\par\medskip\noindent\fbox{{\parbox[t][{height:g}cm][t]"
                   rf"{{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}}"
                   rf"{{\small\itshape {tex_label}{tex_code}}}}}\par\medskip"),
        nbf.new_raw_cell(f'<div style="border:1px solid #555;min-height:{height:g}cm;'
                         f'padding:0.3em"><em>{html_label}</em>{html_code}</div>',
                         metadata={"raw_mimetype": "text/html"})]


def working_space(eid, cell, kind):
    """A labelled, framed space to work in, sized by what the exercise asks."""
    from autograder.catalogue import exercise
    ex = exercise(eid)
    if kind == "manual":
        label, names, height = f"Working space for {eid} (graded by your tutor)", [], 6
    else:
        names = [item.name for item in ex.items]
        functions = any(item.kind.name == "function" for item in ex.items)
        label = f"Working space for {eid}"
        height = 11 if functions else min(4 + 1.5 * len(ex.items), 12)
    code = clean_code(cell.source) if cell.cell_type == "code" else ""    # a signature, say
    return blank_box(label, names, height, code)


def _title(nb, kind):
    nb.metadata["title"] = f"{COURSE_TITLE}: {DOCUMENTS[kind]}"
    nb.metadata["date"] = ""
    return nb


def _merged(cells):
    """Adjacent Markdown cells joined (one pandoc call each instead of many)."""
    out = []
    for cell in cells:
        if out and cell.cell_type == "markdown" and out[-1].cell_type == "markdown":
            out[-1].source += "\n\n" + cell.source
        else:
            out.append(cell)
    return out


def _new_notebook(cells, release_nb, kind):
    cells = _merged(cells)
    for k, cell in enumerate(cells):
        cell.id = f"{kind}-{k}"             # not random: the same HTML in every build
    nb = nbf.new_notebook(cells=cells, metadata={
        "kernelspec": release_nb.metadata.get("kernelspec") or
        {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": release_nb.metadata.get("language_info") or {"name": "python"}})
    return _title(nb, kind)


def exercise_sheet(release_nb):
    """The printable sheet of a release notebook."""
    cells = [latex_cell(r"\noindent Name: \rule{7cm}{0.4pt} \hfill Date: \rule{3cm}{0.4pt}"
                        r"\par\bigskip")]
    for cell in release_nb.cells:
        r, eid = role(cell), exercise_of(cell)
        if r == "test":
            continue
        if r in ("answer", "manual") and eid:
            cells += working_space(eid, cell, r)
        elif r in ("answer", "manual"):
            cells += blank_box("Working space", [], 6)
        else:
            cells += _shared_cell(cell)
    return _new_notebook(cells, release_nb, "exercises")


def solution_notebook(release_nb, models=None, steps=None):
    """The worked solutions of a release notebook.

    `models` maps grade ids to the source's model answers (used for the manually graded cells,
    and as code for exercises whose worked steps show no code); `steps` maps an exercise id to its
    worked blocks (default: `worked.steps`).
    """
    from course import worked
    models = models or {}
    steps = steps or worked.steps
    cells = []
    for cell in release_nb.cells:
        r, eid = role(cell), exercise_of(cell)
        gid = grade_id(cell)
        if r == "test":
            continue
        if r == "answer" and eid:
            blocks = steps(eid)
            cells.append(md_cell(f"**Worked solution of {eid}.**"))
            cells += block_cells(blocks)
            model = clean_code(models.get(gid, ""))
            if model.strip() and not any(b.kind == "code" for b in blocks):
                cells += [md_cell("The same in NumPy, as in the notebook's model solution:"),
                          code_cell(model)]
        elif r == "manual":
            model = models.get(gid, "")
            what = f" of {eid}" if eid else ""
            cells.append(md_cell(f"**A model answer{what}** (this part is graded by your tutor):"))
            if model.strip():
                cells.append(md_cell(model) if cell.cell_type == "markdown"
                             else code_cell(clean_code(model)))
        elif r == "answer":
            continue
        else:
            cells += _shared_cell(cell)
    return _new_notebook(cells, release_nb, "solutions")


def worked_text():
    """The text of every exercise's worked solution, in the catalogue's order, each after a
    comment naming its exercise (written to solutions/worked.md by the build)."""
    from autograder.catalogue import CATALOGUE
    from course import worked
    return "".join(f"<!-- worked solution of {eid} -->\n\n{worked.markdown(eid)}\n\n"
                   for eid in CATALOGUE)


def forbidden_text(nb):
    """The forbidden strings found in a document's cells (sources and text outputs)."""
    found = set()
    for cell in nb.cells:
        texts = [cell.source] + [str(o.get("text", "")) for o in cell.get("outputs", [])]
        for text in texts:
            found.update(f for f in FORBIDDEN if f in text)
    return sorted(found)


# ---------------------------------------------------------------- typesetting
# nbconvert's LaTeX template extended by ours (course/templates/maths_of_dl): our preamble (fonts,
# margins, outline) is added at the end of the template's header block.
TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "maths_of_dl"

# Every build of the same course gives the same PDFs: their dates are this time (unless the
# caller sets SOURCE_DATE_EPOCH itself), and figures carry no date (worked.figure).
SOURCE_DATE_EPOCH = "1767225600"        # 2026-01-01 00:00 UTC


def reproducible_env(env=None):
    """`env` (default: this process's environment) with fixed dates for XeLaTeX: TeX Live takes
    the PDF's CreationDate and ModDate from SOURCE_DATE_EPOCH when FORCE_SOURCE_DATE is 1."""
    env = dict(os.environ if env is None else env)
    env.setdefault("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    env["FORCE_SOURCE_DATE"] = "1"
    return env


def _configure(exporter):
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def latex_exporter():
    from nbconvert import LatexExporter
    return _configure(LatexExporter(template_name=TEMPLATE,
                                    extra_template_basedirs=[str(TEMPLATES)]))


def to_latex(nb, files_dir="figures"):
    """(LaTeX source, {relative path: bytes} of its figures, kept in `files_dir`)."""
    body, resources = latex_exporter().from_notebook_node(
        nb, resources={"output_files_dir": files_dir})
    return body, dict(resources.get("outputs", {}))


def pdf_exporter():
    """nbconvert's PDFExporter with our template, XeLaTeX run twice, and no BibTeX.

    Two runs: the only thing a rerun changes in these documents is longtable's column widths
    (pandoc's pipe tables), which settle in the second run; they have no cross-references, and the
    outline comes from the bookmark package in one run.  PDFExporter changes the working
    directory while it typesets, so documents are typeset in parallel processes, never threads.
    """
    from nbconvert import PDFExporter

    class DocumentExporter(PDFExporter):
        def run_bib(self, filename, raise_on_failure=False):
            return False                      # the documents cite nothing: no BibTeX run

    exporter = DocumentExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
    # the raw cells LatexExporter keeps (PDFExporter's default, its own application/pdf, would
    # drop the working spaces and the name line, which are raw LaTeX)
    exporter.raw_mimetypes = ["text/latex", ""]
    exporter.latex_command = ["xelatex", "-interaction=nonstopmode", "-halt-on-error",
                              "{filename}"]
    exporter.latex_count = 2
    return _configure(exporter)


def to_pdf(nb):
    """The PDF of a document, as bytes (XeLaTeX's first errors in the RuntimeError if it fails)."""
    from nbconvert.exporters.pdf import LatexFailed
    try:
        pdf, _ = pdf_exporter().from_notebook_node(nb, resources={"output_files_dir": "figures"})
    except LatexFailed as error:
        log = str(error.output)
        errors = [line for line in log.splitlines() if line.startswith("!")]
        raise RuntimeError("xelatex failed: " + ("; ".join(errors[:3]) or log[-1500:])) from None
    return pdf


def to_html(nb):
    from nbconvert import HTMLExporter
    body, _ = _configure(HTMLExporter(template_name="classic")).from_notebook_node(nb)
    return body


def write_files(files, folder):
    for name, data in files.items():
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _reproducible_process():
    """A typesetting process: fixed dates in its environment (PDFExporter passes it to XeLaTeX)."""
    os.environ.update(reproducible_env())


def build_one(job, out_root, can_pdf, can_tex):
    """Write one document below `out_root`: its PDF, or HTML and LaTeX when XeLaTeX is missing.
    Returns (pdf path or None, fallback paths, problem or None); runs in a worker process."""
    kind, name, nb = job
    bad = forbidden_text(nb)
    if bad:
        return None, [], f"{kind}/{name}: contains {bad}; not written"
    target = Path(out_root) / kind / name
    written = []
    try:
        if can_pdf:
            target.with_suffix(".pdf").write_bytes(to_pdf(nb))
            for stale in (".html", ".tex"):
                target.with_suffix(stale).unlink(missing_ok=True)
            return target.with_suffix(".pdf"), [], None
        target.with_suffix(".html").write_text(to_html(nb), encoding="utf-8")
        written.append(target.with_suffix(".html"))
        if can_tex:             # LaTeX to typeset elsewhere, figures beside it
            tex, files = to_latex(nb, f"{name}_files")
            target.with_suffix(".tex").write_text(tex, encoding="utf-8")
            write_files(files, target.parent)
            written.append(target.with_suffix(".tex"))
        return None, written, None
    except Exception as error:
        return None, written, f"{kind}/{name}: {type(error).__name__}: {error}"


# ---------------------------------------------------------------- the build
@dataclass
class Report:
    """What a build wrote and what went wrong."""
    out_root: Path
    pdfs: list = field(default_factory=list)
    fallbacks: list = field(default_factory=list)   # HTML (and .tex) written instead of PDFs
    missing: list = field(default_factory=list)     # `Requirement`s this machine lacks
    problems: list = field(default_factory=list)    # everything else that went wrong
    seconds: float = 0.0

    @property
    def ok(self):
        return not self.missing and not self.problems

    @property
    def exit_code(self):
        return 2 if self.problems else (1 if self.missing else 0)

    def summary(self):
        lines = [f"{len(self.pdfs)} PDF(s) written below {self.out_root} in {self.seconds:.1f} s"]
        lines += [f"  {p}" for p in self.pdfs]
        if self.fallbacks:
            lines.append(f"{len(self.fallbacks)} fallback file(s) written instead of PDFs:")
            lines += [f"  {p}" for p in self.fallbacks]
        if self.missing:
            lines.append(install_hint(self.missing))
        lines += [f"PROBLEM: {p}" for p in self.problems]
        return "\n".join(lines)


def _missing_exercises(notebooks):
    """Exercises of the catalogue (in these notebooks) that have no answer cell in the release."""
    from autograder.catalogue import CATALOGUE
    present = {exercise_of(c) for nb in notebooks.values() for c in nb.cells
               if role(c) == "answer"}
    return [eid for eid, ex in CATALOGUE.items() if ex.notebook in notebooks and eid not in present]


def build_documents(course_root=".", out_root=None, *, assignment=ASSIGNMENT, regenerate=False,
                    jobs=None, notebooks=None, tools=None):
    """Build exercises/*.pdf and solutions/*.pdf of the course below `out_root` (default: the
    course folder) and return a `Report`.  `notebooks` limits the build to these notebook names;
    `tools` overrides the detected missing requirements (a list of `Requirement`; for tests)."""
    start = time.perf_counter()
    course_root = Path(course_root).resolve()
    out_root = Path(out_root).resolve() if out_root else course_root
    report = Report(out_root)
    report.missing = list(missing_tools() if tools is None else tools)
    can_pdf = not report.missing
    can_tex = not any(m.package == "pandoc" for m in report.missing)
    with tempfile.TemporaryDirectory(prefix="maths-of-dl-documents-") as tmp:
        try:
            release = release_notebooks(course_root, tmp, assignment, regenerate)
        except (FileNotFoundError, RuntimeError) as error:
            report.problems.append(str(error))
            report.seconds = time.perf_counter() - start
            return report
        unknown = sorted(set(notebooks or ()) - set(release))
        if unknown:
            report.problems.append(f"no notebook(s) {', '.join(unknown)} in the release")
        release = {n: nb for n, nb in release.items() if notebooks is None or n in notebooks}
        absent = _missing_exercises(release)
        if absent:
            report.problems.append(
                f"exercises {', '.join(absent)} of the catalogue have no answer cell in the release: "
                "rebuild the source (python -m course.build) and regenerate the release")
        models = model_answers(course_root, assignment)
        documents = []          # (kind, name, notebook)
        for name, nb in release.items():
            documents.append(("exercises", name, exercise_sheet(nb)))
            try:
                documents.append(("solutions", name, solution_notebook(nb, models.get(name, {}))))
            except Exception as error:       # a worked step that cannot be computed
                report.problems.append(f"solutions/{name}: {type(error).__name__}: {error}")
        for kind in DOCUMENTS:
            (out_root / kind).mkdir(parents=True, exist_ok=True)
        try:
            (out_root / WORKED_TEXT).write_text(worked_text())
        except Exception as error:           # a worked step that cannot be computed
            report.problems.append(f"{WORKED_TEXT}: {type(error).__name__}: {error}")

        workers = jobs or min(len(documents), max(1, os.cpu_count() or 1))
        one = partial(build_one, out_root=out_root, can_pdf=can_pdf, can_tex=can_tex)
        with ProcessPoolExecutor(max_workers=max(1, workers),
                                 initializer=_reproducible_process) as pool:
            for pdf, fallbacks, problem in pool.map(one, documents):
                if pdf:
                    report.pdfs.append(pdf)
                report.fallbacks += fallbacks
                if problem:
                    report.problems.append(problem)
    report.pdfs.sort()
    report.seconds = time.perf_counter() - start
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m course.documents",
                                     description="Build solutions/*.pdf (worked solutions) and "
                                                 "exercises/*.pdf (printable exercise sheets).",
                                     epilog="The committed PDFs are rebuilt, in the course folder, "
                                            "with: python -m course.documents .")
    parser.add_argument("course", nargs="?", default=".",
                        help="the course folder (nbgrader_config.py, source/, release/)")
    parser.add_argument("--out", help="where solutions/ and exercises/ go (default: the course)")
    parser.add_argument("--assignment", default=ASSIGNMENT)
    parser.add_argument("--regenerate", action="store_true",
                        help="generate the release from source/ even if release/ exists")
    parser.add_argument("--jobs", type=int, help="documents typeset in parallel (default: CPUs)")
    parser.add_argument("--notebook", action="append", dest="notebooks", metavar="NAME",
                        help="build only this notebook's documents (repeatable)")
    parser.add_argument("--apt-packages", action="store_true",
                        help="print the Debian/Ubuntu packages the documents need, and exit")
    args = parser.parse_args(argv)
    if args.apt_packages:
        print(" ".join(APT_PACKAGES))
        return 0
    report = build_documents(args.course, args.out, assignment=args.assignment,
                             regenerate=args.regenerate, jobs=args.jobs,
                             notebooks=args.notebooks)
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
