r"""Layer normalisation (Ba, Kiros & Hinton 2016): the statistics of each *sample*.

For one sample x of D features, with the biased variance over its own features:

.. math::

    \hat x_j = \frac{x_j - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y_j = \gamma_j \hat x_j + \beta_j

Nothing is shared between samples, so it works with N = 1 and behaves the same in training
and evaluation. Because gamma varies along the axis the statistics are taken over, the
backward pass cannot factor gamma out as batch normalisation's does:

.. math::

    \frac{\partial L}{\partial x_j} = \frac{1}{\sqrt{\sigma^2+\epsilon}}
        \Big(h_j - \overline{h} - \hat x_j\, \overline{h \hat x}\Big), \qquad h = \gamma \odot g

where the bars are means over the D features of the sample.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_ndim
from .stats import accumulator, moments


class LNCache(NamedTuple):
    """What `layernorm_backward` needs."""

    xhat: np.ndarray
    """Normalised input, shape (N, D)."""
    gamma: np.ndarray
    """Scale, shape (D,)."""
    inv_std: np.ndarray
    """1 / sqrt(var + eps) per sample, shape (N, 1)."""


def layernorm_forward(x, gamma, beta, eps=1e-5):
    """Layer normalisation of (N, D) over each sample's D features.

    Args:
        x: shape (N, D), any N >= 1. Not modified.
        gamma, beta: shape (D,).
    Returns:
        out: shape (N, D); cache: an `LNCache` for `layernorm_backward`.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    eps = check_eps(eps)
    features = x.shape[1]
    if features == 0:
        raise ValueError("x: expected at least one feature per sample, got shape " + str(x.shape))
    gamma = as_param(gamma, features, x.dtype, "gamma")
    beta = as_param(beta, features, x.dtype, "beta")

    _, var, xhat, out = moments(x, (1,))
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= inv_std  # xhat held x - mean
    np.multiply(xhat, gamma, out=out)
    out += beta
    return out, LNCache(xhat, gamma, inv_std)


def layernorm_backward(dout, cache: LNCache):
    """Gradients of `layernorm_forward`.

    Args:
        dout: shape (N, D).
    Returns:
        dx: shape (N, D); per sample it sums to zero. dgamma, dbeta: shape (D,).
    """
    xhat, gamma, inv_std = cache
    dout = as_float_array(dout, "dout")
    if dout.shape != xhat.shape:
        raise ValueError(f"dout: expected the shape of the forward output {xhat.shape}, got {dout.shape}")
    dout = dout.astype(xhat.dtype, copy=False)
    acc = accumulator(xhat.dtype)

    dbeta = dout.sum(axis=0, dtype=acc).astype(xhat.dtype, copy=False)
    dgamma = (dout * xhat).sum(axis=0, dtype=acc).astype(xhat.dtype, copy=False)
    h = dout * gamma
    h_mean = h.mean(axis=1, dtype=acc, keepdims=True).astype(xhat.dtype, copy=False)
    hx_mean = (h * xhat).mean(axis=1, dtype=acc, keepdims=True).astype(xhat.dtype, copy=False)
    dx = h - h_mean - xhat * hx_mean
    dx *= inv_std
    return dx, dgamma, dbeta
