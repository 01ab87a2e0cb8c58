"""A correct BatchNorm1d, split into the steps that the BatchNorm1d misconceptions get wrong.

Each of those files imports this class and overrides one step; the loader pastes this file
in place of the import, so every misconception stays a self-contained module.
"""
import numpy as np


class _CorrectBatchNorm1d:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.running_mean, self.running_var = np.zeros(num_features), np.ones(num_features)
        self.num_batches_tracked, self.training = 0, True
        self.eps, self.momentum = eps, momentum

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        if not self.training:
            return self._normalise(x, self.running_mean, self.running_var)
        n = self._check_batch(x)
        mean, var = x.mean(axis=0), x.var(axis=0)
        self._update(mean, var, n)
        return self._normalise(x, mean, var)

    def __call__(self, x):
        return self.forward(x)

    def _check_batch(self, x):
        if x.shape[0] < 2:
            raise ValueError("x: expected more than 1 value per feature when training")
        return x.shape[0]

    def _update(self, mean, var, n):
        self.num_batches_tracked += 1
        m = self._factor()
        self.running_mean = (1 - m) * self.running_mean + m * mean
        # n >= 2 here; max() keeps the variants that skip the check finite
        self.running_var = (1 - m) * self.running_var + m * var * n / max(n - 1, 1)

    def _factor(self):
        return 1 / self.num_batches_tracked if self.momentum is None else self.momentum

    def _normalise(self, x, mean, var):
        out = self.gamma * (x - mean) / np.sqrt(var + self.eps) + self.beta
        return out.astype(np.result_type(x, np.float32))
