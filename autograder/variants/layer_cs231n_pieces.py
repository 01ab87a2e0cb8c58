"""CS231n's layer pieces composed: private affine and ReLU forward/backward helpers each with its own cache, the layer cache a tuple of the three caches, its own staged batch norm (not the given one), and the ReLU backward written as a copy with the inactive entries zeroed (dz = dout.copy(); dz[z <= 0] = 0).
"""
import numpy as np

ASSIGNMENTS = ["ex06_training"]


def _affine_forward(x, W, b):
    return x.dot(W) + b, (x, W)


def _affine_backward(dout, cache):
    x, W = cache
    return dout.dot(W.T), x.T.dot(dout), dout.sum(axis=0)


def _bn_forward(x, gamma, beta, eps):
    N = x.shape[0]
    mu = np.sum(x, axis=0) / N
    xmu = x - mu
    var = np.sum(xmu ** 2, axis=0) / N
    ivar = 1.0 / np.sqrt(var + eps)
    xhat = xmu * ivar
    return gamma * xhat + beta, (xhat, xmu, ivar, gamma)


def _bn_backward(dout, cache):
    xhat, xmu, ivar, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * ivar ** 3
    dmu = -np.sum(dxhat * ivar, axis=0) - 2.0 * dvar * np.mean(xmu, axis=0)
    dx = dxhat * ivar + dvar * 2.0 * xmu / N + dmu / N
    return dx, dgamma, dbeta


def _relu_forward(z):
    return np.maximum(z, 0), z


def _relu_backward(dout, z):
    dz = dout.copy()
    dz[z <= 0] = 0
    return dz


def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    a, fc_cache = _affine_forward(x, W, b)
    z, bn_cache = _bn_forward(a, gamma, beta, eps)
    out, relu_cache = _relu_forward(z)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_bn_relu_backward(dout, cache):
    fc_cache, bn_cache, relu_cache = cache
    dz = _relu_backward(dout, relu_cache)
    da, dgamma, dbeta = _bn_backward(dz, bn_cache)
    dx, dW, db = _affine_backward(da, fc_cache)
    return dx, dW, db, dgamma, dbeta
