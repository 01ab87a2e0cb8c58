"""Your dgamma and dbeta are swapped: dbeta = sum of dout over the batch, and dgamma = sum of dout * x_hat (gamma multiplies x_hat, beta is added).
"""
import numpy as np

TARGETS = ("batchnorm_backward",)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, (xhat, gamma, var, eps)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, dout.sum(axis=0), (dout * xhat).sum(axis=0)
