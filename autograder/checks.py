"""The checks: what every graded test cell asks of a student's code.

A check builds a probe script (see `autograder.probes`) and its input arrays from a random
generator, so the grader can choose inputs the student has never seen. The verdict comes
from comparing the student's recording with the reference's (`autograder.verdict`).

Each test cell of an instructor notebook ends with a hidden line such as::

    run_checks(globals(), "batch_stats.example", "batch_stats.random")

Under plain ``nbgrader autograde`` that line runs the checks inside the kernel. The
sandboxed grader (``python -m autograder grade``) never runs test-cell code: it reads the
check names from that line and runs each probe in the student's sandbox, then judges the
recording in its own process.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import probes

F64, F32 = np.float64, np.float32
BAD_INPUT = ["ValueError", "TypeError"]  # the contract allows either for bad input


@dataclass(frozen=True)
class Check:
    """One question put to the student's code."""

    name: str
    """Registry key, "<function>.<aspect>", as written in the notebooks' run_checks lines."""
    about: str
    """What it checks, in words a student understands (shown in pass and fail messages)."""
    build: Callable[[np.random.Generator], tuple[dict, dict]]
    """rng -> (script, arrays): the probe script and its input arrays."""
    names: tuple[str, ...]
    """Contract names exercised; misconceptions defining any of them are tried as diagnoses."""
    rtol: float = 1e-7
    """Relative tolerance of numeric comparisons."""
    atol: float = 1e-9
    """Absolute tolerance, scaled by max(1, max |reference|) of each compared array."""


CHECKS: dict[str, Check] = {}


def check(name, about, names, rtol=1e-7, atol=1e-9):
    """Decorator registering a build function as a `Check`."""

    def register(build):
        if name in CHECKS:
            raise ValueError(f"duplicate check {name}")
        CHECKS[name] = Check(name, about, build, tuple(names), rtol, atol)
        return build

    return register


def step(sid, call, *args, save=None, record=(), watch=False, expect=None, mentions=None, label=None, **kwargs):
    """One probe step (see autograder.probes); `expect`/`mentions` describe a required error."""
    s = {"id": sid, "call": call, "args": list(args), "kwargs": kwargs, "record": list(record)}
    if save is not None:
        s["save"] = save
    if watch:
        s["watch"] = True
    if expect:
        s["expect"] = list(expect)
    if mentions:
        s["mentions"] = mentions
    s["label"] = label or _label(call, args, kwargs)
    return s


def attrs(sid, obj, *names, label=None):
    return {"id": sid, "attrs": obj, "names": list(names), "label": label or f"attributes of {obj[1:]}"}


def same(sid, a, b, label):
    return {"id": sid, "is": [a, b], "label": label}


def _label(call, args, kwargs):
    def show(v):
        return v[1:] if isinstance(v, str) and v[:1] in "@$" else repr(v)

    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    name = call[1:] if call.startswith("$") else call
    return f"{name}({', '.join(parts)})"


def featured(rng, n, d, dtype=F64, scale=(0.1, 10.0), offset=50.0):
    """(n, d) data whose features have very different means and spreads."""
    x = rng.normal(size=(n, d)) * rng.uniform(*scale, d) + rng.uniform(-offset, offset, d)
    return x.astype(dtype)


def params(rng, d, dtype=F64):
    """gamma (some negative, none tiny) and beta, each (d,)."""
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    return gamma.astype(dtype), rng.normal(0, 2, d).astype(dtype)


def sizes(rng, low, high, k):
    """k distinct sizes in [low, high), so (N, D) shapes never confuse two axes."""
    return [int(v) for v in rng.choice(np.arange(low, high), k, replace=False)]


# ---------------------------------------------------------------- batch_stats (chapter 1)


@check("batch_stats.example", "the worked example x = [2, 4, 6, 8] (mean 5, biased variance 5)", ["batch_stats"])
def _(rng):
    x = np.array([[2.0], [4.0], [6.0], [8.0]])
    unseen = rng.normal(size=(int(rng.integers(3, 9)), 1)) * 4 + rng.normal() * 10  # and one the student never saw
    steps = [step("s", "batch_stats", "@x", save=["mean", "var"], record=["mean", "var"], watch=True),
             step("u", "batch_stats", "@u", save=["mean", "var"], record=["mean", "var"])]
    return {"steps": steps}, {"x": x, "u": unseen}


@check("batch_stats.features", "two features of three samples, and integer input", ["batch_stats"])
def _(rng):
    arrays = {"x": np.array([[1.0, 10.0], [2.0, 20.0], [6.0, 60.0]]), "xi": np.array([[1, 2], [2, 4]])}
    steps = [step("f", "batch_stats", "@x", save=["mean", "var"], record=["mean", "var"], watch=True),
             step("i", "batch_stats", "@xi", save=["mean", "var"], record=["mean", "var"])]
    return {"steps": steps}, arrays


@check("batch_stats.random", "random batches whose features have different means and spreads", ["batch_stats"])
def _(rng):
    (n1, d1), (n2, d2) = sizes(rng, 3, 40, 2), sizes(rng, 2, 9, 2)
    steps = [step(f"s{i}", "batch_stats", f"@x{i}", save=["mean", "var"], record=["mean", "var"], watch=True)
             for i in (1, 2)]
    return {"steps": steps}, {"x1": featured(rng, n1, d1), "x2": featured(rng, n2, d2)}


@check("batch_stats.float32", "float32 data near 10,000 (the one-pass formula fails here) keeps float32",
       ["batch_stats"], rtol=1e-2, atol=1e-3)
def _(rng):
    x = (1e4 + rng.normal(size=(int(rng.integers(300, 600)), 4)) * rng.uniform(0.5, 2, 4)).astype(F32)
    return {"steps": [step("s", "batch_stats", "@x", save=["mean", "var"], record=["mean", "var"], watch=True,
                           label="batch_stats(x) on float32 data near 1e4")]}, {"x": x}


