"""db returned as exact zeros (np.zeros_like(b): batch norm subtracts the batch mean, so the bias has no effect), the ReLU mask applied with np.where(z > 0, dout, 0), and dW with np.einsum('ni,nj->ij', x, da); the given batch norm functions.
"""
import numpy as np

ASSIGNMENTS = ["ex06_training"]


def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    a = x @ W + b
    z, bn_cache = batchnorm_forward(a, gamma, beta, eps)
    return np.where(z > 0, z, 0), (x, W, b, z, bn_cache)


def affine_bn_relu_backward(dout, cache):
    x, W, b, z, bn_cache = cache
    dz = np.where(z > 0, dout, 0)
    da, dgamma, dbeta = batchnorm_backward(dz, bn_cache)
    dx = da @ W.T
    dW = np.einsum("ni,nj->ij", x, da)
    db = np.zeros_like(b)
    return dx, dW, db, dgamma, dbeta
