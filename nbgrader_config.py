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

# --- trusted regrading (autograder.trusted) ---------------------------------------------------
# Every autograded score is recomputed in this process from the plain data the test cells record,
# before nbgrader saves it; the kernel's own score only served the student's feedback.  Flags for
# a human go to nbgrader's log and to <course>/reports/flags.jsonl (see autograder/trusted.py).
# nbgrader's default autograde preprocessors are kept, in their order.
from nbconvert.preprocessors import ClearMetadataPreprocessor  # noqa: E402
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,  # noqa: E402
                                    IgnorePattern, LimitOutput, SaveAutoGrades)

# named, not imported: only `nbgrader autograde` loads the grader (and all its references) here
c.Autograde.autograde_preprocessors = [
    Execute,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    "autograder.trusted.TrustedRegrade",   # after the kernel ran, before SaveAutoGrades
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# --- end of trusted regrading -------------------------------------------------------------------
