"""Numerical gradients by centred differences, and the relative error to compare them with.

Used by the lessons and the exercises to check a hand-written backward pass: for
``L = sum(f(x) * dout)``, the gradient dL/dx is estimated one element at a time as
``(L(x + h e_i) - L(x - h e_i)) / (2 h)``, whose error shrinks like h**2.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, dout, h=1e-5):
    """Centred-difference estimate of the gradient of ``sum(f(x) * dout)`` with respect to x.

    Args:
        f: function of one array returning an array the shape of `dout`.
        x: input of any shape; copied to float64, never modified.
        dout: upstream gradient, shape of ``f(x)``.
        h: step. 1e-5 balances truncation error (h**2) and rounding error (1e-16 / h)
            in float64.
    Returns:
        Array of x's shape, float64.
    """
    x = np.array(x, dtype=np.float64)  # private copy: we perturb it in place
    dout = np.asarray(dout, dtype=np.float64)
    grad = np.empty_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        old = flat_x[i]
        flat_x[i] = old + h
        plus = np.sum(np.asarray(f(x)) * dout)
        flat_x[i] = old - h
        minus = np.sum(np.asarray(f(x)) * dout)
        flat_x[i] = old
        flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a, b):
    """Largest elementwise relative error ``|a - b| / max(1e-8, |a| + |b|)``, a float.

    Around 1e-7 or below means a backward pass agrees with a float64 numerical gradient;
    1e-2 or above means it is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
