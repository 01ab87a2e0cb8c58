"""Your function returns integers for integer input (it keeps x's dtype, or truncates with astype(x.dtype)). Integer input is computed and returned in float64: a mean of integers is not an integer.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward")
SUMMARY = "return integers for integer input"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_contract"], "ex02_algorithm": ["test_bn_dtypes"]}


def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected an array of shape (N, D), got shape {x.shape}")
    mean, var = _stats(x.astype(np.float64), 0)
    return mean.reshape(-1).astype(x.dtype), var.reshape(-1).astype(x.dtype)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    dtype = np.asarray(x).dtype
    out, cache = _normalize(_as_input(x, 2, "(N, D)"), gamma, beta, eps, 0)
    return out.astype(dtype) if dtype.kind in "biu" else out, cache
