"""Your spatial batch norm takes a mean and variance per pixel (over axis 0 only) instead of per channel. In a convolutional layer every position of a channel shares one mean and one variance, taken over the batch and all positions: axes (0, 2, 3).
"""
import numpy as np


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=0, keepdims=True)
    var = x.var(axis=0, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    out = gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1)
    return out, (xhat, gamma, var, eps)


def spatial_batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    g = gamma.reshape(1, -1, 1, 1)
    dxhat = dout * g
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
