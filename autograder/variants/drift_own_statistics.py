"""A drift that computes its own statistics (np.mean and np.var of each batch, np.divide) instead of calling batch_stats; batch_stats itself uses x.var() after a float64 cast of integers.
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got an array with shape {x.shape}")
    if x.dtype.kind in "iu":
        x = x.astype("float64")
    return x.mean(0), x.var(0)


def distribution_drift(before, after, eps=1e-5):
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    var_before = np.var(before, axis=0)
    shift = np.divide(np.mean(after, axis=0) - np.mean(before, axis=0), np.sqrt(var_before + eps))
    scale = np.sqrt(np.divide(np.var(after, axis=0) + eps, var_before + eps))
    return shift, scale
