"""You computed the statistics over the wrong axis: per sample (over the features, axis 1) instead of per feature over the batch (axis 0). That is layer normalization; batch normalization averages each feature over the N samples of the batch.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "distribution_drift")
SUMMARY = "take the statistics per sample (axis 1) instead of per feature"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_features"], "ex02_algorithm": ["test_bn_features"]}


def _bn_axis():
    return 1
