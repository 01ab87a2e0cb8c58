"""Your module updates its running statistics in evaluation mode too. Only training mode updates running_mean, running_var and num_batches_tracked; evaluation mode only reads them.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "update the running statistics in evaluation mode"
CELLS = {"ex04_inference": ["test_module_eval"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def forward(self, x):
        n = self._check_batch(x) if self.training else x.shape[0]
        mean, var = x.mean(axis=0), x.var(axis=0)
        self._update(mean, var, n)  # in both modes
        return self._normalise(x, *((mean, var) if self.training else (self.running_mean, self.running_var)))
