r"""Batch normalization taken apart, for the ablations of chapter 6.

`PartialBatchNorm` keeps or drops each part of BN:

.. math::

    \hat x = \frac{x - [\text{center}]\,\mu}{[\text{scale}]\,\sqrt{\sigma^2 + \epsilon}}, \qquad
    y = \gamma \hat x + \beta

with the batch mean :math:`\mu` and the *biased* batch variance :math:`\sigma^2` (always taken
around the mean, so "scale only" divides by the batch standard deviation without centering),
and :math:`\gamma, \beta` learned or fixed at 1 and 0. With m values per feature and
g = dL/dy, the backward pass is

.. math::

    \frac{\partial L}{\partial x_i} = \frac{\gamma}{s}\Big(g_i - [\text{center}]\,\overline{g}
        - [\text{scale}]\,\frac{x_i - \mu}{s}\,\overline{g \hat x}\Big)

where s is the divisor (1 without scaling) and the bars are means over the m values. Full BN
(both parts) is the formula of `solutions.batchnorm`; mean only and scale only drop one term.
"""
from __future__ import annotations

import numpy as np

from .nets import MLP

VARIANTS = {
    # name: (center, scale, learn_affine)
    "full BN": (True, True, True),
    "mean only": (True, False, True),
    "scale only": (False, True, True),
    "fixed gamma, beta": (True, True, False),
}


class PartialBatchNorm:
    """BN of (N, D) or (N, C, H, W) input with each part switchable; the interface of `BatchNorm1d`.

    Args:
        num_features: D, or C for 4-D input (statistics over axes (0, 2, 3) then).
        center: subtract the batch mean (running mean in eval mode).
        scale: divide by sqrt(batch variance + eps) (running variance in eval mode).
        learn_affine: if False, gamma and beta stay at 1 and 0 (their gradients are reported as 0).
        eps, momentum: as in PyTorch (running = (1 - momentum) running + momentum batch,
            unbiased variance stored).
    """

    def __init__(self, num_features, center=True, scale=True, learn_affine=True, eps=1e-5, momentum=0.1):
        self.num_features = int(num_features)
        self.center, self.scale, self.learn_affine = bool(center), bool(scale), bool(learn_affine)
        self.eps, self.momentum = float(eps), float(momentum)
        self.gamma, self.beta = np.ones(num_features), np.zeros(num_features)
        self.running_mean, self.running_var = np.zeros(num_features), np.ones(num_features)
        self.training = True
        self._cache = None

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def _shape(self, x):
        """Axes of the statistics and the shape that broadcasts a (features,) vector against x."""
        if x.ndim not in (2, 4) or x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}) or (N, {self.num_features}, H, W), got {x.shape}")
        return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))

    def forward(self, x):
        x = np.asarray(x, dtype=np.float64)
        axes, bshape = self._shape(x)
        gamma, beta = self.gamma.reshape(bshape), self.beta.reshape(bshape)
        if not self.training:
            self._cache = None
            xc = x - self.running_mean.reshape(bshape) if self.center else x
            s = np.sqrt(self.running_var + self.eps).reshape(bshape) if self.scale else 1.0
            return gamma * (xc / s) + beta
        m = x.size // self.num_features
        if m < 2:
            raise ValueError(f"x: expected more than 1 value per feature when training, got {m}")
        mu = x.mean(axis=axes, keepdims=True)
        dev = x - mu
        var = np.mean(np.square(dev), axis=axes, keepdims=True)  # biased, around the mean
        inv_s = 1.0 / np.sqrt(var + self.eps) if self.scale else np.ones_like(var)
        xhat = (dev if self.center else x) * inv_s
        self._cache = (xhat, dev, inv_s, gamma, axes)
        self.running_mean += self.momentum * (mu.reshape(-1) - self.running_mean)
        self.running_var += self.momentum * (var.reshape(-1) * (m / (m - 1)) - self.running_var)
        return gamma * xhat + beta

    __call__ = forward

    def backward(self, dout):
        """dx (shape of x) of the last training-mode forward; stores `dgamma`, `dbeta` (features,)."""
        if self._cache is None:
            raise RuntimeError("backward needs a training-mode forward call first")
        xhat, dev, inv_s, gamma, axes = self._cache
        dout = np.asarray(dout, dtype=np.float64)
        g = dout * gamma  # dL/dxhat
        dx = g - g.mean(axis=axes, keepdims=True) if self.center else g.copy()
        if self.scale:
            dx -= (dev * inv_s) * np.mean(g * xhat, axis=axes, keepdims=True)
        dx *= inv_s
        if self.learn_affine:
            self.dgamma = np.sum(dout * xhat, axis=axes).reshape(-1)
            self.dbeta = np.sum(dout, axis=axes).reshape(-1)
        else:
            self.dgamma, self.dbeta = np.zeros(self.num_features), np.zeros(self.num_features)
        return dx


def make_norm(variant, **kwargs):
    """A factory ``make(num_features)`` for one of `VARIANTS`, e.g. for ``ConvNet(batchnorm=...)``."""
    center, scale, learn = VARIANTS[variant]

    def make(num_features):
        return PartialBatchNorm(num_features, center=center, scale=scale, learn_affine=learn, **kwargs)

    return make


def ablated_mlp(variant, **kwargs):
    """`solutions.nets.MLP` with every hidden BN layer replaced by a `PartialBatchNorm` variant.

    ``variant`` is a key of `VARIANTS` or "no BN" (a plain MLP, hidden biases included);
    ``kwargs`` go to `MLP` (sizes, activation, weight_scale, seed, ...).
    """
    if variant == "no BN":
        return MLP(batchnorm=False, **kwargs)
    net = MLP(batchnorm=True, **kwargs)
    make = make_norm(variant)
    net.bn = [None if bn is None else make(bn.num_features) for bn in net.bn]
    return net
