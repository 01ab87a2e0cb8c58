"""Your folded layer forgets eps: the scale is gamma / sqrt(running_var + eps), exactly what evaluation-mode batch norm divides by. Without eps the folded layer differs wherever running_var is small.
"""
import numpy as np


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var)
    return W * scale, (b - running_mean) * scale + beta
