"""You returned dgamma and dbeta swapped (or computed each with the other's formula). dbeta = sum of dout over the batch; dgamma = sum of dout * x_hat.
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "swap dgamma and dbeta"
CELLS = {"ex03_gamma_beta": ["test_backward_params"]}


def _order(dx, dgamma, dbeta):
    return dx, dbeta, dgamma
