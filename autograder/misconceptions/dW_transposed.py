"""Your dW is transposed (da.T @ x, of shape (D_out, D_in)). For y = x @ W with W of shape (D_in, D_out), dW = x.T @ da has W's shape.
"""
from _layer import *

TARGETS = ("affine_bn_relu_backward",)
SUMMARY = "return dW transposed"
CELLS = {"ex06_training": ["test_layer_shapes"]}  # the backward cell tolerates it: its values are right


def _dW(x, da):
    return da.T @ x
