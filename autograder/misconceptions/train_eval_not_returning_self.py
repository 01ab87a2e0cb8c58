"""Your train() or eval() does not return the module. In PyTorch both return self, so that `bn.eval()(x)` and `model = model.train()` work: end them with `return self`.
"""
from _batchnorm1d import _CorrectBatchNorm1d

SUMMARY = "do not return self from train() and eval()"
CELLS = {"ex04_inference": ["test_module_eval"]}


class BatchNorm1d(_CorrectBatchNorm1d):
    def train(self, mode=True):
        self.training = mode

    def eval(self):
        self.train(False)
