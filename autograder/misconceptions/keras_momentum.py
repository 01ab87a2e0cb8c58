"""Your running statistics use the Keras convention, running = momentum * running + (1 - momentum) * batch. In PyTorch (and in this course's BatchNorm1d) momentum is the weight of the new batch: running = (1 - momentum) * running + momentum * batch.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "use the Keras momentum convention"
CELLS = {"ex04_inference": ["test_module_running_mean"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _update(self, mean, var, n):
        self.num_batches_tracked += 1
        m = self._factor()
        self.running_mean = m * self.running_mean + (1 - m) * mean  # m weighs the old value
        self.running_var = m * self.running_var + (1 - m) * var * n / (n - 1)
