"""Your dx flows through the variance but not through the batch mean: it misses the term - mean(dout). Per feature, dx must sum to zero: dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat)).
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "leave the path through the batch mean out of dx"
CELLS = {"ex03_gamma_beta": ["test_backward_dx"]}


def _dx(dout, xhat, gamma, inv_std):
    n = dout.shape[0]
    return gamma * inv_std / n * (n * dout - xhat * (dout * xhat).sum(axis=0))
