"""A BatchNorm1d that computes in the input's own float dtype (float32 statistics and parameters cast with astype(x.dtype), no float64 accumulation), with the unbiased variance for the running statistics as np.sum((x - mean) ** 2, axis=0) / (n - 1) and the eval/train flag set directly; fold_batchnorm with scale[np.newaxis, :] and b_f = b * scale + (beta - running_mean * scale).
"""
import numpy as np

ASSIGNMENTS = ["ex04_inference"]


class BatchNorm1d:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.num_batches_tracked = 0
        self.training = True
        self.eps = eps
        self.momentum = momentum

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        x = np.asarray(x)
        if np.ndim(x) != 2 or x.shape[1] != self.running_mean.shape[0]:
            raise ValueError(f"x: BatchNorm1d expects (N, {self.running_mean.shape[0]}) input, got shape {x.shape}")
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        dt = x.dtype
        gamma, beta = self.gamma.astype(dt), self.beta.astype(dt)
        if not self.training:
            mean = self.running_mean.astype(dt)
            std = np.sqrt(self.running_var.astype(dt) + dt.type(self.eps))
            return gamma * (x - mean) / std + beta
        n = x.shape[0]
        if n < 2:
            raise ValueError("Expected more than 1 value per feature when training (x has a batch of 1)")
        mean = np.mean(x, axis=0)
        sq = np.sum((x - mean) ** 2, axis=0)
        var = sq / n
        self.num_batches_tracked = self.num_batches_tracked + 1
        m = self.momentum if self.momentum is not None else 1 / self.num_batches_tracked
        self.running_mean = (1 - m) * self.running_mean + m * mean.astype(np.float64)
        self.running_var = (1 - m) * self.running_var + m * (sq / (n - 1)).astype(np.float64)
        return gamma * (x - mean) / np.sqrt(var + dt.type(self.eps)) + beta

    def __call__(self, x):
        return self.forward(x)


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    W_f = W * scale[np.newaxis, :]
    b_f = b * scale + (beta - running_mean * scale)
    return W_f, b_f
