"""Fair grades, the CI gates: one mistake costs exactly its cells, and correct code loses none.

Everything runs in this process through `autograder.dryrun` (no kernels, no sandbox): each
implementation is pasted below an instructor notebook's code (as a student's cell redefining
the names would be) and graded exactly as the sandboxed grader would, for a sweep of course
secrets (each secret draws new hidden inputs for every check).

(a) every misconception loses exactly its declared ``CELLS`` in every assignment it declares,
    for every secret;
(b) every correct variant (`autograder.variants`) loses no cell in any assignment it applies
    to, for any secret;
(c) the reference solution itself loses no cell;
(d) the declarations are complete: a misconception whose ``TARGETS`` include a name that an
    assignment's solution cells define declares ``CELLS`` there (possibly empty), and every
    declared cell exists; every variant's assignments exist and are covered;
(e) no misconception costs more than half of its notebook's points.

The fast tier (8 secrets) runs on every ``pytest``; the slow tier (200 secrets, marked slow)
repeats (a), (b), (c), (e) on many more draws. The secrets of the fast tier are the first ones
of the slow tier, and each (assignment, secret) is graded once per session, for every
implementation at once, with one `dryrun.Asker` (so the reference's and the misconceptions'
answers are computed once per check and key) that is dropped afterwards (memory stays flat).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from unittest import mock

import nbformat
import pytest

from autograder import checks, dryrun
from autograder.assignments import ASSIGNMENTS, source_notebook
from autograder.misconceptions import load_misconceptions
from autograder.samples import graded_names
from autograder.variants import load_variants

FAST, SLOW = 8, 200
SENTINEL = "__fairness_source_ran__"
"""Set by a line appended to each pasted source: dryrun.namespace swallows a failing cell, and
a source that raised half-way would otherwise be graded as the instructor's solution."""


def secret(i: int) -> str:
    return f"fairness-sweep-{i}"


def key(i: int) -> bytes:
    return checks.submission_key(secret(i), "student", "digest")


@dataclass(frozen=True)
class Impl:
    kind: str  # "reference", "misconception" or "variant"
    key: str
    source: str

    @property
    def label(self):
        return self.key if self.kind == "reference" else f"{self.kind} {self.key}"


@functools.cache
def notebook(assignment):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    return nb, tuple(dryrun.test_cells(nb))


def points(assignment) -> dict[str, float]:
    return {t.grade_id: t.points for t in notebook(assignment)[1]}


def implementations(assignment) -> tuple[Impl, ...]:
    """The reference, the misconceptions that declare cells here, and the variants that apply here."""
    return (Impl("reference", "reference", ""),
            *(Impl("misconception", m.key, m.source) for m in load_misconceptions() if assignment in m.cells),
            *(Impl("variant", v.key, v.source) for v in load_variants() if assignment in v.assignments))


@functools.cache
def namespace(assignment, impl: Impl) -> dict:
    """The notebook's graded code with `impl` pasted below it (reused across secrets: the
    functions are stateless and every check builds its own objects)."""
    nb, _ = notebook(assignment)
    if not impl.source:
        return dryrun.namespace(nb)
    return dryrun.namespace(nb, extra=f"{impl.source}\n\n{SENTINEL} = True\n")


@dataclass(frozen=True)
class Outcome:
    lost: frozenset
    why: tuple  # (grade id, verdict messages and named causes) of each lost cell


@functools.cache
def graded(assignment, i) -> dict[Impl, Outcome]:
    """Every implementation of `assignment` graded under secret number `i`."""
    _, tests = notebook(assignment)
    asker, results = dryrun.Asker(), {}
    built = functools.lru_cache(maxsize=None)(checks.build)  # one key here: build each check once, not per impl
    with mock.patch.object(checks, "build", built):  # (probes copy the arrays they pass, so sharing them is safe)
        graded_all = {impl: asker.grade(list(tests), namespace(assignment, impl), key(i))
                      for impl in implementations(assignment)}
    for impl, verdicts in graded_all.items():
        lost = dryrun.lost_cells(verdicts)
        why = tuple((gid, "\n".join(f"{v.message}\n[causes: {', '.join(v.causes) or 'none'}]"
                                    for v in verdicts[gid] if not v.passed)) for gid in sorted(lost))
        results[impl] = Outcome(frozenset(lost), why)
    return results


def sweep(assignment, impl: Impl, n: int) -> list[Outcome]:
    ns = namespace(assignment, impl)
    assert not impl.source or ns.get(SENTINEL), (
        f"{impl.label} raised when pasted into {assignment}, so it was never graded")
    return [graded(assignment, i)[impl] for i in range(n)]


