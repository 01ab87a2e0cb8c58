"""You swapped gamma and beta: the output is gamma * x_hat + beta, gamma scales and beta shifts.
"""
from _norm import *

TARGETS = ("batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward")
SUMMARY = "swap gamma and beta"
CELLS = {"ex02_algorithm": ["test_bn_example"], "ex05_pitfalls": ["test_layernorm_example"]}


def _affine(xhat, gamma, beta):
    return beta * xhat + gamma
