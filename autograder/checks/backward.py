"""Exercise 3: `batchnorm_backward` and `spatial_batchnorm_backward` (the forward passes are given).

Cells and their one idea each: dgamma and dbeta (params), dx through the batch mean and
variance (dx), shapes, dtypes and unchanged inputs, a second call on the same cache
included (contract), and the gradients of per-channel normalisation (spatial).
"""
from __future__ import annotations

import numpy as np

from . import EXACT, F32, LOOSE, call, check, featured, maps, on_own_rows, params, scrambled, to_rows

# Mistakes of batchnorm_backward that a spatial backward built on it repeats: tolerated there.
BACKWARD_MISTAKES = ("constant_statistics_backward", "missing_mean_gradient", "swapped_dgamma_dbeta",
                     "gradients_averaged", "dx_without_gamma")


def _upstream(rng, x):
    """dout with a mean per feature and a part along x: both gradient paths through the statistics show."""
    centred = (x - x.mean(axis=0)) / x.std(axis=0)
    d = x.shape[1]
    return rng.normal(size=x.shape) + rng.uniform(-2, 2, d) + centred * rng.uniform(-1.5, 1.5, d)


def _pass(tag, x, g, b, d, record, fwd="batchnorm_forward", bwd="batchnorm_backward", **kw):
    return [call(f"{tag}_fwd", fwd, x, g, b, save=["out", f"cache_{tag}"], context=True,
                 label=f"{fwd}(x, gamma, beta)"),
            call(tag, bwd, d, f"$cache_{tag}", save=["dx", "dgamma", "dbeta"], record=record,
                 label=f"{bwd}(dout, cache)", **kw)]


def _cases(rng):
    x = np.array([[1.0, 0.5, -2.0], [2.0, -1.0, 0.0], [4.0, 0.0, 2.0], [7.0, 2.5, 1.0]])
    arrays = {"x1": x, "g1": np.array([1.0, 2.0, -0.5]), "b1": np.array([0.0, 1.0, 0.5]),
              "d1": np.array([[1.0, -1.0, 0.5], [0.0, 2.0, 1.0], [-1.0, 0.5, 0.0], [0.5, 0.0, -2.0]])}
    n, d = int(rng.integers(5, 30)), int(rng.integers(2, 6))
    arrays["x2"] = featured(rng, n, d)
    arrays["g2"], arrays["b2"] = params(rng, d)
    arrays["d2"] = _upstream(rng, arrays["x2"])
    return arrays, [("1", "a small (4, 3) batch"), ("2", f"an unseen ({n}, {d}) batch")]


@check("batchnorm_backward.params", "dgamma = sum of dout * x_hat and dbeta = sum of dout, over the batch",
       ["batchnorm_backward", "batchnorm_forward"])
def backward_params(rng):
    arrays, cases = _cases(rng)
    steps = [s for tag, what in cases
             for s in _pass(tag, f"@x{tag}", f"@g{tag}", f"@b{tag}", f"@d{tag}", ["dgamma", "dbeta"])]
    return {"steps": steps}, arrays


@check("batchnorm_backward.dx", "dx flows through x_hat and through the batch mean and variance",
       ["batchnorm_backward", "batchnorm_forward"])
def backward_dx(rng):
    arrays, cases = _cases(rng)
    steps = [s for tag, what in cases for s in _pass(tag, f"@x{tag}", f"@g{tag}", f"@b{tag}", f"@d{tag}", ["dx"])]
    return {"steps": steps}, arrays


@check("batchnorm_backward.contract", "shapes, float32 stays float32, dout and the cache are not modified "
       "(a second call gives the same gradients)", ["batchnorm_backward", "spatial_batchnorm_backward"],
       contract=True, **LOOSE, tolerates_all_but=("keepdims_gradients", "modifies_cache"))
def backward_contract(rng):
    n, d = int(rng.integers(4, 12)), int(rng.integers(2, 5))
    g, b = params(rng, d, F32)
    c = int(rng.integers(2, 4))
    gs, bs = params(rng, c, F32)
    arrays = {"x": featured(rng, n, d, F32, offset=5), "g": g, "b": b,
              "d": rng.normal(size=(n, d)).astype(F32),
              "xs": maps(rng, 2, c, 3, 2, F32), "gs": gs, "bs": bs, "ds": rng.normal(size=(2, c, 3, 2)).astype(F32)}
    grads = ["dx", "dgamma", "dbeta"]
    steps = [*_pass("first", "@x", "@g", "@b", "@d", grads, watch=True),
             call("again", "batchnorm_backward", "@d", "$cache_first", save=grads, record=grads, same_as="first", **EXACT,
                  label="batchnorm_backward(dout, cache) called a second time with the same cache"),
             *_pass("sp", "@xs", "@gs", "@bs", "@ds", grads, fwd="spatial_batchnorm_forward",
                    bwd="spatial_batchnorm_backward", watch=True)]
    return {"steps": steps}, arrays


GRADS = ("dx", "dgamma", "dbeta")


def _spatial_on_own_backward(arrays, rec):
    """`Check.composed`: the student's own batchnorm_backward on the (N*H*W, C) rows of dout,
    dx put back in (N, C, H, W). None unless it differs from the same backward on rows that
    mix channels (a backward acting on each value alone would let any map-wise answer through)."""
    expected, telling = {}, False
    for tag in ("a", "b"):
        answers, tells = on_own_rows(rec, arrays[f"x{tag}"].shape, f"{tag}_rows", f"{tag}_mix", GRADS, 1e-6, 1e-9)
        expected.update({f"{tag}.{g}": v for g, v in answers.items()})
        telling = telling or tells
    return expected if telling else None


@check("spatial_batchnorm_backward.gradients", "gradients of per-channel normalisation: sums over the batch and "
       "all positions (N * H * W values per channel)", ["spatial_batchnorm_backward", "batchnorm_backward"],
       tolerates=BACKWARD_MISTAKES, composed=_spatial_on_own_backward)
def spatial_gradients(rng):
    arrays, steps = {}, []
    for tag, shape in (("a", (2, 3, 2, 2)), ("b", (int(rng.integers(2, 4)), int(rng.integers(2, 5)), 3, 4))):
        x = maps(rng, *shape)
        g, b = params(rng, shape[1])
        rows = to_rows(x)
        dout_rows = _upstream(rng, rows)
        dout = dout_rows.reshape(shape[0], shape[2], shape[3], shape[1]).transpose(0, 3, 1, 2).copy()
        arrays.update({f"x{tag}": x, f"g{tag}": g, f"b{tag}": b, f"d{tag}": dout, f"r{tag}": to_rows(dout),
                       f"m{tag}": scrambled(dout)})
        steps += _pass(tag, f"@x{tag}", f"@g{tag}", f"@b{tag}", f"@d{tag}", list(GRADS),
                       fwd="spatial_batchnorm_forward", bwd="spatial_batchnorm_backward")
        for sub, arg, how in (("rows", "r", "as (N*H*W, C) rows"), ("mix", "m", "reshaped without moving channels")):
            steps.append(call(f"{tag}_{sub}", "batchnorm_backward", f"@{arg}{tag}", f"$cache_{tag}", save=list(GRADS),
                              record=list(GRADS), context=True, label=f"batchnorm_backward on the same gradient {how}"))
    return {"steps": steps}, arrays
