"""Your module changes its running statistics or num_batches_tracked before it rejects a batch of one. Check the batch size first, so a failed call leaves the module as it was.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "update the running statistics before rejecting a batch of one"
CELLS = {"ex04_inference": ["test_module_batch_of_one"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _check_batch(self, x):
        return x.shape[0]  # checked only after the update, below

    def _update(self, mean, var, n):
        super()._update(mean, var, n)
        if n < 2:
            raise ValueError("x: expected more than 1 value per feature when training")
