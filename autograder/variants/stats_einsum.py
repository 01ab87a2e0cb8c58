"""np.einsum for the sums ('nd->d' for the mean, 'nd,nd->d' for the squared deviations), accumulated in x's dtype; integer input is converted with np.asarray(x, dtype=float).
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: need (N, D), got {x.ndim} dimensions")
    if x.dtype.kind != "f":
        x = np.asarray(x, dtype=float)
    n = x.shape[0]
    mean = np.einsum("nd->d", x) / n
    centred = x - mean
    var = np.einsum("nd,nd->d", centred, centred) / n
    return mean, var


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt((var_a + eps) / (var_b + eps))
