"""``python -m autograder grade``: grade a course's submissions safely and in parallel.

The pipeline, one function per step:

1. `plan`: find the submissions under ``submitted/`` and decide which need grading: new
   ones, ones whose files changed since they were graded (a resubmission: new bytes or a
   newer ``timestamp.txt``, as ``nbgrader zip_collect --force`` and the exchange produce),
   and all of them with ``force``.
2. `prepare`: read and restore each notebook (`autograder.submission`) in this process,
   which reads the gradebook; a notebook that cannot be graded is scored 0 with its reason.
3. `execute`: run every `Job` in a worker (`autograder.runner`): local processes, or a Dask
   cluster with ``scheduler``.
4. `record`: write scores, autograded copies, feedback and state (`autograder.gradebook`),
   in this process only, one notebook at a time.
5. `finish`: totals per submission, the results files and class summary
   (`autograder.results`).

No input from a student can stop the batch: each notebook's failure is contained to it.
The return value is a `Report`; the exit code of the command reports the grader's own
failures only.
"""
from __future__ import annotations

import dataclasses
import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC
from multiprocessing import get_context
from pathlib import Path

import nbformat

from . import checks, inert, restore, results, submission
from .cells import grade_id, is_test, points
from .config import GradeOptions
from .course import Course, CourseError
from .feedback import CellResult, render
from .gradebook import GradebookWriter
from .runner import Job, JobResult, add_notes, run_job, sandbox_for
from .submission import Rejected

__all__ = ["GradeOptions", "Report", "Row", "grade"]


@dataclass
class Row:
    """One submission of one assignment by one student."""

    student: str
    assignment: str
    why: str = ""
    """Why it was graded: "new", "resubmitted (...)", "forced"."""
    score: float | None = None
    """Points scored (None if a grader failure left it ungraded)."""
    max_score: float = 0.0
    notes: dict = field(default_factory=dict)
    """notebook -> what was wrong with it, and what the grader did about it."""
    cells: dict = field(default_factory=dict)
    """notebook -> {grade id: {"score", "max", "causes"}}."""
    grader_error: bool = False
    state: dict = field(default_factory=dict)
    """digest and timestamp of the files graded."""

    def note(self, notebook: str, *texts: str) -> None:
        self.notes.setdefault(notebook, []).extend(t for t in texts if t)

    @property
    def problems(self) -> list[str]:
        return [f"{nb}: {text}" for nb, texts in self.notes.items() for text in texts]

    @property
    def causes(self) -> list[str]:
        return sorted({c for nb in self.cells.values() for cell in nb.values() for c in cell["causes"]})


@dataclass
class Report:
    """Outcome of a grading run."""

    rows: list = field(default_factory=list)
    """One Row per graded submission."""
    skipped: list = field(default_factory=list)
    """(student, assignment) pairs unchanged since they were graded (``force`` regrades them)."""
    grader_errors: list = field(default_factory=list)
    """The grader's own failures: these make the exit code 1."""
    refused: list = field(default_factory=list)
    """Folders of submitted/ not graded because their name cannot be a student id (exit code 1)."""
    isolation: str = ""
    """What isolated student code, in a sentence."""
    timings: list = field(default_factory=list)
    """Per notebook: the worker's timings."""
    driver: dict = field(default_factory=lambda: {"prepare": 0.0, "record": 0.0})
    """Seconds this process spent reading and restoring notebooks, and writing results."""
    results_dir: Path | None = None


@dataclass
class Submission:
    """A student's folder for one assignment, and why it is graded now."""

    student: str
    assignment: str
    folder: Path
    notebooks: list
    why: str = ""
    state: dict = field(default_factory=dict)
    """digest and timestamp of its files."""


Progress = Callable[[int, int, str], None]
DEFAULT_OPTIONS = GradeOptions()


