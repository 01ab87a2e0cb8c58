"""A correct training-mode forward pass, whose cache the backward misconceptions read.

The loader pastes this file in place of `from _batchnorm import batchnorm_forward`.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, gamma, var, eps)
