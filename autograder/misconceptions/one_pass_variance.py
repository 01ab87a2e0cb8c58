"""Your variance uses the one-pass formula E[x^2] - E[x]^2. In float32, on data far from zero (near 1e4, say), the two large terms cancel and the result loses every significant digit, or even comes out negative. Compute it in two passes: first the mean, then the mean of (x - mean)^2.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "distribution_drift")
SUMMARY = "compute the variance in one pass, E[x^2] - E[x]^2"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_float32"], "ex02_algorithm": ["test_bn_float32"]}


def _var(x, mean, axis):
    return (x * x).mean(axis=axis, keepdims=True) - mean * mean
