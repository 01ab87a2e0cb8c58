"""Plain float32 arithmetic end to end: gamma and beta are cast to x's dtype, np.mean and np.sum accumulate in float32 (no float64 accumulator, unlike the reference), and the backward pass stays in the cache's dtype; CS231n's compact backward (dx = 1/N * gamma * inv_std * (N * dout - sum(dout) - xhat * sum(dout * xhat))).
"""
import numpy as np

ASSIGNMENTS = ["ex02_algorithm", "ex03_gamma_beta"]


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected 2 dimensions (N, D), got {x.ndim}")
    if x.dtype != np.float32:
        x = x.astype(np.float64)
    N, D = x.shape
    if np.shape(gamma) != (D,) or np.shape(beta) != (D,):
        bad = "gamma" if np.shape(gamma) != (D,) else "beta"
        raise ValueError(f"{bad}: expected shape ({D},)")
    gamma = np.asarray(gamma, dtype=x.dtype)
    beta = np.asarray(beta, dtype=x.dtype)
    mean = x.mean(axis=0)
    xc = x - mean
    var = (xc * xc).mean(axis=0)
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    xhat = xc * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    dout = dout.astype(xhat.dtype, copy=False)
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = (1 / N) * gamma * inv_std * (N * dout - dbeta - xhat * dgamma)
    return dx.astype(xhat.dtype, copy=False), dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x: expected 4 dimensions (N, C, H, W), got {x.ndim}")
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(N * H * W, C), gamma, beta, eps)
    return out.reshape(N, H, W, C).transpose(0, 3, 1, 2), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(N * H * W, C), cache)
    return dx.reshape(N, H, W, C).transpose(0, 3, 1, 2), dgamma, dbeta
