"""Your spatial backward pass averages over the N images only. Each channel's statistics were taken over N * H * W values, so its gradient divides by m = N * H * W (and sums over axes (0, 2, 3)): reuse batchnorm_backward on the (N*H*W, C) rows, or use m = N * H * W.
"""
from _backward import *

TARGETS = ("spatial_batchnorm_backward",)
SUMMARY = "divide the spatial gradient by N instead of N * H * W"
CELLS = {"ex03_gamma_beta": ["test_spatial_backward"]}


def spatial_batchnorm_backward(dout, cache):
    xhat_rows, gamma, inv_std = cache
    n, c, h, w = dout.shape
    xhat = xhat_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)
    g, s = np.reshape(gamma, (1, c, 1, 1)), np.reshape(inv_std, (1, c, 1, 1))
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)
    dx = g * s / n * (n * dout - dbeta - xhat * dgamma)
    return dx, dgamma.reshape(c), dbeta.reshape(c)
