"""Exercise 6: the layer affine -> batch norm -> ReLU, forward and backward (batch norm is given).

Cells and their one idea each: the order of the three steps (forward), the chain rule back
through ReLU, batch norm and the affine map (backward: dx, dW, dgamma, dbeta), the bias
gradient that batch norm cancels (db), and shapes, dtypes and unchanged inputs (shapes). A
backward pass consistent with a wrong forward order is not charged again.
"""
from __future__ import annotations

import numpy as np

from . import F32, LOOSE, call, check, params, sizes

GRADS = ["dx", "dW", "db", "dgamma", "dbeta"]


def _layer(rng, suffix, n, d_in, d_out, dtype=np.float64):
    gamma, beta = params(rng, d_out, dtype)
    return {f"x{suffix}": (rng.normal(size=(n, d_in)) * 2 + 1).astype(dtype),
            f"W{suffix}": rng.normal(size=(d_in, d_out)).astype(dtype), f"b{suffix}": rng.normal(size=d_out).astype(dtype),
            f"gamma{suffix}": gamma, f"beta{suffix}": beta, f"dout{suffix}": rng.normal(size=(n, d_out)).astype(dtype)}


def _steps(suffix, record, fwd=None, **kw):
    """Forward then backward on the arrays with `suffix`; fwd: options of the forward step."""
    x, W, b, g, be, d = (f"@{n}{suffix}" for n in ("x", "W", "b", "gamma", "beta", "dout"))
    return [call(f"fwd{suffix}", "affine_bn_relu_forward", x, W, b, g, be, save=["out", f"cache{suffix}"],
                 record=["out"], label="affine_bn_relu_forward(x, W, b, gamma, beta)", **(fwd or {})),
            call(f"bwd{suffix}", "affine_bn_relu_backward", d, f"$cache{suffix}", save=GRADS, record=record,
                 label="affine_bn_relu_backward(dout, cache)", **kw)]


def _cases(rng):
    arrays = {}
    shapes = [(6, 4, 3)] + [tuple(sizes(rng, 3, 12, 3))]
    for i, (n, d_in, d_out) in enumerate(shapes):
        arrays.update(_layer(rng, str(i), n, d_in, d_out))
    return arrays, [str(i) for i in range(len(shapes))]


@check("affine_bn_relu.forward", "out = relu(BN(x @ W + b)): the ReLU comes last", ["affine_bn_relu_forward"])
def layer_forward(rng):
    arrays, suffixes = _cases(rng)
    return {"steps": [_steps(s, [])[0] for s in suffixes]}, arrays


@check("affine_bn_relu.backward", "dx, dW, dgamma, dbeta: back through the ReLU (where BN's output was positive), "
       "batch norm, then the affine map", ["affine_bn_relu_backward", "affine_bn_relu_forward"],
       tolerates=("relu_before_batchnorm", "dW_transposed"))
# dW_transposed: right values in W.T's layout, a shape mistake that the shapes cell charges (once)
def layer_backward(rng):
    arrays, suffixes = _cases(rng)
    return {"steps": [st for s in suffixes for st in _steps(s, ["dx", "dW", "dgamma", "dbeta"], fwd={"context": True})]}, \
        arrays


@check("affine_bn_relu.db", "db is zero: batch norm subtracts the batch mean, so the bias b has no effect",
       ["affine_bn_relu_backward", "affine_bn_relu_forward"], atol=1e-8, tolerates=("relu_before_batchnorm",))
def layer_db(rng):
    arrays, suffixes = _cases(rng)
    return {"steps": [st for s in suffixes for st in _steps(s, ["db"], fwd={"context": True})]}, arrays


@check("affine_bn_relu.shapes", "every gradient has the shape of its parameter, float32 stays float32, "
       "the inputs are not modified", ["affine_bn_relu_forward", "affine_bn_relu_backward"], contract=True,
       **LOOSE, tolerates_all_but=("dW_transposed",))
def layer_shapes(rng):
    n, d_in, d_out = sizes(rng, 3, 12, 3)
    arrays = {**_layer(rng, "", n, d_in, d_out), **_layer(rng, "32", n, d_out, d_in, F32)}
    both = {"watch": True}
    steps = _steps("", GRADS, fwd=both, **both) + _steps("32", GRADS, fwd=both, **both)
    return {"steps": steps}, arrays
