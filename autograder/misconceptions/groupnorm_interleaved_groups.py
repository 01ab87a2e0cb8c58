"""Your groups take every G-th channel (channel c goes to group c % G). Group normalization splits the C channels into groups of C/G consecutive channels: reshape (N, C, H, W) to (N, G, C/G * H * W).
"""
from _groupnorm import *

TARGETS = ("groupnorm_forward",)
SUMMARY = "make groups of every G-th channel instead of consecutive channels"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def _group(x, num_groups):
    n, c, h, w = x.shape
    return x.reshape(n, c // num_groups, num_groups, h * w).transpose(0, 2, 1, 3).reshape(n, num_groups, -1)


def _ungroup(groups, shape):
    n, c, h, w = shape
    g = groups.shape[1]
    return groups.reshape(n, g, c // g, h * w).transpose(0, 2, 1, 3).reshape(shape)