@check("batch_stats.integers", "integer input is accepted and computed in float64", ["batch_stats"])
def _(rng):
    x = rng.integers(-20, 20, size=(7, 3))
    return {"steps": [step("s", "batch_stats", "@x", save=["mean", "var"], record=["mean", "var"], watch=True)]}, {"x": x}


@check("batch_stats.bad_input", "a 1-D x raises ValueError (or TypeError) naming x", ["batch_stats"])
def _(rng):
    return {"steps": [step("s", "batch_stats", "@x", expect=BAD_INPUT, mentions="x",
                           label="batch_stats(x) with x of shape (5,)")]}, {"x": rng.normal(size=5)}


# ---------------------------------------------------------- distribution_drift (chapter 1)


@check("distribution_drift.example", "no drift gives shift 0 and scale 1; a moved copy gives its shift",
       ["distribution_drift"])
def _(rng):
    before = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 20.0], [7.0, 40.0]])
    after = before * np.array([1.0, 2.0]) + np.array([4.0, 0.0])
    u1, u2 = featured(rng, 6, 2), featured(rng, 5, 2)
    steps = [step("same", "distribution_drift", "@before", "@before", save=["shift", "scale"], record=["shift", "scale"]),
             step("moved", "distribution_drift", "@before", "@after", save=["shift", "scale"], record=["shift", "scale"],
                  watch=True),
             step("unseen", "distribution_drift", "@u1", "@u2", save=["shift", "scale"], record=["shift", "scale"])]
    return {"steps": steps}, {"before": before, "after": after, "u1": u1, "u2": u2}


@check("distribution_drift.edge", "a unit whose earlier variance is 0", ["distribution_drift"])
def _(rng):
    arrays = {"before": np.array([[0.0, 2.0], [2.0, 2.0]]), "after": np.array([[1.0, 3.0], [3.0, 3.0], [5.0, 3.0]])}
    return {"steps": [step("d", "distribution_drift", "@before", "@after", save=["shift", "scale"],
                           record=["shift", "scale"])]}, arrays


@check("distribution_drift.random", "random activations, different batch sizes before and after, custom eps",
       ["distribution_drift", "batch_stats"])
def _(rng):
    n1, n2, d = sizes(rng, 4, 30, 2) + [int(rng.integers(3, 7))]
    before, after = featured(rng, n1, d), featured(rng, n2, d)
    before[:, 0] = 3.0  # a unit that did not vary at first: eps keeps the shift finite
    steps = [step("d", "distribution_drift", "@before", "@after", save=["shift", "scale"], record=["shift", "scale"],
                  watch=True),
             step("e", "distribution_drift", "@before", "@after", save=["shift", "scale"], record=["shift", "scale"],
                  eps=1e-2)]
    return {"steps": steps}, {"before": before, "after": after}


# ------------------------------------------------------------ batchnorm_forward (chapter 2)


def _bn_step(sid, x="@x", g="@gamma", b="@beta", watch=True, label=None, **kw):
    return step(sid, "batchnorm_forward", x, g, b, save=["out", "cache"], record=["out"], watch=watch, label=label, **kw)


@check("batchnorm_forward.example", "the worked examples: x = [2, 4, 6, 8] and a batch of 4", ["batchnorm_forward"])
def _(rng):
    arrays = {"x": np.array([[2.0], [4.0], [6.0], [8.0]]), "gamma": np.array([2.0]), "beta": np.array([0.5]),
              "x4": np.array([[1.0, -3.0], [2.0, 0.0], [3.0, 3.0], [6.0, 8.0]]),
              "g4": np.array([2.0, 2.0]), "b4": np.array([1.0, 1.0])}
    arrays["xu"] = featured(rng, int(rng.integers(3, 8)), 1)
    arrays["gu"], arrays["bu"] = params(rng, 1)
    return {"steps": [_bn_step("ex1"), _bn_step("ex2", "@x4", "@g4", "@b4"), _bn_step("ex3", "@xu", "@gu", "@bu")]}, arrays


@check("batchnorm_forward.features", "three features with their own statistics, gamma and beta",
       ["batchnorm_forward"])
def _(rng):
    arrays = {"x": np.array([[1.0, 100.0, -5.0], [3.0, 300.0, -5.5], [5.0, 200.0, -4.0]]),
              "gamma": np.array([1.0, -2.0, 0.5]), "beta": np.array([0.0, 3.0, -1.0])}
    return {"steps": [_bn_step("f")]}, arrays


@check("batchnorm_forward.tiny", "a feature whose variance (1e-6) is below eps", ["batchnorm_forward"])
def _(rng):
    arrays = {"x": np.array([[0.0], [0.002], [0.001], [0.001]]), "gamma": np.array([1.0]), "beta": np.array([0.0])}
    return {"steps": [_bn_step("default"), _bn_step("custom", eps=1e-3)]}, arrays


@check("batchnorm_forward.small_dtypes", "a small float32 batch and an integer batch", ["batchnorm_forward"],
       rtol=1e-4, atol=1e-5)
def _(rng):
    x = np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]])
    arrays = {"x32": x.astype(F32), "g32": np.ones(2, F32), "b32": np.zeros(2, F32), "xi": x.astype(int),
              "g": np.ones(2), "b": np.zeros(2)}
    return {"steps": [_bn_step("f32", "@x32", "@g32", "@b32"), _bn_step("int", "@xi", "@g", "@b")]}, arrays


@check("batchnorm_forward.random", "random batches, each feature with its own mean, spread, gamma and beta",
       ["batchnorm_forward"])