def grade(course_dir, *, assignments=(), students=(), jobs: int | None = None, scheduler: str | None = None,
          force: bool = False, options: GradeOptions = DEFAULT_OPTIONS, progress: Progress | None = None,
          say: Callable[[str], None] = print) -> Report:
    """Grade the submissions of a course directory (filtered by assignment and student).

    jobs: worker processes (default: all cores); scheduler: a Dask scheduler address
    instead; force: regrade unchanged submissions too; progress(done, total, label): called
    once when the work is known and once per notebook finished; say: one line for people.
    """
    course = Course.open(course_dir)
    options = dataclasses.replace(options, allowed=course.packages)
    report = Report()
    sandbox = None  # chosen here for local workers; each Dask worker detects its own
    if scheduler is None:
        sandbox = sandbox_for(options, options.allowed)
        if options.require_sandbox and sandbox.weak:
            raise CourseError("refusing to grade (--require-sandbox): " + sandbox.description)
        report.isolation = sandbox.description
    else:
        report.isolation = f"each Dask worker of {scheduler} checks its own sandbox (see the notes per notebook)"
    say(report.isolation)
    writer = GradebookWriter(course)
    try:
        todo = plan(course, writer, assignments, students, force, report, say)
        total = sum(len(s.notebooks) for s in todo)
        done = 0
        if progress:
            progress(0, total, "")

        def advance(label):
            nonlocal done
            done += 1
            if progress:
                progress(done, total, label)

        rows = {(s.student, s.assignment): Row(s.student, s.assignment, s.why) for s in todo}
        jobs_iter = prepare(course, writer, todo, rows, options, sandbox, report, advance)
        for result in execute(jobs_iter, jobs, scheduler):
            t = time.monotonic()
            record(writer, result, rows[(result.student, result.assignment)], report)
            report.driver["record"] += time.monotonic() - t
            advance(f"{result.student}/{result.notebook}")
        for s in todo:
            row = rows[(s.student, s.assignment)]
            if not row.grader_error:
                row.score, row.max_score = writer.score(s.assignment, s.student)
                writer.record_state(s.student, s.assignment, {**row.state, "cells": row.cells,
                                                              "notes": row.notes, "score": row.score,
                                                              "max_score": row.max_score})
            report.rows.append(row)
    finally:
        writer.close()
    report.results_dir = results.write(course)
    return report


# ---------------------------------------------------------------------- 1. plan


def plan(course: Course, writer: GradebookWriter, assignments, students, force: bool, report: Report,
         say) -> list[Submission]:
    """The submissions to grade now, each with the reason why."""
    known = course.assignments()
    unknown = [a for a in assignments if a not in known]
    if unknown:
        raise CourseError(f"unknown assignment(s) {', '.join(unknown)}; the course has {', '.join(known)}")
    submitted = course.path("submitted")
    found = []
    for student in sorted(p.name for p in _subdirs(submitted)):
        if student.startswith("."):
            continue  # not a student: e.g. .ipynb_checkpoints
        problem = submission.id_problem(student)
        if problem:
            shown = inert.file_name(student)
            report.refused.append(f"submitted/{shown}: not graded, because the folder name cannot be a student id "
                                  f"({problem}); rename the folder to the student's id")
            continue
        for assignment in sorted(p.name for p in _subdirs(submitted / student)):
            if assignment in known and (not assignments or assignment in assignments):
                found.append((student, assignment))
            elif assignment not in known:
                say(f"skipped {inert.terminal(student, 80)}/{inert.terminal(assignment, 80)}: "
                    "not an assignment of this course")
    seen_students = {s for s, _ in found}
    missing = [s for s in students if s not in seen_students]
    if missing:
        raise CourseError(f"no submissions under {submitted} for student(s) {', '.join(missing)}")
    todo = []
    for student, assignment in found:
        if students and student not in students:
            continue
        folder = submitted / student / assignment
        state = {"digest": submission.digest(folder), "timestamp": _iso(submission.timestamp(folder))}
        why = _why(writer.state(student, assignment), state, course, student, assignment, known[assignment], force)
        if why:
            todo.append(Submission(student, assignment, folder, known[assignment], why, state))
        else:
            report.skipped.append((student, assignment))
    if report.skipped:
        say(f"{len(report.skipped)} submission(s) unchanged since they were graded, skipped (--force regrades them)")
    return todo


