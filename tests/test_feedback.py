"""Feedback that renders offline (autograder.feedback): the course's MathJax typesets the maths
of a real feedback page in a real headless Chromium with no network at all."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import feedback

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--virtual-time-budget=20000"]


def _page(course):
    nb = new_notebook(cells=[
        new_markdown_cell(r"Inline $\mathbf{z} = \mathbf{X}\mathbf{w} + \mathbf{b}$ and display"
                          "\n\n$$\\frac{\\partial L}{\\partial w} = \\frac{2}{N}\\sum_i "
                          "(\\hat y_i - y_i) x_i$$"),
        new_code_cell("z_1a = X_1a @ w_1a + b_1a")])
    html, _ = feedback.FeedbackExporter().from_notebook_node(nb)
    page = Path(course) / "feedback" / "s01" / "maths_of_dl" / "01_forward_pass.html"
    page.parent.mkdir(parents=True)
    page.write_text(html)
    return page, html


def test_the_page_loads_the_courses_mathjax_not_a_cdn(tmp_path):
    _, html = _page(tmp_path)
    assert f'src="{feedback.MATHJAX_URL}"' in html
    assert "https://" not in " ".join(re.findall(r"<script[^>]*>", html))   # nothing from a network
    assert feedback.install_mathjax(tmp_path) == tmp_path / "feedback" / "mathjax"
    assert (tmp_path / "feedback" / "mathjax" / "tex-svg-full.js").stat().st_size > 1_000_000


def _offline(*args):
    """A command with no network: a network namespace of its own, loopback only."""
    return ["unshare", "--net", "--", *args]


@pytest.mark.slow
def test_formulas_are_typeset_offline_in_a_real_browser(tmp_path):
    assert CHROMIUM, "needs Debian's chromium: scripts/setup.sh installs it as root"
    page, _ = _page(tmp_path)
    feedback.install_mathjax(tmp_path)
    profile = tmp_path / "profile"
    dom = subprocess.run(_offline(CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                                  page.as_uri()),
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<mjx-container") == 2, dom[-2000:]
    assert "<svg" in dom and "$$" not in dom.split("<body")[-1]
    shot = tmp_path / "feedback.png"
    subprocess.run(_offline(CHROMIUM, *FLAGS, f"--user-data-dir={profile}",
                            f"--screenshot={shot}", "--window-size=900,500", page.as_uri()),
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 5_000
    # without the course's MathJax, the same page shows raw TeX: the test can fail
    shutil.rmtree(tmp_path / "feedback" / "mathjax")
    bare = subprocess.run(_offline(CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                                   page.as_uri()),
                          capture_output=True, text=True, timeout=120).stdout
    assert "<mjx-container" not in bare and "\\frac" in bare
