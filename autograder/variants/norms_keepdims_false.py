"""Layer norm with keepdims=False statistics broadcast back by indexing, mean[:, None], the variance from np.var and a division by np.sqrt(var + eps); group norm through x.reshape(N, G, -1) with np.var over axis 2.
"""
import numpy as np

ASSIGNMENTS = ["ex05_pitfalls"]


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected shape (N, D), got {x.shape}")
    D = x.shape[1]
    if np.shape(gamma) != (D,):
        raise ValueError(f"gamma: expected shape ({D},), got {np.shape(gamma)}")
    if np.shape(beta) != (D,):
        raise ValueError(f"beta: expected shape ({D},), got {np.shape(beta)}")
    if x.dtype.kind in "iu":
        x = x.astype(np.float64)
    mean = x.mean(axis=1)
    var = np.var(x, axis=1)
    xhat = (x - mean[:, None]) / np.sqrt(var[:, None] + eps)
    return gamma * xhat + beta, (xhat, gamma, var, eps)


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    N, C, H, W = x.shape
    if num_groups <= 0 or C % num_groups != 0:
        raise ValueError(f"num_groups={num_groups} must divide the number of channels C={C}")
    grouped = x.reshape(N, num_groups, -1)
    mean = grouped.mean(axis=2, keepdims=True)
    var = np.var(grouped, axis=2, keepdims=True)
    xhat = ((grouped - mean) / np.sqrt(var + eps)).reshape(N, C, H, W)
    out = xhat * gamma[None, :, None, None] + beta[None, :, None, None]
    return out, (xhat, gamma, mean, var, num_groups, eps)
