"""Your variance divides by N-1 (the unbiased estimate, as np.var(..., ddof=1) or torch.var do by default). Batch normalization normalizes with the biased batch variance: divide by N (np.var's default, ddof=0).

The unbiased variance belongs in BatchNorm1d's running variance, not in the normalization.
"""
from _batchnorm1d import _CorrectBatchNorm1d
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "distribution_drift", "BatchNorm1d")
SUMMARY = "divide the variance by N-1 when normalizing"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_example"], "ex02_algorithm": ["test_bn_example"],
         "ex04_inference": ["test_module_train"]}


def _var(x, mean, axis):
    n = x.size // mean.size
    return ((x - mean) ** 2).sum(axis=axis, keepdims=True) / (n - 1)


class BatchNorm1d(_CorrectBatchNorm1d):
    def _normalise(self, x, mean, var):
        if self.training:
            var = var * x.shape[0] / (x.shape[0] - 1)
        return super()._normalise(x, mean, var)
