"""Grade one notebook: run its cells in a sandboxed process and ask each test cell's checks.

This runs in a worker (a local process or a Dask worker) and touches neither the gradebook
nor the course directory: it receives a restored notebook and returns the executed
notebook, one verdict per test cell and the feedback page. Solution and other code cells
run in the student's process, in order, under per-cell and per-notebook time limits. Test
cells never run there for the verdict: the visible part of each runs (what it says is
shown to the student, and never counts), then every check the cell names is probed in the
student's process and judged here (`autograder.verdict`). The process comes from a
template kept per worker (`autograder.template`), so a notebook costs no Python start-up.
"""
from __future__ import annotations

import atexit
import functools
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

import nbformat

from . import cells, checks, probes
from .config import GradeOptions
from .feedback import CellResult, render
from .sandbox import Sandbox
from .template import OutputCap, StudentProcess, Template, TemplateError
from .verdict import GraderError, Verdict, judge_check, reference_namespace

MAX_RESTARTS = 3
SPAWN_WAIT = 15.0  # seconds to keep trying to start a process (the last one's may still be dying) before giving up


@dataclass
class Job:
    """One notebook to grade (sent to a worker; plain data)."""

    student: str
    assignment: str
    notebook: str
    source: str
    """The restored notebook (nbformat JSON), test cells as in the source."""
    key: bytes
    """This submission's key for the checks' inputs (`autograder.checks.submission_key`)."""
    options: GradeOptions
    sandbox: Sandbox | None = None
    """The sandbox the driver chose; None: detect it in the worker (e.g. on Dask)."""
    notes: list = field(default_factory=list)
    """What the driver found when reading the submission (shown in the feedback)."""
    timestamp: str = ""


@dataclass
class JobResult:
    """What a worker sends back for one notebook."""

    student: str
    assignment: str
    notebook: str
    executed: str | None = None
    """The executed notebook (nbformat JSON); None after a grader failure."""
    cells: list = field(default_factory=list)
    """A `CellResult` per test cell, in notebook order."""
    problems: list = field(default_factory=list)
    """What went wrong with the submission itself (time limits, a dying process, ...)."""
    feedback: str = ""
    """The feedback page (HTML)."""
    isolation: str = ""
    """How student code was isolated."""
    timings: dict = field(default_factory=dict)
    """Seconds spent: start (a fresh process), cells, visible tests, checks, feedback, total."""
    error: str | None = None
    """The grader's own failure (a traceback); the notebook then has no grade."""


# ------------------------------------------------------------------ the worker's template

_templates: dict = {}


def template_for(sandbox: Sandbox) -> Template:
    """This worker's template for `sandbox`, started on first use and restarted if it died."""
    tpl = _templates.get(sandbox)
    if tpl is None or not tpl.alive():
        if tpl is not None:
            tpl.close()
        tpl = _templates[sandbox] = Template(sandbox).start()
    return tpl


@atexit.register
def _close_templates():
    for tpl in _templates.values():
        tpl.close()
    _templates.clear()


@functools.lru_cache(maxsize=8)
def sandbox_for(options: GradeOptions, allowed: tuple[str, ...]) -> Sandbox:
    from .sandbox import detect

    return detect(options.limits(), allowed, use_bubblewrap=options.sandbox)


# ------------------------------------------------------------------ one notebook


