"""You reshaped the (N, C, H, W) maps straight to (N*H*W, C) without moving the channels last first. x.reshape(-1, C) mixes values of different channels in one column; transpose to (N, H, W, C) first: x.transpose(0, 2, 3, 1).reshape(-1, C) (and back the same way).
"""
from _backward import *

TARGETS = ("spatial_batchnorm_forward", "spatial_batchnorm_backward")
SUMMARY = "reshape (N, C, H, W) to (N*H*W, C) without moving the channels last"
CELLS = {"ex02_algorithm": ["test_spatial_channels"], "ex03_gamma_beta": ["test_spatial_backward"]}


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x: expected shape (N, C, H, W), got {x.shape}")
    if np.shape(gamma) != (x.shape[1],) or np.shape(beta) != (x.shape[1],):
        raise ValueError(f"gamma, beta: expected shape ({x.shape[1]},)")
    out, cache = batchnorm_forward(x.reshape(-1, x.shape[1]), gamma, beta, eps)
    return out.reshape(x.shape), cache


def spatial_batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, dout.shape[1]), cache)
    return dx.reshape(dout.shape), dgamma, dbeta
