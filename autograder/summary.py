"""What the grading command prints: a progress bar, the summary table, the class-wide mistakes.

Every student-derived string (ids, file names, notes) passes `autograder.inert.terminal`
on its way to the terminal: no escape sequence and no Rich markup from a submission is
ever interpreted.
"""
from __future__ import annotations

import sys
from typing import Any

from . import inert
from .course import Course
from .results import class_mistakes


class ProgressBar:
    """A Rich progress bar on stderr counting notebooks finished (graded or rejected)."""

    def __init__(self, console, enabled: bool = True):
        self.console, self.enabled = console, enabled
        self.bar: Any = None  # a rich Progress, made on the first update
        self.task: Any = None

    def __enter__(self):
        return self

    def update(self, done: int, total: int, label: str) -> None:
        if not self.enabled or total == 0:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("{task.description}"), console=self.console)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.bar.update(self.task, completed=done, description=inert.terminal(label, 60))

    def say(self, line: str) -> None:
        """A line for people (above the bar while it runs). Lines come from the grader, not from students."""
        (self.bar.console if self.bar else self.console).print(line, markup=False, highlight=False)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def print_summary(report, course_dir, file=None) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(file=file or sys.stdout, width=140, highlight=False)
    if report.rows:
        table = Table(title="Grading summary")
        for column in ("student", "assignment", "score", "graded because", "problems and likely mistakes"):
            table.add_column(column, overflow="fold")
        for row in sorted(report.rows, key=lambda r: (r.assignment, r.student)):
            score = "—" if row.score is None else f"{row.score:g} / {row.max_score:g}"
            lines = [inert.terminal(p, 200) for p in row.problems]
            lines += [f"likely: {inert.terminal(c)}" for c in _mistake_titles(row.causes)]
            table.add_row(inert.terminal(row.student, 60), row.assignment, score, row.why, "\n".join(lines))
        out.print(table)
    out.print(f"graded {len(report.rows)} submission(s), skipped {len(report.skipped)} unchanged", markup=False)
    try:
        course = Course.open(course_dir)
    except Exception:  # noqa: BLE001 - the summary is best effort
        course = None
    if course is not None:
        for assignment in sorted({r.assignment for r in report.rows}):
            mistakes = class_mistakes(course, assignment)
            if mistakes:
                out.print(f"\nCommon mistakes in {assignment}:", markup=False)
                for summary, n, total, cells in mistakes:
                    out.print(f"  {n} of {total} students {summary} ({', '.join(cells)})", markup=False)
    if report.results_dir is not None:
        out.print(f"\nresults for every graded submission: {report.results_dir}/grades.csv and grades.json",
                  markup=False)
    for refused in report.refused:
        out.print(refused, style="red", markup=False, soft_wrap=True)  # one line, to copy the name from
    for error in report.grader_errors:
        out.print(f"grader error: {inert.terminal(error, 500)}", style="red")


def _mistake_titles(keys) -> list[str]:
    from .misconceptions import by_key

    found = {k: by_key(k) for k in keys}
    return [m.summary if m is not None else k for k, m in found.items()]