def _(rng):
    (n, d) = sizes(rng, 3, 30, 2)
    gamma, beta = params(rng, d)
    return {"steps": [_bn_step("f")]}, {"x": featured(rng, n, d), "gamma": gamma, "beta": beta}


@check("batchnorm_forward.eps", "features whose variance is comparable to eps, and a custom eps",
       ["batchnorm_forward"])
def _(rng):
    n = int(rng.integers(8, 20))
    x = rng.normal(size=(n, 3)) * np.array([3e-3, 1e-2, 1.0]) + np.array([5.0, -1.0, 0.0])
    gamma, beta = params(rng, 3)
    steps = [_bn_step("default", label="batchnorm_forward(x, gamma, beta) with feature variances near eps"),
             _bn_step("custom", eps=1e-3, label="batchnorm_forward(x, gamma, beta, eps=1e-3)")]
    return {"steps": steps}, {"x": x, "gamma": gamma, "beta": beta}


@check("batchnorm_forward.dtypes", "float32 stays float32 (also far from zero), integers compute in float64",
       ["batchnorm_forward"], rtol=1e-3, atol=1e-3)
def _(rng):
    g32, b32 = params(rng, 4, F32)
    arrays = {"x32": (1e4 + rng.normal(size=(64, 4))).astype(F32), "g32": g32, "b32": b32,
              "xi": rng.integers(-9, 9, size=(6, 4)), "gi": np.ones(4), "bi": np.zeros(4)}
    steps = [_bn_step("f32", "@x32", "@g32", "@b32", label="batchnorm_forward on float32 data near 1e4"),
             _bn_step("int", "@xi", "@gi", "@bi", label="batchnorm_forward on integer data")]
    return {"steps": steps}, arrays


@check("batchnorm_forward.bad_input", "wrong shapes raise ValueError (or TypeError) naming the argument",
       ["batchnorm_forward"])
def _(rng):
    arrays = {"x": rng.normal(size=(5, 3)), "x3": rng.normal(size=(2, 3, 4)), "g": np.ones(3), "b": np.zeros(3),
              "g2": np.ones(2)}
    steps = [step("gamma", "batchnorm_forward", "@x", "@g2", "@b", expect=BAD_INPUT, mentions="gamma",
                  label="batchnorm_forward(x of shape (5, 3), gamma of shape (2,), beta)"),
             step("beta", "batchnorm_forward", "@x", "@g", "@g2", expect=BAD_INPUT, mentions="beta",
                  label="batchnorm_forward(x of shape (5, 3), gamma, beta of shape (2,))"),
             step("ndim", "batchnorm_forward", "@x3", "@g", "@b", expect=BAD_INPUT, mentions="x",
                  label="batchnorm_forward(x of shape (2, 3, 4), gamma, beta)")]
    return {"steps": steps}, arrays


# ---------------------------------------------------- spatial_batchnorm_forward (chapter 2)


def _sbn_step(sid, x="@x", g="@gamma", b="@beta", label=None, **kw):
    return step(sid, "spatial_batchnorm_forward", x, g, b, save=["out", "cache"], record=["out"], watch=True,
                label=label, **kw)


def spatial(rng, n, c, h, w, dtype=F64):
    """(n, c, h, w) maps; each channel has its own offset and spread, and pixels differ too."""
    x = rng.normal(size=(n, c, h, w)) * rng.uniform(0.5, 5, (1, c, 1, 1)) + rng.uniform(-20, 20, (1, c, 1, 1))
    return (x + rng.normal(size=(1, 1, h, w)) * 3).astype(dtype)


@check("spatial_batchnorm_forward.example", "a small (2, 2, 2, 2) batch of feature maps", ["spatial_batchnorm_forward"])
def _(rng):
    x = np.arange(16, dtype=float).reshape(2, 2, 2, 2) ** 1.5
    gu, bu = params(rng, 2)
    arrays = {"x": x, "gamma": np.array([1.0, 2.0]), "beta": np.array([0.0, -1.0]), "xu": spatial(rng, 2, 2, 2, 2),
              "gu": gu, "bu": bu}
    return {"steps": [_sbn_step("ex"), _sbn_step("unseen", "@xu", "@gu", "@bu")]}, arrays


@check("spatial_batchnorm_forward.single", "a single image (N = 1): still H * W values per channel",
       ["spatial_batchnorm_forward"])
def _(rng):
    x = np.random.default_rng(1).normal(size=(1, 3, 4, 4)) * 5 + 2  # the visible test's input
    return {"steps": [_sbn_step("one")]}, {"x": x, "gamma": np.ones(3), "beta": np.zeros(3)}


@check("spatial_batchnorm_forward.random", "random (N, C, H, W) maps: one mean and variance per channel",
       ["spatial_batchnorm_forward"])
def _(rng):
    n, c, h, w = sizes(rng, 2, 7, 4)
    gamma, beta = params(rng, c)
    return {"steps": [_sbn_step("r")]}, {"x": spatial(rng, n, c, h, w), "gamma": gamma, "beta": beta}


@check("spatial_batchnorm_forward.edges", "a single image (N = 1), float32, a custom eps, bad gamma",
       ["spatial_batchnorm_forward"], rtol=1e-4, atol=1e-4)
