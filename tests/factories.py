"""Small factories for course directories and submissions, shared by the grading tests."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from autograder.course import SETTINGS, Course, init
from autograder.samples import honest

VENV_BIN = str(Path(sys.executable).parent)
SECRET = "test-secret-not-for-real-courses"


def make_template(path: Path, assignments=None) -> Path:
    """A fresh course (init is slow: copy this template for each test that changes it)."""
    init(path, assignments=assignments, log=lambda line: None)
    settings = json.loads((path / SETTINGS).read_text())
    settings["secret"] = SECRET
    (path / SETTINGS).write_text(json.dumps(settings))
    return path


def copy_course(template: Path, dest: Path) -> Path:
    shutil.copytree(template, dest, symlinks=True)
    return dest


def release(course: Path, assignment: str):
    return nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def source(course: Path, assignment: str):
    return nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)


def honest_nb(course: Path, assignment: str):
    return honest(release(course, assignment), source(course, assignment))


def submit(course: Path, student: str, assignment: str, content, name: str | None = None) -> Path:
    """Put a notebook (NotebookNode), text or bytes under submitted/<student>/<assignment>/."""
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{assignment}.ipynb")
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        nbformat.write(content, path)
    return path


def solution_cell(nb, grade_id: str):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def append_code(nb, source: str, after: str | None = None):
    """Add a plain code cell at the end, or right after the cell with grade_id `after`."""
    cell = nbformat.v4.new_code_cell(source)
    if after is None:
        nb.cells.append(cell)
    else:
        nb.cells.insert(nb.cells.index(solution_cell(nb, after)) + 1, cell)
    return nb


def nbgrader(course: Path, *args: str, check=True) -> subprocess.CompletedProcess:
    """Run a plain nbgrader command in the course directory."""
    env = dict(os.environ, PATH=VENV_BIN + os.pathsep + os.environ.get("PATH", ""))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    c = Course.open(course)
    return Gradebook(c.db_url, c.course_id)


def cell_scores(course: Path, assignment: str) -> dict:
    """{(student, grade_id): score} for every graded cell of an assignment."""
    with _gradebook(course) as gb:
        return {(sub.student.id, grade.name): grade.score
                for sub in gb.find_assignment(assignment).submissions
                for nb in sub.notebooks for grade in nb.grades}


def totals(course: Path) -> dict:
    """{(student, assignment): score}."""
    with _gradebook(course) as gb:
        return {(s.student.id, a.name): s.score for a in gb.assignments for s in a.submissions}


def max_score(course: Path, assignment: str) -> float:
    with _gradebook(course) as gb:
        return gb.find_assignment(assignment).max_score


def autograded(course: Path, student: str, assignment: str):
    return nbformat.read(course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4)


def feedback_html(course: Path, student: str, assignment: str) -> str:
    return (course / "feedback" / student / assignment / f"{assignment}.html").read_text()
