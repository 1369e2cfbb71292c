"""Feedback pages a student can read offline: maths rendered to MathML when the page is made.

nbgrader's feedback template (and formgrader's) calls `{{ mathjax() }}` with no argument, so every
page loads MathJax from a CDN whatever `HTMLExporter.mathjax_url` says, and offline a student sees
raw `$x_1$`; `release_feedback` copies only the HTML files, so nothing beside a page reaches a
student who fetches it.  Here nothing needs to: the maths of every Markdown cell and every
`text/latex` output is turned into MathML when the page is exported (`latex2mathml`, pure Python),
which Chromium, Firefox and Safari draw natively.  A page holds no script and loads nothing.

* `markdown2html`: nbconvert's Markdown filter, with `$...$`, `$$...$$` and `\\begin{...}`
  rendered as `<math>`; set for every `HTMLExporter` of the course (`nbgrader_config.py`:
  `c.HTMLExporter.filters`), so formgrader's pages render their maths offline too.
* `LatexOutputs`: a `text/latex` output (a SymPy expression) shown as MathML as well;
  `VerdictsWithoutPrompt`: a graded cell's verdict shown without an `Out[8]:` prompt.
* `FeedbackExporter` (`c.GenerateFeedback.exporter_class`): the above, nbgrader's template with its
  CDN script removed, a style for the maths and the verdicts, and the header split into points
  graded automatically and by hand (`header`).
"""
import html
import re
from xml.etree import ElementTree

from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, default

from .grading.speedups import remembered
from .settings import COURSE_KEY

MAX_TEX = 5000                     # longer formulas are shown as TeX (converting costs time)
MATHML = "http://www.w3.org/1998/Math/MathML"
ELEMENTS = frozenset("""math mrow mi mn mo ms mtext mspace msub msup msubsup mfrac msqrt mroot
    mover munder munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose merror
    mmultiscripts mprescripts none mfenced semantics annotation maligngroup malignmark""".split())
ATTRIBUTES = frozenset("""display mathvariant stretchy fence separator accent accentunder
    columnalign rowalign columnspacing rowspacing columnlines rowlines frame width height depth
    lspace rspace linethickness mathcolor mathbackground mathsize minsize maxsize movablelimits
    notation displaystyle scriptlevel symmetric largeop form open close separators align
    equalrows equalcolumns encoding""".split())
STYLE = """<style type="text/css">
math { font-size: 1.15em;
  font-family: "Latin Modern Math", "STIX Two Math", "TeX Gyre Pagella Math", math; }
math[display="block"] { margin: 0.6em 0; }
.tex { white-space: pre-wrap; }
.output_markdown { overflow-wrap: anywhere; }
div.output_subarea.output_markdown { max-width: 100%; }
p.mdl-scores { margin: 0.4em 0 0; font-size: 15px; }
.rendered_html table { border-collapse: collapse; margin: 0.5em 0; }
.rendered_html th, .rendered_html td { padding: 0.15em 0.9em; border: 1px solid #ddd;
  text-align: left; }
</style>
"""
CDN_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
SCORE_HEADING = re.compile(r"<h4>(.*?) \(Score: [^()]*\)</h4>", re.S)


def tex_to_mathml(tex, display=False):
    """`<math>` for a TeX formula, or the TeX itself (escaped, without dollars) when it cannot be
    converted.  The converter's output is read back as XML and written out again: MathML
    elements and presentation attributes only (no link, source, style or event; a formula whose
    text would hold anything else, `\\text{<script>}` say, is shown as TeX)."""
    tex = tex.strip()
    if len(tex) <= MAX_TEX:
        try:
            return _clean(convert(tex, display="block" if display else "inline"))
        except Exception:   # noqa: BLE001 (whatever TeX the converter does not know)
            pass
    return f'<code class="tex">{html.escape(tex)}</code>'


def _clean(markup):
    """MathML with MathML elements and harmless attributes only, its text escaped."""
    root = ElementTree.fromstring(markup)
    for element in root.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace not in ("", "{" + MATHML) or tag not in ELEMENTS:
            raise ValueError(f"not MathML: {tag}")
        kept = {k: v for k, v in element.attrib.items() if k in ATTRIBUTES}
        element.tag = tag
        element.attrib.clear()
        element.attrib.update(kept)
    return ElementTree.tostring(root, encoding="unicode")   # in HTML, <math> is MathML


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with each formula as MathML instead of TeX for MathJax."""

    def block_math(self, body):
        return tex_to_mathml(body, display=True)

    def inline_math(self, body):
        return tex_to_mathml(body)

    def latex_environment(self, name, body):
        return tex_to_mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


@pass_context
def markdown2html(context, source):
    """nbconvert's `markdown2html` filter, with the maths as MathML.  Without attachments the
    HTML is a function of `source` alone (no image is embedded from the folder), so it may come
    from the pieces the warm grader kept (`grading.speedups.remembered`)."""
    cell = context.get("cell", {})
    attachments = cell.get("attachments", {})

    def render():
        renderer = MathMLRenderer(escape=False, attachments=attachments, anchor_link_text="",
                                  path=context.get("resources", {}).get("metadata", {})
                                  .get("path", ""))
        return MarkdownWithMath(renderer=renderer).render(source)

    if attachments or not isinstance(source, str):
        return render()
    return remembered("markdown", source, render)


class LatexOutputs(Preprocessor):
    """A `text/latex` output (what SymPy displays) also as `text/markdown`, which the page shows
    first and renders with `markdown2html`: MathML, not TeX waiting for MathJax."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            data = output.get("data")
            if isinstance(data, dict) and isinstance(data.get("text/latex"), str) and \
                    "text/markdown" not in data and "text/html" not in data:
                data["text/markdown"] = data["text/latex"]
        return cell, resources


