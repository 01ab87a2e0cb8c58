"""Your running_var starts at zeros. PyTorch starts it at ones (and running_mean at zeros): a zero start makes the early estimates far too small (with momentum 0.1, after 5 batches the estimate holds only 1 - 0.9^5, about 41%, of the true variance).
"""
import numpy as np
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "start running_var at zeros"
CELLS = {"ex04_inference": ["test_module_init"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, eps, momentum)
        self.running_var = np.zeros(num_features)
