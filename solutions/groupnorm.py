r"""Group normalisation (Wu & He 2018): the statistics of each sample, per group of channels.

For an (N, C, H, W) input, the C channels are split into G = `num_groups` consecutive groups
of C/G channels. Each sample n and group g gets its own mean and *biased* variance, over the
m = (C/G) * H * W values of that group:

.. math::

    \mu_{ng} = \frac{1}{m}\sum_{c \in g,\,h,\,w} x_{nchw}, \qquad
    \sigma^2_{ng} = \frac{1}{m}\sum_{c \in g,\,h,\,w} (x_{nchw} - \mu_{ng})^2

.. math::

    y_{nchw} = \gamma_c \frac{x_{nchw} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}} + \beta_c

Nothing is shared between samples: like layer normalisation (G = 1) it works with N = 1 and
behaves the same in training and evaluation. G = C normalises each channel of each sample on
its own (instance normalisation). gamma and beta stay per channel, as in batch normalisation.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_ndim
from .stats import moments


class GNCache(NamedTuple):
    """What a backward pass of `groupnorm_forward` would need."""

    xhat: np.ndarray
    """Normalised input, shape (N, C, H, W)."""
    gamma: np.ndarray
    """Scale, shape (C,)."""
    inv_std: np.ndarray
    """1 / sqrt(var + eps) per sample and group, shape (N, G, 1)."""
    num_groups: int
    """G, the number of channel groups."""


def check_num_groups(num_groups, channels: int, shape: tuple) -> int:
    """`num_groups` must be a positive int that divides the number of channels C."""
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)):
        raise TypeError(f"num_groups: expected a positive int that divides C, got {num_groups!r}")
    if num_groups < 1 or channels % num_groups:
        raise ValueError(
            f"num_groups: expected a positive divisor of the number of channels C = {channels} "
            f"of x with shape (N, C, H, W) = {shape}, got {num_groups}"
        )
    return int(num_groups)


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    """Group normalisation of (N, C, H, W) feature maps, statistics per sample and group.

    Args:
        x: shape (N, C, H, W), any N >= 1. Not modified.
        gamma, beta: shape (C,); per-channel scale and shift.
        num_groups: G, a divisor of C; each group holds C/G consecutive channels.
        eps: added to the biased variance inside the square root.
    Returns:
        out: shape (N, C, H, W), ``gamma * (x - mean) / sqrt(var + eps) + beta`` with mean
            and var (biased) of shape (N, G), one per sample and group.
        cache: a `GNCache`.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 4, "x", "(N, C, H, W)")
    eps = check_eps(eps)
    n, channels, height, width = x.shape
    groups = check_num_groups(num_groups, channels, x.shape)
    group_size = channels // groups * height * width
    if group_size == 0:
        raise ValueError(f"x: expected at least one channel and one pixel, shape (N, C, H, W), got {x.shape}")
    gamma = as_param(gamma, channels, x.dtype, "gamma")
    beta = as_param(beta, channels, x.dtype, "beta")

    # (N, G, C/G * H * W): each row of the last axis is one sample's group
    grouped = x.reshape(n, groups, group_size)
    _, var, xhat, out = moments(grouped, (2,))
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= inv_std  # xhat held x - mean
    xhat = xhat.reshape(x.shape)
    out = out.reshape(x.shape)
    np.multiply(xhat, gamma.reshape(1, channels, 1, 1), out=out)
    out += beta.reshape(1, channels, 1, 1)
    return out, GNCache(xhat, gamma, inv_std, groups)