class VerdictsWithoutPrompt(Preprocessor):
    """The verdict of a graded test cell shown as what it is, not as the cell's `Out[8]:` value:
    its execute_result (which nbgrader needed, at grading, to read the points) becomes a plain
    display."""

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and grading.get("grade") and \
                not grading.get("solution"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result" and \
                        "text/markdown" in output.get("data", {}):
                    output["output_type"] = "display_data"
                    output.pop("execution_count", None)
        return cell, resources


def _points(value):
    """Points for reading: at most two decimals, no trailing zeros (5.43, 14, 0.5)."""
    return f"{round(float(value or 0), 2):g}"


def header(summary):
    """The notebook's score line from `grading.verdicts.score_summary`'s split: points graded
    automatically, points graded by hand, points still to be graded by hand."""
    parts = [f"{_points(summary['auto'])} / {_points(summary['auto_max'])} autograded"]
    if summary["manual_max"]:
        if summary["manual_graded_max"]:
            parts.append(f"{_points(summary['manual'])} / {_points(summary['manual_graded_max'])}"
                         " graded by hand")
        pending = summary["manual_max"] - summary["manual_graded_max"]
        if pending:
            parts.append(f"{_points(pending)} point{'s' if pending != 1 else ''} still to be "
                         "graded by hand")
        else:
            parts.append(f"{_points(summary['auto'] + summary['manual'])} / "
                         f"{_points(summary['auto_max'] + summary['manual_max'])} in all")
    if summary.get("late_penalty"):
        parts.append(f"late penalty -{_points(summary['late_penalty'])}")
    return " · ".join(parts)


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter for feedback pages that load nothing from a network."""

    @default("filters")
    def _filters_default(self):
        return {"markdown2html": markdown2html}

    @default("preprocessors")
    def _preprocessors_default(self):
        return [LatexOutputs, VerdictsWithoutPrompt]

    @default("require_js_url")
    def _require_js_url_default(self):
        return "data:text/javascript,"

    def from_notebook_node(self, nb, resources=None, **kw):
        output, resources = super().from_notebook_node(nb, resources, **kw)
        output = CDN_MATHJAX.sub("", output, count=1)
        output = output.replace("</head>", STYLE + "</head>", 1)
        summary = resources.get(COURSE_KEY, {}).get("scores")
        if summary:
            line = html.escape(header(summary))
            output = SCORE_HEADING.sub(
                lambda m: f'<h4>{m.group(1)}</h4>\n<p class="mdl-scores">{line}</p>', output,
                count=1)
        return output, resources


class Scores(Preprocessor):
    """After nbgrader's GetGrades: `resources[COURSE_KEY]["scores"]`, the notebook's points
    split into those graded automatically (the test cells) and those a tutor grades by hand (the
    written answers), with how many of the latter no one has graded yet (the gradebook's
    `needs_manual_grade`)."""

    enabled = Bool(True).tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader import utils
        from nbgrader.api import Gradebook
        info = resources.get("nbgrader", {})
        summary = dict(auto=0.0, auto_max=0.0, manual=0.0, manual_max=0.0, manual_graded_max=0.0,
                       late_penalty=float(info.get("late_penalty") or 0))
        with Gradebook(info["db_url"]) as gb:
            for cell in nb.cells:
                if not (utils.is_grade(cell) or utils.is_task(cell)):
                    continue
                grade = gb.find_grade(cell.metadata["nbgrader"]["grade_id"], info["notebook"],
                                      info["assignment"], info["student"])
                points, score = float(grade.max_score or 0), float(grade.score or 0)
                if cell.cell_type == "code" and utils.is_grade(cell) and \
                        not utils.is_solution(cell):
                    summary["auto"] += score
                    summary["auto_max"] += points
                    continue
                summary["manual_max"] += points
                if not grade.needs_manual_grade:
                    summary["manual"] += score
                    summary["manual_graded_max"] += points
        resources.setdefault(COURSE_KEY, {})["scores"] = summary
        return nb, resources
