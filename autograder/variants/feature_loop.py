"""Explicit Python loops over the features: the forward pass normalises one column at a time into a preallocated output and keeps per-feature lists in its cache, and the backward pass applies the compact formula column by column; spatial versions loop over the channels of the 4-D maps.
"""
import numpy as np

ASSIGNMENTS = ["ex02_algorithm", "ex03_gamma_beta"]


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _check(gamma, beta, d):
    if len(np.shape(gamma)) != 1 or np.shape(gamma)[0] != d:
        raise ValueError(f"gamma has shape {np.shape(gamma)}, expected ({d},)")
    if len(np.shape(beta)) != 1 or np.shape(beta)[0] != d:
        raise ValueError(f"beta has shape {np.shape(beta)}, expected ({d},)")


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = _float(x)
    if x.ndim != 2:
        raise ValueError(f"x has shape {x.shape}, expected (N, D)")
    n, d = x.shape
    _check(gamma, beta, d)
    out = np.empty_like(x)
    xhats, inv_stds = [], []
    for j in range(d):
        col = x[:, j]
        mu = col.mean()
        var = ((col - mu) ** 2).mean()
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (col - mu) * inv_std
        out[:, j] = gamma[j] * xhat + beta[j]
        xhats.append(xhat)
        inv_stds.append(inv_std)
    return out, (xhats, list(gamma), inv_stds)


def batchnorm_backward(dout, cache):
    xhats, gammas, inv_stds = cache
    n, d = dout.shape
    dx = np.empty_like(dout)
    dgamma = np.empty(d, dtype=dout.dtype)
    dbeta = np.empty(d, dtype=dout.dtype)
    for j in range(d):
        g, xhat = dout[:, j], xhats[j]
        dbeta[j] = g.sum()
        dgamma[j] = (g * xhat).sum()
        dx[:, j] = gammas[j] * inv_stds[j] / n * (n * g - dbeta[j] - xhat * dgamma[j])
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = _float(x)
    if x.ndim != 4:
        raise ValueError(f"x has shape {x.shape}, expected (N, C, H, W)")
    n, c, h, w = x.shape
    _check(gamma, beta, c)
    out = np.empty_like(x)
    xhats, inv_stds = [], []
    for k in range(c):
        ch = x[:, k, :, :]
        mu = ch.mean()
        var = ((ch - mu) ** 2).mean()
        inv_std = 1.0 / np.sqrt(var + eps)
        xhat = (ch - mu) * inv_std
        out[:, k, :, :] = gamma[k] * xhat + beta[k]
        xhats.append(xhat)
        inv_stds.append(inv_std)
    return out, (xhats, list(gamma), inv_stds)


def spatial_batchnorm_backward(dout, cache):
    xhats, gammas, inv_stds = cache
    n, c, h, w = dout.shape
    m = n * h * w
    dx = np.empty_like(dout)
    dgamma = np.empty(c, dtype=dout.dtype)
    dbeta = np.empty(c, dtype=dout.dtype)
    for k in range(c):
        g, xhat = dout[:, k, :, :], xhats[k]
        dbeta[k] = g.sum()
        dgamma[k] = (g * xhat).sum()
        dx[:, k, :, :] = gammas[k] * inv_stds[k] / m * (m * g - dbeta[k] - xhat * dgamma[k])
    return dx, dgamma, dbeta
