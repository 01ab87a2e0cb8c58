"""Plain float32 arithmetic: the mean and variance are computed in x's own dtype with np.mean (no float64 accumulator), so float32 sums of values near 1e4 keep only float32's digits; the drift calls batch_stats.
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be a 2-D array of shape (N, D), got shape {x.shape}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    mean = np.mean(x, axis=0)
    var = np.mean((x - mean) ** 2, axis=0)
    return mean, var


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    shift = (mean_a - mean_b) / np.sqrt(var_b + eps)
    scale = np.sqrt(var_a + eps) / np.sqrt(var_b + eps)
    return shift, scale
