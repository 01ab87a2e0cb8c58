"""You swapped gamma and beta: the output must be gamma * x_hat + beta (gamma scales, beta shifts), not beta * x_hat + gamma.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return beta * (x - mean) / np.sqrt(var + eps) + gamma, (x, gamma, beta, eps)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return beta.reshape(1, -1, 1, 1) * xhat + gamma.reshape(1, -1, 1, 1), (x, gamma, beta, eps)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return beta * (x - mean) / np.sqrt(var + eps) + gamma, (x, gamma, beta, eps)
