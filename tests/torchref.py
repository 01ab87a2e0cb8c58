"""Helpers to compare the numpy reference with PyTorch, printing how each tensor matches.

Test-only: torch is installed by requirements-test.txt, never needed at run time.
"""
from __future__ import annotations

import numpy as np
import torch

TOL = {np.float64: 1e-10, np.float32: 1e-5}


def t(a, requires_grad=False):
    """numpy -> torch, keeping the dtype."""
    return torch.tensor(np.asarray(a), requires_grad=requires_grad)


def assert_matches(name, ours, theirs, dtype=np.float64, tol=None):
    """Assert ``ours`` equals ``theirs`` (a tensor or array) to `tol`, absolute and relative.

    Prints one line per tensor: exact match, within tolerance, or the largest difference,
    so a failing run shows every tensor that is off, not only the first.
    """
    tol = TOL[np.dtype(dtype).type] if tol is None else tol
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = np.asarray(ours)
    assert ours.shape == theirs.shape, f"{name}: shape {ours.shape} != torch {theirs.shape}"
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    worst = float(diff.max()) if diff.size else 0.0
    scale = np.maximum(1.0, np.abs(theirs.astype(np.float64)))
    ok = bool(np.all(diff <= tol * scale))
    verdict = "exact" if worst == 0 else ("within tolerance" if ok else "DIFFERS")
    print(f"  {name:<28} {verdict:<16} max |diff| = {worst:.3e} (tol {tol:.0e})")
    assert ok, f"{name}: max |diff| {worst:.3e} exceeds {tol:.0e} relative to max(1, |torch|)"
