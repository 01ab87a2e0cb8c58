"""You computed the statistics over the wrong axis: per sample (over the features, axis 1) instead of per feature over the batch (axis 0). That is layer normalisation; batch normalisation averages each feature over the N samples of the batch.
"""
import numpy as np


def batch_stats(x):
    x = np.asarray(x, dtype=float)
    return x.mean(axis=1), x.var(axis=1)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, (x, gamma, beta, eps)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    var = x.var(axis=(1, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), (x, gamma, beta, eps)


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = before.mean(axis=1), before.var(axis=1)
    mean_a, var_a = after.mean(axis=1), after.var(axis=1)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt((var_a + eps) / (var_b + eps))
