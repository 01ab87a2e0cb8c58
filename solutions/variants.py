r"""Relatives of batch normalization used in practice, in numpy, for chapter 5's variants page.

Every function takes (N, D) batches and the *biased* batch variance, as the reference does.

- Ghost batch normalization (Hoffer, Hubara & Soudry 2017): the statistics of virtual
  sub-batches of `ghost_size` rows; one gradient step still uses the whole batch.
- Synchronized batch normalization: a batch split into shards on several devices, normalized
  with the statistics of the whole batch. Each shard sends a (count, mean, M2) summary, the
  summaries are merged (Chan et al.'s formula, `solutions.variance.merge_moments`); in the
  backward pass each shard sends its sums of dL/dy and dL/dy * x-hat, which are added.
- Frozen batch normalization: fixed statistics (pre-trained or population ones) in training
  too, so the layer is a per-feature affine map and its backward pass has no batch terms.
- Batch renormalization (Ioffe 2017): batch statistics corrected towards the moving averages
  by r = sigma_B / sigma and d = (mu_B - mu) / sigma, clipped and treated as constants in the
  backward pass.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_ndim
from .batchnorm import BNCache, batchnorm_backward, batchnorm_forward, normalize_backward
from .variance import merge_moments

# ---------------------------------------------------------------- ghost batch normalization

def _ghost_layout(x, ghost_size):
    n, d = x.shape
    if isinstance(ghost_size, bool) or not isinstance(ghost_size, (int, np.integer)):
        raise TypeError(f"ghost_size: expected an int that divides N, got {ghost_size!r}")
    if ghost_size < 2 or n % ghost_size:
        raise ValueError(f"ghost_size: expected a divisor of N = {n} of at least 2, got {ghost_size}")
    return n // ghost_size, d


def ghost_batchnorm_forward(x, gamma, beta, ghost_size, eps=1e-5):
    """Batch normalization with the statistics of each block of `ghost_size` consecutive rows.

    Args:
        x: shape (N, D) with N a multiple of `ghost_size` (>= 2).
        gamma, beta: shape (D,), shared by all ghost batches.
    Returns:
        out: shape (N, D); cache for `ghost_batchnorm_backward`.
    The k ghost batches are laid side by side as a (ghost_size, k * D) array, whose columns
    are (ghost batch, feature) pairs; that is exactly one ordinary batch-norm call.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    k, d = _ghost_layout(x, ghost_size)
    gamma = as_param(gamma, d, x.dtype, "gamma")
    beta = as_param(beta, d, x.dtype, "beta")
    wide = x.reshape(k, ghost_size, d).transpose(1, 0, 2).reshape(ghost_size, k * d)
    out, cache = batchnorm_forward(wide, np.tile(gamma, k), np.tile(beta, k), eps)
    return out.reshape(ghost_size, k, d).transpose(1, 0, 2).reshape(k * ghost_size, d), (cache, k, d)


def ghost_batchnorm_backward(dout, cache):
    """Gradients of `ghost_batchnorm_forward`: (dx (N, D), dgamma (D,), dbeta (D,))."""
    bn_cache, k, d = cache
    dout = as_float_array(dout, "dout")
    g = dout.shape[0] // k
    wide = dout.reshape(k, g, d).transpose(1, 0, 2).reshape(g, k * d)
    dx, dgamma, dbeta = batchnorm_backward(wide, bn_cache)
    dx = dx.reshape(g, k, d).transpose(1, 0, 2).reshape(k * g, d)
    return dx, dgamma.reshape(k, d).sum(axis=0), dbeta.reshape(k, d).sum(axis=0)


# ---------------------------------------------------------- synchronized batch normalization

def shard_moments(x):
    """(count, mean, M2) of each column of one shard x (n, D), two-pass, in x's dtype."""
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(n, D)")
    mean = x.mean(axis=0)
    return x.shape[0], mean, ((x - mean) ** 2).sum(axis=0)


class SyncCache(NamedTuple):
    """What `sync_batchnorm_backward` needs: one `BNCache` per shard and the total count."""

    caches: list
    count: int  # type: ignore[assignment]  # a field, shadowing tuple.count on purpose


