"""Input checks shared by every function of the reference.

Bad input raises early, with a message that names the argument and the shape that was
expected, so a student comparing against the reference learns what went wrong rather than
meeting a broadcasting error three lines later.
"""
from __future__ import annotations

import numpy as np


def as_float_array(x, name: str) -> np.ndarray:
    """Return `x` as a floating-point array without copying when possible.

    float32 and float64 keep their dtype; integers become float64; float16 becomes float32
    (too coarse to normalise in). Booleans, complex numbers and objects raise `TypeError`.
    The caller's array is never modified: every function here writes only to new arrays.
    """
    arr = np.asarray(x)
    kind = arr.dtype.kind
    if kind == "f":
        return arr.astype(np.float32, copy=False) if arr.dtype.itemsize < 4 else arr
    if kind in "iu":
        return arr.astype(np.float64)
    raise TypeError(
        f"{name}: expected an array of real numbers (float or integer), got dtype {arr.dtype}"
    )


def require_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise `ValueError` unless `x.ndim == ndim`; `layout` reads like "(N, D)"."""
    if x.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array of shape {layout}, got shape {x.shape}")


def require_batch(count: int, name: str) -> None:
    """Training-mode statistics need at least two values per feature (as in PyTorch)."""
    if count < 2:
        raise ValueError(
            f"{name}: expected more than 1 value per feature when training, got {count} "
            "(the variance of a single value is 0, so normalizing would output beta); "
            "use a batch of at least 2 or evaluation mode"
        )


def as_param(p, length: int, dtype: np.dtype, name: str) -> np.ndarray:
    """Return a per-feature parameter as a 1-D array of `length` in the data's `dtype`."""
    arr = as_float_array(p, name)
    if arr.shape != (length,):
        raise ValueError(f"{name}: expected shape ({length},), one value per feature, got shape {arr.shape}")
    return arr.astype(dtype, copy=False)


def check_eps(eps) -> float:
    """`eps` must be a finite number >= 0."""
    eps = float(eps)
    if not np.isfinite(eps) or eps < 0:
        raise ValueError(f"eps: expected a finite number >= 0, got {eps}")
    return eps
