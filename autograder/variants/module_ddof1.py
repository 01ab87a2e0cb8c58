"""A BatchNorm1d that updates running_var with np.var(x, axis=0, ddof=1) (the unbiased variance straight from numpy, not var * N / (N - 1)), writes the momentum update as momentum * batch + (1 - momentum) * running, and defines __call__ = forward; fold_batchnorm builds W_f = W @ np.diag(scale).
"""
import numpy as np

ASSIGNMENTS = ["ex04_inference"]


class BatchNorm1d:
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.num_batches_tracked = 0
        self.training = True

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        self.training = False
        return self

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != len(self.gamma):
            raise ValueError(f"x must have shape (N, {len(self.gamma)}), got {x.shape}")
        out_dtype = np.float32 if x.dtype == np.float32 else np.float64
        if self.training:
            if x.shape[0] < 2:
                raise ValueError("BatchNorm1d needs more than one sample per batch in training mode")
            mean = np.mean(x, axis=0)
            var = np.var(x, axis=0)
            self.num_batches_tracked += 1
            if self.momentum is None:
                m = 1.0 / self.num_batches_tracked
            else:
                m = self.momentum
            self.running_mean = m * mean + (1 - m) * self.running_mean
            self.running_var = m * np.var(x, axis=0, ddof=1) + (1 - m) * self.running_var
        else:
            mean, var = self.running_mean, self.running_var
        out = self.gamma * (x - mean) / np.sqrt(var + self.eps) + self.beta
        return out.astype(out_dtype)

    __call__ = forward


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    W_f = W @ np.diag(scale)
    b_f = scale * (b - running_mean) + beta
    return W_f, b_f
