"""Your backward pass follows the gradient through the variance but not through the mean: dx lacks the - mean(dout) term. Both batch statistics depend on x; per feature, the gradient dx must sum to zero.
"""
import numpy as np
from _batchnorm import batchnorm_forward  # noqa: F401 - the loader pastes it in: the backward needs its cache

TARGETS = ("batchnorm_backward",)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    dx = gamma / np.sqrt(var + eps) * (dout - xhat * (dout * xhat).mean(axis=0))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)
