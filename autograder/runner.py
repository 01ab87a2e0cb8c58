"""Grade one notebook: run its cells in a sandboxed kernel and ask each test cell's checks.

This runs in a worker (a local process or a Dask worker) and touches neither the gradebook
nor the course directory: it receives a restored notebook and returns the executed notebook
with one verdict per test cell. Solution and other code cells run in the student's kernel,
in order, under per-cell and per-notebook time limits; test cells never run there. For each
check named in a test cell, the student's functions are probed in the kernel and the
recording is judged here, in the grader's process (`autograder.verdict`).
"""
from __future__ import annotations

import ast
import functools
import time
import traceback
from dataclasses import dataclass, field

import nbformat

from . import checks, probes
from .kernel import StudentKernel
from .sandbox import Limits, Sandbox
from .verdict import GraderError, Verdict, judge_check, reference_namespace

MAX_RESTARTS = 3


@dataclass(frozen=True)
class GradeOptions:
    """Limits of one grading run (the command line's options)."""

    cell_timeout: float = 30.0
    """Wall-clock seconds per cell (and per check)."""
    notebook_timeout: float = 300.0
    """Wall-clock seconds per notebook, all cells and checks together."""
    memory_mb: int = 2048
    """Address-space limit of the student's kernel."""
    sandbox: bool = True
    """Use bubblewrap when it works (False: resource limits only)."""
    cell_output_kb: int = 64
    """Output kept per cell; the rest is dropped with a note."""
    total_output_kb: int = 1024
    """Output kept per notebook."""


@dataclass
class Job:
    """One notebook to grade (sent to a worker; plain data)."""

    student: str
    assignment: str
    notebook: str
    source: str
    """The restored notebook (nbformat JSON), test cells as in the source."""
    secret: int
    """Seeds the checks' inputs (the course's secret)."""
    options: GradeOptions
    sandbox: Sandbox | None = None
    """The sandbox the driver already chose; None: detect it in the worker (e.g. on Dask)."""


@dataclass
class TestResult:
    """Verdict of one test cell."""

    grade_id: str
    passed: bool
    message: str
    """Why it failed ("" when passed)."""
    causes: list = field(default_factory=list)
    """Misconceptions the failure matches."""


@dataclass
class JobResult:
    """What a worker sends back for one notebook."""

    student: str
    assignment: str
    notebook: str
    executed: str | None = None
    """The executed notebook (nbformat JSON); None after a grader failure."""
    tests: list = field(default_factory=list)
    """TestResult per test cell, in notebook order."""
    problems: list = field(default_factory=list)
    """What went wrong with the submission itself (time limits, a dying kernel, ...)."""
    sandbox: str = ""
    """How student code was isolated, with the reason if weaker than bubblewrap."""
    timings: dict = field(default_factory=dict)
    """Seconds spent: kernel_start, cells, checks, total."""
    error: str | None = None
    """The grader's own failure (a traceback); the notebook then has no grade."""


@functools.lru_cache(maxsize=4)
def sandbox_for(options: GradeOptions) -> Sandbox:
    limits = Limits(memory_mb=options.memory_mb, cpu_seconds=int(options.notebook_timeout) + 60)
    return Sandbox.detect(limits, use_bubblewrap=options.sandbox)


