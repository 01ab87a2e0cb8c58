r"""Folding evaluation-mode batch normalisation into the linear layer before it.

In evaluation mode BN is a fixed affine map per feature, so ``BN(x @ W + b)`` is itself a
linear layer:

.. math::

    s = \frac{\gamma}{\sqrt{\text{running\_var} + \epsilon}}, \qquad
    W_f = W \,\mathrm{diag}(s), \qquad b_f = (b - \text{running\_mean})\, s + \beta
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_ndim


def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    """Fold eval-mode BN into the preceding linear layer ``y = x @ W + b``.

    Args:
        W: shape (D_in, D_out).
        b: shape (D_out,), or None for a layer without bias.
        gamma, beta, running_mean, running_var: shape (D_out,).
    Returns:
        (W_f, b_f) of shapes (D_in, D_out) and (D_out,) with
        ``x @ W_f + b_f == BN_eval(x @ W + b)``, in W's float dtype.
    """
    W = as_float_array(W, "W")
    require_ndim(W, 2, "W", "(D_in, D_out)")
    eps = check_eps(eps)
    d_out = W.shape[1]
    b = np.zeros(d_out, W.dtype) if b is None else as_param(b, d_out, W.dtype, "b")
    # Fold in float64 whatever W's dtype, then round once.
    gamma, beta, mean, var = (
        as_param(p, d_out, np.dtype(np.float64), name)
        for p, name in [(gamma, "gamma"), (beta, "beta"), (running_mean, "running_mean"), (running_var, "running_var")]
    )
    scale = gamma / np.sqrt(var + eps)
    W_f = (W * scale).astype(W.dtype, copy=False)
    b_f = ((b - mean) * scale + beta).astype(W.dtype, copy=False)
    return W_f, b_f
