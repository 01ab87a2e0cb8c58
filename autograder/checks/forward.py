"""Exercise 2: `batchnorm_forward` on (N, D) and `spatial_batchnorm_forward` on (N, C, H, W).

Cells and their one idea each: the algorithm on the worked examples (example), statistics
and parameters per feature (features), where eps goes and that its argument is used (eps),
float32 data far from zero (float32), shapes, dtypes and unchanged inputs (dtypes), bad
input (bad_input); per-channel statistics over (N, H, W) (spatial channels), the spatial
contract (spatial dtypes) and its bad input (spatial bad_input).
"""
from __future__ import annotations

import numpy as np

from . import (
    AXIS,
    BAD_INPUT,
    F32,
    LOOSE,
    VALIDATION,
    call,
    check,
    featured,
    maps,
    on_own_rows,
    params,
    scrambled,
    sizes,
    to_rows,
    twins,
)


def _bn(sid, x="@x", g="@gamma", b="@beta", **kw):
    return call(sid, "batchnorm_forward", x, g, b, save=["out", "cache"], record=["out"], **kw)


@check("batchnorm_forward.example", "the algorithm on the worked examples: batch mean, biased variance, gamma, beta",
       ["batchnorm_forward"], rtol=1e-4, atol=1e-4, tolerates=AXIS)
def bn_example(rng):
    arrays = {"x": np.array([[2.0], [4.0], [6.0], [8.0]]), "gamma": np.array([2.0]), "beta": np.array([0.5]),
              "x4": np.array([[1.0, -3.0], [2.0, 0.0], [3.0, 3.0], [6.0, 8.0]]),
              "g4": np.array([2.0, -1.0]), "b4": np.array([1.0, 0.5]),
              "xu": featured(rng, int(rng.integers(3, 9)), 1, spread=(1.0, 5.0))}
    # a few samples can have a variance near eps: rescale to a sample std in [1, 5], where eps mistakes differ by < 1e-5
    xu = arrays["xu"]
    arrays["xu"] = xu.mean() + (xu - xu.mean()) * (rng.uniform(1.0, 5.0) / xu.std())
    arrays["gu"], arrays["bu"] = params(rng, 1)
    steps = [_bn("ex1", label="batchnorm_forward on x = [2, 4, 6, 8], gamma = 2, beta = 0.5"),
             _bn("ex2", "@x4", "@g4", "@b4", label="batchnorm_forward on the batch of 4 with two features"),
             _bn("ex3", "@xu", "@gu", "@bu", label="batchnorm_forward on one unseen feature")]
    return {"steps": steps}, arrays


@check("batchnorm_forward.features", "each feature (column) normalized with its own statistics, gamma and beta",
       ["batchnorm_forward"], rtol=3e-3, atol=3e-3)
def bn_features(rng):
    d1, d2 = sizes(rng, 2, 8, 2)
    arrays = {}
    steps = []
    for tag, d in (("a", d1), ("b", d2)):
        arrays[f"x{tag}"] = featured(rng, int(rng.integers(900, 1200)), d)
        arrays[f"g{tag}"], arrays[f"b{tag}"] = twins(rng, d)
        steps.append(_bn(tag, f"@x{tag}", f"@g{tag}", f"@b{tag}", label=f"batchnorm_forward on a batch of {d} features"))
    return {"steps": steps}, arrays


@check("batchnorm_forward.eps", "eps inside the square root, sqrt(var + eps), and the eps argument used",
       ["batchnorm_forward"], rtol=3e-3, atol=3e-3, tolerates=AXIS)
def bn_eps(rng):
    n = int(rng.integers(900, 1200))
    x = rng.normal(size=(n, 3)) * np.array([2e-3, 4e-3, 0.5]) * rng.uniform(0.8, 1.25, 3) + rng.uniform(-5, 5, 3)
    xc = rng.normal(size=(n, 2)) * np.array([0.02, 0.05]) * rng.uniform(0.8, 1.25, 2) + rng.uniform(-5, 5, 2)
    gamma, beta = twins(rng, 3)
    gc, bc = twins(rng, 2)
    steps = [_bn("default", label="batchnorm_forward with feature variances near eps = 1e-5"),
             _bn("custom", "@xc", "@gc", "@bc", eps=1e-3, label="batchnorm_forward(..., eps=1e-3), variances near 1e-3")]
    return {"steps": steps}, {"x": x, "gamma": gamma, "beta": beta, "xc": xc, "gc": gc, "bc": bc}