def _show(why, limit=1500):
    return "\n".join(f"    {gid}:\n      " + text[:limit].replace("\n", "\n      ") for gid, text in why)


# ---------------------------------------------------------------- the gates


def loses_exactly(m_key, assignment, n):
    """(a) the misconception loses exactly its declared cells, for each of n secrets."""
    impl = next(i for i in implementations(assignment) if i.kind == "misconception" and i.key == m_key)
    declared = set(next(m for m in load_misconceptions() if m.key == m_key).cells[assignment])
    problems = []
    for i, outcome in enumerate(sweep(assignment, impl, n)):
        if outcome.lost == declared:
            continue
        extra, kept = sorted(outcome.lost - declared), sorted(declared - outcome.lost)
        lines = [f"  secret {secret(i)!r}:"]
        if extra:
            lines.append(f"    also lost {extra} (fairness bug: another idea's cell charges this mistake)")
            lines.append(_show([w for w in outcome.why if w[0] in extra]))
        if kept:
            lines.append(f"    kept {kept}, which it declares it loses (the check cannot see this mistake)")
        problems.append("\n".join(lines))
    assert not problems, (f"misconception {m_key} in {assignment} must lose exactly {sorted(declared)}; "
                          f"{len(problems)} of {n} secrets differ:\n" + "\n".join(problems[:5]))


def loses_nothing(impl: Impl, assignment, n):
    """(b), (c) correct code loses no cell, for each of n secrets."""
    problems = [f"  secret {secret(i)!r} lost {sorted(o.lost)}:\n{_show(o.why)}"
                for i, o in enumerate(sweep(assignment, impl, n)) if o.lost]
    assert not problems, (f"{impl.label} is correct but lost cells in {assignment} for {len(problems)} of {n} "
                          "secrets (a fairness bug in the checks, or a bug in the variant):\n" + "\n".join(problems[:5]))


def costs_at_most_half(m_key, assignment, n):
    """(e) the declared cells, and whatever is lost in the sweep, are at most half the points."""
    pts = points(assignment)
    half = sum(pts.values()) / 2
    declared = next(m for m in load_misconceptions() if m.key == m_key).cells[assignment]
    assert sum(pts.get(g, 0) for g in declared) <= half, (
        f"{m_key} declares {list(declared)} in {assignment}: more than half of its {2 * half:g} points")
    impl = next(i for i in implementations(assignment) if i.kind == "misconception" and i.key == m_key)
    for i, outcome in enumerate(sweep(assignment, impl, n)):
        cost = sum(pts[g] for g in outcome.lost)
        assert cost <= half, (f"{m_key} lost {sorted(outcome.lost)} ({cost:g} of {2 * half:g} points) in "
                              f"{assignment} for secret {secret(i)!r}")


MISCONCEPTION_CASES = [(m.key, a) for m in load_misconceptions() for a in sorted(m.cells)]
MISCONCEPTION_IDS = [f"{m}-{a}" for m, a in MISCONCEPTION_CASES]
VARIANT_CASES = [(v.key, a) for v in load_variants() for a in v.assignments]
VARIANT_IDS = [f"{v}-{a}" for v, a in VARIANT_CASES]


def _variant(v_key, assignment):
    return next(i for i in implementations(assignment) if i.kind == "variant" and i.key == v_key)


def _reference(assignment):
    return implementations(assignment)[0]


# fast tier: every pytest run

@pytest.mark.parametrize("m_key, assignment", MISCONCEPTION_CASES, ids=MISCONCEPTION_IDS)
def test_misconception_loses_exactly_its_cells(m_key, assignment):
    loses_exactly(m_key, assignment, FAST)


@pytest.mark.parametrize("v_key, assignment", VARIANT_CASES, ids=VARIANT_IDS)
def test_correct_variant_loses_no_cell(v_key, assignment):
    loses_nothing(_variant(v_key, assignment), assignment, FAST)


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS), ids=[f"reference-{a}" for a in ASSIGNMENTS])
def test_reference_loses_no_cell(assignment):
    loses_nothing(_reference(assignment), assignment, FAST)


@pytest.mark.parametrize("m_key, assignment", MISCONCEPTION_CASES, ids=MISCONCEPTION_IDS)
def test_misconception_costs_at_most_half(m_key, assignment):
    costs_at_most_half(m_key, assignment, FAST)


# slow tier: the same gates on 200 secrets