def sync_batchnorm_forward(shards, gamma, beta, eps=1e-5):
    """Normalize every shard with the mean and biased variance of all shards together.

    Args:
        shards: list of arrays (n_k, D), one per device; the n_k may differ, sum >= 2.
        gamma, beta: shape (D,).
    Returns:
        (outs, cache): a list of outputs shaped like the shards, and a `SyncCache`.
    Only the per-shard summaries (count, mean, M2), 2D + 1 numbers each, would cross devices.
    """
    shards = [as_float_array(s, "shards") for s in shards]
    summary: tuple = (0, 0.0, 0.0)
    for s in shards:
        summary = merge_moments(summary, shard_moments(s))
    count, mean, m2 = summary
    if count < 2:
        raise ValueError(f"shards: expected more than 1 value per feature in total, got {count}")
    var = m2 / count
    d = mean.shape[0]
    gamma = as_param(gamma, d, mean.dtype, "gamma").reshape(1, d)
    beta = as_param(beta, d, mean.dtype, "beta").reshape(1, d)
    inv_std = (1.0 / np.sqrt(var + check_eps(eps))).reshape(1, d)
    outs, caches = [], []
    for s in shards:
        xc = s - mean
        outs.append(xc * (gamma * inv_std) + beta)
        caches.append(BNCache(xc, gamma, inv_std, (0,)))
    return outs, SyncCache(caches, count)


def sync_batchnorm_backward(douts, cache: SyncCache):
    """Gradients of `sync_batchnorm_forward`: (list of dx per shard, dgamma (D,), dbeta (D,)).

    Each shard computes sum(dout) and sum(dout * x-hat) over its rows; the two (D,) sums are
    added across shards (one all-reduce), and every shard then applies the compact formula
    ``dx = gamma * inv_std * (dout - sum_dout / m - xhat * sum_dout_xhat / m)`` with m the
    total count.
    """
    sum_dout, sum_dout_xhat = 0.0, 0.0
    for g, c in zip(douts, cache.caches):
        sum_dout = sum_dout + g.sum(axis=0)
        sum_dout_xhat = sum_dout_xhat + (g * c.xc * c.inv_std).sum(axis=0)
    m = cache.count
    dxs = []
    for g, c in zip(douts, cache.caches):
        xhat = c.xc * c.inv_std
        dxs.append(c.gamma * c.inv_std * (g - sum_dout / m - xhat * sum_dout_xhat / m))
    return dxs, sum_dout_xhat, sum_dout


# ---------------------------------------------------------------- frozen batch normalization

