"""The compact backward written with means on the given cache, dx = gamma * inv_std * (dout - dout.mean(0) - x_hat * (dout * x_hat).mean(0)), tuple-unpacked by index (cache[0], cache[1], cache[2]); the spatial backward uses the (C, N*H*W) layout, dout.transpose(1, 0, 2, 3).reshape(C, -1), against the cached rows transposed.
"""

ASSIGNMENTS = ["ex03_gamma_beta"]


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache[0], cache[1], cache[2]
    dbeta = dout.sum(axis=0)
    dgamma = (xhat * dout).sum(axis=0)
    dx = gamma * inv_std * (dout - dout.mean(axis=0) - xhat * (dout * xhat).mean(axis=0))
    return dx, dgamma, dbeta


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    xhat = cache[0].T  # (C, N*H*W), same order as the columns below
    g = dout.transpose(1, 0, 2, 3).reshape(C, -1)
    dbeta = g.sum(axis=1)
    dgamma = (g * xhat).sum(axis=1)
    scale = (cache[1] * cache[2])[:, None]
    dx = scale * (g - g.mean(axis=1, keepdims=True) - xhat * (g * xhat).mean(axis=1, keepdims=True))
    return dx.reshape(C, N, H, W).transpose(1, 0, 2, 3), dgamma, dbeta
