"""Your dgamma and dbeta have shape (1, D) (keepdims=True). A parameter's gradient has the parameter's shape, (D,) (and (C,) for feature maps): drop keepdims or reshape before returning.
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "return dgamma and dbeta of shape (1, D)"
CELLS = {"ex03_gamma_beta": ["test_backward_contract"]}


def _dparams(dout, xhat):
    return (dout * xhat).sum(axis=0, keepdims=True), dout.sum(axis=0, keepdims=True)
