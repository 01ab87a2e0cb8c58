"""Your dx is masked by x > 0, as if a ReLU came before this layer's affine map. This layer's ReLU is at its output: its mask applies to dout (where batch norm's output was positive), and dx = da @ W.T goes back to the previous layer unmasked (that layer's own backward pass applies its own mask).
"""
from _layer import *

TARGETS = ("affine_bn_relu_backward",)
SUMMARY = "mask dx by the layer's input x > 0"
CELLS = {"ex06_training": ["test_layer_backward"]}


def affine_bn_relu_backward(dout, cache):
    x, W, a, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(dout * _mask(a, z), bn_cache)
    return (da @ W.T) * (x > 0), _dW(x, da), _db(da, dout), dgamma, dbeta
