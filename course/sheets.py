"""A release notebook turned into the two documents of paper: the exercise sheet (prose, given
data and figures, a framed working space for each answer) and the worked solutions (the same
prose and data, and in place of each answer its worked steps from `course.worked`, the model
answers of the manually graded cells, the figures).  Neither holds a hidden test, a grader call,
an nbgrader marker or stub (`forbidden_text` finds them before anything is typeset)."""
import base64
import html
import re

import nbformat.v4 as nbf
from nbconvert.filters import escape_latex
from nbgrader import utils

from autograder.settings import CODE_STUB, TEXT_STUB
from autograder.submissions import grade_id

COURSE_TITLE = "Maths of Deep Learning"
DOCUMENTS = {"exercises": "exercise sheet", "solutions": "worked solutions"}

# nbgrader's stubs (the ones nbgrader_config.py sets), line by line
STUBS = tuple(line.strip() for line in (*CODE_STUB.splitlines(), TEXT_STUB) if line.strip())
# Text that must never reach a document: nbgrader's markers and stubs, the grader's calls.
FORBIDDEN = ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "record(", "check(", "autograder",
             "mdl_kernel", *STUBS, "NotImplementedError")
STUB_LINES = re.compile(r"^\s*(" + "|".join(re.escape(s) for s in STUBS) + r")\s*$")
GRADER_LINES = re.compile(r"^\s*(from (autograder|mdl_kernel)\b|import (autograder|mdl_kernel)\b)"
                          r"|\b(check|record)\(")
SHOW_LINES = re.compile(r"^\s*plt\.show\(\)\s*$")
IMPORT_LINES = re.compile(r"^\s*(import \w[\w.]*( as \w+)?|from [\w.]+ import [\w, ]+)\s*$")


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


def worked_text(exercises=None):
    """The text of the worked solutions of `exercises` (default: every exercise, in the
    catalogue's order), each after a comment naming its exercise (written to solutions/worked.md
    by the build)."""
    from autograder.catalogue import CATALOGUE
    from course import worked
    return "".join(f"<!-- worked solution of {eid} -->\n\n{worked.markdown(eid)}\n\n"
                   for eid in (CATALOGUE if exercises is None else exercises))


def forbidden_text(nb):
    """The forbidden strings found in a document's cells (sources and text outputs)."""
    found = set()
    for cell in nb.cells:
        texts = [cell.source] + [str(o.get("text", "")) for o in cell.get("outputs", [])]
        for text in texts:
            found.update(f for f in FORBIDDEN if f in text)
    return sorted(found)
