"""Your folded weights scale the rows of W (W * scale[:, None]). W has shape (D_in, D_out) and BN scales each output feature, that is each column: W_f = W * scale, broadcast over the rows.
"""
from _norm import *

TARGETS = ("fold_batchnorm",)
SUMMARY = "scale the rows of W instead of its columns"
CELLS = {"ex04_inference": ["test_fold_example"]}


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale[:, None], (b - running_mean) * scale + beta
