r"""Layer and group normalization of (N, D) feature vectors, as layers for `solutions.nets.MLP`.

Chapter 5's batch-size experiment trains the same MLP with batch, layer and group
normalization. For a fully connected layer there are no channels or pixels, so "group
normalization" here groups *features*: the D features of each sample are split into
G = `num_groups` consecutive groups of D/G, and each sample and group gets its own mean and
*biased* variance over those D/G values (G = 1 is layer normalization, G = D would
normalize every single value to 0, i.e. output beta):

.. math::

    \hat x_{nj} = \frac{x_{nj} - \mu_{ng}}{\sqrt{\sigma^2_{ng} + \epsilon}}, \qquad
    y_{nj} = \gamma_j \hat x_{nj} + \beta_j \qquad (j \in g)

Nothing is shared between samples, so these layers work with N = 1 and behave the same in
training and evaluation. The backward pass is layer normalization's, group by group, with
h = gamma * dL/dy and the bars meaning means over the D/G features of one sample's group:

.. math::

    \frac{\partial L}{\partial x_{nj}} = \frac{1}{\sqrt{\sigma^2_{ng}+\epsilon}}
        \Big(h_{nj} - \overline{h}_{ng} - \hat x_{nj}\, \overline{h \hat x}_{ng}\Big)

The layer classes have the interface of `solutions.module.BatchNorm1d` that `MLP` uses
(``gamma``, ``beta``, ``training``, ``train``/``eval``, ``forward``/``__call__``, and
``backward`` storing ``dgamma``/``dbeta``), so `make_mlp` can put them where `MLP` puts its
BatchNorm1d layers.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._validate import as_float_array, as_param, check_eps, require_ndim
from .layernorm import layernorm_backward, layernorm_forward
from .nets import MLP
from .stats import accumulator, moments

NORMS = ("none", "batch", "layer", "group")
"""The `norm` values `make_mlp` accepts."""


class GN1dCache(NamedTuple):
    """What `groupnorm1d_backward` needs."""

    xhat: np.ndarray
    """Normalized input, shape (N, G, D/G)."""
    gamma: np.ndarray
    """Scale, shape (D,)."""
    inv_std: np.ndarray
    """1 / sqrt(var + eps) per sample and group, shape (N, G, 1)."""


def _check_groups(num_groups, features: int) -> int:
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)):
        raise TypeError(f"num_groups: expected a positive int that divides D, got {num_groups!r}")
    if num_groups < 1 or features % num_groups:
        raise ValueError(f"num_groups: expected a positive divisor of D = {features}, got {num_groups}")
    return int(num_groups)


def groupnorm1d_forward(x, gamma, beta, num_groups, eps=1e-5):
    """Group normalization of (N, D) over groups of D/G consecutive features of each sample.

    Args:
        x: shape (N, D), any N >= 1. Not modified.
        gamma, beta: shape (D,); per-feature scale and shift.
        num_groups: G, a divisor of D. G = 1 is layer normalization.
        eps: added to the biased variance inside the square root.
    Returns:
        out: shape (N, D); cache: a `GN1dCache` for `groupnorm1d_backward`.
    """
    x = as_float_array(x, "x")
    require_ndim(x, 2, "x", "(N, D)")
    eps = check_eps(eps)
    n, features = x.shape
    if features == 0:
        raise ValueError("x: expected at least one feature per sample, got shape " + str(x.shape))
    groups = _check_groups(num_groups, features)
    gamma = as_param(gamma, features, x.dtype, "gamma")
    beta = as_param(beta, features, x.dtype, "beta")

    _, var, xhat, out = moments(x.reshape(n, groups, features // groups), (2,))
    inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    xhat *= inv_std  # xhat held x - mean
    out = np.multiply(xhat.reshape(n, features), gamma, out=out.reshape(n, features))
    out += beta
    return out, GN1dCache(xhat, gamma, inv_std)


def groupnorm1d_backward(dout, cache: GN1dCache):
    """Gradients of `groupnorm1d_forward`.

    Args:
        dout: shape (N, D).
    Returns:
        dx: shape (N, D); per sample and group it sums to zero. dgamma, dbeta: shape (D,).
    """
    xhat, gamma, inv_std = cache
    n, groups, size = xhat.shape
    dout = as_float_array(dout, "dout")
    if dout.shape != (n, groups * size):
        raise ValueError(f"dout: expected the shape of the forward output {(n, groups * size)}, got {dout.shape}")
    dtype = xhat.dtype
    dout = dout.astype(dtype, copy=False)
    acc = accumulator(dtype)
    flat_xhat = xhat.reshape(n, groups * size)

    dbeta = dout.sum(axis=0, dtype=acc).astype(dtype, copy=False)
    dgamma = (dout * flat_xhat).sum(axis=0, dtype=acc).astype(dtype, copy=False)
    h = (dout * gamma).reshape(n, groups, size)
    h_mean = h.mean(axis=2, dtype=acc, keepdims=True).astype(dtype, copy=False)
    hx_mean = (h * xhat).mean(axis=2, dtype=acc, keepdims=True).astype(dtype, copy=False)
    dx = h - h_mean - xhat * hx_mean
    dx *= inv_std
    return dx.reshape(n, groups * size), dgamma, dbeta


class _PerSampleNorm:
    """Shared module code of `LayerNorm1d` and `GroupNorm1d` (which define `forward` and `_backward`)."""

    forward: Any
    _backward: Any

    def __init__(self, num_features, eps=1e-5):
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features < 1:
            raise ValueError(f"num_features: expected a positive int, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = check_eps(eps)
        self.gamma = np.ones(num_features)
        self.beta = np.zeros(num_features)
        self.training = True  # kept for the MLP interface; the output does not depend on it
        self._cache = None

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def _check(self, x):
        x = as_float_array(x, "x")
        require_ndim(x, 2, "x", f"(N, {self.num_features})")
        if x.shape[1] != self.num_features:
            raise ValueError(f"x: expected shape (N, {self.num_features}), got {x.shape}")
        return x

    def __call__(self, x):
        return self.forward(x)

    def backward(self, dout):
        """Gradient of the last forward: returns dx (N, D); stores ``dgamma``, ``dbeta``."""
        if self._cache is None:
            raise RuntimeError("backward needs a forward call first")
        dx, self.dgamma, self.dbeta = self._backward(dout, self._cache)
        return dx


class LayerNorm1d(_PerSampleNorm):
    """Layer normalization of (N, D): statistics over each sample's D features."""

    def forward(self, x):
        out, self._cache = layernorm_forward(self._check(x), self.gamma, self.beta, self.eps)
        return out

    _backward = staticmethod(layernorm_backward)

    def __repr__(self):
        return f"LayerNorm1d({self.num_features}, eps={self.eps})"


class GroupNorm1d(_PerSampleNorm):
    """Group normalization of (N, D): statistics over G groups of D/G features per sample."""

    def __init__(self, num_features, num_groups, eps=1e-5):
        super().__init__(num_features, eps)
        self.num_groups = _check_groups(num_groups, self.num_features)

    def forward(self, x):
        out, self._cache = groupnorm1d_forward(self._check(x), self.gamma, self.beta, self.num_groups, self.eps)
        return out

    _backward = staticmethod(groupnorm1d_backward)

    def __repr__(self):
        return f"GroupNorm1d({self.num_features}, num_groups={self.num_groups}, eps={self.eps})"


def make_mlp(norm, sizes=(64, 100, 100, 10), num_groups=4, activation="relu", seed=0, momentum=0.1):
    """A `solutions.nets.MLP` whose hidden layers are ``Linear -> norm -> activation``.

    Args:
        norm: "none" (Linear with bias, no normalization), "batch" (`BatchNorm1d`),
            "layer" (`LayerNorm1d`) or "group" (`GroupNorm1d` with `num_groups` groups of
            consecutive features).
        sizes, activation, seed, momentum: as for `MLP`; the same seed gives the same
            initial weights whatever the normalization.
    With a normalization the hidden Linear layers have no bias (beta shifts instead), so the
    three normalized networks differ only in the axis their statistics are taken over.
    """
    if norm not in NORMS:
        raise ValueError(f"norm: expected one of {NORMS}, got {norm!r}")
    net = MLP(sizes, activation=activation, batchnorm=norm != "none", momentum=momentum, seed=seed)
    if norm in ("layer", "group"):
        for i, layer in enumerate(net.bn):
            if layer is not None:
                d = layer.num_features
                net.bn[i] = LayerNorm1d(d) if norm == "layer" else GroupNorm1d(d, num_groups)  # type: ignore[call-overload]
    return net


