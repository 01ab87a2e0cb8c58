"""A correct group normalization, built from hooks that the group-norm misconceptions redefine.

The loader pastes this file in place of ``from _groupnorm import ...``; a misconception then
redefines one hook (which channels form a group, the axes of the statistics, the variance).
"""
import numpy as np


def _group(x, num_groups):
    """(N, C, H, W) -> (N, G, C/G * H * W): consecutive channels form a group."""
    return x.reshape(x.shape[0], num_groups, -1)


def _ungroup(groups, shape):
    return groups.reshape(shape)


def _gn_axes():
    return 2  # per sample and group


def _gn_var(groups, mean, axes):
    return ((groups - mean) ** 2).mean(axis=axes, keepdims=True)


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of the {c} channels, got {num_groups}")
    groups = _group(x, num_groups)
    mean = groups.mean(axis=_gn_axes(), keepdims=True)
    var = _gn_var(groups, mean, _gn_axes())
    xhat = _ungroup((groups - mean) / np.sqrt(var + eps), x.shape)
    return np.reshape(gamma, (1, c, 1, 1)) * xhat + np.reshape(beta, (1, c, 1, 1)), (xhat, gamma, var, eps)
