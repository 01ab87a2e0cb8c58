"""Your module trains on a batch of one sample without complaint. With N = 1 the batch variance is 0 and every output is beta, so PyTorch raises ValueError ('Expected more than 1 value per channel when training'); so must yours, before changing any state.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "train on a batch of one sample without raising"
CELLS = {"ex04_inference": ["test_module_batch_of_one"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def _check_batch(self, x):
        return x.shape[0]
