"""Measuring internal covariate shift: how far a unit's input distribution moved.

Chapter 1's exercise: compare the activations that reach a layer at two moments of
training. Both moments are summarised by `batch_stats` (biased variance).
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_eps, require_ndim
from .stats import batch_stats


def distribution_drift(before, after, eps=1e-5):
    r"""Per-unit shift and rescaling of a layer's inputs between two moments of training.

    Args:
        before, after: shapes (N1, D) and (N2, D); the same D units, sampled twice.
        eps: keeps a unit whose earlier variance is 0 from dividing by zero.
    Returns:
        (shift, scale), each shape (D,):
        ``shift = (mean_after - mean_before) / sqrt(var_before + eps)``, the move of the mean
        in units of the earlier standard deviation, and
        ``scale = sqrt((var_after + eps) / (var_before + eps))``, the change of spread.
        A layer whose inputs do not drift gives shift 0 and scale 1.
    """
    before, after = as_float_array(before, "before"), as_float_array(after, "after")
    require_ndim(before, 2, "before", "(N, D)")
    require_ndim(after, 2, "after", "(N, D)")
    if before.shape[1] != after.shape[1]:
        raise ValueError(
            f"after: expected the same number of units as before ({before.shape[1]}), got shape {after.shape}"
        )
    eps = check_eps(eps)
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    shift = (mean_a - mean_b) / np.sqrt(var_b + eps)
    scale = np.sqrt((var_a + eps) / (var_b + eps))
    return shift, scale
