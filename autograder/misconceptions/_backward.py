"""Correct backward passes built from hooks that the backward misconceptions redefine.

The loader pastes this file in place of ``from _backward import ...``. The forward passes
are Exercise 3's given ones (cache = (x_hat, gamma, 1/sqrt(var + eps))); the spatial
backward reuses the (N, D) backward through (N*H*W, C) rows, as the exercise suggests.
"""
import numpy as np


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected shape (N, D), got {x.shape}")
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (x.shape[1],):
            raise ValueError(f"{name}: expected shape ({x.shape[1]},), got {np.shape(p)}")
    mean, var = x.mean(axis=0), x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, eps)
    return out.reshape(n, h, w, c).transpose(0, 3, 1, 2), cache


def _dx(dout, xhat, gamma, inv_std):
    n = dout.shape[0]
    return gamma * inv_std / n * (n * dout - dout.sum(axis=0) - xhat * (dout * xhat).sum(axis=0))


def _dparams(dout, xhat):
    return (dout * xhat).sum(axis=0), dout.sum(axis=0)


def _order(dx, dgamma, dbeta):
    return dx, dgamma, dbeta


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    dx = _dx(dout, xhat, gamma, inv_std)
    return _order(dx, *_dparams(dout, xhat))


def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta
