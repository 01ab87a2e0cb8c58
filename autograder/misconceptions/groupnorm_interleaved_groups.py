"""Your groups interleave the channels (channel c goes to group c % num_groups). A group is num_channels / num_groups consecutive channels: reshape x to (N, num_groups, -1) so that channels 0..C/G-1 form the first group.
"""
import numpy as np


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    n, c, h, w = x.shape
    if c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of {c}, got {num_groups}")
    g = x.reshape(n, c // num_groups, num_groups, h, w).transpose(0, 2, 1, 3, 4).reshape(n, num_groups, -1)
    xhat = (g - g.mean(axis=2, keepdims=True)) / np.sqrt(g.var(axis=2, keepdims=True) + eps)
    xhat = xhat.reshape(n, num_groups, c // num_groups, h, w).transpose(0, 2, 1, 3, 4).reshape(n, c, h, w)
    return gamma.reshape(1, c, 1, 1) * xhat + beta.reshape(1, c, 1, 1), (xhat, gamma, eps)
