"""Your shift is the raw difference of the means. The drift of a unit is measured in units of its earlier spread: shift = (mean_after - mean_before) / sqrt(var_before + eps), so that it means the same for a unit with values near 1 and one with values near 1000.
"""
import numpy as np


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = before.mean(axis=0), before.var(axis=0)
    mean_a, var_a = after.mean(axis=0), after.var(axis=0)
    return mean_a - mean_b, np.sqrt((var_a + eps) / (var_b + eps))
