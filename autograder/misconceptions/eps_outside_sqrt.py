"""You added eps outside the square root, (x - mean) / (sqrt(var) + eps). It belongs inside: (x - mean) / sqrt(var + eps). The two differ exactly where eps matters, for features whose variance is comparable to eps.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return gamma * (x - mean) / (np.sqrt(var) + eps) + beta, (x, gamma, beta, eps)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / (np.sqrt(var) + eps)
    return gamma.reshape(1, -1, 1, 1) * xhat + beta.reshape(1, -1, 1, 1), (x, gamma, beta, eps)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / (np.sqrt(var) + eps) + beta, (x, gamma, beta, eps)


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (np.sqrt(running_var) + eps)
    return W * scale, (b - running_mean) * scale + beta