class NotebookRun:
    """Executes one notebook; keeps what is needed to replay it in a fresh process."""

    def __init__(self, job: Job, template: Template, start: float, restart: Callable[[], Template] | None = None):
        self.job, self.template, self.opts = job, template, job.options
        self.restart = restart  # a fresh template, when this one died
        self.deadline = start + self.opts.notebook_timeout
        self.cap = OutputCap(self.opts.cell_output_kb << 10, self.opts.notebook_output_kb << 10)
        self.replay: list[str] = []
        self.problems: list[str] = []
        self.restarts = 0
        self.broken = ""  # set when no process can be used any more
        self.timings = {"start": 0.0, "cells": 0.0, "visible": 0.0, "checks": 0.0}
        self.count = 0
        self._process: StudentProcess | None = None
        self.fresh()

    @property
    def process(self) -> StudentProcess:
        """The notebook's current process (a fresh one after a death or a hang)."""
        assert self._process is not None, "the run was closed"
        return self._process

    def fresh(self) -> None:
        """A new process for this notebook (the first, or after a death or a hang)."""
        if self._process is not None:
            self._process.kill()
        t = time.monotonic()
        pause, replaced = 0.1, False
        while True:
            try:
                self._process = self.template.spawn()
                break
            except TemplateError:  # e.g. the sandbox's process limit, until a fork bomb's processes are reaped
                waited = time.monotonic() - t
                if waited > SPAWN_WAIT or self.out_of_time():
                    raise
                time.sleep(pause)
                pause = min(2 * pause, 1.0)
                if self.restart is not None and (not self.template.alive() or (waited > SPAWN_WAIT / 2 and not replaced)):
                    self.template.close()  # dead, or alive and still refusing: a new sandbox (its cgroup killed)
                    self.template, replaced = self.restart(), True
        self.timings["start"] += time.monotonic() - t

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self) -> float:
        return max(0.0, min(self.opts.cell_timeout, self.remaining()))

    def out_of_time(self) -> bool:
        if not self.broken and self.remaining() <= 0:
            self.broken = f"the notebook exceeded its time limit ({self.opts.notebook_timeout:g} s)"
        return bool(self.broken)

    def run_code_cell(self, index: int, cell) -> None:
        if self.out_of_time():
            cell.outputs = [_note(f"Not run: {self.broken}.")]
            return
        t = time.monotonic()
        run = self.process.run(cell.source, self.budget(), self.cap)
        self.timings["cells"] += time.monotonic() - t
        self.count += 1
        cell.execution_count = self.count
        cell.outputs = run.outputs
        if run.problem:
            self.problems.append(f"cell {index + 1}: {run.problem}")
        if run.status in ("ok", "error"):
            self.replay.append(cell.source)
        else:
            self.problems.append(f"cell {index + 1} {_what(run.status, self.opts.cell_timeout)}")
            self.recover()

    def run_test_cell(self, index: int, cell) -> CellResult:
        gid, names = str(cells.grade_id(cell)), cells.check_names(cell.source)
        if not names:
            raise GraderError(f"test cell {gid} names no checks (no run_checks line)")
        visible = self.visible(cell)
        t = time.monotonic()
        verdicts = [self.ask(name) for name in names]
        self.timings["checks"] += time.monotonic() - t
        self.count += 1
        cell.execution_count = self.count
        failed = [v for v in verdicts if not v.passed]
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"Your visible test: {visible}\n")]
        result = CellResult(gid, cells.points(cell), not failed, abouts=[v.about for v in verdicts], visible=visible)
        if not failed:
            cell.outputs.append(_note("".join(f"PASS {v.about}\n" for v in verdicts)))
            return result
        result.message = "\n\n".join(v.message for v in failed)
        result.causes = sorted({c for v in failed for c in v.causes})
        cell.outputs.append(nbformat.v4.new_output("error", ename="AssertionError", evalue=result.message,
                                                   traceback=["AssertionError: " + result.message]))
        return result

    def visible(self, cell) -> str:
        """Run the visible part of a test cell (display only) and say in a line how it ended."""
        source = cells.visible_source(cell)
        if not source.strip() or self.out_of_time():
            return "not run" if self.broken else "(none)"
        t = time.monotonic()
        run = self.process.run(source, self.budget(), OutputCap(8 << 10, 8 << 10))
        self.timings["visible"] += time.monotonic() - t
        if run.status in ("timeout", "dead"):
            self.problems.append(f"the visible test of {cells.grade_id(cell)} {_what(run.status, self.opts.cell_timeout)}")
            self.recover()
            return _what(run.status, self.opts.cell_timeout)
        errors = [o for o in run.outputs if o.get("output_type") == "error"]
        if errors:
            first = (errors[0].get("evalue") or "").strip().splitlines()
            return f"{errors[0].get('ename')}: {first[0][:300] if first else ''}".strip()
        return "passed"

    def ask(self, name: str) -> Verdict:
        """One check: probe the student's process, judge the recording here."""
        chk, script, arrays = checks.build(name, self.job.key)
        if self.out_of_time():
            return Verdict(name, chk.about, False, message=f"Not checked: {chk.about} ({self.broken}).")
        text, why = self.process.probe(probes.executable(script), probes.encode(arrays), self.budget())
        if text is None:
            if why.split(":")[0] in ("timeout", "dead"):
                self.problems.append(f"a hidden test: your code {_what(why, self.opts.cell_timeout)}")
                self.recover()
                why = _what(why, self.opts.cell_timeout)
            return Verdict(name, chk.about, False, message=f"Not checked: {chk.about} ({why}).")
        try:
            recording = probes.decode(text)
        except Exception as exc:  # noqa: BLE001 - the student's process controls these bytes
            return Verdict(name, chk.about, False, message=f"Not checked: {chk.about} (an unreadable answer: "
                                                           f"{type(exc).__name__}).")
        reference = probes.run(script, arrays, reference_namespace())
        return judge_check(chk, script, arrays, recording, reference)

    def recover(self) -> None:
        """After a timeout or a death: a fresh process, with every earlier cell replayed."""
        if self.restarts >= MAX_RESTARTS:
            self.broken = f"the notebook's process had to be restarted more than {MAX_RESTARTS} times"
            return
        self.restarts += 1
        try:
            self.fresh()
        except TemplateError as exc:
            self.broken = f"no fresh process could be started ({exc})"
            return
        for source in self.replay:
            if self.out_of_time():
                return
            run = self.process.run(source, self.budget(), OutputCap(4 << 10, 4 << 10))
            if run.status not in ("ok", "error"):
                self.broken = "replaying the earlier cells in a fresh process failed"
                return


