"""A real Jupyter server with formgrader, and headless Debian Chromium driven by Selenium (the
system browser and chromedriver), for the tests that look at pages as a tutor sees them."""
import contextlib
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from autograder.settings import tool_env
from waiting import free_port, wait_for


class ServerFailed(RuntimeError):
    """The Jupyter server ended or never answered; the message holds its log."""


@contextlib.contextmanager
def jupyter_server(course, token):
    """The tutor's Jupyter server on the course folder; yields its base URL once formgrader
    answers (a server that ends or hangs raises ServerFailed with its log)."""
    port = free_port()
    log = open(Path(course) / "server.log", "w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "jupyter"), "server", "--no-browser", "--allow-root",
         f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={course}"],
        cwd=course, env=tool_env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answers():
        if proc.poll() is not None:
            raise ServerFailed("the Jupyter server ended: " + (Path(course) / "server.log").read_text())
        try:
            urllib.request.urlopen(f"{base}/formgrader/?token={token}", timeout=30)
            return True
        except OSError:
            return False
    try:
        if not wait_for(answers):
            raise ServerFailed("the Jupyter server did not answer: "
                               + (Path(course) / "server.log").read_text())
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def chromium(profile, *flags):
    """Debian's headless chromium under Selenium, with a profile of its own and `flags` more."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert binary and driver, "needs Debian's chromium and chromium-driver (scripts/setup.sh)"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                 "--allow-file-access-from-files", f"--user-data-dir={profile}", *flags):
        options.add_argument(flag)
    session = webdriver.Chrome(options=options, service=Service(driver))
    try:
        yield session
    finally:
        session.quit()


def log_in(browser, base, token):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as until
    from selenium.webdriver.support.ui import WebDriverWait
    browser.get(f"{base}/login")
    WebDriverWait(browser, 60).until(until.element_to_be_clickable((By.ID, "password_input")))
    browser.find_element(By.ID, "password_input").send_keys(token)
    browser.find_element(By.ID, "login_submit").click()
    WebDriverWait(browser, 60).until(lambda b: "/login" not in b.current_url)


def loaded(browser, timeout=60):
    """Wait for the page's load event: every image has loaded or failed (its onerror has run)
    and every script of the page has run."""
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, timeout).until(
        lambda b: b.execute_script("return document.readyState") == "complete")
