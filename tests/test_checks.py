"""autograder.checks and the instructor notebooks: every check is right, and together they catch every misconception."""
import ast
import re

import nbformat
import numpy as np
import pytest

import solutions
from autograder import checks, probes
from autograder.assignments import ASSIGNMENTS, source_notebook
from autograder.misconceptions import load_misconceptions
from autograder.runner import check_names, is_test_cell
from autograder.samples import applicable, graded_names
from autograder.verdict import judge_check, reference_namespace

CONTRACT = ["batch_stats", "batchnorm_forward", "batchnorm_backward", "spatial_batchnorm_forward",
            "spatial_batchnorm_backward", "layernorm_forward", "BatchNorm1d", "fold_batchnorm"]


def graded_cells(assignment):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    return [(c.metadata["nbgrader"]["grade_id"], check_names(c.source)) for c in nb.cells if is_test_cell(c)]


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
@pytest.mark.parametrize("secret", [0, 1, 987654])
def test_reference_passes_every_check(name, secret):
    chk, script, arrays = checks.build(name, secret)
    recording = probes.run(script, arrays, reference_namespace())
    verdict = judge_check(chk, script, arrays, recording)
    assert verdict.passed, verdict.message


def test_every_contract_name_is_asked_and_auto_graded():
    asked = set().union(*(graded_names(a) for a in ASSIGNMENTS))
    assert set(CONTRACT) <= asked, set(CONTRACT) - asked
    checked = {n for chk in checks.CHECKS.values() for n in chk.names}
    assert set(CONTRACT) <= checked


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_test_cell_names_existing_checks(assignment):
    cells = graded_cells(assignment)
    assert len(cells) >= 3
    for grade_id, names in cells:
        assert names, f"{grade_id} has no run_checks line"
        assert all(n in checks.CHECKS for n in names), (grade_id, names)


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_each_graded_name_has_several_graded_cells(assignment):
    """Partial credit: every name the student writes is split over at least two test cells...
    except ex06's layer, whose two functions are graded together."""
    cells = graded_cells(assignment)
    for name in graded_names(assignment):
        cells_for = [gid for gid, names in cells if any(name in checks.CHECKS[n].names for n in names)]
        assert len(cells_for) >= (1 if assignment == "ex06_training" else 2), (name, cells_for)


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_applicable_misconception_loses_points_and_is_named(assignment):
    ref = reference_namespace()
    for m in applicable(assignment):
        failed, named = [], []
        for grade_id, names in graded_cells(assignment):
            for name in names:
                chk, script, arrays = checks.build(name, 31337)
                verdict = judge_check(chk, script, arrays, probes.run(script, arrays, {**ref, **m.namespace}))
                if not verdict.passed:
                    failed.append(grade_id)
                    if m.key in verdict.causes and m.message in verdict.message:
                        named.append(grade_id)
        assert failed, f"{m.key} passes every test cell of {assignment}"
        assert named, f"{m.key} fails {failed} in {assignment} but no message names it"


def test_misconception_files_are_wrong_only_where_they_say():
    """Each misconception defines only names of the course and has a message of one paragraph."""
    known = set(solutions.__all__)
    for m in load_misconceptions():
        assert m.message and len(m.message) < 500, m.key
        assert set(m.names) <= known, (m.key, set(m.names) - known)
        assert set(m.targets) <= set(m.names)
        assert "from _" not in m.source, f"{m.key}: a base import was not pasted in"


def test_run_checks_in_process_passes_the_reference_and_names_the_mistake(capsys):
    ns = reference_namespace()
    checks.run_checks(ns, "batch_stats.example", "BatchNorm1d.train")
    assert "PASS batch_stats.example" in capsys.readouterr().out

    def batch_stats(x):
        return x.mean(axis=0), x.var(axis=0, ddof=1)

    with pytest.raises(AssertionError, match=r"divides by N-1"):
        checks.run_checks({"batch_stats": batch_stats}, "batch_stats.example")


def test_hidden_inputs_change_with_the_secret_but_not_between_runs():
    _, _, a1 = checks.build("batchnorm_forward.random", 1)
    _, _, a2 = checks.build("batchnorm_forward.random", 2)
    _, _, a1_again = checks.build("batchnorm_forward.random", 1)
    assert a1["x"].shape != a2["x"].shape or not np.array_equal(a1["x"], a2["x"])
    assert np.array_equal(a1["x"], a1_again["x"])


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_visible_tests_use_only_numpy_and_the_notebook(assignment):
    """Student notebooks run without this repository: no test cell imports it outside hidden tests."""
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        visible = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", cell.source, flags=re.S)
        visible = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "pass", visible, flags=re.S)
        tree = ast.parse(visible)
        imports = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imports |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert imports <= {"numpy", "re", "sklearn"}, (assignment, imports)


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_test_cell_asks_about_inputs_the_student_never_saw(assignment):
    """Hard-coding the visible examples (or faking their answers) cannot pass a test cell."""
    for grade_id, names in graded_cells(assignment):
        def inputs(secret):
            return [checks.build(n, secret)[2] for n in names]
        first, second = inputs(1), inputs(2)
        if not any(first):  # only attributes of a new object (BatchNorm1d.init): nothing to hard-code
            continue
        differs = any(not np.array_equal(a[k], b[k]) for a, b in zip(first, second) for k in a if k in b
                      and np.shape(a[k]) == np.shape(b[k])) or any(
            np.shape(a[k]) != np.shape(b[k]) for a, b in zip(first, second) for k in a if k in b)
        assert differs, f"{grade_id} only uses fixed inputs"
