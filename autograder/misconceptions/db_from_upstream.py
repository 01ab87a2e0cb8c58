"""Your db is not the gradient of the bias before batch norm. b shifts every sample's pre-activation equally, and batch norm subtracts the batch mean, so b has no effect on the output: db = sum of da over the batch, which is zero.
"""
from _layer import *

TARGETS = ("affine_bn_relu_backward",)
SUMMARY = "compute db from the upstream gradient (it is zero)"
CELLS = {"ex06_training": ["test_layer_db"]}


def _db(da, dout):
    return dout.sum(axis=0)
