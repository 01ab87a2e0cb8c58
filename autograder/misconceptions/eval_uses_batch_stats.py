"""In evaluation mode your module still normalises with the statistics of the batch it is given. Evaluation mode must use running_mean and running_var, so that a sample's output does not depend on the rest of the batch (and a batch of one works).
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "normalize with batch statistics in evaluation mode"
CELLS = {"ex04_inference": ["test_module_eval"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def forward(self, x):
        if not self.training:
            return self._normalise(x, x.mean(axis=0), x.var(axis=0))
        return super().forward(x)