@check("batchnorm_forward.float32", "float32 data near 10,000: the variance in two passes keeps its digits",
       ["batchnorm_forward"], rtol=3e-2, atol=3e-2, tolerates=AXIS + ("unbiased_variance",))
# atol 3e-2 (was 3e-3): a plain float32 mean (no float64 accumulator) is off by up to 3e-3 of the scale; one-pass by 0.3 at best
def bn_float32(rng):
    n = int(rng.integers(64, 257))
    x = (1e4 + rng.normal(size=(n, 4)) * rng.uniform(0.5, 2, 4)).astype(F32)
    gamma, beta = twins(rng, 4, F32)
    return {"steps": [_bn("f32", label=f"batchnorm_forward on float32 data near 1e4 ({n} samples)")]}, \
        {"x": x, "gamma": gamma, "beta": beta}


@check("batchnorm_forward.dtypes", "out has the shape of x, float32 stays float32, integers give float64, "
       "inputs are not modified", ["batchnorm_forward"], contract=True, **LOOSE,
       tolerates_all_but=("float32_upcast", "keeps_integer_dtype", "modifies_input"))
def bn_dtypes(rng):
    d = int(rng.integers(2, 6))
    g32, b32 = params(rng, d, F32)
    g, b = params(rng, d)
    arrays = {"x32": featured(rng, 6, d, F32, offset=5), "g32": g32, "b32": b32,
              "xi": rng.integers(-9, 9, size=(7, d)), "g": g, "b": b, "x": featured(rng, 5, d)}
    steps = [_bn("f32", "@x32", "@g32", "@b32", watch=True, label="batchnorm_forward on float32 input"),
             _bn("int", "@xi", "@g", "@b", watch=True, label="batchnorm_forward on integer input"),
             _bn("f64", "@x", "@g", "@b", watch=True, label="batchnorm_forward on float64 input")]
    return {"steps": steps}, arrays


@check("batchnorm_forward.bad_input", "wrong shapes raise ValueError (or TypeError) naming the argument; "
       "good input still works", ["batchnorm_forward"], **LOOSE, tolerates_all_but=VALIDATION)
def bn_bad_input(rng):
    d = int(rng.integers(3, 6))
    arrays = {"x": featured(rng, 5, d), "x3": rng.normal(size=(2, d, 4)), "g": np.ones(d), "b": np.zeros(d),
              "short": np.ones(d - 1)}
    steps = [call("gamma", "batchnorm_forward", "@x", "@short", "@b", expect=BAD_INPUT, mentions="gamma",
                  label=f"batchnorm_forward(x of shape (5, {d}), gamma of shape ({d - 1},), beta)"),
             call("beta", "batchnorm_forward", "@x", "@g", "@short", expect=BAD_INPUT, mentions="beta",
                  label=f"batchnorm_forward(x of shape (5, {d}), gamma, beta of shape ({d - 1},))"),
             call("ndim", "batchnorm_forward", "@x3", "@g", "@b", expect=BAD_INPUT, mentions="x",
                  label=f"batchnorm_forward(x of shape (2, {d}, 4), gamma, beta)"),
             _bn("ok", "@x", "@g", "@b", label=f"batchnorm_forward on a good (5, {d}) batch")]
    return {"steps": steps}, arrays


# ---------------------------------------------------------------- spatial


def _sbn(sid, x, g, b, **kw):
    return call(sid, "spatial_batchnorm_forward", x, g, b, save=["out", "cache"], record=["out"], **kw)


SPATIAL_TOLERATES = AXIS + ("unbiased_variance", "swapped_gamma_beta")
SPATIAL_CASES = ("s", "o", "r")


