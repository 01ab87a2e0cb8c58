"""Exercise 5: `layernorm_forward` and `groupnorm_forward`.

Cells and their one idea each: the layer-norm formula with eps and gamma, beta per feature
(layernorm example), statistics per sample so that a sample's output ignores its batch
(layernorm batch), dtypes (layernorm float32), bad gamma (layernorm bad input); groups of
consecutive channels per sample (groupnorm), and a num_groups that does not divide C
(groupnorm bad input).
"""
from __future__ import annotations

import numpy as np

from . import BAD_INPUT, F32, LOOSE, VALIDATION, call, check, featured, maps, params, twins


def _ln(sid, x="@x", g="@gamma", b="@beta", **kw):
    return call(sid, "layernorm_forward", x, g, b, save=["out", "cache"], record=["out"], **kw)


@check("layernorm_forward.example", "each sample normalised over its own features: mean, biased variance, "
       "eps inside the square root, gamma and beta per feature", ["layernorm_forward"], rtol=1e-5, atol=1e-6,
       tolerates=("layernorm_over_batch",))
def ln_example(rng):
    d = int(rng.integers(4, 8))
    x = featured(rng, 3, d)
    x[1] = 4.0 + rng.normal(size=d) * 3e-3  # a sample whose features barely differ: eps matters
    gamma, beta = params(rng, d)
    arrays = {"x0": np.array([[1.0, 2.0, 3.0, 6.0], [10.0, 0.0, -10.0, 4.0]]), "g0": np.array([1.0, 2.0, 1.0, 0.5]),
              "b0": np.array([0.0, 0.0, 1.0, -1.0]), "x": x, "gamma": gamma, "beta": beta}
    steps = [_ln("ex", "@x0", "@g0", "@b0", label="layernorm_forward on the example of the exercise"),
             _ln("u", label=f"layernorm_forward on 3 samples of {d} features, one nearly constant"),
             _ln("e", eps=1e-2, label="layernorm_forward(..., eps=1e-2)")]
    return {"steps": steps}, arrays


@check("layernorm_forward.batch", "statistics per sample (axis 1): a sample alone gets the output it gets "
       "inside its batch, also for N = 1", ["layernorm_forward"], rtol=3e-3, atol=3e-3)
def ln_batch(rng):
    d, n = int(rng.integers(900, 1200)), int(rng.integers(3, 7))
    x = featured(rng, n, d, offset=3)
    gamma, beta = twins(rng, d)
    arrays = {"x": x, "one": x[1:2].copy(), "gamma": gamma, "beta": beta}
    return {"steps": [_ln("all", label=f"layernorm_forward on {n} samples of {d} features"),
                      _ln("one", "@one", label="layernorm_forward on one of those samples alone (N = 1)")]}, arrays


@check("layernorm_forward.float32", "out has the shape of x, float32 stays float32, x is not modified",
       ["layernorm_forward"], contract=True, **LOOSE, tolerates_all_but=("float32_upcast", "modifies_input"))
def ln_float32(rng):
    d = int(rng.integers(3, 7))
    g, b = params(rng, d, F32)
    arrays = {"x": featured(rng, 4, d, F32, offset=5), "g": g, "b": b, "xi": rng.integers(-9, 9, size=(3, d)),
              "gi": np.ones(d), "bi": np.zeros(d)}
    steps = [_ln("f32", "@x", "@g", "@b", watch=True, label="layernorm_forward on float32 input"),
             _ln("int", "@xi", "@gi", "@bi", watch=True, label="layernorm_forward on integer input")]
    return {"steps": steps}, arrays


@check("layernorm_forward.bad_input", "gamma of the wrong length raises ValueError (or TypeError) naming gamma; "
       "good input still works", ["layernorm_forward"], **LOOSE, tolerates_all_but=VALIDATION)
def ln_bad_input(rng):
    d = int(rng.integers(3, 7))
    arrays = {"x": featured(rng, 4, d), "g": np.ones(d), "b": np.zeros(d), "bad": np.ones(d - 1)}
    steps = [call("bad", "layernorm_forward", "@x", "@bad", "@b", expect=BAD_INPUT, mentions="gamma",
                  label=f"layernorm_forward with {d} features and gamma of shape ({d - 1},)"),
             _ln("ok", "@x", "@g", "@b", label="layernorm_forward on good input")]
    return {"steps": steps}, arrays


# ---------------------------------------------------------------- group norm


def _gn(sid, groups, x="@x", g="@gamma", b="@beta", label=None, **kw):
    return call(sid, "groupnorm_forward", x, g, b, groups, save=["out", "cache"], record=["out"],
                label=label or f"groupnorm_forward(x, gamma, beta, num_groups={groups})", **kw)


@check("groupnorm_forward.groups", "each sample's group of C / num_groups consecutive channels normalised over "
       "its channels and positions; gamma and beta per channel", ["groupnorm_forward"])
def gn_groups(rng):
    n, c = int(rng.integers(2, 4)), int(rng.choice([4, 6]))
    x = maps(rng, n, c, int(rng.integers(2, 5)), int(rng.integers(2, 5)))
    gamma, beta = params(rng, c)
    arrays = {"x": x, "one": x[:1].copy(), "gamma": gamma, "beta": beta}
    steps = [_gn("g2", 2, label=f"groupnorm_forward with {c} channels in 2 groups"),
             _gn("g1", 1, label="groupnorm_forward with one group"),
             _gn("gc", c, label=f"groupnorm_forward with {c} groups (one channel each)"),
             _gn("one", 2, x="@one", label="groupnorm_forward on one sample alone, 2 groups"),
             _gn("eps", 2, eps=0.5, label="groupnorm_forward(..., num_groups=2, eps=0.5)")]
    return {"steps": steps}, arrays


@check("groupnorm_forward.bad_input", "num_groups that does not divide C raises ValueError (or TypeError) naming "
       "num_groups; good input still works", ["groupnorm_forward"], **LOOSE, tolerates_all_but=VALIDATION)
def gn_bad_input(rng):
    arrays = {"x": maps(rng, 2, 4, 2, 3), "gamma": np.ones(4), "beta": np.zeros(4)}
    steps = [call("bad", "groupnorm_forward", "@x", "@gamma", "@beta", 3, expect=BAD_INPUT, mentions="num_groups",
                  label="groupnorm_forward with 4 channels and num_groups=3"),
             _gn("ok", 2, label="groupnorm_forward with 4 channels and num_groups=2")]
    return {"steps": steps}, arrays
