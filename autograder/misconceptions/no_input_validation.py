"""Your function does not check its input: an x of the wrong number of dimensions, or a gamma or beta of the wrong length, either goes through or fails deep inside numpy with a message that does not say what is wrong. Raise ValueError naming the argument and the expected shape.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward")
SUMMARY = "do not validate the input shapes"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_bad_input"],
         "ex02_algorithm": ["test_bn_bad_input", "test_spatial_bad_input"], "ex05_pitfalls": ["test_layernorm_bad_input"]}


def _as_input(x, ndim, shape):
    x = np.asarray(x)
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def _check(p, d, name):
    pass


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    out, cache = batchnorm_forward(_rows(x), gamma, beta, eps)
    return _unrows(out, x.shape), cache