def frozen_batchnorm_forward(x, gamma, beta, mean, var, eps=1e-5):
    """Batch normalization with fixed statistics: ``gamma * (x - mean) / sqrt(var + eps) + beta``.

    Args:
        x: shape (N, D), any N >= 1.
        gamma, beta, mean, var: shape (D,); `mean` and `var` are constants (for example the
            running statistics), not functions of the batch.
    Returns:
        out: shape (N, D); cache for `frozen_batchnorm_backward`. The output of a sample does
        not depend on the rest of the batch: this is evaluation-mode BN, used in training.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    d = x.shape[1]
    gamma = as_param(gamma, d, x.dtype, "gamma")
    beta = as_param(beta, d, x.dtype, "beta")
    mean = as_param(mean, d, x.dtype, "mean")
    var = as_param(var, d, x.dtype, "var")
    inv_std = 1.0 / np.sqrt(var + check_eps(eps))
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)


def frozen_batchnorm_backward(dout, cache):
    """Gradients of `frozen_batchnorm_forward`: dx = gamma * inv_std * dout (no batch terms)."""
    xhat, gamma, inv_std = cache
    dout = as_float_array(dout, "dout")
    return dout * (gamma * inv_std), (dout * xhat).sum(axis=0), dout.sum(axis=0)


class FrozenBatchNorm1d:
    """A `BatchNorm1d` whose statistics are frozen, with the module interface `MLP` uses.

    Training and evaluation both normalize with the fixed ``running_mean`` and
    ``running_var`` (nothing is updated); gamma and beta still receive gradients, so an `MLP`
    keeps training them (torchvision's FrozenBatchNorm2d fixes them too; freeze them by not
    updating them). Build one from a trained layer with `from_batchnorm`.
    """

    def __init__(self, gamma, beta, running_mean, running_var, eps=1e-5):
        self.gamma, self.beta = np.array(gamma, float), np.array(beta, float)
        self.running_mean, self.running_var = np.array(running_mean, float), np.array(running_var, float)
        self.num_features = self.gamma.shape[0]
        self.eps = check_eps(eps)
        self.training = True
        self._cache = None

    @classmethod
    def from_batchnorm(cls, bn):
        """Freeze a `BatchNorm1d` (or anything with gamma, beta, running_mean, running_var, eps)."""
        return cls(bn.gamma, bn.beta, bn.running_mean, bn.running_var, bn.eps)

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        out, self._cache = frozen_batchnorm_forward(x, self.gamma, self.beta, self.running_mean, self.running_var, self.eps)
        return out

    __call__ = forward

    def backward(self, dout):
        dx, self.dgamma, self.dbeta = frozen_batchnorm_backward(dout, self._cache)
        return dx


# ------------------------------------------------------------------ batch renormalization

class BatchRenorm1d:
    r"""Batch renormalization (Ioffe 2017) of (N, D), with the module interface of `BatchNorm1d`.

    Training, with the batch mean mu_B and sigma_B = sqrt(biased batch variance + eps):

    .. math::

        r = \mathrm{clip}_{[1/r_{max},\, r_{max}]}(\sigma_B / \sigma), \quad
        d = \mathrm{clip}_{[-d_{max},\, d_{max}]}((\mu_B - \mu) / \sigma), \quad
        \hat x = \frac{x - \mu_B}{\sigma_B}\, r + d

    then ``y = gamma * xhat + beta``, and the moving averages move towards the batch:
    ``mu += momentum * (mu_B - mu)``, ``sigma += momentum * (sigma_B - sigma)`` (the paper
    averages the standard deviation, not the variance). r and d are constants for the
    backward pass. Evaluation: ``xhat = (x - mu) / sigma``. With r_max = 1 and d_max = 0 the
    training output is batch normalization's; unclipped (r_max = d_max = inf) it equals the
    evaluation output with the moving averages of before the step.

    Attributes: gamma, beta, running_mean (zeros), running_std (ones), r_max, d_max,
    momentum, eps, training; after a training forward, ``r`` and ``d`` of that batch.
    """

    def __init__(self, num_features, r_max=3.0, d_max=5.0, momentum=0.1, eps=1e-5):
        self.num_features = int(num_features)
        self.r_max, self.d_max = float(r_max), float(d_max)
        if self.r_max < 1 or self.d_max < 0:
            raise ValueError(f"r_max must be >= 1 and d_max >= 0, got {r_max} and {d_max}")
        self.momentum = float(momentum)
        self.eps = check_eps(eps)
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.running_mean = np.zeros(num_features)
        self.running_std = np.ones(num_features)
        self.training = True
        self._cache = None

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        x = as_float_array(x, "x")
        require_ndim(x, 2, "x", f"(N, {self.num_features})")
        if not self.training:
            self._cache = None
            return self.gamma * (x - self.running_mean) / self.running_std + self.beta
        if x.shape[0] < 2:
            raise ValueError("x: expected more than 1 value per feature when training")
        mu_b = x.mean(axis=0)
        xc = x - mu_b
        sigma_b = np.sqrt((xc**2).mean(axis=0) + self.eps)
        self.r = np.clip(sigma_b / self.running_std, 1.0 / self.r_max, self.r_max)
        self.d = np.clip((mu_b - self.running_mean) / self.running_std, -self.d_max, self.d_max)
        inv_std = 1.0 / sigma_b
        xhat = xc * inv_std * self.r + self.d
        # the backward of (x - mu_B) / sigma_B * r is batch norm's with gamma * r in place of gamma
        self._cache = (BNCache(xc, (self.gamma * self.r).reshape(1, -1), inv_std.reshape(1, -1), (0,)), xhat)
        self.running_mean += self.momentum * (mu_b - self.running_mean)
        self.running_std += self.momentum * (sigma_b - self.running_std)
        return self.gamma * xhat + self.beta

    __call__ = forward

    def backward(self, dout):
        """dx (N, D) of the last training forward, r and d held constant; stores dgamma, dbeta."""
        if self._cache is None:
            raise RuntimeError("backward needs a training-mode forward call first")
        bn_cache, xhat = self._cache
        dout = as_float_array(dout, "dout")
        dx, _, self.dbeta = normalize_backward(dout, bn_cache)
        self.dgamma = (dout * xhat).sum(axis=0)
        return dx
