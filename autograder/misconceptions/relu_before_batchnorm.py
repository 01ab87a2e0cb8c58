"""Your layer applies ReLU before batch normalization. This exercise (like Ioffe & Szegedy) normalizes the affine output and applies the nonlinearity last: relu(BN(x @ W + b)).
"""
from _layer import *

TARGETS = ("affine_bn_relu_forward",)
SUMMARY = "apply ReLU before batch norm"
CELLS = {"ex06_training": ["test_layer_forward"]}


def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    a = x @ W + b
    r = np.maximum(a, 0)
    z, bn_cache = batchnorm_forward(r, gamma, beta, eps)
    return z, (x, W, a, r, bn_cache)


def affine_bn_relu_backward(dout, cache):
    x, W, a, r, bn_cache = cache
    dr, dgamma, dbeta = batchnorm_backward(dout, bn_cache)
    da = dr * (a > 0)
    return da @ W.T, x.T @ da, da.sum(axis=0), dgamma, dbeta
