"""Layer "sandwiches" for small networks: affine -> batch norm -> ReLU, forward and backward.

Chapter 6 trains networks of these. Shapes: x (N, D_in), W (D_in, D_out), b, gamma, beta
(D_out,). The backward of each piece sits next to its forward, as in CS231n's layers.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, as_param, require_ndim
from .batchnorm import batchnorm_backward, batchnorm_forward


def affine_forward(x, W, b):
    """``x @ W + b`` for x (N, D_in), W (D_in, D_out), b (D_out,); returns (out, cache)."""
    x = as_float_array(x, "x")
    W = as_float_array(W, "W")
    require_ndim(x, 2, "x", "(N, D_in)")
    require_ndim(W, 2, "W", "(D_in, D_out)")
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"W: expected shape ({x.shape[1]}, D_out) to match x {x.shape}, got {W.shape}")
    b = as_param(b, W.shape[1], np.result_type(x, W), "b")
    return x @ W + b, (x, W)


def affine_backward(dout, cache):
    """Gradients of `affine_forward`: returns (dx, dW, db)."""
    x, W = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    """``relu(BN(x @ W + b))`` in training mode; returns (out (N, D_out), cache)."""
    a, affine_cache = affine_forward(x, W, b)
    z, bn_cache = batchnorm_forward(a, gamma, beta, eps)
    out = np.maximum(z, 0)
    return out, (affine_cache, bn_cache, z > 0)


def affine_bn_relu_backward(dout, cache):
    """Gradients of `affine_bn_relu_forward`: returns (dx, dW, db, dgamma, dbeta)."""
    affine_cache, bn_cache, active = cache
    dz = np.where(active, dout, 0)
    da, dgamma, dbeta = batchnorm_backward(dz, bn_cache)
    dx, dW, db = affine_backward(da, affine_cache)
    return dx, dW, db, dgamma, dbeta