def _(rng):
    c = int(rng.integers(2, 5))
    gamma, beta = params(rng, c)
    g32, b32 = params(rng, c, F32)
    arrays = {"x1": spatial(rng, 1, c, 3, 4), "x32": spatial(rng, 3, c, 2, 3, F32), "gamma": gamma, "beta": beta,
              "g32": g32, "b32": b32, "bad": np.ones(c + 1), "const": np.ones((2, 3, 2, 2), F32),
              "g3": np.ones(3, F32), "b3": np.zeros(3, F32)}
    steps = [_sbn_step("one", "@x1", label="spatial_batchnorm_forward on a single image (N = 1)"),
             _sbn_step("const", "@const", "@g3", "@b3", label="spatial_batchnorm_forward on constant float32 maps"),
             _sbn_step("f32", "@x32", "@g32", "@b32", label="spatial_batchnorm_forward on float32 maps"),
             _sbn_step("eps", "@x1", eps=1.0, label="spatial_batchnorm_forward(x, gamma, beta, eps=1.0)"),
             step("bad", "spatial_batchnorm_forward", "@x32", "@bad", "@b32", expect=BAD_INPUT, mentions="gamma",
                  label=f"spatial_batchnorm_forward with {c} channels and gamma of shape ({c + 1},)")]
    return {"steps": steps}, arrays


# ------------------------------------------------------------- backward passes (chapter 3)


def _backward_steps(fwd, bwd, suffix=""):
    """forward, backward, and backward again with the same cache; arrays x, gamma, beta, dout, dout2 (+suffix)."""
    x, g, b, d, d2 = (f"@{n}{suffix}" for n in ("x", "gamma", "beta", "dout", "dout2"))
    cache = f"cache{suffix}"
    return [step(f"fwd{suffix}", fwd, x, g, b, save=["out", cache], record=["out"]),
            step(f"bwd{suffix}", bwd, d, f"${cache}", save=["dx", "dgamma", "dbeta"], record=["dx", "dgamma", "dbeta"],
                 watch=True, label=f"{bwd}(dout, cache)"),
            step(f"again{suffix}", bwd, d2, f"${cache}", save=["dx", "dgamma", "dbeta"],
                 record=["dx", "dgamma", "dbeta"], label=f"{bwd}(another dout, the same cache)")]


def _unseen_backward(rng, shape):
    """Inputs for a second, unseen backward case (keys suffixed "_u")."""
    x = featured(rng, *shape) if len(shape) == 2 else spatial(rng, *shape)
    gamma, beta = params(rng, shape[1])
    return {"x_u": x, "gamma_u": gamma, "beta_u": beta, "dout_u": rng.normal(size=shape),
            "dout2_u": rng.normal(size=shape)}


@check("batchnorm_backward.example", "gradients on a small batch (4, 3)", ["batchnorm_backward", "batchnorm_forward"])
def _(rng):
    x = np.array([[1.0, 0.5, -2.0], [2.0, -1.0, 0.0], [4.0, 0.0, 2.0], [7.0, 2.5, 1.0]])
    arrays = {"x": x, "gamma": np.array([1.0, 2.0, -0.5]), "beta": np.array([0.0, 1.0, 0.5]),
              "dout": np.array([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0], [-1.0, 0.5, 0.0], [0.5, 0.0, -2.0]])}
    arrays["dout2"] = arrays["dout"][::-1].copy()
    arrays.update(_unseen_backward(rng, (int(rng.integers(3, 9)), 3)))
    steps = _backward_steps("batchnorm_forward", "batchnorm_backward")
    return {"steps": steps + _backward_steps("batchnorm_forward", "batchnorm_backward", "_u")}, arrays


@check("batchnorm_backward.repeat", "the same cache used twice gives the same gradients",
       ["batchnorm_backward", "batchnorm_forward"])
def _(rng):
    r = np.random.default_rng(3)  # the visible test's inputs
    x, dout = r.normal(size=(10, 4)) * 3 + 1, r.normal(size=(10, 4))
    arrays = {"x": x, "dout": dout, "dout2": dout, "gamma": r.normal(size=4), "beta": r.normal(size=4)}
    return {"steps": _backward_steps("batchnorm_forward", "batchnorm_backward")}, arrays


@check("batchnorm_backward.small_float32", "a small float32 batch", ["batchnorm_backward", "batchnorm_forward"],
       rtol=1e-4, atol=1e-5)
def _(rng):
    arrays = {"x": np.array([[1.0, 2.0], [3.0, 5.0], [4.0, 9.0]], dtype=F32), "gamma": np.ones(2, F32),
              "beta": np.zeros(2, F32), "dout": np.ones((3, 2), F32), "dout2": np.ones((3, 2), F32)}
    return {"steps": _backward_steps("batchnorm_forward", "batchnorm_backward")}, arrays


@check("batchnorm_backward.random", "random batches: dx through the batch mean and variance, dgamma, dbeta",
       ["batchnorm_backward", "batchnorm_forward"])
def _(rng):
    n, d = sizes(rng, 3, 25, 2)
    gamma, beta = params(rng, d)
    arrays = {"x": featured(rng, n, d), "gamma": gamma, "beta": beta, "dout": rng.normal(size=(n, d)),
              "dout2": rng.normal(size=(n, d)) * 3}
    return {"steps": _backward_steps("batchnorm_forward", "batchnorm_backward")}, arrays


@check("batchnorm_backward.float32", "float32 gradients stay float32", ["batchnorm_backward", "batchnorm_forward"],
       rtol=1e-3, atol=1e-4)
def _(rng):
    gamma, beta = params(rng, 3, F32)
    arrays = {"x": featured(rng, 16, 3, F32), "gamma": gamma, "beta": beta,
              "dout": rng.normal(size=(16, 3)).astype(F32), "dout2": rng.normal(size=(16, 3)).astype(F32)}
    return {"steps": _backward_steps("batchnorm_forward", "batchnorm_backward")}, arrays


@check("spatial_batchnorm_backward.example", "gradients for a small (2, 3, 2, 2) batch of maps",
       ["spatial_batchnorm_backward", "spatial_batchnorm_forward"])
