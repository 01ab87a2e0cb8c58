"""Your variance uses the one-pass formula E[x^2] - E[x]^2. In float32, on data far from zero (near 1e4, say), the two large terms cancel and the result loses every significant digit, or even comes out negative. Compute it in two passes: first the mean, then the mean of (x - mean)^2.
"""
import numpy as np


def batch_stats(x):
    x = np.asarray(x) if np.asarray(x).dtype.kind == "f" else np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    return mean, (x * x).mean(axis=0) - mean * mean


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = batch_stats(x)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, (x, gamma, beta, eps)
