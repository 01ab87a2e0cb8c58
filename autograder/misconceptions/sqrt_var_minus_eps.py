"""Your code subtracts eps, sqrt(var - eps). eps is added, sqrt(var + eps): it keeps the division finite when the variance is (nearly) zero, while subtracting it makes the square root of a negative number there.
"""
from _norm import *

TARGETS = ("batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward", "distribution_drift",
           "fold_batchnorm")
SUMMARY = "subtract eps under the square root"
CELLS = {"ex01_covariate_shift": ["test_drift_eps"], "ex02_algorithm": ["test_bn_eps"],
         "ex04_inference": ["test_fold_eps"], "ex05_pitfalls": ["test_layernorm_example"]}


def _inv_std(var, eps):
    return 1.0 / np.sqrt(var - eps)
