"""Your module updates its running statistics in evaluation mode too. Only training mode updates running_mean, running_var and num_batches_tracked; evaluation mode only reads them.
"""
import numpy as np


class BatchNorm1d:
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
        n = x.shape[0]
        if n < 2 and self.training:
            raise ValueError("x: expected more than 1 value per feature when training")
        mean, var = x.mean(axis=0), x.var(axis=0)
        self.num_batches_tracked += 1
        m = 1 / self.num_batches_tracked if self.momentum is None else self.momentum
        self.running_mean = (1 - m) * self.running_mean + m * mean
        self.running_var = (1 - m) * self.running_var + m * var * n / max(n - 1, 1)
        if not self.training:
            out = self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) + self.beta
            return out.astype(np.result_type(x, np.float32))
        out = self.gamma * (x - mean) / np.sqrt(var + self.eps) + self.beta
        return out.astype(np.result_type(x, np.float32))

    __call__ = forward
