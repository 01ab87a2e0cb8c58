r"""`BatchNorm1d`: batch normalisation with running statistics, with PyTorch's semantics.

Training mode normalises with the batch statistics (biased variance) and then updates

.. math::

    \text{running} \leftarrow (1 - m)\,\text{running} + m\,\text{batch}

with m = `momentum` (PyTorch's convention: the weight of the *new* batch; Keras's momentum
is 1 - m). The variance stored is the *unbiased* batch variance, times N/(N-1), as in
Algorithm 2 of Ioffe & Szegedy (2015). With ``momentum=None`` the factor is
1/num_batches_tracked: a plain cumulative average of every batch seen so far.

Evaluation mode normalises with the running statistics and changes nothing. The mode is the
explicit ``training`` flag, set by `train` and `eval`; nothing else (in particular not
whether gradients are being computed) switches it.
"""
from __future__ import annotations

import numpy as np

from ._validate import as_float_array, check_eps, require_ndim
from .batchnorm import normalize, normalize_backward


class BatchNorm1d:
    """Batch normalisation of (N, D) inputs with learnable gamma, beta and running statistics.

    Attributes:
        gamma, beta: shape (D,), float64; start at ones and zeros.
        running_mean, running_var: shape (D,), float64; start at zeros and ones.
        num_batches_tracked: training batches seen so far (int).
        training: True in training mode (the initial mode), False in evaluation mode.
        eps, momentum: as given; momentum None means a cumulative average.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)):
            raise TypeError(f"num_features: expected a positive int, got {num_features!r}")
        if num_features < 1:
            raise ValueError(f"num_features: expected a positive int, got {num_features}")
        if momentum is not None:
            momentum = float(momentum)
            if not 0.0 <= momentum <= 1.0:
                raise ValueError(f"momentum: expected None or a number in [0, 1], got {momentum}")
        self.num_features = int(num_features)
        self.eps = check_eps(eps)
        self.momentum = momentum
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_var = np.ones(num_features)
        self.num_batches_tracked = 0
        self.training = True
        self._cache = None

    def train(self, mode=True):
        """Set training mode (or evaluation mode with ``mode=False``); returns self."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Set evaluation mode; returns self."""
        return self.train(False)

    def forward(self, x):
        """Normalise x of shape (N, D); returns shape (N, D) in x's float dtype.

        Training mode needs N >= 2 and updates the running statistics; evaluation mode
        accepts any N and only reads them.
        """
        x = as_float_array(x, "x")
        require_ndim(x, 2, "x", f"(N, {self.num_features})")
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}), got {x.shape}")
        if not self.training:
            self._cache = None
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            out = x - self.running_mean.astype(x.dtype)
            out *= scale.astype(x.dtype)
            out += self.beta.astype(x.dtype)
            return out
        out, self._cache, mean, var = normalize(x, self.gamma, self.beta, self.eps, (0,))
        self._update_running_stats(mean, var, x.shape[0])
        return out

    __call__ = forward

    def backward(self, dout):
        """Gradient of the last training-mode forward: returns dx (N, D).

        Also stores ``dgamma`` and ``dbeta`` (shape (D,)) on the module.
        """
        if self._cache is None:
            raise RuntimeError("backward needs a training-mode forward call first")
        dx, self.dgamma, self.dbeta = normalize_backward(dout, self._cache)
        return dx

    def _update_running_stats(self, mean, var, n):
        """Exponential (or, with momentum None, cumulative) average of the batch statistics."""
        self.num_batches_tracked += 1
        if self.momentum is None:
            factor = 1.0 / self.num_batches_tracked
        else:
            factor = self.momentum
        unbiased_var = var.astype(np.float64) * (n / (n - 1))
        self.running_mean *= 1.0 - factor
        self.running_mean += factor * mean
        self.running_var *= 1.0 - factor
        self.running_var += factor * unbiased_var

    def __repr__(self):
        return (
            f"BatchNorm1d({self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"training={self.training})"
        )
