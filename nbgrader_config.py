"""nbgrader configuration of the course 'Maths of Deep Learning'.

The course folder is the folder nbgrader runs in (source/, release/, submitted/, autograded/,
feedback/ below it).  Environment variables:
  MATHS_OF_DL_DB_URL        gradebook URL (default: SQLite gradebook.db in the course folder);
                            e.g. postgresql://user@host/maths_of_dl for a large course
  MATHS_OF_DL_CELL_TIMEOUT  seconds one cell may run during autograding (default 60)
"""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = "maths-of-dl"
if os.environ.get("MATHS_OF_DL_DB_URL"):
    c.CourseDirectory.db_url = os.environ["MATHS_OF_DL_DB_URL"]

# The 5000-step trainings of notebook 05 take about 3 s each; a minute leaves room for slow
# student code while a cell that loops forever is interrupted and graded 0.
c.Execute.timeout = int(os.environ.get("MATHS_OF_DL_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True

# Students never see the hidden tests in their feedback.
c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, ClearHiddenTests]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
