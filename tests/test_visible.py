"""The visible tests tell the truth: each fails for the mistakes of its own cell, and for no other.

A student reads the visible asserts first (and plain ``nbgrader autograde`` scores them), so a
visible test that failed for another cell's mistake would both mislead the student and
charge the mistake twice. In this process, with each known mistake pasted into the
instructor's solution, exactly like tests/test_fairness.py does for the hidden checks.
"""
import ast
import contextlib
import io

import nbformat
import pytest

from autograder import cells, dryrun
from autograder.assignments import ASSIGNMENTS, source_notebook
from autograder.misconceptions import load_misconceptions

# `nbgrader validate` indents each line of an error by 4 spaces and cuts it at 87 characters
# (nbgrader.validator.Validator: width 90): a message's first line follows "AssertionError: ".
VALIDATE_LINE = 90 - 3 - 4
CASES = [(a, m) for a in ASSIGNMENTS for m in [None] + [m for m in load_misconceptions() if a in m.cells]]


def visible_failures(assignment, extra):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    ns = dryrun.namespace(nb, extra=extra)
    failed = {}
    for cell in nb.cells:
        if not cells.is_test(cell):
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(cells.visible_source(cell), dict(ns))
        except Exception as exc:  # noqa: BLE001
            failed[cells.grade_id(cell)] = f"{type(exc).__name__}: {exc}"
    return failed


@pytest.mark.parametrize("assignment, mistake", CASES, ids=[f"{a}-{m.key if m else 'reference'}" for a, m in CASES])
def test_visible_tests_fail_exactly_for_their_own_cells_mistakes(assignment, mistake):
    failed = visible_failures(assignment, mistake.source if mistake else "")
    assert set(failed) == set(mistake.cells[assignment] if mistake else ()), failed


def _fits(message: str) -> list[str]:
    return [line for line in message.splitlines() if len(line) > VALIDATE_LINE]


def test_visible_messages_fit_nbgrader_validate():
    """Every visible failure, as `nbgrader validate` prints it, shows each line whole."""
    cut = {}
    for assignment, mistake in CASES:
        for cell, message in visible_failures(assignment, mistake.source if mistake else "").items():
            if _fits(message):
                cut[(assignment, mistake.key if mistake else None, cell)] = _fits(message)
    assert cut == {}, cut


def test_every_literal_message_fits_nbgrader_validate():
    """The same for the messages that no known mistake triggers: the literal ones, read from the cells."""
    cut = []
    for assignment in ASSIGNMENTS:
        for cell in nbformat.read(source_notebook(assignment), as_version=4).cells:
            if not cells.is_test(cell):
                continue
            for node in ast.walk(ast.parse(cells.visible_source(cell))):
                msg = node.msg if isinstance(node, ast.Assert) else (
                    node.args[0] if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AssertionError"
                    and node.args else None)
                if isinstance(msg, ast.Constant) and isinstance(msg.value, str):
                    cut += [(assignment, cells.grade_id(cell), line) for line in _fits("AssertionError: " + msg.value)]
    assert cut == [], cut
