"""Your group normalization also averages over the batch (axis 0). Group normalization takes each sample's statistics from that sample alone: for each sample and group, over the group's channels and all positions, so N = 1 works and batch-mates do not matter.
"""
from _groupnorm import *

TARGETS = ("groupnorm_forward",)
SUMMARY = "average group-norm statistics over the batch too"
CELLS = {"ex05_pitfalls": ["test_groupnorm"]}


def _gn_axes():
    return (0, 2)
