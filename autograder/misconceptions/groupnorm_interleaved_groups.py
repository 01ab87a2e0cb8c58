"""Your groups take every G-th channel (channel c goes to group c % G). Group normalization splits the C channels into groups of C/G consecutive channels: reshape (N, C, H, W) to (N, G, C/G * H * W).
"""
import numpy as np

TARGETS = ("groupnorm_forward",)
SUMMARY = "make groups of every G-th channel instead of consecutive channels"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of the {c} channels, got {num_groups}")
    groups = x.reshape(n, c // num_groups, num_groups, h * w).transpose(0, 2, 1, 3).reshape(n, num_groups, -1)
    mean, var = groups.mean(axis=2, keepdims=True), groups.var(axis=2, keepdims=True)
    xhat = ((groups - mean) / np.sqrt(var + eps)).reshape(n, num_groups, c // num_groups, h * w)
    xhat = xhat.transpose(0, 2, 1, 3).reshape(n, c, h, w)
    return np.reshape(gamma, (1, c, 1, 1)) * xhat + np.reshape(beta, (1, c, 1, 1)), (xhat, gamma, var, eps)
