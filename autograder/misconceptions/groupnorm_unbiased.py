"""Your group normalization divides its variance by M-1 (np.var(..., ddof=1)). Like batch and layer normalization it uses the biased variance of the values it normalizes: divide by M, the number of values in the group (channels per group times H times W).
"""
from _groupnorm import *

TARGETS = ("groupnorm_forward",)
SUMMARY = "divide the group-norm variance by M-1"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def _gn_var(groups, mean, axes):
    return groups.var(axis=axes, ddof=1, keepdims=True)
