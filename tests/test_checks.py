"""autograder.checks: every check asks its question on inputs no one can predict, and the reference passes.

The fairness gates (every known mistake loses exactly its cells, correct variants lose none,
over hundreds of secrets) are in tests/test_fairness.py.
"""
import nbformat
import numpy as np
import pytest

from autograder import cells, checks, probes
from autograder.assignments import ASSIGNMENTS, source_notebook
from autograder.verdict import judge_check, reference_namespace

NAMES = sorted(checks.CHECKS)


def arrays_of(name, key):
    return checks.build(name, key)[2]


def same_arrays(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_for_several_submissions(name):
    for i in range(5):
        key = checks.submission_key("secret", f"student{i}", f"digest{i}")
        chk, script, arrays = checks.build(name, key)
        verdict = judge_check(chk, script, arrays, probes.run(script, arrays, reference_namespace()))
        assert verdict.passed, (name, i, verdict.message)


def test_inputs_are_the_same_for_the_same_submission_and_differ_otherwise():
    varied = [n for n in NAMES if not same_arrays(arrays_of(n, b"a"), arrays_of(n, b"b"))]
    assert len(varied) >= len(NAMES) - 3, "almost every check draws inputs of its own"
    name = "batchnorm_forward.features"
    key = checks.submission_key("secret", "ada", "d1")
    assert same_arrays(arrays_of(name, key), arrays_of(name, checks.submission_key("secret", "ada", "d1")))
    for other in (checks.submission_key("secret", "bob", "d1"),     # a classmate with the same files
                  checks.submission_key("secret", "ada", "d2"),     # a resubmission
                  checks.submission_key("other", "ada", "d1")):     # another course
        assert not same_arrays(arrays_of(name, key), arrays_of(name, other))


def test_seeds_are_128_bits_of_hmac_not_a_guessable_number():
    seeds = {checks.seed_for("batch_stats.random", checks.submission_key("s", f"x{i}", "d")) for i in range(100)}
    assert len(seeds) == 100 and max(seeds) > 2**100


def test_check_texts_do_not_name_the_hidden_checks():
    for chk in checks.CHECKS.values():
        assert chk.name not in chk.about and "run_checks" not in chk.about


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_test_cells_name_existing_checks_and_every_check_is_used(assignment):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    named = [n for c in nb.cells if cells.is_test(c) for n in cells.check_names(c.source)]
    assert named and all(n in checks.CHECKS for n in named), named
    assert len(named) == len(set(named)), "a check asked by two cells would charge one mistake twice"


def _defined(source: str) -> set[str]:
    """Top-level names a code cell defines (functions, classes, assignments, imports)."""
    import ast

    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return names


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_function_a_check_calls_is_defined_above_its_cell(assignment):
    """Plain `nbgrader autograde` runs cells in order: a check calling a function defined further
    down would fail every student (ours runs hidden checks after the whole notebook)."""
    defined, late = set(), []
    for cell in nbformat.read(source_notebook(assignment), as_version=4).cells:
        if cell.cell_type != "code":
            continue
        if cells.is_test(cell):
            for name in cells.check_names(cell.source):
                called = {s["call"] for s in checks.build(name, b"k")[1]["steps"] if "call" in s}
                late += [(cells.grade_id(cell), name, fn) for fn in called if not fn.startswith("$") and fn not in defined]
        defined |= _defined(cell.source)
    assert late == [], late


def test_every_check_is_asked_by_some_cell():
    asked = {n for a in ASSIGNMENTS for c in nbformat.read(source_notebook(a), as_version=4).cells
             if cells.is_test(c) for n in cells.check_names(c.source)}
    assert asked == set(checks.CHECKS)


def test_tolerated_mistakes_exist_and_are_not_the_cells_own():
    from autograder.misconceptions import by_key

    for chk in checks.CHECKS.values():
        for key in chk.tolerated():
            assert by_key(key) is not None, (chk.name, key)
