"""The single writer: scores into nbgrader's gradebook, autograded copies, feedback HTML.

Only the grading driver's own process writes, one notebook at a time, through nbgrader's
own pieces: `SaveAutoGrades` turns the executed notebook's test-cell outputs into scores
(an error output scores 0, as under `nbgrader autograde`), and feedback is nbgrader's
"feedback" HTML template filled by `GetGrades`. So `nbgrader export`, formgrader and
`nbgrader generate_feedback` see exactly what this grader wrote.
"""
from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path

import nbformat

from .course import COURSE_ID


def db_url(root: Path) -> str:
    return f"sqlite:///{(root / 'gradebook.db').as_posix()}"


class GradebookWriter:
    """Writes results for one course directory (use from one process only)."""

    def __init__(self, root: Path):
        from nbgrader.api import Gradebook

        self.root = root
        self.url = db_url(root)
        self.gb = Gradebook(self.url, COURSE_ID)
        self._exporter = None

    def close(self):
        self.gb.close()

    # ------------------------------------------------------------------ queries
    def assignments(self) -> dict[str, list[str]]:
        """assignment -> its notebook names, as recorded by generate_assignment."""
        return {a.name: sorted(nb.name for nb in a.notebooks) for a in self.gb.assignments}

    def score(self, assignment: str, student: str) -> tuple[float, float]:
        sub = self.gb.find_submission(assignment, student)
        return float(sub.score), float(sub.max_score)

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

    def save(self, assignment: str, student: str, notebook: str, executed: nbformat.NotebookNode) -> None:
        """Scores from the executed notebook, its autograded copy and its feedback page."""
        from nbgrader.preprocessors import SaveAutoGrades

        SaveAutoGrades().preprocess(executed, self._resources(assignment, student, notebook))
        self.gb.db.expire_all()  # SaveAutoGrades wrote through its own connection
        path = self.root / "autograded" / student / assignment / f"{notebook}.ipynb"
        _replace(path, nbformat.writes(executed))
        self.write_feedback(assignment, student, notebook, executed)

    def zero(self, assignment: str, student: str, notebook: str) -> None:
        """Score 0 for every graded cell of a notebook that could not be graded."""
        sub = self.gb.find_submission_notebook(notebook, assignment, student)
        for grade in sub.grades:
            grade.auto_score = 0
            grade.needs_manual_grade = False
        self.gb.db.commit()

    def write_feedback(self, assignment, student, notebook, executed) -> None:
        """feedback/<student>/<assignment>/<notebook>.html, with nbgrader's feedback template."""
        body, _ = self.exporter.from_notebook_node(executed, resources=self._resources(assignment, student, notebook))
        _replace(self.root / "feedback" / student / assignment / f"{notebook}.html", body)

    @property
    def exporter(self):
        if self._exporter is None:
            self._exporter = feedback_exporter()
        return self._exporter

    def _resources(self, assignment, student, notebook) -> dict:
        return {"unique_key": notebook, "output_files_dir": f"{notebook}_files",
                "nbgrader": {"student": student, "assignment": assignment, "notebook": notebook, "db_url": self.url}}


def feedback_exporter():
    """nbconvert's HTML exporter set up as nbgrader's GenerateFeedback sets it up."""
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades
    from traitlets.config import Config

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    config = Config()
    config.HTMLExporter.template_name = "feedback"
    config.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    config.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    exporter = HTMLExporter(config=config)
    exporter.register_preprocessor(GetGrades(), enabled=True)
    exporter.register_preprocessor(CSSHTMLHeaderPreprocessor(), enabled=True)
    return exporter


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (a half-written file is never left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(tmp, path)