@pytest.mark.slow
@pytest.mark.parametrize("m_key, assignment", MISCONCEPTION_CASES, ids=MISCONCEPTION_IDS)
def test_misconception_loses_exactly_its_cells_sweep(m_key, assignment):
    loses_exactly(m_key, assignment, SLOW)


@pytest.mark.slow
@pytest.mark.parametrize("v_key, assignment", VARIANT_CASES, ids=VARIANT_IDS)
def test_correct_variant_loses_no_cell_sweep(v_key, assignment):
    loses_nothing(_variant(v_key, assignment), assignment, SLOW)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", list(ASSIGNMENTS), ids=[f"reference-{a}" for a in ASSIGNMENTS])
def test_reference_loses_no_cell_sweep(assignment):
    loses_nothing(_reference(assignment), assignment, SLOW)


@pytest.mark.slow
@pytest.mark.parametrize("m_key, assignment", MISCONCEPTION_CASES, ids=MISCONCEPTION_IDS)
def test_misconception_costs_at_most_half_sweep(m_key, assignment):
    costs_at_most_half(m_key, assignment, SLOW)


# (d) declarations: static, no grading

@pytest.mark.parametrize("m_key", [m.key for m in load_misconceptions()])
def test_misconception_declares_cells_wherever_it_applies(m_key):
    m = next(m for m in load_misconceptions() if m.key == m_key)
    unknown = set(m.cells) - set(ASSIGNMENTS)
    assert not unknown, f"{m_key} declares CELLS for unknown assignments {sorted(unknown)}"
    for assignment in ASSIGNMENTS:
        overlap = set(m.targets) & graded_names(assignment)
        assert not overlap or assignment in m.cells, (
            f"{m_key} targets {sorted(overlap)}, which students write in {assignment}, but declares no CELLS "
            f"for it: add {assignment!r}: [...] (an empty list if no cell there can see the mistake)")
    for assignment, declared in m.cells.items():
        missing = set(declared) - set(points(assignment))
        assert not missing, f"{m_key} declares cells {sorted(missing)} that {assignment} does not have"


@pytest.mark.parametrize("v_key", [v.key for v in load_variants()])
def test_variant_declares_where_it_applies(v_key):
    v = next(v for v in load_variants() if v.key == v_key)
    assert v.description, f"variant {v_key} needs a docstring saying what is different about it"
    for assignment in v.assignments:
        assert assignment in ASSIGNMENTS, f"variant {v_key} applies to unknown assignment {assignment!r}"
        assert set(v.names) & graded_names(assignment), (
            f"variant {v_key} defines none of the names students write in {assignment}")


@pytest.mark.parametrize("assignment", list(ASSIGNMENTS))
def test_every_graded_name_has_several_variants(assignment):
    for name in sorted(graded_names(assignment)):
        styles = [v.key for v in load_variants() if assignment in v.assignments and name in v.names]
        assert len(styles) >= 3, f"{name} in {assignment} has only {styles} as correct variants (want 3 or more)"


# ---------------------------------------------------------------- the variants keep the contract
# Independently of the checks: the rules of DESIGN.md's contract, asked directly of every name a
# variant defines (in the namespace of its first assignment, so the given functions are there).

import re  # noqa: E402

import numpy as np  # noqa: E402

FORWARDS = {"batchnorm_forward": 2, "spatial_batchnorm_forward": 4, "layernorm_forward": 2}


def _raises_naming(fn, argument, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except (ValueError, TypeError) as err:
        assert re.search(rf"(?<![A-Za-z0-9_]){argument}(?![A-Za-z0-9_])", str(err)), (
            f"{fn.__name__}: the message {str(err)!r} should name {argument}")
    else:
        raise AssertionError(f"{fn.__name__} accepted a bad {argument}")


def _kept(fn, *args, **kwargs):
    """Call fn; assert it modified none of its array arguments; return its result."""
    copies = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None for a in args]
    result = fn(*args, **kwargs)
    for a, c in zip(args, copies):
        if c is not None:
            np.testing.assert_array_equal(a, c, err_msg=f"{fn.__name__} modified its input")
    return result


def _data(shape, dtype, offset=3.0):
    rng = np.random.default_rng(sum(shape))
    return (rng.normal(size=shape) * 2 + offset).astype(dtype)


