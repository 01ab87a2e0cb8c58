"""Your backward pass treats the batch mean and variance as constants (dx = dout * gamma / sqrt(var + eps)). They are computed from x, so the gradient must also flow through them: dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat)), means over the batch.
"""
import numpy as np
from _batchnorm import batchnorm_forward

TARGETS = ("batchnorm_backward", "spatial_batchnorm_backward")


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    dx = dout * gamma / np.sqrt(var + eps)
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, eps)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta
