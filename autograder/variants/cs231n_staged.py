"""CS231n's staged computation graph: the forward pass in small named steps (mu, xmu, sq, var, sqrtvar, ivar, xhat) with a 9-tuple cache, and the backward pass walking that graph back node by node (CS231n's "batchnorm_backward", not the compact "alt" formula); spatial versions move the channels last and reuse the (N, D) functions.
"""
import numpy as np

ASSIGNMENTS = ["ex02_algorithm", "ex03_gamma_beta"]


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have shape (N, D), got {x.shape}")
    N, D = x.shape
    if np.shape(gamma) != (D,):
        raise ValueError(f"gamma must have shape ({D},), got {np.shape(gamma)}")
    if np.shape(beta) != (D,):
        raise ValueError(f"beta must have shape ({D},), got {np.shape(beta)}")
    if x.dtype.kind in "iu":
        x = x.astype(np.float64)

    # step 1: mean
    mu = 1.0 / N * np.sum(x, axis=0)
    # step 2: subtract the mean from every sample
    xmu = x - mu
    # step 3: squares
    sq = xmu ** 2
    # step 4: biased variance
    var = 1.0 / N * np.sum(sq, axis=0)
    # step 5: standard deviation, eps inside
    sqrtvar = np.sqrt(var + eps)
    # step 6: invert it
    ivar = 1.0 / sqrtvar
    # step 7: normalise
    xhat = xmu * ivar
    # step 8: scale
    gammax = gamma * xhat
    # step 9: shift
    out = gammax + beta

    cache = (xhat, gamma, xmu, ivar, sqrtvar, var, eps, sq, mu)
    return out, cache


def batchnorm_backward(dout, cache):
    xhat, gamma, xmu, ivar, sqrtvar, var, eps, sq, mu = cache
    N, D = dout.shape

    # step 9
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    # step 8
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    # step 7
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    # step 6
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    # step 5
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    # step 4
    dsq = 1.0 / N * np.ones_like(dout) * dvar
    # step 3
    dxmu2 = 2 * xmu * dsq
    # step 2
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    # step 1
    dx2 = 1.0 / N * np.ones_like(dout) * dmu
    dx = dx1 + dx2
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C, H, W), got {x.shape}")
    N, C, H, W = x.shape
    x_flat = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_flat, cache = batchnorm_forward(x_flat, gamma, beta, eps)
    out = out_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dout_flat = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_flat, dgamma, dbeta = batchnorm_backward(dout_flat, cache)
    dx = dx_flat.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta
