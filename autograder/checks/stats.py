"""Exercise 1: `batch_stats` and `distribution_drift`.

Cells and their one idea each: the mean and biased variance (example), the per-feature
axis (features), a stable variance in float32 (float32), shapes, dtypes and an unchanged
input (contract), bad input (bad_input); the drift as standardised shift and ratio of
spreads (drift example), and eps for a unit that did not vary (drift eps).
"""
from __future__ import annotations

import numpy as np

from . import AXIS, BAD_INPUT, F32, LOOSE, VALIDATION, call, check, featured, own, sizes


def _stats(sid, x, **kw):
    return call(sid, "batch_stats", x, save=["mean", "var"], record=["mean", "var"], **kw)


@check("batch_stats.example", "the mean and the biased variance (divide by N): x = [2, 4, 6, 8] and an unseen feature",
       ["batch_stats"], tolerates=AXIS)
def stats_example(rng):
    x = np.array([[2.0], [4.0], [6.0], [8.0]])
    unseen = featured(rng, int(rng.integers(3, 9)), 1)
    return {"steps": [_stats("ex", "@x", label="batch_stats(x) for x = [2, 4, 6, 8]"),
                      _stats("u", "@u", label="batch_stats on one feature of a few samples")]}, {"x": x, "u": unseen}


@check("batch_stats.features", "one mean and one variance per feature (column), over the samples (axis 0)",
       ["batch_stats"], rtol=3e-3, atol=1e-6)
def stats_features(rng):
    d1, d2 = sizes(rng, 2, 8, 2)
    arrays = {"a": featured(rng, int(rng.integers(900, 1200)), d1), "b": featured(rng, int(rng.integers(900, 1200)), d2)}
    return {"steps": [_stats("a", "@a", label=f"batch_stats on a batch with {d1} features"),
                      _stats("b", "@b", label=f"batch_stats on a batch with {d2} features")]}, arrays


def _float32_as_own_float64(arrays, rec):
    """`Check.composed`: the student's own batch_stats on the same data in float64 (the cell's
    idea is that float32 keeps the digits, not what the statistics are). None for answers that
    are the same for every feature (a base that ignores its input)."""
    mean, var = own(rec, "ctx.mean", "ctx.var")
    if np.ptp(mean) == 0 or np.ptp(var) == 0:
        return None
    return {"s.mean": mean, "s.var": var}


@check("batch_stats.float32", "float32 data near 10,000: the variance in two passes keeps its digits",
       ["batch_stats"], tolerates=AXIS + ("unbiased_variance",), composed=_float32_as_own_float64)
def stats_float32(rng):
    n = int(rng.integers(64, 257))
    x = (1e4 + rng.normal(size=(n, 4)) * rng.uniform(0.5, 2, 4)).astype(F32)
    label = f"batch_stats on float32 data near 1e4 ({n} samples)"
    steps = [call("s", "batch_stats", "@x", save=["mean", "var"], record=["mean", "var"], label=label,
                  rtol=1e-2),  # plain float32 two-pass: 2e-4 at worst; one-pass: 0.27 at best
             _stats("ctx", "@x64", context=True, label="batch_stats on the same data in float64")]
    return {"steps": steps}, {"x": x, "x64": x.astype(np.float64)}


@check("batch_stats.contract", "shapes (D,), float32 stays float32, integers give float64, x is not modified",
       ["batch_stats"], contract=True, **LOOSE,
       tolerates_all_but=("float32_upcast", "keepdims_statistics", "keeps_integer_dtype", "modifies_input"))
def stats_contract(rng):
    d = int(rng.integers(2, 6))
    arrays = {"f32": featured(rng, 5, d, F32, offset=5), "i": rng.integers(-20, 20, size=(6, d)),
              "f64": featured(rng, 7, d)}
    steps = [call(s, "batch_stats", f"@{s}", save=["mean", "var"], record=["mean", "var"], watch=True,
                  label=f"batch_stats on {what}")
             for s, what in (("f32", "float32 input"), ("i", "integer input"), ("f64", "float64 input"))]
    return {"steps": steps}, arrays