def _(rng):
    r = np.random.default_rng(4)  # the visible test's inputs
    x, dout = r.normal(size=(2, 3, 2, 2)) * 2 + 1, r.normal(size=(2, 3, 2, 2))
    arrays = {"x": x, "dout": dout, "dout2": dout * 2, "gamma": np.array([1.0, -0.5, 2.0]),
              "beta": np.array([0.1, 0.2, 0.3]), **_unseen_backward(rng, (2, 3, 2, 3))}
    fwd, bwd = "spatial_batchnorm_forward", "spatial_batchnorm_backward"
    return {"steps": _backward_steps(fwd, bwd) + _backward_steps(fwd, bwd, "_u")}, arrays


@check("spatial_batchnorm_backward.sums", "larger maps, whose per-channel gradient sums to zero",
       ["spatial_batchnorm_backward", "spatial_batchnorm_forward"])
def _(rng):
    r = np.random.default_rng(8)  # the visible test's inputs
    x, dout = r.normal(size=(3, 4, 5, 5)) * 3 - 2, r.normal(size=(3, 4, 5, 5))
    arrays = {"x": x, "dout": dout, "dout2": dout, "gamma": r.normal(size=4), "beta": r.normal(size=4)}
    return {"steps": _backward_steps("spatial_batchnorm_forward", "spatial_batchnorm_backward")}, arrays


@check("spatial_batchnorm_backward.random", "gradients of per-channel normalisation of (N, C, H, W) maps",
       ["spatial_batchnorm_backward", "spatial_batchnorm_forward"])
def _(rng):
    n, c, h, w = sizes(rng, 2, 6, 4)
    gamma, beta = params(rng, c)
    arrays = {"x": spatial(rng, n, c, h, w), "gamma": gamma, "beta": beta,
              "dout": rng.normal(size=(n, c, h, w)), "dout2": rng.normal(size=(n, c, h, w))}
    return {"steps": _backward_steps("spatial_batchnorm_forward", "spatial_batchnorm_backward")}, arrays


# --------------------------------------------------------------- BatchNorm1d (chapter 4)

STATE = ("running_mean", "running_var", "num_batches_tracked", "training")


def _train_batches(rng, sizes_, d, start=0, method="forward"):
    steps, arrays = [], {}
    for i, n in enumerate(sizes_, start):
        arrays[f"x{i}"] = featured(rng, n, d, scale=(0.5, 4), offset=5)
        call = "$bn.forward" if i % 2 == 0 else "$bn.__call__"
        steps += [step(f"t{i}", call, f"@x{i}", save="y", record=["y"], watch=True,
                       label=f"bn.{call.split('.')[1]}(x) in training mode, batch of {n}"),
                  attrs(f"s{i}", "$bn", *STATE, label=f"bn's running statistics after training batch {i + 1}")]
    return steps, arrays


@check("BatchNorm1d.init", "the initial attributes (PyTorch's defaults)", ["BatchNorm1d"])
def _(rng):
    names = ("gamma", "beta", "running_mean", "running_var", "num_batches_tracked", "training", "eps", "momentum")
    steps = [step("new", "BatchNorm1d", 4, save="bn"), attrs("a", "$bn", *names, label="BatchNorm1d(4)'s attributes"),
             step("new2", "BatchNorm1d", 3, save="bn2", eps=1e-3, momentum=0.3),
             attrs("b", "$bn2", *names, label="BatchNorm1d(3, eps=1e-3, momentum=0.3)'s attributes")]
    return {"steps": steps}, {}


@check("BatchNorm1d.one_batch", "one training batch of two samples", ["BatchNorm1d"])
def _(rng):
    steps = [step("new", "BatchNorm1d", 2, save="bn"),
             step("t", "$bn.__call__", "@x", save="y", record=["y"], watch=True, label="bn(x) on one training batch"),
             attrs("s", "$bn", *STATE, label="bn's running statistics after one batch"),
             step("new2", "BatchNorm1d", 3, save="bn2"),
             step("u", "$bn2.__call__", "@u", save="y", record=["y"], label="bn(x) on another training batch of two"),
             attrs("su", "$bn2", *STATE, label="bn's running statistics after that batch")]
    return {"steps": steps}, {"x": np.array([[1.0, 2.0], [3.0, 6.0]]), "u": featured(rng, 2, 3, offset=5)}


@check("BatchNorm1d.train", "training batches of different sizes: outputs and running statistics",
       ["BatchNorm1d"])
def _(rng):
    d, momentum = int(rng.integers(2, 6)), float(rng.choice([0.1, 0.3, 0.05]))
    eps = float(rng.choice([1e-3, 1e-2]))  # the constructor's eps must reach the normalisation
    steps, arrays = _train_batches(rng, [2, int(rng.integers(10, 30)), 5, 3], d)
    return {"steps": [step("new", "BatchNorm1d", d, save="bn", momentum=momentum, eps=eps)] + steps}, arrays


@check("BatchNorm1d.cumulative", "momentum=None on two small batches", ["BatchNorm1d"])
def _(rng):
    steps = [step("new", "BatchNorm1d", 1, save="bn", momentum=None),
             step("t1", "$bn.__call__", "@x1", save="y", record=["y"]),
             step("t2", "$bn.__call__", "@x2", save="y", record=["y"]),
             attrs("s", "$bn", *STATE, label="bn's running statistics after two batches with momentum=None"),
             step("t3", "$bn.__call__", "@x3", save="y", record=["y"], label="a third batch"),
             attrs("s3", "$bn", *STATE, label="bn's running statistics after a third batch")]
    arrays = {"x1": np.array([[0.0], [2.0]]), "x2": np.array([[4.0], [6.0], [8.0]]), "x3": featured(rng, 5, 1, offset=5)}
    return {"steps": steps}, arrays


@check("BatchNorm1d.momentum_none", "momentum=None: a cumulative average of the batch statistics", ["BatchNorm1d"])
def _(rng):
    d = int(rng.integers(2, 6))
    steps, arrays = _train_batches(rng, [4, 9, 2, 6], d)
    return {"steps": [step("new", "BatchNorm1d", d, save="bn", momentum=None)] + steps}, arrays