def _why(last: dict, now: dict, course, student, assignment, notebooks, force) -> str:
    """Why a submission needs grading ("" if it does not)."""
    if force:
        return "forced"
    if not last:
        return "new"
    copies = [course.path("autograded", student, assignment, f"{nb}.ipynb") for nb in notebooks]
    if not all(p.exists() for p in copies):
        return "new (no autograded copy)"
    if last.get("digest") != now["digest"]:
        newer = now["timestamp"] and now["timestamp"] > (last.get("timestamp") or "")
        return f"resubmitted ({'newer timestamp.txt' if newer else 'changed files'})"
    return ""


def _subdirs(path: Path) -> list[Path]:
    try:
        with os.scandir(path) as entries:
            return [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _iso(ts) -> str:
    """A time as ISO 8601 in UTC; nbgrader's parse_utc gives naive datetimes that are already UTC."""
    if not ts:
        return ""
    return (ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)).isoformat()


# ---------------------------------------------------------------------- 2. prepare


def prepare(course: Course, writer: GradebookWriter, todo, rows, options, sandbox, report, advance):
    """Jobs for the workers, one notebook at a time (so they start while the rest are read).

    A notebook that cannot be graded is written at once with score 0 and its reason.
    """
    release, source, cached = {}, {}, {}
    for s in todo:
        row = rows[(s.student, s.assignment)]
        row.state = s.state
        try:
            writer.open_submission(s.assignment, s.student, submission.timestamp(s.folder))
            key = checks.submission_key(course.secret, s.student, s.state["digest"])
        except Exception as exc:  # noqa: BLE001 - the grader's bug; this submission only
            traceback.print_exc()
            report.grader_errors.append(f"{s.student}/{s.assignment}: opening the submission failed: {exc!r}")
            row.grader_error = True
            for notebook in s.notebooks:
                advance(f"{s.student}/{notebook}")
            continue
        for notebook in s.notebooks:
            where = (s.assignment, notebook)
            if where not in release:
                release[where] = _read_trusted(course.path("release", s.assignment, f"{notebook}.ipynb"))
                source[where] = _read_trusted(course.path("source", s.assignment, f"{notebook}.ipynb"))
                cached[where] = restore.SourceCells(course.db_url, notebook, s.assignment)
            t = time.monotonic()
            try:
                prepared = _prepare_one(course, s, notebook, row, release[where], source[where], cached[where])
            except Exception as exc:  # noqa: BLE001 - the grader's bug; this notebook only
                traceback.print_exc()
                report.grader_errors.append(f"{s.student}/{notebook}: reading failed: {exc!r}")
                row.grader_error = True
                advance(f"{s.student}/{notebook}")
                continue
            finally:
                report.driver["prepare"] += time.monotonic() - t
            if isinstance(prepared, Rejected):
                _write_rejected(writer, s, notebook, prepared, release[where], row)
                advance(f"{s.student}/{notebook}")
                continue
            yield Job(s.student, s.assignment, notebook, nbformat.writes(prepared), key, options, sandbox,
                      notes=list(row.notes.get(notebook, [])), timestamp=s.state["timestamp"][:19].replace("T", " "))


def _read_trusted(path: Path):
    return nbformat.read(path, as_version=4) if path.exists() else None


