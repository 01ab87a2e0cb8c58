"""Your module normalizes with eps = 1e-5 whatever eps it was given. Store the constructor's eps and use it: BatchNorm1d(4, eps=1e-3) must add 1e-3 under the square root.
"""
import numpy as np
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "ignore the eps given to BatchNorm1d"
CELLS = {"ex04_inference": ["test_module_train"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _normalise(self, x, mean, var):
        out = self.gamma * (x - mean) / np.sqrt(var + 1e-5) + self.beta
        return out.astype(np.result_type(x, np.float32))