def _spatial_on_own_forward(arrays, rec):
    """`Check.composed`: the student's own batchnorm_forward on the (N*H*W, C) rows, put back
    in (N, C, H, W). None unless it differs from the same forward on rows that mix channels
    (a forward acting on each value alone would let any map-wise answer through)."""
    expected, telling = {}, False
    for tag in SPATIAL_CASES:
        answers, tells = on_own_rows(rec, arrays[tag].shape, f"{tag}_ctx", f"{tag}_mix", ("out",), 1e-4, 1e-4)
        expected[f"{tag}.out"], telling = answers["out"], telling or tells
    return expected if telling else None


@check("spatial_batchnorm_forward.channels", "one mean and one variance per channel, over the batch and all "
       "positions: axes (0, 2, 3)", ["spatial_batchnorm_forward", "batchnorm_forward"], rtol=1e-4, atol=1e-4,
       tolerates=SPATIAL_TOLERATES, composed=_spatial_on_own_forward)
def spatial_channels(rng):
    small = np.arange(16, dtype=float).reshape(2, 2, 2, 2) ** 1.5
    one = maps(rng, 1, 3, 4, 4)
    n, c = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    big = maps(rng, n, c, int(rng.integers(5, 9)), int(rng.integers(5, 9)))
    arrays = {"s": small, "gs": np.array([1.0, 2.0]), "bs": np.array([0.0, -1.0]),
              "o": one, "go": np.ones(3), "bo": np.zeros(3), "r": big}
    arrays["gr"], arrays["br"] = params(rng, c)
    steps = []
    whats = ("a small (2, 2, 2, 2) batch", "a single image (N = 1)", f"a batch of {n} maps with {c} channels")
    for tag, what in zip(SPATIAL_CASES, whats):
        arrays[f"{tag}_rows"], arrays[f"{tag}_mix"] = to_rows(arrays[tag]), scrambled(arrays[tag])
        steps += [_sbn(tag, f"@{tag}", f"@g{tag}", f"@b{tag}", label=f"spatial_batchnorm_forward on {what}"),
                  _bn(f"{tag}_ctx", f"@{tag}_rows", f"@g{tag}", f"@b{tag}", context=True,
                      label="batchnorm_forward on the same values as (N*H*W, C) rows"),
                  _bn(f"{tag}_mix", f"@{tag}_mix", f"@g{tag}", f"@b{tag}", context=True,
                      label="batchnorm_forward on the same values reshaped to (N*H*W, C) without moving channels")]
    return {"steps": steps}, arrays


@check("spatial_batchnorm_forward.dtypes", "out has the shape of x, float32 stays float32, x is not modified",
       ["spatial_batchnorm_forward", "batchnorm_forward"], contract=True, **LOOSE, tolerates_all_but=())
def spatial_dtypes(rng):
    c = int(rng.integers(2, 5))
    g32, b32 = params(rng, c, F32)
    arrays = {"x": maps(rng, 3, c, 2, 3, F32), "g": g32, "b": b32, "const": np.ones((2, c, 2, 2), F32)}
    steps = []
    for tag, what in (("x", "float32 maps"), ("const", "constant float32 maps")):
        arrays[f"{tag}_rows"] = to_rows(arrays[tag])
        steps += [_sbn(tag, f"@{tag}", "@g", "@b", watch=True, label=f"spatial_batchnorm_forward on {what}"),
                  _bn(f"{tag}_ctx", f"@{tag}_rows", "@g", "@b", watch=True, context=True,
                      label="batchnorm_forward on the same values as (N*H*W, C) rows")]
    return {"steps": steps}, arrays


@check("spatial_batchnorm_forward.bad_input", "gamma of the wrong length raises ValueError (or TypeError) naming "
       "gamma; good input still works", ["spatial_batchnorm_forward"], **LOOSE, tolerates_all_but=VALIDATION)
def spatial_bad_input(rng):
    c = int(rng.integers(2, 5))
    arrays = {"x": maps(rng, 2, c, 3, 3), "g": np.ones(c), "b": np.zeros(c), "bad": np.ones(c + 1)}
    steps = [call("bad", "spatial_batchnorm_forward", "@x", "@bad", "@b", expect=BAD_INPUT, mentions="gamma",
                  label=f"spatial_batchnorm_forward with {c} channels and gamma of shape ({c + 1},)"),
             _sbn("ok", "@x", "@g", "@b", label="spatial_batchnorm_forward on good input")]
    return {"steps": steps}, arrays
