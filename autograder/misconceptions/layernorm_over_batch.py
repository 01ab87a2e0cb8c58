"""Your layer normalization takes its statistics over the batch (axis 0), which is batch normalization. Layer normalization normalizes each sample over its own features (axis 1), so that a sample's output does not depend on the rest of the batch and N = 1 works.
"""
from _norm import *

TARGETS = ("layernorm_forward",)
SUMMARY = "take layer-norm statistics over the batch"
CELLS = {"ex05_pitfalls": ["test_layernorm_batch"]}


def _ln_axis():
    return 0
