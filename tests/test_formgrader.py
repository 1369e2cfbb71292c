"""Manual points through nbgrader's formgrader, in a real browser.

A course is released, one student's notebook 01 is autograded (sandboxed, as a tutor grades),
the real Jupyter server starts with nbgrader's formgrader for the course, and headless Debian
Chromium, driven by Selenium against the system browser and chromedriver, opens the
submission's grading page, types the score and a comment of F4's manually graded explanation.
The gradebook, the exported grades (nbgrader's CSV and the Canvas CSV) and the regenerated
feedback all show them.  The browser reaches nothing but the local server (a dead proxy and no
name resolution for anything else), and the grading page's maths is drawn all the same: the
course's configuration renders it to MathML (autograder.feedback).
"""
import csv
import re
import secrets

import pytest

from autograder.assignment import LAB
from autograder import cli, grades_export
from autograder.submissions import write_submission
from browser import chromium, jupyter_server
from waiting import wait_for

STUDENT, MANUAL, COMMENT = "1041", "F4_explanation", "Clear: rows are observations."


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = cli.prepare(tmp_path_factory.mktemp("formgrader") / "course")
    cli.release(course, LAB)
    write_submission(course, STUDENT, notebooks=["01_forward_pass"])
    assert cli.autograde(course, LAB) == 0
    return course


@pytest.fixture(scope="module")
def server(course):
    token = secrets.token_hex(16)
    with jupyter_server(course, token) as base:
        yield base, token


@pytest.fixture(scope="module")
def browser(course):
    with chromium(course.parent / "chromium-profile",
                  "--proxy-server=http://127.0.0.1:9",                  # offline but for the
                  "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",   # local server
                  ) as session:
        yield session


def _grade(course):
    from nbgrader.api import Gradebook
    with Gradebook(cli.db_url(course)) as gb:
        grade = gb.find_grade(MANUAL, "01_forward_pass", LAB.id, STUDENT)
        comment = gb.find_comment(MANUAL, "01_forward_pass", LAB.id, STUDENT)
        return grade.manual_score, grade.needs_manual_grade, comment.manual_comment, \
            gb.find_submission_notebook("01_forward_pass", LAB.id, STUDENT).id


@pytest.mark.slow
def test_a_manual_answer_graded_in_formgrader_reaches_gradebook_grades_and_feedback(
        course, server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as until
    from selenium.webdriver.support.ui import WebDriverWait
    score, needs_manual, comment, notebook_id = _grade(course)
    assert score is None and needs_manual
    base, token = server
    browser.get(f"{base}/login")                      # the tutor logs in with the token
    WebDriverWait(browser, 60).until(until.element_to_be_clickable((By.ID, "password_input")))
    browser.find_element(By.ID, "password_input").send_keys(token)
    browser.find_element(By.ID, "login_submit").click()
    WebDriverWait(browser, 60).until(lambda b: "/login" not in b.current_url)
    browser.get(f"{base}/formgrader/submissions/{notebook_id}/")
    field = WebDriverWait(browser, 60).until(until.element_to_be_clickable((By.ID, MANUAL)))
    drawn = browser.execute_script(
        "return [...document.querySelectorAll('math')].filter(e => e.getBoundingClientRect()"
        ".width > 0).length")
    assert drawn >= 5 and not re.search(r"\$[^$\n]{1,200}\$",
                                        browser.find_element(By.TAG_NAME, "body").text)
    field.clear()
    field.send_keys("2", Keys.TAB)
    note = browser.find_element(By.ID, f"{MANUAL}-comment")
    note.send_keys(COMMENT, Keys.TAB)
    browser.save_screenshot(str(course / "formgrader.png"))
    wait_for(lambda: _grade(course)[:3] == (2.0, False, COMMENT))    # formgrader saved both
    score, needs_manual, comment, _ = _grade(course)
    assert (score, needs_manual, comment) == (2.0, False, COMMENT)

    cli.grades(course, LAB)
    row = next(r for r in csv.DictReader(open(course / "reports" / LAB.id / "grades.csv")) if r["student_id"] == STUDENT)
    assert float(row["score"]) == 14 + 2               # notebook 01: 14 autograded + 2 manual
    assert grades_export.read_grades(course, LAB)[STUDENT].score == 16.0   # what --into writes

    assert cli.feedback(course, LAB) == 0
    page = course / "feedback" / STUDENT / LAB.id / "01_forward_pass.html"
    html = page.read_text()
    assert COMMENT in html and "HIDDEN TESTS" not in html
    assert "14 / 14 autograded · 2 / 2 graded by hand · 16 / 16 in all" in html