@check("BatchNorm1d.eval", "evaluation mode uses and keeps the running statistics; train/eval return self",
       ["BatchNorm1d"])
def _(rng):
    d = int(rng.integers(2, 6))
    steps, arrays = _train_batches(rng, [8, 5], d)
    arrays["e1"] = featured(rng, 6, d, offset=5)
    arrays["e2"] = featured(rng, 1, d, offset=5)
    steps = [step("new", "BatchNorm1d", d, save="bn", momentum=0.2)] + steps + [
        step("eval", "$bn.eval", save="r1"), same("eval_self", "$r1", "$bn", "bn.eval() returns the module itself"),
        attrs("m1", "$bn", "training", label="bn.training after bn.eval()"),
        step("y1", "$bn.forward", "@e1", save="y", record=["y"], watch=True, label="bn(x) in evaluation mode, batch of 6"),
        step("y2", "$bn.__call__", "@e2", save="y", record=["y"], label="bn(x) in evaluation mode, a single sample"),
        attrs("after", "$bn", *STATE, label="bn's running statistics after evaluation-mode calls"),
        step("train", "$bn.train", save="r2"), same("train_self", "$r2", "$bn", "bn.train() returns the module itself"),
        attrs("m2", "$bn", "training", label="bn.training after bn.train()"),
    ]
    return {"steps": steps}, arrays


@check("BatchNorm1d.eval_example", "evaluation mode after one batch, on a single sample", ["BatchNorm1d"])
def _(rng):
    steps = [step("new", "BatchNorm1d", 2, save="bn"), step("t", "$bn.__call__", "@x", save="y"),
             step("eval", "$bn.eval", save="r"), same("self", "$r", "$bn", "bn.eval() returns the module itself"),
             attrs("m", "$bn", "training", label="bn.training after bn.eval()"),
             step("e", "$bn.__call__", "@x1", save="y", record=["y"], label="bn(x) in evaluation mode"),
             attrs("s", "$bn", *STATE, label="bn's running statistics after an evaluation-mode call"),
             step("train", "$bn.train", save="r2"), same("self2", "$r2", "$bn", "bn.train() returns the module itself"),
             attrs("m2", "$bn", "training", label="bn.training after bn.train()"),
             step("eval2", "$bn.eval", save="r3"),
             step("u", "$bn.__call__", "@u", save="y", record=["y"], label="bn(x) in evaluation mode, another batch")]
    return {"steps": steps}, {"x": np.array([[1.0, 2.0], [3.0, 6.0]]), "x1": np.array([[2.0, 4.0]]),
                              "u": featured(rng, 3, 2, offset=5)}


@check("BatchNorm1d.batch_of_one", "training on one sample raises ValueError and changes nothing",
       ["BatchNorm1d"])
def _(rng):
    d = int(rng.integers(2, 6))
    arrays = {"x": featured(rng, 1, d), "xb": featured(rng, 2, 3)}
    steps = [step("new", "BatchNorm1d", d, save="bn"),
             step("one", "$bn.forward", "@x", expect=["ValueError"],
                  label="bn(x) in training mode with a batch of 1"),
             attrs("after", "$bn", *STATE, label="bn's running statistics after the failed call"),
             step("new3", "BatchNorm1d", 3, save="bn3"),
             step("shape", "$bn3.forward", "@xb", save="y", record=["y"], label="BatchNorm1d(3) on a batch of 2")]
    return {"steps": steps}, arrays


@check("BatchNorm1d.float32", "float32 input gives float32 output", ["BatchNorm1d"], rtol=1e-4, atol=1e-4)
def _(rng):
    arrays = {"x": featured(rng, 12, 3, F32, offset=5)}
    steps = [step("new", "BatchNorm1d", 3, save="bn"), step("f", "$bn.forward", "@x", save="y", record=["y"])]
    return {"steps": steps}, arrays


# ------------------------------------------------------------ fold_batchnorm (chapter 4)


def _fold_arrays(rng, d_in, d_out):
    var = rng.uniform(0.5, 3.0, d_out)
    var[0] = 2e-4  # a nearly constant feature: forgetting eps shows here
    return {"W": rng.normal(size=(d_in, d_out)), "b": rng.normal(size=d_out), "gamma": params(rng, d_out)[0],
            "beta": rng.normal(size=d_out), "mean": rng.normal(0, 3, d_out), "var": var}


def _fold_step(sid, **kw):
    return step(sid, "fold_batchnorm", "@W", "@b", "@gamma", "@beta", "@mean", "@var", save=["W_f", "b_f"],
                record=["W_f", "b_f"], watch=True, **kw)


@check("fold_batchnorm.example", "folding a small layer", ["fold_batchnorm"])
def _(rng):
    arrays = {"W": np.array([[1.0, -2.0], [0.5, 1.0], [0.0, 3.0]]), "b": np.array([0.5, -1.0]),
              "gamma": np.array([2.0, 0.5]), "beta": np.array([0.1, 0.2]), "mean": np.array([1.0, -2.0]),
              "var": np.array([4.0, 0.25])}
    unseen = {f"{k}_u": v for k, v in _fold_arrays(rng, 3, 2).items()}
    steps = [_fold_step("ex"), step("unseen", "fold_batchnorm", *[f"@{k}_u" for k in ("W", "b", "gamma", "beta", "mean", "var")],
                                    save=["W_f", "b_f"], record=["W_f", "b_f"])]
    return {"steps": steps}, {**arrays, **unseen}


