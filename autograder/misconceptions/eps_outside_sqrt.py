"""You added eps outside the square root, (x - mean) / (sqrt(var) + eps). It belongs inside: (x - mean) / sqrt(var + eps). The two differ exactly where eps matters, for features whose variance is comparable to eps.
"""
from _norm import *

TARGETS = ("batchnorm_forward", "spatial_batchnorm_forward", "layernorm_forward", "distribution_drift",
           "fold_batchnorm")
SUMMARY = "put eps outside the square root"
CELLS = {"ex01_covariate_shift": ["test_drift_eps"], "ex02_algorithm": ["test_bn_eps"],
         "ex04_inference": ["test_fold_eps"], "ex05_pitfalls": ["test_layernorm_example"]}


def _inv_std(var, eps):
    return 1.0 / (np.sqrt(var) + eps)
