"""Your module turns float32 input into float64 output (float64 parameters or statistics promote it). float32 input must give float32 output, as in PyTorch: cast the result back to the input's floating dtype.
"""
import numpy as np
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "return float64 for float32 input in BatchNorm1d"
CELLS = {"ex04_inference": ["test_module_float32"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _normalise(self, x, mean, var):
        return self.gamma * (x - mean) / np.sqrt(var + self.eps) + self.beta
