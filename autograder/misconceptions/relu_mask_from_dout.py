"""Your backward pass lets the gradient through the ReLU where the upstream gradient dout is positive. The mask belongs to the forward pass: pass dout where the ReLU's input, BN(x @ W + b), was positive, whatever the sign of dout.
"""
from _layer import *

TARGETS = ("affine_bn_relu_backward",)
SUMMARY = "mask the ReLU gradient with the sign of dout instead of BN's output"
CELLS = {"ex06_training": ["test_layer_backward"]}


def affine_bn_relu_backward(dout, cache):
    x, W, a, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(dout * (dout > 0), bn_cache)
    return da @ W.T, _dW(x, da), _db(da, dout), dgamma, dbeta
