"""Your function turns float32 input into float64 (np.asarray(x, dtype=float), or float64 constants). float32 input must give float32 results, as PyTorch keeps the dtype: convert only integer input to float64.
"""
from _norm import *

TARGETS = ("batch_stats", "batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward")
SUMMARY = "turn float32 input into float64 results"
CELLS = {"ex01_covariate_shift": ["test_batch_stats_contract"], "ex02_algorithm": ["test_bn_dtypes"],
         "ex05_pitfalls": ["test_layernorm_float32"]}


def _as_input(x, ndim, shape):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != ndim:
        raise ValueError(f"x: expected an array of shape {shape}, got shape {x.shape}")
    return x
