"""Grade a notebook's code in this process: the verdicts the sandboxed grader would reach.

No sandbox and no kernel: the notebook's non-test code cells run in a fresh namespace in
this process, and every test cell's checks are asked of that namespace exactly as the
grader asks a student's process (same probes, same verdicts). This is for trusted code:
the test suite's gates (every known mistake loses exactly its cells, correct variants lose
none, for hundreds of secrets) and an instructor trying a new misconception or check.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from . import cells, checks, probes
from .verdict import Verdict, judge_check, reference_namespace


@dataclass(frozen=True)
class TestCell:
    """A graded cell of an assignment: its id, points and the checks it asks."""

    grade_id: str
    points: float
    checks: tuple[str, ...]


def test_cells(nb) -> list[TestCell]:
    return [TestCell(str(cells.grade_id(c)), cells.points(c), tuple(cells.check_names(c.source)))
            for c in nb.cells if cells.is_test(c)]


def namespace(nb, extra: str = "") -> dict:
    """Run the graded code (every code cell with nbgrader metadata that is not a test cell, such
    as imports, given functions and solutions; then `extra`) in a fresh namespace. Free cells
    (an ungraded training run, say) are left out: they cannot change a verdict."""
    ns: dict = {"__name__": "__main__"}
    sources = [c.source for c in nb.cells
               if c.cell_type == "code" and "nbgrader" in c.metadata and not cells.is_test(c)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for source in sources + ([extra] if extra else []):
            with contextlib.suppress(Exception):  # a failing cell, as in a notebook run with errors allowed
                exec(compile(source, "<cell>", "exec"), ns)  # noqa: S102 - trusted notebooks only
    return ns


class Asker:
    """Asks checks in this process, caching what does not depend on the student."""

    def __init__(self):
        self._reference: dict = {}
        self._wrong: dict = {}

    def ask(self, name: str, ns: dict, key: bytes) -> Verdict:
        chk, script, arrays = checks.build(name, key)
        cache_key = (name, key)
        if cache_key not in self._reference:
            self._reference[cache_key] = probes.run(script, arrays, reference_namespace())
            self._wrong[cache_key] = {}
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            student = probes.run(script, arrays, ns)
        return judge_check(chk, script, arrays, student, self._reference[cache_key], self._wrong[cache_key])

    def grade(self, tests: list[TestCell], ns: dict, key: bytes = checks.PLAIN_KEY) -> dict[str, list[Verdict]]:
        """grade id -> the verdicts of its checks."""
        return {t.grade_id: [self.ask(name, ns, key) for name in t.checks] for t in tests}


def lost_cells(verdicts: dict[str, list[Verdict]]) -> set[str]:
    return {gid for gid, vs in verdicts.items() if not all(v.passed for v in vs)}
