"""Your folded bias forgets the running mean: evaluation-mode batch norm subtracts running_mean before scaling, so b_f = (b - running_mean) * scale + beta.
"""
import numpy as np


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, b * scale + beta