@pytest.mark.parametrize("v_key", [v.key for v in load_variants()])
def test_variant_meets_the_contract(v_key):
    v = next(v for v in load_variants() if v.key == v_key)
    ns = namespace(v.assignments[0], _variant(v.key, v.assignments[0]))
    names = set(v.names)
    if "batch_stats" in names:
        f = ns["batch_stats"]
        _raises_naming(f, "x", np.ones(5))
        _raises_naming(f, "x", np.ones((2, 3, 4)))
        for dtype, want in ((np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)):
            mean, var = _kept(f, _data((6, 3), dtype))
            assert np.shape(mean) == np.shape(var) == (3,)
            assert np.asarray(mean).dtype == np.asarray(var).dtype == want, (dtype, np.asarray(var).dtype)
    for name, ndim in FORWARDS.items():
        if name not in names:
            continue
        f, shape = ns[name], (4, 3) if ndim == 2 else (2, 3, 2, 2)
        g, b = np.ones(3), np.zeros(3)
        _raises_naming(f, "x", _data(shape + (2,), np.float64), g, b)
        _raises_naming(f, "gamma", _data(shape, np.float64), np.ones(2), b)
        _raises_naming(f, "beta", _data(shape, np.float64), g, np.zeros(4))
        for dtype, want in ((np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)):
            pdtype = np.float32 if dtype == np.float32 else np.float64
            out, _ = _kept(f, _data(shape, dtype), g.astype(pdtype), b.astype(pdtype))
            assert np.shape(out) == shape and np.asarray(out).dtype == want, (name, dtype, np.asarray(out).dtype)
    for fwd, bwd, shape in (("batchnorm_forward", "batchnorm_backward", (5, 3)),
                            ("spatial_batchnorm_forward", "spatial_batchnorm_backward", (2, 3, 2, 2))):
        if bwd not in names:
            continue
        for dtype in (np.float32, np.float64):
            _, cache = ns[fwd](_data(shape, dtype), np.ones(3, dtype), np.zeros(3, dtype))
            dout = _data(shape, dtype, offset=0.0)
            grads = _kept(ns[bwd], dout, cache)
            again = ns[bwd](dout, cache)
            assert [np.shape(a) for a in grads] == [shape, (3,), (3,)]
            assert all(np.asarray(a).dtype == dtype for a in grads), (bwd, dtype)
            for a, b in zip(grads, again):
                np.testing.assert_array_equal(a, b, err_msg=f"{bwd} changed its cache")
    if "BatchNorm1d" in names:
        bn = ns["BatchNorm1d"](3)
        assert bn.eval() is bn and bn.train() is bn and bn.training
        with pytest.raises(ValueError):
            bn.forward(_data((1, 3), np.float64))
        assert bn.num_batches_tracked == 0
        np.testing.assert_array_equal(bn.running_var, np.ones(3))
        for dtype, want in ((np.float32, np.float32), (np.int64, np.float64)):
            y = _kept(bn.forward, _data((5, 3), dtype))
            assert np.asarray(y).dtype == want and np.shape(y) == (5, 3)
        _raises_naming(bn.forward, "x", np.ones(3))
    if "groupnorm_forward" in names:
        _raises_naming(ns["groupnorm_forward"], "num_groups", _data((2, 4, 2, 2), np.float64), np.ones(4),
                       np.zeros(4), 3)
    if "fold_batchnorm" in names:
        W_f, b_f = _kept(ns["fold_batchnorm"], _data((4, 3), np.float64), np.zeros(3), np.ones(3), np.zeros(3),
                         np.zeros(3), np.ones(3))
        assert np.shape(W_f) == (4, 3) and np.shape(b_f) == (3,)
    if "affine_bn_relu_backward" in names:
        for dtype in (np.float32, np.float64):
            x, W = _data((6, 4), dtype), _data((4, 3), dtype, 0.0)
            params = [np.zeros(3, dtype), np.ones(3, dtype), np.zeros(3, dtype)]
            out, cache = _kept(ns["affine_bn_relu_forward"], x, W, *params)
            grads = _kept(ns["affine_bn_relu_backward"], _data((6, 3), dtype, 0.0), cache)
            assert [np.shape(a) for a in grads] == [(6, 4), (4, 3), (3,), (3,), (3,)]
            assert np.asarray(out).dtype == dtype and all(np.asarray(a).dtype == dtype for a in grads)


@pytest.mark.parametrize("m_key", [m.key for m in load_misconceptions()])
def test_misconception_summary_reads_after_n_students(m_key):
    """The class-wide summary prints "3 of 40 students <SUMMARY>": a verb phrase in the plural."""
    summary = next(m for m in load_misconceptions() if m.key == m_key).summary
    first = summary.split()[0]
    assert first != "not" and not first.endswith(("s", "ed", "ing")), f"not a plural verb first: {summary!r}"
    assert summary == summary.strip() and not summary.endswith("."), summary
