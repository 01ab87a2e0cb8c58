"""Your code uses eps = 1e-5 whatever the eps argument says. Use the argument: callers (and the hidden tests) pass other values, and PyTorch's and Keras's defaults differ (1e-5 and 1e-3).
"""
from _norm import *

TARGETS = ("batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward", "distribution_drift",
           "fold_batchnorm")
SUMMARY = "ignore the eps argument (a fixed 1e-5)"
CELLS = {"ex01_covariate_shift": ["test_drift_eps"], "ex02_algorithm": ["test_bn_eps"],
         "ex04_inference": ["test_fold_eps"], "ex05_pitfalls": ["test_layernorm_example"]}


def _inv_std(var, eps):
    return 1.0 / np.sqrt(var + 1e-5)
