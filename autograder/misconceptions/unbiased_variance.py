"""Your variance divides by N-1 (the unbiased estimate, as np.var(..., ddof=1) or torch.var do by default). Batch normalisation normalises with the biased batch variance: divide by N (np.var's default, ddof=0).

The unbiased variance belongs in the running variance of BatchNorm1d, not in the normalisation.
"""
import numpy as np


def batch_stats(x):
    x = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "iu" else np.asarray(x)
    return x.mean(axis=0), x.var(axis=0, ddof=1)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = batch_stats(x)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, (x, gamma, beta, eps)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True, ddof=1)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), (x, gamma, beta, eps)


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt((var_a + eps) / (var_b + eps))
