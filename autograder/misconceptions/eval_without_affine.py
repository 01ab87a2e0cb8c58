"""In evaluation mode your module normalizes with the running statistics but leaves out gamma and beta. The learned scale and shift apply in both modes: gamma * (x - running_mean) / sqrt(running_var + eps) + beta.
"""
import numpy as np
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "leave gamma and beta out in evaluation mode"
CELLS = {"ex04_inference": ["test_module_eval"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def forward(self, x):
        if not self.training:
            out = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)
            return out.astype(np.result_type(x, np.float32))
        return super().forward(x)