def _prepare_one(course, s: Submission, notebook: str, row: Row, release, source, source_cells):
    path, flags = submission.locate(s.folder, notebook)
    row.note(notebook, *flags)
    if path is None:
        return Rejected(flags[0])
    nb = submission.read(path)
    if isinstance(nb, Rejected):
        row.note(notebook, nb.reason)
        return nb
    restored = restore.restore(nb, assignment=s.assignment, notebook=notebook, student=s.student,
                               db_url=course.db_url, source=source, release=release, source_cells=source_cells)
    if isinstance(restored, Rejected):
        row.note(notebook, restored.reason)
        return restored
    row.note(notebook, *restored.flags)
    return restored.nb


def _write_rejected(writer: GradebookWriter, s: Submission, notebook: str, rejected: Rejected, release, row: Row):
    """Score 0 with the reason, and a feedback page built from the released notebook."""
    writer.zero(s.assignment, s.student, notebook)
    if release is None:
        return
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    cells: dict[str, CellResult] = {}
    for cell in nb.cells:
        if is_test(cell):
            gid = str(grade_id(cell))
            cells[gid] = CellResult(gid, points(cell), False,
                                               message=f"Not graded: {rejected.reason}.", visible="not run")
            cell.outputs = [nbformat.v4.new_output("error", ename="NotGraded", evalue=rejected.reason,
                                                   traceback=[f"Not graded: {rejected.reason}"])]
    notes = [f"This notebook could not be graded: {rejected.reason}. It scores 0."]
    add_notes(nb, notes)
    html = render(nb, student=s.student, assignment=s.assignment, notebook=notebook, results=cells, notes=notes)
    writer.save(s.assignment, s.student, notebook, nb, html)
    row.cells[notebook] = {gid: {"score": 0.0, "max": r.points, "causes": []} for gid, r in cells.items()}


# ---------------------------------------------------------------------- 3. execute


def execute(jobs, workers: int | None, scheduler: str | None):
    """Results of `run_job` over the `jobs` iterable, in completion order (local processes or Dask).

    Jobs are submitted as the iterable yields them, so workers start before all are prepared.
    """
    if scheduler:
        yield from _execute_dask(jobs, scheduler)
        return
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield from map(run_job, jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        futures = {}
        for job in jobs:
            try:
                futures[pool.submit(run_job, job)] = job
            except BrokenProcessPool as exc:  # a worker died (e.g. killed): the grader's failure, reported per job
                yield JobResult(job.student, job.assignment, job.notebook, error=f"worker pool failed: {exc!r}")
        for future in as_completed(futures):
            yield _result(future, futures[future])


def _execute_dask(jobs, scheduler: str):
    from distributed import Client
    from distributed import as_completed as dask_completed

    try:
        client = Client(scheduler, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise CourseError(f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}); "
                          "is it running, and is the address right?") from None
    with client:
        futures = {client.submit(run_job, job, pure=False): job for job in jobs}
        for future in dask_completed(futures):
            yield _result(future, futures[future])


def _result(future, job: Job) -> JobResult:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a lost worker is the grader's failure, not the student's
        return JobResult(job.student, job.assignment, job.notebook, error=f"worker failed: {exc!r}")


# ---------------------------------------------------------------------- 4. record


def record(writer: GradebookWriter, result: JobResult, row: Row, report: Report) -> None:
    where = f"{result.student}/{result.assignment}/{result.notebook}"
    if result.error:
        report.grader_errors.append(f"{where}: {result.error.strip().splitlines()[-1]}")
        row.note(result.notebook, "grader error: not graded (see the log)")
        row.grader_error = True
        return
    row.note(result.notebook, *result.problems)
    report.timings.append(result.timings)
    row.cells[result.notebook] = {c.grade_id: {"score": c.points if c.passed else 0.0, "max": c.points,
                                               "causes": c.causes} for c in result.cells}
    try:
        writer.save(result.assignment, result.student, result.notebook,
                    nbformat.reads(result.executed, as_version=4), result.feedback)
    except Exception as exc:  # noqa: BLE001 - keep grading the others
        report.grader_errors.append(f"{where}: writing the results failed: {exc!r}")
        row.grader_error = True
