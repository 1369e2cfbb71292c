"""Pages looked at in a real browser with no network at all.

`look(pages)` runs this file under `unshare --net` (a network namespace of its own: loopback only,
which Selenium needs to reach chromedriver), where headless Debian Chromium opens each page at
1000 px width and reports, per page, what a reader sees: the visible text, how many maths
elements are drawn (MathML `<math>` with a size, or MathJax's containers), and every verdict box
(the Markdown output of a graded test cell) that would need a horizontal scrollbar.  `shot`
saves a screenshot of the first page.
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

WIDTH = 1000

PROBE = """
const drawn = [...document.querySelectorAll("math, mjx-container")]
  .filter(e => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0);
const verdicts = [...document.querySelectorAll(
  ".output_markdown, .output_subarea, .output_area pre")];
return {
  text: document.body.innerText,
  maths: drawn.length,
  verdicts: document.querySelectorAll(".output_markdown").length,
  scrolling: verdicts.filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => e.innerText.slice(0, 200)),
  page_scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
};
"""


def look(pages, shot=None, tmp=None):
    """[{text, maths, verdicts, scrolling, page_scrolls}] of each page, seen offline."""
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "needs Debian's chromium and chromium-driver (scripts/setup.sh)"
    run = subprocess.run(
        ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$0" "$@"',
         sys.executable, __file__, json.dumps([str(p) for p in pages]), str(shot or ""),
         str(tmp or Path(pages[0]).parent)],
        capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _main(pages, shot, tmp):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", f"--window-size={WIDTH},900",
                 f"--user-data-dir={Path(tmp) / 'offline-chromium'}"):
        options.add_argument(flag)
    browser = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver")))
    try:
        seen = []
        for k, page in enumerate(pages):
            browser.get(Path(page).resolve().as_uri())
            browser.execute_script("return document.fonts.ready")
            seen.append(browser.execute_script(PROBE))
            if k == 0 and shot:
                height = browser.execute_script("return document.body.scrollHeight")
                browser.set_window_size(WIDTH, min(height + 150, 4000))
                browser.save_screenshot(shot)
        print(json.dumps(seen))
    finally:
        browser.quit()


if __name__ == "__main__":
    _main(json.loads(sys.argv[1]), sys.argv[2] or None, sys.argv[3])
