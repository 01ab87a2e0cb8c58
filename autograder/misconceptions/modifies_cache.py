"""Your backward pass changes the arrays in the cache in place (x_hat *= ..., say), so a second call with the same cache gives other gradients. Compute into new arrays: the cache (and dout) must come out of the backward pass unchanged.
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "modify the cache in place in the backward pass"
CELLS = {"ex03_gamma_beta": ["test_backward_contract"]}


def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    n = dout.shape[0]
    dgamma, dbeta = (dout * xhat).sum(axis=0), dout.sum(axis=0)
    term = xhat  # not a copy: the next line changes the cache
    term *= dgamma / n
    return gamma * inv_std * (dout - dbeta / n - term), dgamma, dbeta
