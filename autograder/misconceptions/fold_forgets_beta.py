"""Your folded bias leaves out beta. After normalizing, BN shifts by beta: b_f = (b - running_mean) * scale + beta.
"""
from _norm import *

TARGETS = ("fold_batchnorm",)
SUMMARY = "fold without beta"
CELLS = {"ex04_inference": ["test_fold_example"]}


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean) * scale
