"""Your layer normalization divides its variance by D-1. Like batch normalization it uses the biased variance of the values it normalizes: divide by D, the number of features (np.var's default).
"""
from _norm import *

TARGETS = ("layernorm_forward",)
SUMMARY = "divide the layer-norm variance by D-1"
CELLS = {"ex05_pitfalls": ["test_layernorm_example"]}


def _var(x, mean, axis):
    n = x.size // mean.size
    return ((x - mean) ** 2).sum(axis=axis, keepdims=True) / (n - 1)

