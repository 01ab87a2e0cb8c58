"""Your function modifies its input array in place (for example with x -= mean). The caller's x must come back unchanged: compute into a new array, e.g. xc = x - mean.
"""
import numpy as np


def batch_stats(x):
    mean = x.mean(axis=0)
    x -= mean
    return mean, (x * x).mean(axis=0)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=0)
    x /= np.sqrt(x.var(axis=0) + eps)
    return gamma * x + beta, (x, gamma, beta, eps)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x -= x.mean(axis=1, keepdims=True)
    x /= np.sqrt(x.var(axis=1, keepdims=True) + eps)
    return gamma * x + beta, (x, gamma, beta, eps)
