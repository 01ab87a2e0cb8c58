"""Your group normalization divides its variance by M-1 (np.var(..., ddof=1)). Like batch and layer normalization it uses the biased variance of the values it normalizes: divide by M, the number of values in the group (channels per group times H times W).
"""
import numpy as np

TARGETS = ("groupnorm_forward",)
SUMMARY = "divide the group-norm variance by M-1"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of the {c} channels, got {num_groups}")
    groups = x.reshape(n, num_groups, -1)
    mean, var = groups.mean(axis=2, keepdims=True), groups.var(axis=2, ddof=1, keepdims=True)
    xhat = ((groups - mean) / np.sqrt(var + eps)).reshape(n, c, h, w)
    return np.reshape(gamma, (1, c, 1, 1)) * xhat + np.reshape(beta, (1, c, 1, 1)), (xhat, gamma, var, eps)
