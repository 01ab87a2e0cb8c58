"""Your layer applies ReLU before batch normalisation. This exercise (like Ioffe & Szegedy) normalises the affine output and applies the nonlinearity last: relu(BN(x @ W + b)).
"""
import numpy as np


def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    a = np.maximum(x @ W + b, 0)
    mean, var = a.mean(axis=0), a.var(axis=0)
    xhat = (a - mean) / np.sqrt(var + eps)
    return gamma * xhat + beta, (x, W, a, xhat, gamma, var, eps)


def affine_bn_relu_backward(dout, cache):
    x, W, a, xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dgamma, dbeta = (dout * xhat).sum(axis=0), dout.sum(axis=0)
    dxhat = dout * gamma
    da = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    da = da * (a > 0)
    return da @ W.T, x.T @ da, da.sum(axis=0), dgamma, dbeta
