"""The visible tests tell the truth: each fails for the mistakes of its own cell, and for no other.

A student reads the visible asserts first (and plain ``nbgrader autograde`` scores them), so a
visible test that failed for another cell's mistake would both mislead the student and
charge the mistake twice. In this process, with each known mistake pasted into the
instructor's solution, exactly like tests/test_fairness.py does for the hidden checks.
"""
import contextlib
import io

import nbformat
import pytest

from autograder import cells, dryrun
from autograder.assignments import ASSIGNMENTS, source_notebook
from autograder.misconceptions import load_misconceptions

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

