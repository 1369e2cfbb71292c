"""Documents typeset: nbconvert's LaTeX and PDF exporters with the course's template
(course/templates/maths_of_dl), XeLaTeX run twice in DejaVu fonts, reproducible dates; HTML (and
LaTeX to typeset elsewhere) when XeLaTeX is missing.  `build_one` writes one document; it runs in
a worker process (PDFExporter changes the working directory)."""
import os
from pathlib import Path

from .sheets import forbidden_text


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


def reproducible_process():
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
