"""What the grader reads from a notebook's cells, in one place (through `nbgrader.utils`).

Test cells (graded, not solution), solution cells, the checks a test cell names in its
hidden ``run_checks(globals(), "a", "b")`` line, and its visible part (the cell without its
hidden-tests region, as nbgrader's ClearHiddenTests removes it). The notebooks read here
have passed `autograder.submission.read`, so every cell's nbgrader metadata is a dict.
"""
from __future__ import annotations

import ast
import copy

from nbgrader.utils import is_grade, is_locked, is_solution

__all__ = ["check_names", "grade_id", "is_locked", "is_solution", "is_test", "points", "visible_source"]


def is_test(cell) -> bool:
    """A graded code cell that is not a solution: the tests of the cell above it."""
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def points(cell) -> float:
    return float(cell.metadata.get("nbgrader", {}).get("points", 0) or 0)


def check_names(source: str) -> list[str]:
    """Names in the cell's ``run_checks(globals(), "a", "b")`` calls."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [arg.value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "run_checks"
            for arg in node.args[1:] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


def visible_source(cell) -> str:
    """The cell's source without its hidden tests (what students see and run)."""
    from nbgrader.preprocessors import ClearHiddenTests

    clean = copy.deepcopy(cell)
    ClearHiddenTests()._remove_hidden_test_region(clean)
    return clean.source.rstrip()