@check("fold_batchnorm.tiny", "a feature whose running variance is below eps", ["fold_batchnorm"])
def _(rng):
    arrays = {"W": np.eye(2), "b": np.zeros(2), "gamma": np.ones(2), "beta": np.zeros(2),
              "mean": np.array([3.0, -1.0]), "var": np.array([1e-4, 1.0])}
    return {"steps": [_fold_step("t", eps=1e-3)]}, arrays


@check("fold_batchnorm.random", "random layers, running statistics far from (0, 1), and a custom eps",
       ["fold_batchnorm"])
def _(rng):
    d_in, d_out = sizes(rng, 2, 9, 2)
    return {"steps": [_fold_step("f"), _fold_step("e", eps=1e-3)]}, _fold_arrays(rng, d_in, d_out)


# --------------------------------------------------------------- layernorm (chapter 5)


def _ln_step(sid, x="@x", g="@gamma", b="@beta", label=None, **kw):
    return step(sid, "layernorm_forward", x, g, b, save=["out", "cache"], record=["out"], watch=True, label=label, **kw)


@check("layernorm_forward.example", "a small batch: each row normalised over its own features", ["layernorm_forward"])
def _(rng):
    arrays = {"x": np.array([[1.0, 2.0, 3.0, 6.0], [10.0, 0.0, -10.0, 4.0]]), "gamma": np.array([1.0, 2.0, 1.0, 0.5]),
              "beta": np.array([0.0, 0.0, 1.0, -1.0])}
    arrays["xu"] = featured(rng, 3, 4)
    return {"steps": [_ln_step("ex"), _ln_step("unseen", "@xu")]}, arrays


@check("layernorm_forward.independent", "one sample alone gives the same output as inside its batch",
       ["layernorm_forward"])
def _(rng):
    r = np.random.default_rng(5)  # the visible test's inputs
    x, gamma, beta = r.normal(size=(6, 5)) * 3 + 1, r.normal(size=5), r.normal(size=5)
    arrays = {"x": x, "x1": x[2:3].copy(), "gamma": gamma, "beta": beta}
    return {"steps": [_ln_step("all"), _ln_step("one", "@x1", label="layernorm_forward on one sample")]}, arrays


@check("layernorm_forward.small_float32", "a small float32 batch, and gamma of the wrong length",
       ["layernorm_forward"], rtol=1e-4, atol=1e-5)
def _(rng):
    arrays = {"x": np.array([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]], dtype=F32), "gamma": np.ones(3, F32),
              "beta": np.zeros(3, F32), "bad": np.ones(2, F32)}
    steps = [_ln_step("f32"), step("bad", "layernorm_forward", "@x", "@bad", "@beta", expect=BAD_INPUT,
                                   mentions="gamma", label="layernorm_forward with 3 features and gamma of shape (2,)")]
    return {"steps": steps}, arrays


@check("layernorm_forward.random", "random batches, a single sample (N = 1), and tiny variances",
       ["layernorm_forward"])
def _(rng):
    n, d = sizes(rng, 3, 12, 2)
    gamma, beta = params(rng, d)
    x = featured(rng, n, d)
    x[0] = 4.0 + rng.normal(size=d) * 2e-3  # a sample whose features barely differ: eps matters
    arrays = {"x": x, "x1": x[1:2].copy(), "gamma": gamma, "beta": beta}
    steps = [_ln_step("r"), _ln_step("one", "@x1", label="layernorm_forward on a single sample (N = 1)"),
             _ln_step("eps", eps=1e-2, label="layernorm_forward(x, gamma, beta, eps=1e-2)")]
    return {"steps": steps}, arrays


@check("layernorm_forward.float32", "float32 stays float32; bad gamma is rejected", ["layernorm_forward"],
       rtol=1e-4, atol=1e-4)
def _(rng):
    g, b = params(rng, 5, F32)
    arrays = {"x": featured(rng, 4, 5, F32, offset=5), "gamma": g, "beta": b, "bad": np.ones(4, F32)}
    steps = [_ln_step("f32"), step("bad", "layernorm_forward", "@x", "@bad", "@beta", expect=BAD_INPUT,
                                   mentions="gamma", label="layernorm_forward with 5 features and gamma of shape (4,)")]
    return {"steps": steps}, arrays


# --------------------------------------------------------------- groupnorm (chapter 5)


def _gn_step(sid, x="@x", g="@gamma", b="@beta", groups=2, label=None, **kw):
    return step(sid, "groupnorm_forward", x, g, b, groups, save=["out", "cache"], record=["out"], watch=True,
                label=label or f"groupnorm_forward(x, gamma, beta, num_groups={groups})", **kw)


@check("groupnorm_forward.example", "two groups of two channels; one sample alone", ["groupnorm_forward"])
def _(rng):
    x = np.random.default_rng(6).normal(size=(2, 4, 3, 3)) * 2 + 5  # the visible test's input
    gu, bu = params(rng, 4)
    arrays = {"x": x, "x1": x[:1].copy(), "gamma": np.ones(4), "beta": np.zeros(4), "xu": spatial(rng, 2, 4, 3, 2),
              "gu": gu, "bu": bu}
    return {"steps": [_gn_step("two"), _gn_step("one", "@x1"), _gn_step("unseen", "@xu", "@gu", "@bu")]}, arrays


@check("groupnorm_forward.groups", "one group, one group per channel, and a num_groups that does not divide C",
       ["groupnorm_forward"])
def _(rng):
    x = np.random.default_rng(9).normal(size=(2, 4, 2, 3)) * 4 - 1  # the visible test's input
    steps = [_gn_step("one", groups=1), _gn_step("each", groups=4),
             step("bad", "groupnorm_forward", "@x", "@gamma", "@beta", 3, expect=BAD_INPUT, mentions="num_groups",
                  label="groupnorm_forward with 4 channels and num_groups=3")]
    return {"steps": steps}, {"x": x, "gamma": np.ones(4), "beta": np.zeros(4)}


