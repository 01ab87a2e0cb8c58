"""Your shift is the raw difference of the means. The drift of a unit is measured in units of its earlier spread: shift = (mean_after - mean_before) / sqrt(var_before + eps), so that it means the same for a unit with values near 1 and one with values near 1000.
"""
from _norm import *

TARGETS = ("distribution_drift",)
SUMMARY = "give the raw shift of the mean, not in earlier standard deviations"
CELLS = {"ex01_covariate_shift": ["test_drift_example"]}


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return mean_a - mean_b, np.sqrt((var_a + eps) / (var_b + eps))
