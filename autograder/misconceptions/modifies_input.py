"""Your function changes its input array x in place (x -= mean, say). The caller's data must not change: compute into new arrays (xc = x - mean).
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "layernorm_forward")
SUMMARY = "modify the input x in place"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_contract"], "ex02_algorithm": ["test_bn_dtypes"],
         "ex05_pitfalls": ["test_layernorm_float32"]}


def _centre_in_place(x, gamma, beta, eps, axis):
    _check(gamma, x.shape[1], "gamma")
    _check(beta, x.shape[1], "beta")
    mean = x.mean(axis=axis, keepdims=True)
    x -= mean  # the caller's array is now centred
    inv_std = 1.0 / np.sqrt((x * x).mean(axis=axis, keepdims=True) + eps)
    xhat = x * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def batch_stats(x):
    x = _as_input(x, 2, "(N, D)")
    mean = x.mean(axis=0)
    x -= mean
    return mean, (x * x).mean(axis=0)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return _centre_in_place(_as_input(x, 2, "(N, D)"), gamma, beta, eps, 0)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    return _centre_in_place(_as_input(x, 2, "(N, D)"), gamma, beta, eps, 1)