@check("groupnorm_forward.random", "random (N, C, H, W) maps with 1, 2 and C groups", ["groupnorm_forward"])
def _(rng):
    n, h, w = sizes(rng, 1, 6, 3)
    c = 4
    gamma, beta = params(rng, c)
    arrays = {"x": spatial(rng, n, c, h, w), "gamma": gamma, "beta": beta}
    steps = [_gn_step("g2"), _gn_step("g1", groups=1), _gn_step("g4", groups=4),
             _gn_step("eps", groups=2, eps=0.5, label="groupnorm_forward(x, gamma, beta, 2, eps=0.5)"),
             step("bad", "groupnorm_forward", "@x", "@gamma", "@beta", 3, expect=BAD_INPUT, mentions="num_groups",
                  label="groupnorm_forward with 4 channels and num_groups=3")]
    return {"steps": steps}, arrays


# ------------------------------------------------- affine -> BN -> ReLU sandwich (chapter 6)


@check("affine_bn_relu.forward", "the forward pass on a small batch", ["affine_bn_relu_forward"])
def _(rng):
    r = np.random.default_rng(7)  # the visible test's inputs
    x, W, b = r.normal(size=(6, 4)), r.normal(size=(4, 3)), r.normal(size=3)
    arrays = {"x": x, "W": W, "b": b, "gamma": np.array([1.0, 2.0, 0.5]), "beta": np.array([0.0, -0.5, 0.5]),
              **_unseen_sandwich(rng)}
    return {"steps": _sandwich_steps()[:1] + _sandwich_steps("_u")[:1]}, arrays


@check("affine_bn_relu.shapes", "every gradient's shape on a batch of 9",
       ["affine_bn_relu_forward", "affine_bn_relu_backward"])
def _(rng):
    r = np.random.default_rng(11)  # the visible test's inputs
    arrays = {"x": r.normal(size=(9, 5)), "W": r.normal(size=(5, 2)), "b": np.zeros(2), "gamma": np.ones(2),
              "beta": np.zeros(2), "dout": np.ones((9, 2))}
    return {"steps": _sandwich_steps()}, arrays


@check("affine_bn_relu.example", "forward and backward on a small batch", ["affine_bn_relu_forward",
                                                                             "affine_bn_relu_backward"])
def _(rng):
    r = np.random.default_rng(7)  # the visible test's inputs
    x, W, b = r.normal(size=(6, 4)), r.normal(size=(4, 3)), r.normal(size=3)
    arrays = {"x": x, "W": W, "b": b, "gamma": np.array([1.0, 2.0, 0.5]), "beta": np.array([0.0, -0.5, 0.5]),
              "dout": r.normal(size=(6, 3)), **_unseen_sandwich(rng)}
    return {"steps": _sandwich_steps() + _sandwich_steps("_u")}, arrays


def _sandwich_steps(suffix=""):
    x, W, b, g, be, d = (f"@{n}{suffix}" for n in ("x", "W", "b", "gamma", "beta", "dout"))
    return [step(f"fwd{suffix}", "affine_bn_relu_forward", x, W, b, g, be, save=["out", f"cache{suffix}"],
                 record=["out"], watch=True),
            step(f"bwd{suffix}", "affine_bn_relu_backward", d, f"$cache{suffix}",
                 save=["dx", "dW", "db", "dgamma", "dbeta"], record=["dx", "dW", "db", "dgamma", "dbeta"], watch=True,
                 label="affine_bn_relu_backward(dout, cache)")]


def _unseen_sandwich(rng):
    n, d_in, d_out = sizes(rng, 3, 9, 3)
    gamma, beta = params(rng, d_out)
    return {"x_u": rng.normal(size=(n, d_in)), "W_u": rng.normal(size=(d_in, d_out)), "b_u": rng.normal(size=d_out),
            "gamma_u": gamma, "beta_u": beta, "dout_u": rng.normal(size=(n, d_out))}


@check("affine_bn_relu.random", "forward and backward of affine -> batch norm -> ReLU",
       ["affine_bn_relu_forward", "affine_bn_relu_backward"])
def _(rng):
    n, d_in, d_out = sizes(rng, 3, 12, 3)
    gamma, beta = params(rng, d_out)
    arrays = {"x": rng.normal(size=(n, d_in)) * 2 + 1, "W": rng.normal(size=(d_in, d_out)), "b": rng.normal(size=d_out),
              "gamma": gamma, "beta": beta, "dout": rng.normal(size=(n, d_out))}
    return {"steps": _sandwich_steps()}, arrays


# ------------------------------------------------------------------------ running checks


def seed_for(name: str, secret: int = 0) -> int:
    """Deterministic per-check seed; the sandboxed grader mixes in a secret per course."""
    return zlib.crc32(name.encode()) ^ (secret & 0xFFFFFFFF)


def build(name: str, secret: int = 0):
    """(check, script, arrays) for check `name`."""
    chk = CHECKS[name]
    script, arrays = chk.build(np.random.default_rng(seed_for(name, secret)))
    return chk, script, arrays


def run_checks(ns, *names):
    """Run checks against namespace `ns` in this process (the hidden-test line of a test cell).

    Prints one line per check and raises AssertionError naming what is wrong, and its
    likely cause, if any check fails. Used under plain ``nbgrader autograde``.
    """
    from .verdict import judge_check

    failures = []
    for name in names:
        chk, script, arrays = build(name)
        student = probes.run(script, arrays, ns)
        verdict = judge_check(chk, script, arrays, student)
        print(("PASS " if verdict.passed else "FAIL ") + f"{name}: {chk.about}")
        if not verdict.passed:
            failures.append(verdict.message)
    if failures:
        raise AssertionError("\n\n".join(failures))

