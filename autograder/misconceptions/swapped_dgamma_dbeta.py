"""Your dgamma and dbeta are swapped: dbeta = sum of dout over the batch, and dgamma = sum of dout * x_hat (gamma multiplies x_hat, beta is added).
"""
import numpy as np
from _batchnorm import batchnorm_forward  # noqa: F401 - the loader pastes it in: the backward needs its cache

TARGETS = ("batchnorm_backward",)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, dout.sum(axis=0), (dout * xhat).sum(axis=0)
