"""What a hand-run `nbgrader autograde` takes from `submitted/`: safe ids, and no symbolic link.

nbgrader reads `submitted/<student>/<assignment>/` with the tutor's rights.  It follows symbolic
links: a notebook that is a link to `source/.../nb.ipynb` is graded as the model solution, and a
file that is a link (`notes.txt -> ../../../source/...`, or to another student's notebook) is
copied into `autograded/` (where the student's kernel reads it) and on into the student's own
feedback.  Unzipping a student's zip with its links kept makes such a folder.  And it takes the
folder's name as the student's id, which formgrader prints into its pages unescaped.  Two
preprocessors in the course's configuration close both, without changing nbgrader:

* `SafeStudentId`, first of `c.Autograde.sanitize_preprocessors`: a student whose id is not safe
  (`autograder.student_ids`) is taken out of the gradebook again (nbgrader adds the student
  before any preprocessor runs) and refused with the reason; nbgrader then removes that
  student's autograded folder and grades the rest of the class.
* `SubmittedLinks`, first of `c.Autograde.autograde_preprocessors` (before any kernel runs):
  every symbolic link below the submission, and the submission folder itself if it is one, is
  found without following it; the copies nbgrader made of linked files are removed from the
  autograded folder (a course file restored from `source/` under the same name is kept); a
  notebook that is a link is graded as the blank release notebook (it scores 0).  Each link is
  flagged `submission-link` (by `sanitize.SanitizeNotebook`, after the grader).

`grade-class` stages submissions itself (`autograder/staging.py`), with the same rules.
"""
import os
import shutil
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor

from ..settings import COURSE_KEY
from ..student_ids import is_safe, refusal

PENDING = "pending_flags"      # resources[COURSE_KEY][PENDING]: [(reason, [finding])]


def links_below(folder):
    """Paths (relative to `folder`) of the symbolic links below it, none of them followed."""
    found = []
    for parent, dirs, files in os.walk(folder):     # os.walk never enters a linked folder
        for name in dirs + files:
            path = os.path.join(parent, name)
            if os.path.islink(path):
                found.append(os.path.relpath(path, folder))
    return sorted(found)


def linked_part(root, folder):
    """The first part of `folder` below `root` that is a symbolic link, or None."""
    root, folder = Path(root), Path(folder)
    path = root
    for part in folder.relative_to(root).parts:
        path = path / part
        if path.is_symlink():
            return path
    return None


class SafeStudentId(NbGraderPreprocessor):
    """Refuse a student whose id is not safe, and leave no trace of it in the gradebook."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        student = info.get("student")
        if is_safe(student):
            return nb, resources
        try:
            with Gradebook(info["db_url"]) as gb:
                gb.remove_student(student)
        except MissingEntry:
            pass
        raise ValueError(refusal(student))


class SubmittedLinks(NbGraderPreprocessor):
    """Skip and flag every symbolic link of the submission (see the module)."""

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        student, assignment, notebook = (info.get(k) for k in ("student", "assignment",
                                                                "notebook"))
        if not (student and assignment and notebook):
            return nb, resources
        coursedir = CourseDirectory(config=self.config)
        root = Path(coursedir.root)
        submitted = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        autograded = Path(coursedir.format_path(coursedir.autograded_directory, student,
                                                assignment))
        source = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        findings = []
        folder = linked_part(root, submitted)
        if folder is not None:
            findings.append(f"the submission folder {folder.relative_to(root)} is a symbolic "
                            "link: nothing in it was graded")
            links = [str(p.relative_to(autograded)) for p in autograded.rglob("*")
                     if p.is_file() and p.suffix != ".ipynb"]
        else:
            links = links_below(submitted)
            findings.extend(f"{link} is a symbolic link: not followed" for link in links)
        for link in links:
            copy = autograded / link
            if (source / link).is_file() and not link.endswith(".ipynb"):
                continue      # nbgrader put the course's own file there
            if copy.is_dir() and not copy.is_symlink():
                shutil.rmtree(copy)
            elif copy.is_symlink() or (copy.exists() and not link.endswith(".ipynb")):
                copy.unlink()
        if folder is not None or f"{notebook}.ipynb" in links:
            nb = self._blank(coursedir, assignment, notebook, nb)
        if findings:
            self.log.warning("Symbolic links in %s/%s skipped: %s", student, assignment,
                             "; ".join(findings))
            pending = resources.setdefault(COURSE_KEY, {}).setdefault(PENDING, [])
            pending.append(("submission-link", [
                {"cell": -1, "line": 0, "reason": "submission-link", "detail": f}
                for f in findings]))
        return nb, resources

    @staticmethod
    def _blank(coursedir, assignment, notebook, nb):
        """The release's notebook (no answers: it scores 0), or no cells if there is none."""
        release = Path(coursedir.format_path(coursedir.release_directory, ".", assignment)) / \
            f"{notebook}.ipynb"
        if release.is_file() and not release.is_symlink():
            return nbformat.read(release, as_version=4)
        nb.cells = []
        return nb
