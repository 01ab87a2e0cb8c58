"""Your folded bias leaves out the running mean. Evaluation-mode BN computes gamma * (y - running_mean) / sqrt(running_var + eps) + beta, so b_f = (b - running_mean) * scale + beta, with scale = gamma / sqrt(running_var + eps).
"""
from _norm import *

TARGETS = ("fold_batchnorm",)
SUMMARY = "fold without the running mean"
CELLS = {"ex04_inference": ["test_fold_example"]}


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, b * scale + beta
