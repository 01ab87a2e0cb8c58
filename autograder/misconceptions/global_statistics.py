"""You took one mean and one variance over the whole batch (all samples and all features together, axis=None). Batch normalization keeps one mean and one variance per feature: average over the samples only, axis 0.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "distribution_drift")
SUMMARY = "take one mean and variance over the whole array instead of per feature"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_features"], "ex02_algorithm": ["test_bn_features"]}


def _bn_axis():
    return None
