"""A staged backward pass on the exercise's given cache (x_hat, gamma, inv_std): it rebuilds xmu = x_hat / inv_std and walks CS231n's graph back (dxhat, dvar, dmu, then dx) instead of using the compact formula; the spatial backward reshapes the cached (N*H*W, C) rows back to 4-D and sums over axes (0, 2, 3) with m = N * H * W.
"""
import numpy as np

ASSIGNMENTS = ["ex03_gamma_beta"]


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    N = dout.shape[0]
    xmu = xhat / inv_std
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * inv_std ** 3
    dmu = np.sum(-dxhat * inv_std, axis=0) + dvar * np.mean(-2.0 * xmu, axis=0)
    dx = dxhat * inv_std + dvar * 2.0 * xmu / N + dmu / N
    return dx, dgamma, dbeta


def spatial_batchnorm_backward(dout, cache):
    xhat_rows, gamma, inv_std = cache
    N, C, H, W = dout.shape
    m = N * H * W
    xhat = xhat_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    g = gamma.reshape(1, C, 1, 1)
    s = inv_std.reshape(1, C, 1, 1)
    dbeta = dout.sum(axis=(0, 2, 3))
    dgamma = (dout * xhat).sum(axis=(0, 2, 3))
    dx = g * s / m * (m * dout - dbeta.reshape(1, C, 1, 1) - xhat * dgamma.reshape(1, C, 1, 1))
    return dx, dgamma, dbeta