@check("batch_stats.bad_input", "x that is not 2-D raises ValueError (or TypeError) naming x; good x still works",
       ["batch_stats"], **LOOSE, tolerates_all_but=VALIDATION)
def stats_bad_input(rng):
    arrays = {"v": rng.normal(size=5), "t": rng.normal(size=(2, 3, 4)), "ok": featured(rng, 6, 3)}
    steps = [call("v", "batch_stats", "@v", expect=BAD_INPUT, mentions="x", label="batch_stats(x) with x of shape (5,)"),
             call("t", "batch_stats", "@t", expect=BAD_INPUT, mentions="x",
                  label="batch_stats(x) with x of shape (2, 3, 4)"),
             _stats("ok", "@ok", label="batch_stats on a good (6, 3) batch")]
    return {"steps": steps}, arrays


# ---------------------------------------------------------------- distribution_drift


def _drift(sid, before, after, **kw):
    return call(sid, "distribution_drift", before, after, save=["shift", "scale"], record=["shift", "scale"], **kw)


def _context(tag, before, after):
    """The student's own batch_stats on the same data: a drift built on a wrong one is not charged again."""
    return [_stats(f"{tag}_b", before, context=True, label="batch_stats(before)"),
            _stats(f"{tag}_a", after, context=True, label="batch_stats(after)")]


def _drift_on_own_stats(drifts):
    """`Check.composed` for drift steps {step id: (context tag, eps)}: the reference formula on
    the student's own batch_stats answers. None if those answers do not move between the two
    batches (a base that ignores its input would make any constant drift look right)."""

    def composed(arrays, rec):
        expected = {}
        for sid, (tag, eps) in drifts.items():
            mean_b, var_b, mean_a, var_a = own(rec, f"{tag}_b.mean", f"{tag}_b.var", f"{tag}_a.mean", f"{tag}_a.var")
            if np.array_equal(mean_b, mean_a) or np.array_equal(var_b, var_a):
                return None
            expected[f"{sid}.shift"] = (mean_a - mean_b) / np.sqrt(var_b + eps)
            expected[f"{sid}.scale"] = np.sqrt((var_a + eps) / (var_b + eps))
        return expected

    return composed


DRIFT_TOLERATES = AXIS + ("unbiased_variance", "one_pass_variance")


@check("distribution_drift.example", "shift in units of the earlier spread, and the ratio of spreads",
       ["distribution_drift", "batch_stats"], rtol=1e-4, atol=1e-4, tolerates=DRIFT_TOLERATES,
       composed=_drift_on_own_stats({"ex": ("cx", 1e-5), "u": ("cu", 1e-5)}))
def drift_example(rng):
    before = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0], [7.0, 40.0]])
    after = before * np.array([1.0, 2.0]) + np.array([4.0, 0.0])
    n, d = int(rng.integers(20, 60)), int(rng.integers(2, 6))
    u1, u2 = featured(rng, n, d), featured(rng, n, d)
    steps = [_drift("ex", "@b", "@a", label="distribution_drift on the example of the exercise"),
             _drift("u", "@u1", "@u2", label=f"distribution_drift on two batches of {n} samples"),
             *_context("cx", "@b", "@a"), *_context("cu", "@u1", "@u2")]
    return {"steps": steps}, {"b": before, "a": after, "u1": u1, "u2": u2}


@check("distribution_drift.eps", "eps keeps a unit that did not vary finite, and the eps argument is used",
       ["distribution_drift", "batch_stats"], tolerates=DRIFT_TOLERATES + ("drift_not_standardised", "drift_variance_ratio"),
       composed=_drift_on_own_stats({"d": ("c", 1e-5), "e": ("c", 1e-2)}))
def drift_eps(rng):
    n, d = int(rng.integers(20, 60)), int(rng.integers(3, 6))
    before, after = featured(rng, n, d), featured(rng, n, d)
    before[:, 0] = float(rng.normal() * 3)  # a unit that did not vary at first
    steps = [_drift("d", "@b", "@a", label="distribution_drift where a unit had variance 0 before"),
             _drift("e", "@b", "@a", eps=1e-2, label="distribution_drift(before, after, eps=1e-2)"),
             *_context("c", "@b", "@a")]
    return {"steps": steps}, {"b": before, "a": after}
