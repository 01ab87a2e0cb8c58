"""Your mean and variance have shape (1, D) (keepdims=True). The contract asks for shape (D,): one value per feature, as a 1-D array; reshape or drop keepdims before returning.
"""
from _norm import *

TARGETS = ("batch_stats",)
SUMMARY = "return statistics of shape (1, D)"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_contract"]}


def batch_stats(x):
    x = _as_input(x, 2, "(N, D)")
    return _stats(x, 0)
