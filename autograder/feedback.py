"""Feedback that renders offline: MathJax ships with the course.

nbconvert's HTML loads MathJax from `HTMLExporter.mathjax_url`, a CDN by default, so a student
offline sees raw `$...$`.  The course's configuration makes `generate_feedback` export with
`FeedbackExporter`, whose MathJax is `../../mathjax/load.js`, relative to each feedback page (`feedback/<student>/<assignment>/<notebook>.html`), and
`install_mathjax(course)` puts there `load.js` (the MathJax 3 configuration of nbconvert's
delimiters) and `tex-svg-full.js` (MathJax 3, SVG output: no font files), which
scripts/setup.sh fetches from the npm registry into `.mathjax/` (MATHJAX).
"""
import shutil
from pathlib import Path

from nbconvert.exporters import HTMLExporter
from traitlets import default

from .settings import REPO

MATHJAX = REPO / ".mathjax" / "tex-svg-full.js"
LOADER = Path(__file__).with_name("assets") / "mathjax-load.js"
MATHJAX_URL = "../../mathjax/load.js"      # from feedback/<student>/<assignment>/


def install_mathjax(course):
    """Copy the loader and MathJax into <course>/feedback/mathjax/; returns the folder, or None
    (with the fix on stderr) when MathJax is not installed here."""
    if not MATHJAX.exists():
        import sys
        print(f"feedback: MathJax is not installed ({MATHJAX}); the feedback's maths needs a "
              "network until scripts/setup.sh installs it", file=sys.stderr)
        return None
    folder = Path(course) / "feedback" / "mathjax"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LOADER, folder / "load.js")
    if not (folder / MATHJAX.name).exists() or \
            (folder / MATHJAX.name).stat().st_size != MATHJAX.stat().st_size:
        shutil.copyfile(MATHJAX, folder / MATHJAX.name)
    return folder


class FeedbackExporter(HTMLExporter):
    """nbconvert's HTML exporter with the course's own MathJax and nothing else from a network
    (require.js, which a static page does not need, is an empty script).  Formgrader's pages,
    which also read the course's configuration, keep nbconvert's defaults."""

    @default("mathjax_url")
    def _mathjax_url_default(self):
        return MATHJAX_URL

    @default("require_js_url")
    def _require_js_url_default(self):
        return "data:text/javascript,"
