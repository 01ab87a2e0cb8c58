"""Your dx leaves out gamma. The output is gamma * x_hat + beta, so the gradient reaching x_hat is gamma * dout: dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat)).
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "leave gamma out of dx"
CELLS = {"ex03_gamma_beta": ["test_backward_dx"]}


def _dx(dout, xhat, gamma, inv_std):
    n = dout.shape[0]
    return inv_std / n * (n * dout - dout.sum(axis=0) - xhat * (dout * xhat).sum(axis=0))
