"""Sums divided by N, CS231n style (np.sum(x, axis=0) / N), with no explicit cast: dividing an integer sum by N already gives float64; the drift multiplies by 1 / np.sqrt(var + eps).
"""
import numpy as np

ASSIGNMENTS = ["ex01_covariate_shift"]


def batch_stats(x):
    x = np.asarray(x)
    if len(x.shape) != 2:
        raise ValueError("Expected x to be 2-D (N, D) but got shape " + str(x.shape))
    N = x.shape[0]
    mean = np.sum(x, axis=0) / N
    xmu = x - mean
    var = np.sum(xmu * xmu, axis=0) / N
    return mean, var


def distribution_drift(before, after, eps=1e-5):
    m0, v0 = batch_stats(before)
    m1, v1 = batch_stats(after)
    inv_std0 = 1.0 / np.sqrt(v0 + eps)
    shift = (m1 - m0) * inv_std0
    scale = np.sqrt(v1 + eps) * inv_std0
    return shift, scale
