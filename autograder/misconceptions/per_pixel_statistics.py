"""Your spatial batch norm takes a mean and variance per pixel (over axis 0 only) instead of per channel. In a convolutional layer every position of a channel shares one mean and one variance, taken over the batch and all positions: axes (0, 2, 3).
"""
from _backward import *

TARGETS = ("spatial_batchnorm_forward", "spatial_batchnorm_backward")
SUMMARY = "take spatial statistics per pixel instead of per channel"
CELLS = {"ex02_algorithm": ["test_spatial_channels"], "ex03_gamma_beta": ["test_spatial_backward"]}


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x: expected shape (N, C, H, W), got {x.shape}")
    if np.shape(gamma) != (x.shape[1],) or np.shape(beta) != (x.shape[1],):
        raise ValueError(f"gamma, beta: expected shape ({x.shape[1]},)")
    mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * inv_std
    g = np.reshape(gamma, (1, -1, 1, 1))
    return g * xhat + np.reshape(beta, (1, -1, 1, 1)), (xhat, g, inv_std)


def spatial_batchnorm_backward(dout, cache):
    xhat, g, inv_std = cache
    n = dout.shape[0]
    dx = g * inv_std / n * (n * dout - dout.sum(axis=0) - xhat * (dout * xhat).sum(axis=0))
    return dx, (dout * xhat).sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))
