"""autograder.runner without a sandbox: a fake template in this process, to test the run's logic fast.

Timeouts, deaths, restarts with replay, the notebook's time limit, and how a test cell's
verdict becomes its outputs. The real sandbox is tested in test_template.py.
"""
import contextlib
import io

import nbformat
import pytest

from autograder import probes
from autograder.config import GradeOptions
from autograder.runner import MAX_RESTARTS, Job, NotebookRun
from autograder.template import CellRun, TemplateError


class FakeProcess:
    """Runs cells with exec in a dict; "HANG" times out, "DIE" kills the process."""

    def __init__(self, log):
        self.ns, self.dead, self.log = {"__name__": "__main__"}, False, log

    def run(self, code, timeout, cap=None):
        self.log.append(code)
        if self.dead:
            return CellRun("dead")
        if "HANG" in code:
            return CellRun("timeout")
        if "DIE" in code:
            self.dead = True
            return CellRun("dead")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(code, self.ns)
        except Exception as exc:  # noqa: BLE001
            return CellRun("error", [nbformat.v4.new_output("error", ename=type(exc).__name__, evalue=str(exc),
                                                            traceback=[])])
        return CellRun("ok", [nbformat.v4.new_output("stream", name="stdout", text=out.getvalue())])

    def probe(self, script, arrays_b64, timeout):
        if self.dead:
            return None, "dead"
        return probes.encode(probes.run(script, probes.decode(arrays_b64), self.ns)), ""

    def kill(self):
        self.dead = True


class FakeTemplate:
    def __init__(self):
        self.spawned, self.log = 0, []

    def spawn(self):
        self.spawned += 1
        return FakeProcess(self.log)


def job(**options):
    return Job("ada", "ex01_covariate_shift", "ex01_covariate_shift", "", b"key",
               GradeOptions(**{"cell_timeout": 5, "notebook_timeout": 60, **options}))


def test_a_death_starts_a_fresh_process_and_replays_the_earlier_cells():
    tpl = FakeTemplate()
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    for i, code in enumerate(["a = 1", "b = a + 1", "DIE", "print(b)"]):
        run.run_code_cell(i, nbformat.v4.new_code_cell(code))
    assert tpl.spawned == 2 and run.restarts == 1
    assert tpl.log == ["a = 1", "b = a + 1", "DIE", "a = 1", "b = a + 1", "print(b)"]
    assert any("stopped its process" in p for p in run.problems)


def test_too_many_restarts_break_the_run():
    tpl = FakeTemplate()
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    for i in range(MAX_RESTARTS + 2):
        run.run_code_cell(i, nbformat.v4.new_code_cell("DIE"))
    cell = nbformat.v4.new_code_cell("x = 1")
    run.run_code_cell(99, cell)
    assert run.broken and "restarted more than" in run.broken and "Not run" in cell.outputs[0].text


def test_a_timeout_is_reported_and_the_notebook_goes_on():
    tpl = FakeTemplate()
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    run.run_code_cell(0, nbformat.v4.new_code_cell("x = 2"))
    run.run_code_cell(1, nbformat.v4.new_code_cell("HANG"))
    cell = nbformat.v4.new_code_cell("print(x)")
    run.run_code_cell(2, cell)
    assert "ran longer than 5 s" in run.problems[0] and cell.outputs[0].text == "2\n"


class RefusingTemplate(FakeTemplate):
    """Refuses to start the first `refusals` processes (a fork bomb's processes not yet reaped)."""

    def __init__(self, refusals):
        super().__init__()
        self.refusals = refusals

    def spawn(self):
        if self.refusals:
            self.refusals -= 1
            raise TemplateError("the sandbox refused to start a process")
        return super().spawn()


def test_a_refused_process_is_tried_again_until_the_sandbox_has_room():
    tpl = RefusingTemplate(refusals=1)
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    run.run_code_cell(0, nbformat.v4.new_code_cell("x = 3"))
    tpl.refusals = 3
    run.run_code_cell(1, nbformat.v4.new_code_cell("HANG"))
    cell = nbformat.v4.new_code_cell("print(x)")
    run.run_code_cell(2, cell)
    assert not run.broken and cell.outputs[0].text == "3\n" and tpl.spawned == 2


def test_a_sandbox_that_never_has_room_breaks_only_this_notebook(monkeypatch):
    monkeypatch.setattr("autograder.runner.SPAWN_WAIT", 0.3)
    tpl = FakeTemplate()
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    tpl.spawn = RefusingTemplate(refusals=10**6).spawn
    run.run_code_cell(0, nbformat.v4.new_code_cell("DIE"))
    cell = nbformat.v4.new_code_cell("x = 1")
    run.run_code_cell(1, cell)
    assert "no fresh process could be started" in run.broken and cell.outputs[0].text.startswith("Not run")


def test_the_notebook_time_limit_stops_the_rest():
    run = NotebookRun(job(notebook_timeout=0.01), FakeTemplate(), start=__import__("time").monotonic() - 1)
    cell = nbformat.v4.new_code_cell("x = 1")
    run.run_code_cell(0, cell)
    assert "exceeded its time limit (0.01 s)" in run.broken and cell.outputs[0].text.startswith("Not run")


def graded_cell(source):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 2, "locked": True, "solution": False,
                                 "schema_version": 3}
    return cell


def test_a_test_cell_is_judged_by_the_hidden_checks_not_by_its_visible_asserts():
    tpl = FakeTemplate()
    run = NotebookRun(job(), tpl, start=__import__("time").monotonic())
    run.run_code_cell(0, nbformat.v4.new_code_cell(
        "import numpy as np\ndef batch_stats(x):\n    x = np.asarray(x, float)\n    return x.mean(0), x.var(0)"))
    cell = graded_cell("assert False, 'the visible test fails'\n### BEGIN HIDDEN TESTS\n"
                     "run_checks(globals(), 'batch_stats.example')\n### END HIDDEN TESTS")
    result = run.run_test_cell(1, cell)
    assert result.passed and result.visible == "AssertionError: the visible test fails"
    assert [o.output_type for o in cell.outputs] == ["stream", "stream"] and "PASS" in cell.outputs[1].text
    assert not any("run_checks" in code for code in tpl.log), "the hidden part never runs in the student's process"


def test_a_failed_check_becomes_an_error_output_naming_the_mistake():
    run = NotebookRun(job(), FakeTemplate(), start=__import__("time").monotonic())
    run.run_code_cell(0, nbformat.v4.new_code_cell(
        "import numpy as np\ndef batch_stats(x):\n    x = np.asarray(x, float)\n    return x.mean(0), x.var(0, ddof=1)"))
    cell = graded_cell("### BEGIN HIDDEN TESTS\nrun_checks(globals(), 'batch_stats.example')\n### END HIDDEN TESTS")
    result = run.run_test_cell(1, cell)
    assert not result.passed and result.causes == ["unbiased_variance"]
    assert cell.outputs[-1].output_type == "error" and "divides by N-1" in cell.outputs[-1].evalue


def test_a_test_cell_without_checks_is_the_graders_error():
    from autograder.verdict import GraderError

    run = NotebookRun(job(), FakeTemplate(), start=__import__("time").monotonic())
    with pytest.raises(GraderError):
        run.run_test_cell(0, graded_cell("assert True"))
