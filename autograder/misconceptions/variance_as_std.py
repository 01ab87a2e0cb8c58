"""Your batch_stats returns the standard deviation where the variance is asked for (np.std instead of np.var, or one square root too many). The variance is the mean of (x - mean)^2, with no square root; the square root comes later, when batch norm divides by sqrt(var + eps).
"""
from _norm import *

TARGETS = ("batch_stats", "distribution_drift")
SUMMARY = "return the standard deviation instead of the variance"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_example", "test_batch_stats_features"]}

_variance_stats = batch_stats


def batch_stats(x):
    mean, var = _variance_stats(x)
    return mean, np.sqrt(var)
