"""Explicit Python loops over the features: each column's mean and variance in its own iteration, written into preallocated arrays of the result dtype (float32 for float32 input, float64 otherwise); the drift loops over units too.
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x should have shape (N, D), but x.ndim is {x.ndim}")
    n, d = x.shape
    dtype = np.float32 if x.dtype == np.float32 else np.float64
    mean = np.zeros(d, dtype=dtype)
    var = np.zeros(d, dtype=dtype)
    for j in range(d):
        column = x[:, j].astype(dtype)
        mean[j] = column.mean()
        var[j] = ((column - mean[j]) ** 2).mean()
    return mean, var


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    shift = np.zeros_like(mean_b)
    scale = np.zeros_like(mean_b)
    for j in range(len(mean_b)):
        shift[j] = (mean_a[j] - mean_b[j]) / np.sqrt(var_b[j] + eps)
        scale[j] = np.sqrt((var_a[j] + eps) / (var_b[j] + eps))
    return shift, scale
