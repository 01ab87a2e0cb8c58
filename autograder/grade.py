"""``python -m autograder grade``: grade a course's submissions safely and in parallel.

The pipeline, per notebook: `submission` finds, reads and restores it (in this process,
which reads the gradebook); `runner.run_job` executes it in a sandbox and judges each test
cell (in a worker: a local process, or a Dask worker with ``--scheduler``); `gradebook`
writes the scores, the autograded copy and the feedback page (in this process only, one
notebook at a time). A submission that cannot be read or graded gets 0 and a reason; the
batch goes on. The exit code reports the grader's own failures only.
"""
from __future__ import annotations

import copy
import functools
import os
import secrets
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from .course import CourseError, load_settings
from .gradebook import GradebookWriter
from .runner import GradeOptions, Job, JobResult, is_test_cell, run_job, sandbox_for
from .submission import Rejected, locate, read, restore

__all__ = ["GradeOptions", "Report", "Row", "grade"]


@dataclass
class Row:
    """One line of the summary: a student's submission of one assignment."""

    student: str
    assignment: str
    score: float | None = None
    """Points scored (None if a grader failure left it ungraded)."""
    max_score: float = 0.0
    notes: dict = field(default_factory=dict)
    """notebook -> what was wrong with it, and what the grader did about it."""
    grader_error: bool = False
    """The grader failed on one of its notebooks (then it has no score)."""

    def note(self, notebook: str, *texts: str) -> None:
        self.notes.setdefault(notebook, []).extend(texts)

    @property
    def problems(self) -> list[str]:
        return [f"{nb}: {text}" for nb, texts in self.notes.items() for text in texts]


@dataclass
class Report:
    """Outcome of a grading run."""

    rows: list = field(default_factory=list)
    """One Row per graded submission."""
    skipped: list = field(default_factory=list)
    """(student, assignment) pairs already graded (use --force to regrade)."""
    grader_errors: list = field(default_factory=list)
    """The grader's own failures: these make the exit code 1."""
    sandbox: str = ""
    """How student code was isolated."""
    timings: list = field(default_factory=list)
    """Per notebook: the worker's timings (kernel_start, cells, checks, total)."""


def grade(course_dir, *, assignments=(), students=(), jobs=None, scheduler=None, force=False,
          options: GradeOptions = GradeOptions(), progress=True, console=None) -> Report:
    """Grade everything under ``course_dir/submitted`` (filtered by assignment and student).

    jobs: worker processes (default: all cores); scheduler: a Dask scheduler address instead.
    """
    from rich.console import Console

    console = console or Console(stderr=True)
    root = Path(course_dir).expanduser().resolve()
    if not (root / "gradebook.db").exists():
        raise CourseError(f"{root} is not a course directory (no gradebook.db): run `python -m autograder init {root}`")
    report, jobs_count = Report(), jobs
    writer = GradebookWriter(root)
    try:
        known = writer.assignments()
        unknown = [a for a in assignments if a not in known]
        if unknown:
            raise CourseError(f"unknown assignment(s) {', '.join(unknown)}; the gradebook has {', '.join(known)}")
        secret = load_settings(root).get("secret")
        if secret is None:
            secret = secrets.randbits(31)
            console.print("[yellow]warning:[/] no autograder.json in the course: hidden inputs are random this run")
        sandbox = None  # chosen here for local workers; each Dask worker detects its own
        if scheduler is None:
            sandbox = sandbox_for(options)
            report.sandbox = _describe(sandbox)
            _warn_if_weak(sandbox, console)
        release = functools.cache(lambda assignment, notebook: _read_release(root, assignment, notebook))
        pairs = _discover(root, known, set(assignments), set(students), console)
        rows = {}
        for student, assignment in pairs:
            if not force and _already_graded(root, student, assignment, known[assignment]):
                report.skipped.append((student, assignment))
            else:
                rows[(student, assignment)] = Row(student, assignment)
        if report.skipped:
            console.print(f"{len(report.skipped)} submission(s) already graded, skipped (use --force to regrade)")

        def jobs():
            """Prepare notebooks one by one, so workers start on the first while the rest are read."""
            for (student, assignment), row in rows.items():
                writer.open_submission(assignment, student, _timestamp(root / "submitted" / student / assignment))
                for notebook in known[assignment]:
                    prepared = _prepare(root, writer, student, assignment, notebook, row, release(assignment, notebook))
                    if isinstance(prepared, Rejected):
                        _write_rejected(writer, student, assignment, notebook, prepared, release(assignment, notebook))
                    else:
                        yield Job(student, assignment, notebook, nbformat.writes(prepared), secret, options, sandbox)
                        advance(f"{student}/{notebook} (not graded)")

        total = sum(len(known[a]) for _, a in rows)
        with _progress(progress, console, total) as advance:
            for result in _execute(jobs(), jobs_count, scheduler):
                _record(writer, result, rows[(result.student, result.assignment)], report)
                advance(f"{result.student}/{result.notebook}")
        for (student, assignment), row in rows.items():
            if not row.grader_error:
                row.score, row.max_score = writer.score(assignment, student)
            report.rows.append(row)
    finally:
        writer.close()
    _summary(report, console)
    return report


