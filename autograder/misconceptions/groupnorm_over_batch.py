"""Your group normalization also averages over the batch (axis 0). Group normalization takes each sample's statistics from that sample alone: for each sample and group, over the group's channels and all positions, so N = 1 works and batch-mates do not matter.
"""
import numpy as np

TARGETS = ("groupnorm_forward",)
SUMMARY = "average group-norm statistics over the batch too"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of the {c} channels, got {num_groups}")
    groups = x.reshape(n, num_groups, -1)
    mean, var = groups.mean(axis=(0, 2), keepdims=True), groups.var(axis=(0, 2), keepdims=True)
    xhat = ((groups - mean) / np.sqrt(var + eps)).reshape(n, c, h, w)
    return np.reshape(gamma, (1, c, 1, 1)) * xhat + np.reshape(beta, (1, c, 1, 1)), (xhat, gamma, var, eps)
