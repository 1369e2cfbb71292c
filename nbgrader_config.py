"""nbgrader configuration of the course 'Maths of Deep Learning'.

The course folder is the folder nbgrader runs in (source/, release/, submitted/, autograded/,
feedback/ below it).  `nbgrader autograde` and `maths-of-dl grade-class` both read this file.
An environment variable overrides the setting it names (autograder/settings.py):
  MATHS_OF_DL_DB_URL          gradebook URL (default: SQLite gradebook.db in the course folder)
  MATHS_OF_DL_CELL_TIMEOUT    c.Execute.timeout
  MATHS_OF_DL_GRADING_KERNEL  c.Execute.kernel_name
"""
import os

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters import Autograde
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, DeduplicateIds, Execute,
                                    GetGrades, SaveAutoGrades)

from autograder import settings
from autograder.feedback import Scores

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)

c.CourseDirectory.course_id = settings.COURSE_ID
if settings.DB_URL_VARIABLE in os.environ:   # otherwise nbgrader's gradebook.db in the course
    c.CourseDirectory.db_url = os.environ[settings.DB_URL_VARIABLE]

# Seconds one cell may run: a cell that loops forever is interrupted and graded 0 (the 5000-step
# trainings of notebook 05 take about 3 s; a minute leaves room for slow student code).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# The grading kernel has the kernel side (mdl_kernel) and NumPy, SymPy, matplotlib only: nothing
# that knows an answer can be imported from a student's notebook while it is graded.
# (scripts/setup.sh installs it, with the sandbox below as its provisioner.)
c.Execute.kernel_name = "maths-of-dl-grading"
# The sandbox of every grading kernel (autograder/grading/sandbox/): its limits, per kernel.
MIB = 1 << 20
c.SandboxProvisioner.address_space = 3072 * MIB   # bytes of address space of each process
c.SandboxProvisioner.processes = 128              # processes and threads: no fork bomb
c.SandboxProvisioner.file_size = 256 * MIB        # bytes of one file it writes
c.SandboxProvisioner.cpu_seconds = 900            # CPU seconds of a whole notebook
c.SandboxProvisioner.open_files = 256             # open files of each process
c.SandboxProvisioner.tmp_bytes = 256 * MIB        # bytes of its /tmp, and of its home
c.SandboxProvisioner.memory_bytes = 2048 * MIB    # memory of all its processes (as root)
# One student's kernels forked from a warm parent in that student's sandbox
# (autograder/grading/zygote.py): `grade-class` turns it on unless this file sets it;
# MATHS_OF_DL_FORK_KERNELS=0 or 1 overrides it.
# c.SandboxProvisioner.fork_kernels = True
# Unix sockets, not TCP ports: kernels started side by side cannot race for a port, and a kernel
# needs no network to talk to nbgrader.
c.KernelManager.transport = "ipc"
c.Execute.kernel_manager_class = "autograder.grading.kernels.GradingKernelManager"

# Students never see the hidden tests in their feedback, and its maths renders offline: it is
# MathML made when the page is exported (autograder/feedback.py), in the feedback pages and in
# formgrader's (every HTMLExporter of the course renders Markdown maths and text/latex so).
c.GenerateFeedback.preprocessors = [GetGrades, Scores, CSSHTMLHeaderPreprocessor, ClearHiddenTests]
c.GenerateFeedback.exporter_class = "autograder.feedback.FeedbackExporter"
c.HTMLExporter.filters = {"markdown2html": "autograder.feedback.markdown2html"}
c.HTMLExporter.preprocessors = ["autograder.feedback.LatexOutputs",
                                "autograder.feedback.VerdictsWithoutPrompt"]

c.ClearSolutions.code_stub = {"python": settings.CODE_STUB}
c.ClearSolutions.text_stub = settings.TEXT_STUB

# The grader runs in this process (autograder.grading): the test inputs are handed to the kernel
# before each test cell runs (never written into it), and every record is judged after, before
# nbgrader saves the scores.  Only the lab's assignment (autograder/assignment.py): another
# assignment of the course folder is graded by nbgrader's own rules, in the same sandbox.
# nbgrader's own default list is kept, whatever its version adds to it.  Named, not
# imported: only `nbgrader autograde` loads the grader (and all its references).
preprocessors = list(Autograde.class_traits()["autograde_preprocessors"].default())
preprocessors.insert(preprocessors.index(Execute), "autograder.grading.inputs.TestInputs")
preprocessors.insert(preprocessors.index(SaveAutoGrades), "autograder.grading.marking.MarkRecords")
# Nothing from a submission is active in a browser: formgrader, the feedback and the reports show
# the autograded notebook with every output and markdown cell made passive (after the grader has
# read the records, before nbgrader saves the notebook).
preprocessors.insert(preprocessors.index(SaveAutoGrades),
                     "autograder.grading.sanitize.SanitizeNotebook")
# nbgrader's Execute, except that a kernel that dies costs only the cells it had not run
preprocessors[preprocessors.index(Execute)] = "autograder.grading.kernels.Execute"
# A symbolic link in a submission is never followed (skipped and flagged, before any kernel runs).
preprocessors.insert(0, "autograder.grading.intake.SubmittedLinks")
c.Autograde.autograde_preprocessors = preprocessors
# One notebook's broken cell metadata (a copied graded cell, an edited schema version) would stop
# nbgrader for the whole class: repaired or removed first, and flagged (grading.cell_metadata).
# A folder of submitted/ whose name is not a safe student id is refused first, and not left in the
# gradebook, where formgrader would print it.
sanitizing = ["autograder.grading.intake.SafeStudentId",
              *Autograde.class_traits()["sanitize_preprocessors"].default()]
sanitizing.insert(sanitizing.index(DeduplicateIds),
                  "autograder.grading.cell_metadata.RepairCellMetadata")
sanitizing.insert(sanitizing.index(CheckCellMetadata),
                  "autograder.grading.cell_metadata.DropInvalidCellMetadata")
c.Autograde.sanitize_preprocessors = sanitizing
