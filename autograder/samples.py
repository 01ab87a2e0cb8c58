"""Sample submissions: honest, untouched, and one per known misconception.

Used by the tests, the throughput benchmark and ``python -m autograder demo``, which fills a
course's ``submitted/`` folder so an instructor can try the whole pipeline in a minute.
"""
from __future__ import annotations

import ast
import copy
from pathlib import Path

import nbformat

from .assignments import ASSIGNMENTS, source_notebook
from .misconceptions import Misconception, load_misconceptions


def _solution_cells(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def defined_names(source: str) -> set[str]:
    """Top-level functions and classes a cell defines."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def graded_names(assignment: str) -> set[str]:
    """Names the student writes in an assignment (defined in its solution cells)."""
    source = nbformat.read(source_notebook(assignment), as_version=4)
    return set().union(*(defined_names(c.source) for c in _solution_cells(source).values()))


def honest(release, source):
    """The released notebook with every solution cell filled in from the instructor's source."""
    nb = copy.deepcopy(release)
    solutions = _solution_cells(source)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and gid in solutions:
            cell.source = solutions[gid].source
    return nb


def with_misconception(release, source, m: Misconception):
    """An honest notebook whose solution cells then redefine m's names the wrong way."""
    nb = honest(release, source)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution") and defined_names(cell.source) & set(m.targets):
            cell.source += "\n\n# --- a wrong version, pasted by autograder.samples ---\n" + m.source
    return nb


def applicable(assignment: str) -> list[Misconception]:
    """Misconceptions declared for the assignment (the cells they must lose there)."""
    return [m for m in load_misconceptions() if assignment in m.cells]


def write_demo(root: Path, students: int = 3) -> list[str]:
    """Fill root/submitted with `students` honest submissions, one untouched and one per misconception.

    Returns the student ids written.
    """
    written = []
    for assignment in [a for a in ASSIGNMENTS if (root / "release" / a).is_dir()]:  # those the course has
        release = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", as_version=4)
        source = nbformat.read(root / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        variants = {f"honest-{i + 1}": honest(release, source) for i in range(students)}
        variants["untouched"] = release
        variants.update({f"wrong-{m.key.replace('_', '-')}": with_misconception(release, source, m)
                         for m in applicable(assignment)})
        for student, nb in variants.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{assignment}.ipynb")
            written.append(student)
    return sorted(set(written))
