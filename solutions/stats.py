r"""Batch statistics: the mean and the biased variance, in two passes.

.. math::

    \mu = \frac{1}{m}\sum_i x_i, \qquad \sigma^2 = \frac{1}{m}\sum_i (x_i - \mu)^2

The variance is the *biased* one (divide by m, as in Algorithm 1 of Ioffe & Szegedy 2015).
It is computed in two passes (first the mean, then the mean of squared deviations), never as
E[x^2] - E[x]^2: in float32, with data near 1e4, that one-pass formula loses every significant
digit and can even come out negative.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, require_ndim


def accumulator(dtype: np.dtype):
    """dtype to accumulate sums of `dtype` data in: float64 for float32, like PyTorch's CPU kernels.

    numpy adds the rows of an axis-0 reduction one after the other, so a float32 sum of
    thousands of values near 1e4 would lose the low digits of the mean.
    """
    return np.float64 if dtype == np.float32 else None


def moments(x: np.ndarray, axes: tuple[int, ...]):
    """Two-pass mean and biased variance of float array `x` over `axes`, with dims kept.

    Returns ``(mean, var, xc, scratch)``: `mean` in x's dtype, `var` in the accumulation
    dtype (float64 for float32 data, so that ``var + eps`` is exact enough), both with size-1
    dims in place of `axes`; ``xc = x - mean``, a new array of x's shape; and `scratch`, a
    second new array of that shape (it held the squares) that callers may overwrite, which
    spares them allocating their output.
    """
    acc = accumulator(x.dtype)
    mean = x.mean(axis=axes, dtype=acc, keepdims=True).astype(x.dtype, copy=False)
    xc = x - mean
    scratch = np.square(xc)
    var = scratch.mean(axis=axes, dtype=acc, keepdims=True)
    return mean, var, xc, scratch


def batch_stats(x):
    """Per-feature mean and biased variance of a batch.

    Args:
        x: shape (N, D); N samples of D features. Integers are computed in float64.
    Returns:
        (mean, var), each shape (D,), in x's float dtype. ``var`` divides by N (biased).
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    if x.shape[0] == 0:
        raise ValueError("x: expected at least one sample, got shape " + str(x.shape))
    mean, var, _, _ = moments(x, (0,))
    return mean[0], var[0].astype(x.dtype, copy=False)
