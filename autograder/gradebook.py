"""The single writer: scores into nbgrader's gradebook, autograded copies, feedback pages, regrade state.

Only the grading driver's process writes, one notebook at a time, through nbgrader's own
pieces: `save_grades` is nbgrader's SaveAutoGrades (its `determine_grade` turns each test
cell's outputs into a score, an error output scores 0, and solution cells get their "No
response." comments) done through this writer's open gradebook with one commit per notebook
instead of a new connection and a commit per cell; tests/test_restore.py checks that both
write the same rows. So ``nbgrader export`` and formgrader see exactly what this grader wrote.
Each graded submission also gets a small state file beside its autograded copies, recording the digest of what was graded, so a
later run regrades exactly the submissions that changed.
"""
from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import nbformat

from .course import Course

STATE = ".autograder-state.json"


class GradebookWriter:
    """Writes results for one course (use from one process only)."""

    def __init__(self, course: Course):
        from nbgrader.api import Gradebook

        self.course = course
        self.gb = Gradebook(course.db_url, course.course_id)

    def close(self):
        self.gb.close()

    # ------------------------------------------------------------------ queries
    def score(self, assignment: str, student: str) -> tuple[float, float]:
        sub = self.gb.find_submission(assignment, student)
        return float(sub.score), float(sub.max_score)

    def state(self, student: str, assignment: str) -> dict:
        """What was graded last time ({} if never, or if the state file is unreadable)."""
        try:
            data = json.loads(self.course.path("autograded", student, assignment, STATE).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # ------------------------------------------------------------------ writes
    def open_submission(self, assignment: str, student: str, timestamp=None) -> None:
        """Create (or update) the student and the submission, as nbgrader autograde does."""
        self.gb.update_or_create_student(student)
        extra = {"timestamp": timestamp} if timestamp is not None else {}
        with warnings.catch_warnings():
            # nbgrader 0.9.6 trips SQLAlchemy 2's autoflush warning on every new submission;
            # the submission is created all the same (plain `nbgrader autograde` prints it too).
            warnings.filterwarnings("ignore", message="Object of type <Submitted")
            self.gb.update_or_create_submission(assignment, student, **extra)

    def save(self, assignment: str, student: str, notebook: str, executed: nbformat.NotebookNode,
             feedback: str) -> None:
        """Scores from the executed notebook, its autograded copy and its feedback page."""
        self.save_grades(assignment, student, notebook, executed)
        replace(self.course.path("autograded", student, assignment, f"{notebook}.ipynb"), nbformat.writes(executed))
        replace(self.course.path("feedback", student, assignment, f"{notebook}.html"), feedback)

    def save_grades(self, assignment: str, student: str, notebook: str, executed: nbformat.NotebookNode) -> None:
        """What nbgrader's SaveAutoGrades writes for an executed notebook, in one transaction."""
        import logging

        from nbgrader import utils

        submitted = self.gb.find_submission_notebook(notebook, assignment, student)
        grades = {g.name: g for g in submitted.grades}
        comments = {c.name: c for c in submitted.comments}
        log = logging.getLogger("autograder.gradebook")
        for cell in executed.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if utils.is_grade(cell) and gid in grades:
                grade = grades[gid]
                grade.auto_score, _ = utils.determine_grade(cell, log)
                grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
            if (utils.is_solution(cell) or utils.is_task(cell)) and gid in comments:
                unchanged = cell.metadata.nbgrader.get("checksum") == utils.compute_checksum(cell)
                comments[gid].auto_comment = "No response." if unchanged and not utils.is_task(cell) else None
        self.gb.db.commit()

    def zero(self, assignment: str, student: str, notebook: str) -> None:
        """Score 0 for every graded cell of a notebook that could not be graded."""
        sub = self.gb.find_submission_notebook(notebook, assignment, student)
        for grade in sub.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        self.gb.db.commit()

    def record_state(self, student: str, assignment: str, state: dict) -> None:
        replace(self.course.path("autograded", student, assignment, STATE), json.dumps(state, indent=1))

    def _resources(self, assignment, student, notebook) -> dict:
        return {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
                "nbgrader": {"student": student, "assignment": assignment, "notebook": notebook,
                             "db_url": self.course.db_url}}


def replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a half-written file is never left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", errors="replace")  # a lone surrogate that slipped through becomes "?"
    os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(tmp, path)
