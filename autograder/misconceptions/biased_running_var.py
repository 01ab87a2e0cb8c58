"""Your running variance stores the biased batch variance (divide by N). PyTorch, like Algorithm 2 of Ioffe & Szegedy, stores the unbiased estimate, var * N / (N - 1), in running_var, while it normalises the batch itself with the biased one.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "store the biased variance as running_var"
CELLS = {"ex04_inference": ["test_module_running_var"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _update(self, mean, var, n):
        self.num_batches_tracked += 1
        m = self._factor()
        self.running_mean = (1 - m) * self.running_mean + m * mean
        self.running_var = (1 - m) * self.running_var + m * var  # biased