# ------------------------------------------------------------------------------------------
# Several seeds at once. At the batch sizes of chapter 5's experiment (2 to 64 rows) a step of
# `MLP` costs mostly Python overhead, not arithmetic, so training S copies of the network as
# one stack of arrays (leading axis S) costs about as much as training one. `StackedMLP`
# computes exactly what S separate `make_mlp(norm, seed=s)` networks trained by
# `solutions.nets.train(..., seed=s)` compute (tests/test_norms.py checks it), only faster.

def _mean(x, axis):
    """x.mean(axis, keepdims=True) without np.mean's Python overhead (these arrays are tiny)."""
    return np.add.reduce(x, axis=axis, keepdims=True) * (1.0 / x.shape[axis])


def _stacked_norm(z, kind, groups, eps):
    """Normalize z (S, B, D) over the batch ("batch"), the features ("layer") or groups of
    features ("group"); returns (xhat, inv_std, mean, var, axis), xhat in the grouped shape."""
    s, b, d = z.shape
    if kind == "group":
        z = z.reshape(s, b, groups, d // groups)
    axis = 1 if kind == "batch" else z.ndim - 1
    mean = _mean(z, axis)
    zc = z - mean
    var = _mean(zc * zc, axis)  # biased
    inv_std = 1.0 / np.sqrt(var + eps)
    return zc * inv_std, inv_std, mean, var, axis


class StackedMLP:
    """S networks ``make_mlp(norm, sizes, num_groups, seed=s)`` (ReLU) as one stack of arrays.

    Attributes: ``W[l]`` (S, D_in, D_out), ``b[l]`` (S, D_out), and for the hidden layers of a
    normalized network ``gamma[l]``, ``beta[l]`` (S, D); batch normalization also keeps
    ``running_mean[l]``, ``running_var[l]`` (S, D) with PyTorch's momentum convention and the
    unbiased running variance, as `BatchNorm1d` does.
    """

    def __init__(self, norm, seeds, sizes=(64, 100, 100, 10), num_groups=4, momentum=0.1, eps=1e-5):
        nets = [make_mlp(norm, sizes, num_groups=num_groups, seed=s, momentum=momentum) for s in seeds]
        self.norm, self.groups, self.momentum, self.eps = norm, num_groups, momentum, eps
        self.layers = len(sizes) - 1
        self.W = [np.stack([n.W[layer] for n in nets]) for layer in range(self.layers)]
        self.b = [np.stack([n.b[layer] for n in nets]) for layer in range(self.layers)]
        hidden = range(self.layers - 1) if norm != "none" else range(0)
        self.gamma = {layer: np.stack([n.bn[layer].gamma for n in nets]) for layer in hidden}
        self.beta = {layer: np.stack([n.bn[layer].beta for n in nets]) for layer in hidden}
        self.running_mean = {layer: np.zeros_like(self.gamma[layer]) for layer in hidden if norm == "batch"}
        self.running_var = {layer: np.ones_like(self.gamma[layer]) for layer in hidden if norm == "batch"}

    def forward(self, x, training=True):
        """Logits (S, B, K) for x (S, B, D_in); training mode updates the running statistics."""
        self._tape: list = []
        a = x
        for layer in range(self.layers):
            z = a @ self.W[layer]
            if layer == self.layers - 1 or self.norm == "none":
                z = z + self.b[layer][:, None, :]
            if layer == self.layers - 1:
                self._tape.append((a, None))
                return z
            cache = None
            if self.norm != "none":
                if self.norm == "batch" and not training:
                    xhat = (z - self.running_mean[layer][:, None]) / np.sqrt(self.running_var[layer][:, None] + self.eps)
                else:
                    xhat, inv_std, mean, var, axis = _stacked_norm(z, self.norm, self.groups, self.eps)
                    cache = (xhat, inv_std, axis)
                    xhat = xhat.reshape(z.shape)
                    if self.norm == "batch":
                        m, n = self.momentum, z.shape[1]
                        self.running_mean[layer] = (1 - m) * self.running_mean[layer] + m * mean[:, 0]
                        self.running_var[layer] = (1 - m) * self.running_var[layer] + m * var[:, 0] * n / (n - 1)
                z = self.gamma[layer][:, None] * xhat + self.beta[layer][:, None]
            a_out = np.maximum(z, 0.0)
            self._tape.append((a, (cache, z)))
            a = a_out

    def step(self, x, y, lr, weight_decay=0.0):
        """One SGD step of every network on its own batch x (S, B, D), y (S, B); returns the
        S training losses before the step (training mode). `weight_decay` adds L2 decay to
        the weight matrices only: ``W <- W - lr * (dL/dW + weight_decay * W)``."""
        logits = self.forward(x, training=True)
        shifted = logits - logits.max(axis=2, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
        if getattr(self, "_index_shape", None) != y.shape:
            self._index_shape, self._index = y.shape, np.indices(y.shape)
        s_idx, b_idx = self._index
        losses = -log_p[s_idx, b_idx, y].sum(axis=1) * (1.0 / y.shape[1])
        dz = np.exp(log_p)
        dz[s_idx, b_idx, y] -= 1.0
        dz *= 1.0 / y.shape[1]
        for layer in reversed(range(self.layers)):
            a_in, extra = self._tape[layer]
            if extra is not None:
                cache, z = extra
                dz = dz * (z > 0)
                if self.norm != "none":
                    xhat, inv_std, axis = cache
                    shape = xhat.shape
                    flat_xhat = xhat.reshape(dz.shape)
                    dgamma = (dz * flat_xhat).sum(axis=1)
                    dbeta = dz.sum(axis=1)
                    h = (dz * self.gamma[layer][:, None]).reshape(shape)
                    dz = inv_std * (h - _mean(h, axis) - xhat * _mean(h * xhat, axis))
                    dz = dz.reshape(flat_xhat.shape)
                    self.gamma[layer] -= lr * dgamma
                    self.beta[layer] -= lr * dbeta
            dW = a_in.transpose(0, 2, 1) @ dz
            if layer == self.layers - 1 or self.norm == "none":
                self.b[layer] -= lr * dz.sum(axis=1)
            if layer > 0:
                dz = dz @ self.W[layer].transpose(0, 2, 1)
            if weight_decay:
                dW += weight_decay * self.W[layer]
            self.W[layer] -= lr * dW
        return losses

    def accuracy(self, x, y):
        """Test accuracy of each network (S,), in evaluation mode, on the shared x (N, D), y (N,)."""
        logits = self.forward(np.broadcast_to(x, (len(self.W[0]),) + x.shape), training=False)
        return (logits.argmax(axis=2) == y).mean(axis=1)

    def unstack(self):
        """The S networks as `solutions.nets.MLP` objects with the trained parameters."""
        nets = []
        for k in range(len(self.W[0])):
            net = make_mlp(self.norm, tuple([self.W[0].shape[1]] + [w.shape[2] for w in self.W]),
                           num_groups=self.groups, momentum=self.momentum)
            net.W = [w[k].copy() for w in self.W]
            net.b = [b[k].copy() for b in self.b]
            for layer, bn in enumerate(net.bn):
                if bn is not None:
                    bn.gamma, bn.beta = self.gamma[layer][k].copy(), self.beta[layer][k].copy()
                    if self.norm == "batch":
                        bn.running_mean, bn.running_var = self.running_mean[layer][k].copy(), self.running_var[layer][k].copy()
            nets.append(net)
        return nets


def train_stacked(norm, seeds, data, steps, batch_size, lr, eval_every, **kwargs):
    """`solutions.nets.train` for the S networks ``make_mlp(norm, seed=s)``, s in `seeds`, at once.

    Network s draws its batches from ``np.random.default_rng(s)`` exactly as ``train(...,
    seed=s)`` does. Returns (model, history) with history "step" (evaluation steps),
    "test_acc" (n_evals, S) and "loss" (steps, S); `kwargs` go to `StackedMLP`.
    """
    x_train, y_train, x_test, y_test = data
    model = StackedMLP(norm, seeds, **kwargs)
    # one draw of all the batches per seed: the same stream as `train`'s draw per step
    order = np.stack([np.random.default_rng(s).integers(0, len(y_train), (steps, batch_size)) for s in seeds], axis=1)
    history: dict = {"step": [0], "test_acc": [model.accuracy(x_test, y_test)], "loss": []}
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            idx = order[step - 1]
            history["loss"].append(model.step(x_train[idx], y_train[idx], lr))
            if step % eval_every == 0:
                history["step"].append(step)
                history["test_acc"].append(model.accuracy(x_test, y_test))
    history["test_acc"] = np.array(history["test_acc"])
    history["loss"] = np.array(history["loss"])
    return model, history