def is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def check_names(source: str) -> list[str]:
    """Names in the cell's ``run_checks(globals(), "a", "b")`` calls."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [arg.value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "run_checks"
            for arg in node.args[1:] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]


@functools.lru_cache(maxsize=512)
def prepared(name: str, secret: int):
    """(check, script, arrays, reference recording, misconception recordings), once per worker.

    The last is a dict that `judge_check` fills as failures need it: what each misconception
    answers does not depend on the student.
    """
    chk, script, arrays = checks.build(name, secret)
    return chk, script, arrays, probes.run(script, arrays, reference_namespace()), {}


class NotebookRun:
    """Executes one notebook; keeps what is needed to replay it after a kernel restart."""

    def __init__(self, job: Job, kernel: StudentKernel, start: float):
        self.job, self.kernel, self.opts = job, kernel, job.options
        self.deadline = start + self.opts.notebook_timeout
        self.replay: list[str] = []
        self.problems: list[str] = []
        self.restarts = 0
        self.broken = ""  # set when the kernel cannot be used any more
        self.timings = {"cells": 0.0, "checks": 0.0}
        self.count = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def budget(self) -> float:
        return min(self.opts.cell_timeout, self.remaining())

    def run_code_cell(self, index: int, cell) -> None:
        if self.broken or self.remaining() <= 0:
            self.broken = self.broken or f"the notebook exceeded its time limit ({self.opts.notebook_timeout:.0f} s)"
            cell.outputs = [_note(f"Not run: {self.broken}.")]
            return
        start = time.monotonic()
        run = self.kernel.run(cell.source, self.budget())
        self.timings["cells"] += time.monotonic() - start
        self.count += 1
        cell.execution_count = self.count
        cell.outputs = run.outputs
        if run.status in ("ok", "error"):
            self.replay.append(cell.source)
        else:
            self.problems.append(f"cell {index + 1} {_what(run.status, self.opts.cell_timeout)}")
            self.recover(run.status)

    def run_test_cell(self, index: int, cell) -> TestResult:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        names = check_names(cell.source)
        if not names:
            raise GraderError(f"test cell {grade_id} names no checks (no run_checks line)")
        start = time.monotonic()
        verdicts = [self.ask(name) for name in names]
        self.timings["checks"] += time.monotonic() - start
        self.count += 1
        cell.execution_count = self.count
        lines = "".join(f"{'PASS' if v.passed else 'FAIL'} {v.name}\n" for v in verdicts)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=lines)]
        failed = [v for v in verdicts if not v.passed]
        if not failed:
            return TestResult(grade_id, True, "")
        message = "\n\n".join(v.message for v in failed)
        cell.outputs.append(nbformat.v4.new_output("error", ename="AssertionError", evalue=message,
                                                   traceback=["AssertionError: " + message]))
        causes = sorted({c for v in failed for c in v.causes})
        return TestResult(grade_id, False, message, causes)

    def ask(self, name: str) -> Verdict:
        """One check: probe the student's kernel, judge the recording here."""
        chk, script, arrays, reference, wrong = prepared(name, self.job.secret)
        if self.broken or self.remaining() <= 0:
            self.broken = self.broken or f"the notebook exceeded its time limit ({self.opts.notebook_timeout:.0f} s)"
            return Verdict(name, False, message=f"{name} ({chk.about}) could not be checked: {self.broken}.")
        recording, why = self.kernel.probe(script, arrays, self.budget())
        if recording is None:
            if why in ("timeout", "dead"):
                self.problems.append(f"check {name}: your code {_what(why, self.opts.cell_timeout)}")
                self.recover(why)
                why = _what(why, self.opts.cell_timeout)
            return Verdict(name, False, message=f"{name} ({chk.about}) could not be checked: {why}.")
        return judge_check(chk, script, arrays, recording, reference, wrong)

    def recover(self, status: str) -> None:
        """After a timeout or a death: keep the kernel if it answers, else restart and replay."""
        if status == "timeout" and self.kernel.responsive():
            return
        if self.restarts >= MAX_RESTARTS:
            self.broken = f"the kernel had to be restarted more than {MAX_RESTARTS} times"
            return
        self.restarts += 1
        self.kernel.restart()
        for source in self.replay:
            if self.remaining() <= 0:
                self.broken = f"the notebook exceeded its time limit ({self.opts.notebook_timeout:.0f} s)"
                return
            run = self.kernel.run(source, self.budget())
            if run.status not in ("ok", "error"):
                self.broken = "replaying the earlier cells after a restart failed"
                return


def run_job(job: Job) -> JobResult:
    """Grade one notebook; never raises (a grader failure is returned in `error`)."""
    result = JobResult(job.student, job.assignment, job.notebook)
    start = time.monotonic()
    kernel = None
    try:
        sandbox = job.sandbox or sandbox_for(job.options)
        result.sandbox = sandbox.mode + (f" ({sandbox.reason})" if sandbox.reason else "")
        nb = nbformat.reads(job.source, as_version=4)
        kernel = StudentKernel(sandbox, job.options.cell_output_kb * 1024, job.options.total_output_kb * 1024)
        kernel.start()
        result.timings["kernel_start"] = time.monotonic() - start
        run = NotebookRun(job, kernel, start)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            if is_test_cell(cell):
                result.tests.append(run.run_test_cell(index, cell))
            else:
                run.run_code_cell(index, cell)
        kernel.stop()
        if kernel.truncated:
            run.problems.append(f"output beyond {job.options.cell_output_kb} KiB per cell or "
                                f"{job.options.total_output_kb} KiB per notebook was dropped")
        if run.broken:
            run.problems.append(run.broken)
        result.problems = list(dict.fromkeys(run.problems))
        result.timings.update(run.timings)
        result.executed = nbformat.writes(nb)
    except Exception:  # noqa: BLE001 - reported as the grader's failure, the batch goes on
        result.error = traceback.format_exc()
    finally:
        if kernel is not None:
            kernel.stop()
        result.timings["total"] = time.monotonic() - start
    return result


def _what(status: str, cell_timeout: float) -> str:
    return {"timeout": f"ran longer than {cell_timeout:.0f} s and was interrupted",
            "dead": "stopped the Python kernel (it was restarted)"}.get(status, status)


def _note(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text + "\n")
