"""With momentum=None your cumulative average uses the wrong factor. After the update num_batches_tracked = t counts this batch, and the factor is 1 / t, so that the running statistics are the plain average of all t batches.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "average with 1 / (num_batches_tracked + 1) for momentum=None"
CELLS = {"ex04_inference": ["test_module_momentum_none"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _factor(self):
        return 1 / (self.num_batches_tracked + 1) if self.momentum is None else self.momentum
