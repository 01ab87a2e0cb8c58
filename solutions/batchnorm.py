r"""Training-mode batch normalisation, forward and backward, for (N, D) and (N, C, H, W).

Forward, per feature (Ioffe & Szegedy 2015, Algorithm 1), with the *biased* batch variance:

.. math::

    \hat x_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y_i = \gamma \hat x_i + \beta

Backward, with m values per feature and g = dL/dy (the mean and the variance depend on every
x_i, which is where the last two terms come from):

.. math::

    \frac{\partial L}{\partial \beta} = \sum_i g_i, \qquad
    \frac{\partial L}{\partial \gamma} = \sum_i g_i \hat x_i, \qquad
    \frac{\partial L}{\partial x_i} = \frac{\gamma}{\sqrt{\sigma^2+\epsilon}}
        \Big(g_i - \tfrac{1}{m}\tfrac{\partial L}{\partial \beta}
             - \hat x_i \tfrac{1}{m}\tfrac{\partial L}{\partial \gamma}\Big)

A spatial (N, C, H, W) input is the same computation with the statistics taken over the
axes (0, 2, 3): one mean and one variance per channel, shared by every pixel.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_batch, require_ndim
from .stats import accumulator, moments


class BNCache(NamedTuple):
    """What the backward pass needs from a forward pass."""

    xc: np.ndarray
    """Centred input x - mean, shape of x (x-hat is ``xc * inv_std``; keeping xc saves a pass)."""
    gamma: np.ndarray
    """Scale, broadcastable to x: (1, D) or (1, C, 1, 1)."""
    inv_std: np.ndarray
    """1 / sqrt(var + eps), broadcastable to x."""
    axes: tuple
    """Axes the statistics were taken over: (0,) or (0, 2, 3)."""


def normalize(x, gamma, beta, eps, axes):
    """Shared forward for (N, D) and (N, C, H, W); `x` is a validated float array.

    Returns ``(out, cache, mean, var)``; `mean` and `var` (biased) have shape (features,),
    for callers that keep running statistics.
    """
    eps = check_eps(eps)
    features = x.shape[1]
    require_batch(x.size // features if features else 0, "x")
    bshape = [1] * x.ndim
    bshape[1] = features  # parameters broadcast along the feature/channel axis
    gamma = as_param(gamma, features, x.dtype, "gamma").reshape(bshape)
    beta = as_param(beta, features, x.dtype, "beta").reshape(bshape)

    mean, var, xc, out = moments(x, axes)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    # out = gamma * xhat + beta = xc * (gamma * inv_std) + beta: two passes over the data
    np.multiply(xc, gamma * inv_std, out=out)
    out += beta
    stats = (mean.reshape(features), var.reshape(features).astype(x.dtype, copy=False))
    return (out, BNCache(xc, gamma, inv_std, axes), *stats)


def normalize_backward(dout, cache: BNCache):
    """Shared backward; returns ``(dx, dgamma, dbeta)`` with dgamma, dbeta of shape (features,)."""
    xc, gamma, inv_std, axes = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != xc.shape:
        raise ValueError(f"dout: expected the shape of the forward output {xc.shape}, got {dout.shape}")
    dtype = xc.dtype
    dout = dout.astype(dtype, copy=False)
    acc = accumulator(dtype)
    m = xc.size // gamma.size  # values per feature

    dbeta = dout.sum(axis=axes, dtype=acc, keepdims=True)
    dx = dout * xc  # scratch for sum(dout * xc); becomes dx below
    dgamma = dx.sum(axis=axes, dtype=acc, keepdims=True) * inv_std  # sum(dout * xhat)
    # dx = gamma * inv_std * (dout - dbeta / m - xhat * dgamma / m), with xhat = xc * inv_std
    np.multiply(xc, (inv_std * dgamma / m).astype(dtype), out=dx)
    dx += (dbeta / m).astype(dtype)
    np.subtract(dout, dx, out=dx)
    dx *= gamma * inv_std
    features = gamma.size
    return (
        dx,
        dgamma.reshape(features).astype(dtype, copy=False),
        dbeta.reshape(features).astype(dtype, copy=False),
    )


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Training-mode batch normalisation of a batch of feature vectors.

    Args:
        x: shape (N, D), N >= 2. Not modified.
        gamma, beta: shape (D,); per-feature scale and shift.
        eps: added to the biased batch variance inside the square root.
    Returns:
        out: shape (N, D), ``gamma * (x - mean) / sqrt(var + eps) + beta``.
        cache: a `BNCache` for `batchnorm_backward`.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    out, cache, _, _ = normalize(x, gamma, beta, eps, (0,))
    return out, cache


def batchnorm_backward(dout, cache):
    """Gradients of `batchnorm_forward` through the batch mean and variance.

    Args:
        dout: shape (N, D), upstream gradient dL/dout.
        cache: from `batchnorm_forward`.
    Returns:
        dx: shape (N, D); per feature it sums to zero.
        dgamma, dbeta: shape (D,).
    """
    return normalize_backward(dout, cache)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Batch normalisation of convolutional feature maps, one mean and variance per channel.

    Args:
        x: shape (N, C, H, W) with N*H*W >= 2. Not modified.
        gamma, beta: shape (C,).
    Returns:
        out: shape (N, C, H, W); statistics taken over axes (0, 2, 3), biased variance.
        cache: a `BNCache` for `spatial_batchnorm_backward`.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 4, "x", "(N, C, H, W)")
    out, cache, _, _ = normalize(x, gamma, beta, eps, (0, 2, 3))
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Gradients of `spatial_batchnorm_forward`.

    Args:
        dout: shape (N, C, H, W).
    Returns:
        dx: shape (N, C, H, W); dgamma, dbeta: shape (C,).
    """
    return normalize_backward(dout, cache)
