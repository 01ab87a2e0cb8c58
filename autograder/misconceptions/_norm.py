"""Correct normalization functions built from small hooks that the misconceptions redefine.

The loader pastes this file in place of ``from _norm import ...``. A misconception then
redefines one hook (``_var``, ``_inv_std``, ``_affine``, ``_bn_axis`` ...) below the paste,
and every function built on that hook shares the mistake, as a student's functions built
on each other do: the spatial forward reuses the (N, D) forward through (N*H*W, C) rows,
and the drift reuses `batch_stats`. Input validation follows the contract, so that each
misconception is wrong in exactly one way.
"""
import numpy as np


def _as_input(x, ndim, shape):
    x = np.asarray(x)
    if x.ndim != ndim:
        raise ValueError(f"x: expected an array of shape {shape}, got shape {x.shape}")
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def _check(p, d, name):
    if np.shape(p) != (d,):
        raise ValueError(f"{name}: expected shape ({d},), got {np.shape(p)}")


def _bn_axis():
    return 0  # batch norm: statistics over the samples


def _ln_axis():
    return 1  # layer norm: statistics over the features of each sample


def _var(x, mean, axis):
    return ((x - mean) ** 2).mean(axis=axis, keepdims=True)


def _stats(x, axis):
    mean = x.mean(axis=axis, keepdims=True)
    return mean, _var(x, mean, axis)


def _inv_std(var, eps):
    return 1.0 / np.sqrt(var + eps)


def _affine(xhat, gamma, beta):
    return gamma * xhat + beta


def _normalize(x, gamma, beta, eps, axis):
    _check(gamma, x.shape[1], "gamma")
    _check(beta, x.shape[1], "beta")
    mean, var = _stats(x, axis)
    inv_std = _inv_std(var, eps)
    xhat = (x - mean) * inv_std
    return _affine(xhat, gamma, beta), (xhat, gamma, inv_std)


def _rows(x):
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _unrows(rows, shape):
    n, c, h, w = shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def batch_stats(x):
    x = _as_input(x, 2, "(N, D)")
    mean, var = _stats(x, _bn_axis())
    return mean.reshape(-1), var.reshape(-1)


def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) * _inv_std(var_b, eps), _inv_std(var_b, eps) / _inv_std(var_a, eps)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = _as_input(x, 2, "(N, D)")
    return _normalize(x, gamma, beta, eps, _bn_axis())


def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = _as_input(x, 4, "(N, C, H, W)")
    out, cache = batchnorm_forward(_rows(x), gamma, beta, eps)
    return _unrows(out, x.shape), cache


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x = _as_input(x, 2, "(N, D)")
    return _normalize(x, gamma, beta, eps, _ln_axis())


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma * _inv_std(np.asarray(running_var), eps)
    return W * scale, (b - running_mean) * scale + beta
