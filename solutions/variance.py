r"""Four ways to compute the biased variance of each column of an (N, D) array, for chapter 2.

All four compute, per feature, :math:`\sigma^2 = \frac{1}{N}\sum_i (x_i - \mu)^2`; they differ in
the order of the floating-point operations, and so in their rounding errors. Every sum here
adds the rows one after the other, in the dtype of `x` (float32 stays float32), as a simple
streaming kernel would; nothing is accumulated in higher precision behind the reader's back.

- `one_pass_var`: :math:`\frac{1}{N}\sum x^2 - \big(\frac{1}{N}\sum x\big)^2`, one pass, two
  running sums. Cancels catastrophically when the mean is large compared with the spread.
- `two_pass_var`: the mean first, then the mean of squared deviations; reads the data twice.
- `welford_var`: Welford (1962), one pass; after each value x the running mean and the sum of
  squared deviations M2 are updated as

  .. math::

      n \leftarrow n + 1, \quad \delta = x - \bar x, \quad \bar x \leftarrow \bar x + \delta / n,
      \quad M_2 \leftarrow M_2 + \delta\,(x - \bar x)

- `chan_var`: split the rows into blocks, run Welford in each block, then merge the blocks'
  (count, mean, M2) pairwise with `merge_moments` (the pairwise updating formula analyzed by
  Chan, Golub & LeVeque 1983). This is the shape of a parallel kernel: every thread keeps
  its own Welford state, and the states are combined in a tree.
"""
from __future__ import annotations

import numpy as np


def _check(x) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"x: expected a 2-D array (N, D) with N >= 1, got shape {x.shape}")
    return x


def _row_sum(x: np.ndarray) -> np.ndarray:
    """Sum over axis 0, adding row after row in x's dtype (numpy's axis-0 sum of a C-ordered
    array does exactly this; the explicit dtype keeps it from ever widening)."""
    return np.ascontiguousarray(x).sum(axis=0, dtype=x.dtype)


def one_pass_var(x):
    """E[x^2] - E[x]^2 per column of x (N, D), sums in x's dtype. Can be negative."""
    x = _check(x)
    n = x.dtype.type(x.shape[0])
    mean = _row_sum(x) / n
    return _row_sum(x * x) / n - mean * mean


def two_pass_var(x):
    """Mean of (x - mean)^2 per column of x (N, D), sums in x's dtype. Never negative."""
    x = _check(x)
    n = x.dtype.type(x.shape[0])
    mean = _row_sum(x) / n
    c = x - mean
    return _row_sum(c * c) / n


def welford(x):
    """Welford's one-pass algorithm over the rows of x (N, D), in x's dtype.

    Returns:
        (count, mean, m2): count an int, mean and m2 (the sum of squared deviations) of shape
        (D,). The biased variance is ``m2 / count``.
    """
    x = _check(x)
    mean = np.zeros(x.shape[1], x.dtype)
    m2 = np.zeros(x.shape[1], x.dtype)
    for n, row in enumerate(x, start=1):
        delta = row - mean
        mean += delta / x.dtype.type(n)
        m2 += delta * (row - mean)
    return x.shape[0], mean, m2


def welford_var(x):
    """Biased variance per column of x (N, D) by `welford`."""
    x = _check(x)
    count, _, m2 = welford(x)
    return m2 / x.dtype.type(count)


def merge_moments(a, b):
    """Combine two (count, mean, m2) summaries of disjoint sets of rows into one.

    With n = n_a + n_b and delta = mean_b - mean_a:
    ``mean = mean_a + delta * n_b / n`` and ``m2 = m2_a + m2_b + delta**2 * n_a * n_b / n``.
    Exact in real arithmetic; the counts may differ. Works elementwise on arrays.
    """
    (na, ma, sa), (nb, mb, sb) = a, b
    n = na + nb
    if n == 0:
        return 0, ma, sa
    dtype = np.result_type(ma, mb)
    delta = mb - ma
    mean = ma + delta * dtype.type(nb / n)
    m2 = sa + sb + delta * delta * dtype.type(na * nb / n)
    return n, mean, m2


def chan_var(x, num_blocks=32):
    """Biased variance per column of x (N, D): Welford per block of rows, then a pairwise tree
    of `merge_moments`, all in x's dtype. `num_blocks` must divide N."""
    x = _check(x)
    n, d = x.shape
    if num_blocks < 1 or n % num_blocks:
        raise ValueError(f"num_blocks: expected a positive divisor of N = {n}, got {num_blocks}")
    # Welford inside every block at once: a (num_blocks * D)-wide problem over N / num_blocks rows
    blocks = x.reshape(num_blocks, n // num_blocks, d).transpose(1, 0, 2).reshape(n // num_blocks, num_blocks * d)
    count, mean, m2 = welford(blocks)
    states = [(count, mean[k * d:(k + 1) * d], m2[k * d:(k + 1) * d]) for k in range(num_blocks)]
    while len(states) > 1:  # pairwise tree: log2(num_blocks) levels
        merged = [merge_moments(states[i], states[i + 1]) for i in range(0, len(states) - 1, 2)]
        states = merged + ([states[-1]] if len(states) % 2 else [])
    total, _, m2 = states[0]
    return m2 / x.dtype.type(total)
