"""Your code leaves eps out: it divides by sqrt(var) alone. eps keeps the division finite for a feature that hardly varies (or not at all); it goes inside the square root, sqrt(var + eps).
"""
from _norm import *

TARGETS = ("batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward", "distribution_drift",
           "fold_batchnorm")
SUMMARY = "leave eps out"
CELLS = {"ex01_covariate_shift": ["test_drift_eps"], "ex02_algorithm": ["test_bn_eps"],
         "ex04_inference": ["test_fold_eps"], "ex05_pitfalls": ["test_layernorm_example"]}


def _inv_std(var, eps):
    return 1.0 / np.sqrt(var)
