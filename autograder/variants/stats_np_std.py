"""np.std, squared: the variance is np.std(x, axis=0) ** 2 (ddof=0), and the drift compares standard deviations written as np.sqrt(std ** 2 + eps).
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise TypeError(f"x has {x.ndim} dimensions; batch_stats needs x of shape (N, D)")
    if np.issubdtype(x.dtype, np.integer):
        x = x.astype(np.float64)
    std = np.std(x, axis=0)
    return np.mean(x, axis=0), std ** 2


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    sd_b, sd_a = np.sqrt(var_b + eps), np.sqrt(var_a + eps)
    return (mean_a - mean_b) / sd_b, sd_a / sd_b
