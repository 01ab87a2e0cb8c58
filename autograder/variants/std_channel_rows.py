"""np.std for the spread and out = gamma * (x - mean) / np.sqrt(std ** 2 + eps) + beta with a cache of (x, mean, std, gamma, eps); the spatial versions lay the maps out channel-first, x.transpose(1, 0, 2, 3).reshape(C, -1), and take the statistics over axis 1 of that (C, N*H*W) array.
"""
import numpy as np

ASSIGNMENTS = ["ex02_algorithm", "ex03_gamma_beta"]


def _params(gamma, beta, c):
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    if gamma.shape != (c,):
        raise ValueError(f"gamma.shape is {gamma.shape}; expected ({c},)")
    if beta.shape != (c,):
        raise ValueError(f"beta.shape is {beta.shape}; expected ({c},)")
    return gamma, beta


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x.ndim is {x.ndim}; expected x of shape (N, D)")
    x = x * 1.0 if x.dtype.kind in "iu" else x
    gamma, beta = _params(gamma, beta, x.shape[1])
    mean = np.mean(x, axis=0)
    std = np.std(x, axis=0)
    out = gamma * (x - mean) / np.sqrt(std ** 2 + eps) + beta
    return out, (x, mean, std, gamma, eps)


def batchnorm_backward(dout, cache):
    x, mean, std, gamma, eps = cache
    n = x.shape[0]
    sigma = np.sqrt(std ** 2 + eps)
    xhat = (x - mean) / sigma
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dx = (gamma / (n * sigma)) * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x.ndim is {x.ndim}; expected x of shape (N, C, H, W)")
    N, C, H, W = x.shape
    gamma, beta = _params(gamma, beta, C)
    x = x * 1.0 if x.dtype.kind in "iu" else x
    cols = x.transpose(1, 0, 2, 3).reshape(C, -1)  # (C, N*H*W)
    mean = cols.mean(axis=1, keepdims=True)
    std = cols.std(axis=1, keepdims=True)
    xhat = (cols - mean) / np.sqrt(std ** 2 + eps)
    out = gamma[:, None] * xhat + beta[:, None]
    return out.reshape(C, N, H, W).transpose(1, 0, 2, 3), (xhat, gamma, std, eps)


def spatial_batchnorm_backward(dout, cache):
    xhat, gamma, std, eps = cache
    N, C, H, W = dout.shape
    m = N * H * W
    g = dout.transpose(1, 0, 2, 3).reshape(C, -1)
    dbeta = g.sum(axis=1)
    dgamma = (g * xhat).sum(axis=1)
    dx = gamma[:, None] / (m * np.sqrt(std ** 2 + eps)) * (m * g - dbeta[:, None] - xhat * dgamma[:, None])
    return dx.reshape(C, N, H, W).transpose(1, 0, 2, 3), dgamma, dbeta
