"""keepdims=True internally, then a reshape: np.mean and np.var with keepdims=True give (1, D), flattened with reshape(-1) before returning; the drift divides by np.sqrt(var + eps) and takes the ratio of two square roots.
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"batch_stats expects x with shape (N, D); got x.shape = {x.shape}")
    if x.dtype.kind in "iub":
        x = x.astype(float)
    mu = np.mean(x, axis=0, keepdims=True)
    var = np.var(x, axis=0, keepdims=True)
    return mu.reshape(-1), var.reshape(-1)


def distribution_drift(before, after, eps=1e-5):
    mu_b, var_b = batch_stats(before)
    mu_a, var_a = batch_stats(after)
    std_b = np.sqrt(var_b + eps)
    std_a = np.sqrt(var_a + eps)
    return (mu_a - mu_b) / std_b, std_a / std_b