def run_job(job: Job) -> JobResult:
    """Grade one notebook; never raises (a grader failure is returned in `error`)."""
    result = JobResult(job.student, job.assignment, job.notebook)
    start = time.monotonic()
    run = None
    try:
        sandbox = job.sandbox or sandbox_for(job.options, job.options.allowed)
        result.isolation = sandbox.mode
        nb = nbformat.reads(job.source, as_version=4)
        run = NotebookRun(job, template_for(sandbox), start, restart=lambda: template_for(sandbox))
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if cells.is_test(cell):
                result.cells.append(run.run_test_cell(index, cell))
            else:
                run.run_code_cell(index, cell)
        run.close()
        if run.cap.truncated:
            run.problems.append(f"output beyond {job.options.cell_output_kb} KiB per cell or "
                                f"{job.options.notebook_output_kb} KiB per notebook was dropped")
        if run.broken:
            run.problems.append(run.broken)
        result.problems = list(dict.fromkeys(run.problems))
        result.timings.update(run.timings)
        add_notes(nb, job.notes + result.problems)
        result.executed = nbformat.writes(nb)
        t = time.monotonic()
        result.feedback = feedback_page(nb, job, result)
        result.timings["feedback"] = time.monotonic() - t
    except Exception:  # noqa: BLE001 - reported as the grader's failure, the batch goes on
        result.error = traceback.format_exc()
    finally:
        if run is not None:
            run.close()
        result.timings["total"] = time.monotonic() - start
    return result


def feedback_page(nb, job: Job, result: JobResult) -> str:
    from .misconceptions import by_key

    found: dict[str, list[str]] = {}
    for r in result.cells:
        for key in r.causes:
            found.setdefault(key, []).append(r.grade_id)
    known = {k: by_key(k) for k in found}
    mistakes = [(m.message, found[k]) for k, m in known.items() if m is not None]
    return render(nb, student=job.student, assignment=job.assignment, notebook=job.notebook,
                  results={r.grade_id: r for r in result.cells}, notes=job.notes + result.problems,
                  timestamp=job.timestamp, mistakes=mistakes)


def add_notes(nb, notes: list[str]) -> None:
    """A first cell telling the student what the grader found and did (as inert text)."""
    from .inert import fenced, plain

    if not notes:
        return
    text = "**Notes from the autograder**\n\n" + fenced("\n".join(f"- {plain(n, 500)}" for n in notes))
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["autograder"] = {"notes": True}
    nb.cells.insert(0, cell)


def _what(status: str, cell_timeout: float) -> str:
    if status.startswith("dead: "):
        return status[len("dead: "):]
    return {"timeout": f"ran longer than {cell_timeout:g} s and was interrupted",
            "dead": "stopped its process (a fresh one was started)"}.get(status, status)


def _note(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text if text.endswith("\n") else text + "\n")
