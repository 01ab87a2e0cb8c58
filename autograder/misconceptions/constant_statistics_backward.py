"""Your backward pass treats the batch mean and variance as constants (dx = dout * gamma / sqrt(var + eps)). They are computed from x, so the gradient must also flow through them: dx = gamma / sqrt(var + eps) * (dout - mean(dout) - x_hat * mean(dout * x_hat)), means over the batch.
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "treat the batch mean and variance as constants in dx"
CELLS = {"ex03_gamma_beta": ["test_backward_dx"]}


def _dx(dout, xhat, gamma, inv_std):
    return dout * gamma * inv_std
