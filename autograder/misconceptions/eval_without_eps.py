"""In evaluation mode your module divides by sqrt(running_var) without eps. eps belongs under the square root in both modes: (x - running_mean) / sqrt(running_var + eps). A feature whose running variance is near 0 would otherwise blow up, and the outputs of the two modes would not match.
"""
import numpy as np
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "leave eps out in evaluation mode"
CELLS = {"ex04_inference": ["test_module_eval"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def forward(self, x):
        if not self.training:
            out = self.gamma * (x - self.running_mean) / np.sqrt(self.running_var) + self.beta
            return out.astype(np.result_type(x, np.float32))
        return super().forward(x)