# ---------------------------------------------------------------------- discovery


def _discover(root, known, assignments, students, console):
    submitted = root / "submitted"
    pairs = []
    if not submitted.is_dir():
        console.print(f"nothing to grade: {submitted} does not exist")
        return pairs
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
            continue
        for folder in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if assignments and folder.name not in assignments:
                continue
            if folder.name not in known:
                console.print(f"[yellow]skipped[/] {student_dir.name}/{folder.name}: not an assignment of this course")
                continue
            pairs.append((student_dir.name, folder.name))
    return pairs


def _already_graded(root, student, assignment, notebooks) -> bool:
    folder = root / "autograded" / student / assignment
    return all((folder / f"{nb}.ipynb").exists() for nb in notebooks)


def _timestamp(folder: Path):
    from nbgrader.utils import parse_utc

    path = folder / "timestamp.txt"
    try:
        return parse_utc(path.read_text().strip()) if path.is_file() else None
    except (ValueError, OSError):
        return None


def _prepare(root, writer, student, assignment, notebook, row, release) -> nbformat.NotebookNode | Rejected:
    """Find, read and restore one notebook: the notebook to run, or why it cannot be graded."""
    path, flags = locate(root / "submitted" / student / assignment, notebook)
    row.note(notebook, *flags)
    if path is None:
        return Rejected(flags[0])
    nb = read(path)
    if isinstance(nb, Rejected):
        row.note(notebook, nb.reason)
        return nb
    restored = restore(nb, assignment=assignment, notebook=notebook, student=student, db_url=writer.url,
                       release=release)
    if isinstance(restored, Rejected):
        row.note(notebook, restored.reason)
        return restored
    row.note(notebook, *restored.flags)
    return restored.nb


def _read_release(root: Path, assignment: str, notebook: str):
    """The notebook students were given (release/), or None."""
    path = root / "release" / assignment / f"{notebook}.ipynb"
    return nbformat.read(path, as_version=4) if path.exists() else None


# ---------------------------------------------------------------------- execution


def _execute(jobs, workers: int | None, scheduler: str | None):
    """Results of `run_job` over the `jobs` iterable, in completion order (local processes or Dask).

    Jobs are submitted as the iterable yields them, so workers start before all are prepared.
    """
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = {client.submit(run_job, job, pure=False): job for job in jobs}
            for future in dask_completed(futures):
                yield _result(future, futures[future])
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield from map(run_job, jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_job, job): job for job in jobs}
        for future in as_completed(futures):
            yield _result(future, futures[future])


def _result(future, job: Job) -> JobResult:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a lost worker is the grader's failure, not the student's
        return JobResult(job.student, job.assignment, job.notebook, error=f"worker failed: {exc!r}")


# ---------------------------------------------------------------------- writing


