"""Your scale is the ratio of the variances. It is the ratio of the standard deviations: scale = sqrt((var_after + eps) / (var_before + eps)), so that a unit whose spread doubles has scale 2, not 4.
"""
from _norm import *

TARGETS = ("distribution_drift",)
SUMMARY = "give the ratio of variances, not of standard deviations"
CELLS = {"ex01_covariate_shift": ["test_drift_example"]}


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), (var_a + eps) / (var_b + eps)