def _record(writer: GradebookWriter, result: JobResult, row: Row, report: Report) -> None:
    where = f"{result.student}/{result.assignment}/{result.notebook}"
    if result.error:
        report.grader_errors.append(f"{where}: {result.error.strip().splitlines()[-1]}")
        row.note(result.notebook, "grader error: not graded (see the log)")
        row.grader_error = True
        print(f"grader error on {where}:\n{result.error}", file=sys.stderr)
        return
    row.note(result.notebook, *result.problems)
    report.timings.append(result.timings)
    report.sandbox = report.sandbox or result.sandbox
    nb = nbformat.reads(result.executed, as_version=4)
    _add_notes(nb, row.notes.get(result.notebook, []))
    try:
        writer.save(result.assignment, result.student, result.notebook, nb)
    except Exception as exc:  # noqa: BLE001 - keep grading the others
        report.grader_errors.append(f"{where}: writing the results failed: {exc!r}")


def _write_rejected(writer, student, assignment, notebook, rejected: Rejected, release) -> None:
    """Score 0 with the reason, and a feedback page built from the released notebook."""
    writer.zero(assignment, student, notebook)
    if release is None:
        return
    blank = restore(copy.deepcopy(release), assignment=assignment, notebook=notebook, student=student,
                    db_url=writer.url)
    if isinstance(blank, Rejected):
        return
    for cell in blank.nb.cells:
        if is_test_cell(cell):
            cell.outputs = [nbformat.v4.new_output("error", ename="NotGraded", evalue=rejected.reason,
                                                   traceback=[f"Not graded: {rejected.reason}"])]
    _add_notes(blank.nb, [f"This notebook could not be graded: {rejected.reason}. It scores 0."])
    writer.save(assignment, student, notebook, blank.nb)


def _add_notes(nb, problems: list[str]) -> None:
    """A first cell telling the student what the grader found and did."""
    if not problems:
        return
    text = "**Notes from the autograder**\n\n" + "\n".join(f"- {p}" for p in problems)
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["autograder"] = {"notes": True}
    nb.cells.insert(0, cell)


# ---------------------------------------------------------------------- reporting


def _describe(sandbox) -> str:
    return sandbox.mode + (f" ({sandbox.reason})" if sandbox.reason else "")


def _warn_if_weak(sandbox, console) -> None:
    if sandbox.weak:
        console.print(f"[bold red]WARNING: student code is NOT isolated by bubblewrap[/]: {sandbox.reason}. "
                      "It runs with resource limits only and can read files its user can read. "
                      "Install bubblewrap (`apt-get install -y bubblewrap`).")
    elif sandbox.reason:
        console.print(f"[yellow]note:[/] sandbox: {sandbox.reason}")


class _progress:
    """A progress bar on stderr (rich), or nothing."""

    def __init__(self, enabled, console, total):
        self.enabled, self.console, self.total = enabled and total > 0, console, total

    def __enter__(self):
        if not self.enabled:
            return lambda label: None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=self.console)
        self.bar.__enter__()
        task = self.bar.add_task("", total=self.total)
        return lambda label: self.bar.update(task, advance=1, description=label)

    def __exit__(self, *exc):
        if self.enabled:
            self.bar.__exit__(*exc)


def _summary(report: Report, console) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(file=sys.stdout, width=max(console.width, 120))
    if report.rows:
        table = Table(title="Grading summary")
        for column in ("student", "assignment", "score", "problems"):
            table.add_column(column, overflow="fold")
        for row in sorted(report.rows, key=lambda r: (r.assignment, r.student)):
            score = "—" if row.score is None else f"{row.score:g} / {row.max_score:g}"
            table.add_row(row.student, row.assignment, score, "\n".join(row.problems) or "")
        out.print(table)
    out.print(f"graded {len(report.rows)} submission(s), skipped {len(report.skipped)}; sandbox: {report.sandbox}")
    for error in report.grader_errors:
        out.print(f"[red]grader error:[/] {error}")
