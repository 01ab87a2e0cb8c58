r"""A small convolutional network with spatial batch normalization, in numpy (chapter 6).

The layers, each with its backward next to its forward (CS231n's layout):

- `conv2d_forward` / `conv2d_backward`: 2-D cross-correlation, as ``torch.nn.functional.conv2d``,
  computed as one matrix product on the *im2col* matrix (every k x k patch of the input as a
  row), built with ``numpy.lib.stride_tricks.sliding_window_view`` rather than Python loops.
- `maxpool2d_forward` / `maxpool2d_backward`: non-overlapping max pooling, as ``F.max_pool2d``
  with ``kernel_size == stride``; the gradient goes to the first maximum of each window.
- `global_avgpool_forward` / `global_avgpool_backward`: the mean of each channel, (N, C, H, W) -> (N, C).
- `SpatialBatchNorm2d`: the reference `spatial_batchnorm_forward` / `spatial_batchnorm_backward`
  (statistics per channel over N, H and W) with running statistics, as ``torch.nn.BatchNorm2d``.
- `ConvNet`: conv 3x3 -> [BN] -> ReLU -> max pool 2 -> conv 3x3 -> [BN] -> ReLU -> global
  average pool -> linear, with the interface of `solutions.nets.MLP` (``step``, ``accuracy``,
  ``train``, ``eval``), so `solutions.nets.train` trains it unchanged.

Shapes follow PyTorch: images (N, C, H, W), conv weights (F, C, kh, kw), biases (F,).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import as_float_array, require_ndim
from .batchnorm import spatial_batchnorm_backward, spatial_batchnorm_forward
from .nets import softmax_cross_entropy


def _check_images(x, name="x"):
    x = as_float_array(x, name)
    require_ndim(x, 4, name, "(N, C, H, W)")
    return x


# --- convolution -------------------------------------------------------------------------

def im2col(x, kh, kw, pad=0, stride=1):
    """Every kh x kw patch of the zero-padded input as one column.

    Args:
        x: shape (N, C, H, W).
    Returns:
        cols: shape (C * kh * kw, N * OH * OW), rows ordered (c, i, j), columns (n, oh, ow),
            with OH = (H + 2 pad - kh) // stride + 1 and OW likewise. (This layout copies the
            window view with its last, contiguous axes kept together: faster than patches as rows.)
        (OH, OW).
    """
    n, c, h, w = x.shape
    xp = x
    if pad:  # zero padding by slice assignment (np.pad is several times slower on small arrays)
        xp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
        xp[:, :, pad:pad + h, pad:pad + w] = x
    # A view (N, C, OH, OW, kh, kw) of every window: no copy until the reshape below.
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    oh, ow = windows.shape[2], windows.shape[3]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * oh * ow)
    return cols, (oh, ow)


def col2im(dcols, x_shape, kh, kw, pad=0, stride=1):
    """Adjoint of `im2col`: adds every column of `dcols` back onto the patch it came from.

    Args:
        dcols: shape (C * kh * kw, N * OH * OW).
        x_shape: (N, C, H, W) of the unpadded input.
    Returns:
        shape (N, C, H, W). Overlapping patches add up (kh * kw slice additions, no per-pixel loop).
    """
    n, c, h, w = x_shape
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (w + 2 * pad - kw) // stride + 1
    d = dcols.reshape(c, kh, kw, n, oh, ow)
    dxp = np.zeros((c, n, h + 2 * pad, w + 2 * pad), dtype=dcols.dtype)  # channels first, like d
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += d[:, i, j]
    return np.ascontiguousarray(dxp[:, :, pad:pad + h, pad:pad + w].transpose(1, 0, 2, 3))


def conv2d_forward(x, w, b, pad=1, stride=1):
    """Cross-correlation of x (N, C, H, W) with filters w (F, C, kh, kw), plus b (F,) (or None).

    ``out[n, f] = sum_c x_pad[n, c] (*) w[f, c] + b[f]``, as ``F.conv2d(x, w, b, stride, pad)``.
    Returns (out (N, F, OH, OW), cache).
    """
    x = _check_images(x)
    w = as_float_array(w, "w")
    require_ndim(w, 4, "w", "(F, C, kh, kw)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"w: expected shape (F, {x.shape[1]}, kh, kw) to match x {x.shape}, got {w.shape}")
    f, _, kh, kw = w.shape
    cols, (oh, ow) = im2col(x, kh, kw, pad, stride)
    out = w.reshape(f, -1) @ cols  # (F, N * OH * OW): one matrix product does every patch
    if b is not None:
        out += np.asarray(b).reshape(f, 1)
    out = np.ascontiguousarray(out.reshape(f, x.shape[0], oh, ow).transpose(1, 0, 2, 3))
    return out, (cols, x.shape, w, pad, stride, b is not None)


def conv2d_backward(dout, cache, input_grad=True):
    """Gradients of `conv2d_forward`: returns (dx, dw, db).

    db is None if there was no bias; dx is None with ``input_grad=False`` (a network's first
    layer needs no gradient for its images, and col2im is the costliest part of the backward).
    """
    cols, x_shape, w, pad, stride, has_bias = cache
    f, _, kh, kw = w.shape
    dmat = dout.transpose(1, 0, 2, 3).reshape(f, -1)  # (F, N * OH * OW), columns as in cols
    dw = (dmat @ cols.T).reshape(w.shape)
    db = dmat.sum(axis=1) if has_bias else None
    dx = col2im(w.reshape(f, -1).T @ dmat, x_shape, kh, kw, pad, stride) if input_grad else None
    return dx, dw, db


# --- pooling -----------------------------------------------------------------------------

def maxpool2d_forward(x, k=2):
    """Max over non-overlapping k x k windows (stride k); H and W must be multiples of k.

    Returns (out (N, C, H/k, W/k), cache). Ties go to the first maximum of the window in
    row-major order, as in PyTorch (after a ReLU, all-zero windows are common).
    """
    x = _check_images(x)
    if x.shape[2] % k or x.shape[3] % k:
        raise ValueError(f"x: expected H and W divisible by k={k}, got shape {x.shape}")
    # The k * k offsets of a window as strided slices: k * k elementwise passes, no argmax.
    parts = [x[:, :, i::k, j::k] for i in range(k) for j in range(k)]
    out = parts[0].copy()
    for part in parts[1:]:
        np.maximum(out, part, out=out)
    return out, (x, out, k)


def maxpool2d_backward(dout, cache):
    """Gradient of `maxpool2d_forward`: each window's gradient goes to its (first) maximum."""
    x, out, k = cache
    dx = np.zeros_like(x)
    taken = np.zeros(out.shape, dtype=bool)  # windows whose maximum was already found
    for i in range(k):
        for j in range(k):
            first = (x[:, :, i::k, j::k] == out) & ~taken
            dx[:, :, i::k, j::k] = dout * first
            taken |= first
    return dx


def global_avgpool_forward(x):
    """Mean of each channel: (N, C, H, W) -> (N, C); returns (out, cache)."""
    x = _check_images(x)
    return x.mean(axis=(2, 3)), x.shape


def global_avgpool_backward(dout, cache):
    """Gradient of `global_avgpool_forward`: dout (N, C) spread evenly over H * W."""
    n, c, h, w = cache
    return np.broadcast_to(dout[:, :, None, None] / (h * w), (n, c, h, w)).copy()


# --- spatial batch normalization with running statistics ---------------------------------

class SpatialBatchNorm2d:
    """Batch normalization of (N, C, H, W) feature maps, with PyTorch's ``BatchNorm2d`` semantics.

    Training mode: the reference `spatial_batchnorm_forward` (one mean and *biased* variance per
    channel, over N, H and W), then ``running = (1 - momentum) * running + momentum * batch``
    with the *unbiased* variance (m / (m - 1), m = N * H * W). Eval mode: the running statistics.
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = int(num_features)
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

    def forward(self, x):
        x = _check_images(x)
        if not self.training:
            self._cache = None
            scale = (self.gamma / np.sqrt(self.running_var + self.eps))[:, None, None]
            return (x - self.running_mean[:, None, None]) * scale + self.beta[:, None, None]
        out, self._cache = spatial_batchnorm_forward(x, self.gamma, self.beta, self.eps)
        m = x.size // x.shape[1]
        mean = x.mean(axis=(0, 2, 3))
        var = x.var(axis=(0, 2, 3)) * (m / (m - 1))
        self.running_mean += self.momentum * (mean - self.running_mean)
        self.running_var += self.momentum * (var - self.running_var)
        return out

    __call__ = forward

    def backward(self, dout):
        """dx of the last training-mode forward; stores ``dgamma`` and ``dbeta``."""
        if self._cache is None:
            raise RuntimeError("backward needs a training-mode forward call first")
        dx, self.dgamma, self.dbeta = spatial_batchnorm_backward(dout, self._cache)
        return dx


# --- the network -------------------------------------------------------------------------

class ConvNet:
    """conv 3x3 -> [BN] -> ReLU -> max pool 2 -> conv 3x3 -> [BN] -> ReLU -> global avg pool -> linear.

    Args:
        channels: (C1, C2), the filters of the two conv layers.
        batchnorm: insert `SpatialBatchNorm2d` after each conv (the convs then have no bias,
            since BN's beta replaces it); or a callable ``make(num_features)`` returning a
            layer with the same interface (used by the ablations of chapter 6).
        weight_scale: std of the Gaussian initial weights; None: He, sqrt(2 / fan_in), for the
            convs and sqrt(1 / fan_in) for the linear layer.
        in_shape: (C, H, W) of an image; 2-D input (N, C * H * W) is reshaped to it.
        seed: seeds the initial weights.

    Attributes:
        params: dict name -> array ("conv1.w", "conv1.b" or "bn1.gamma", "bn1.beta", ...,
            "fc.w" (C2, K), "fc.b" (K,)); `grads` has the same keys after `backward`.
        activations: after `forward`, the ReLU outputs of the two conv blocks, (N, C, H, W).
    """

    def __init__(self, channels=(8, 16), n_classes=10, batchnorm=False, weight_scale=None,
                 in_shape=(1, 8, 8), momentum=0.1, seed=0):
        rng = np.random.default_rng(seed)
        c0 = in_shape[0]
        self.in_shape = tuple(in_shape)
        self.params, self.grads = {}, {}
        if batchnorm is True:
            def batchnorm(c):
                return SpatialBatchNorm2d(c, momentum=momentum)
        self.norms = []
        for i, (cin, cout) in enumerate(zip((c0,) + tuple(channels[:-1]), channels), start=1):
            std = np.sqrt(2.0 / (cin * 9)) if weight_scale is None else weight_scale
            self.params[f"conv{i}.w"] = rng.normal(0.0, std, (cout, cin, 3, 3))
            norm = batchnorm(cout) if batchnorm else None
            self.norms.append(norm)
            if norm is None:
                self.params[f"conv{i}.b"] = np.zeros(cout)
        std = np.sqrt(1.0 / channels[-1]) if weight_scale is None else weight_scale
        self.params["fc.w"] = rng.normal(0.0, std, (channels[-1], n_classes))
        self.params["fc.b"] = np.zeros(n_classes)
        self.training = True

    def train(self, mode=True):
        self.training = bool(mode)
        for norm in self.norms:
            if norm is not None:
                norm.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        """Logits (N, K) for images x (N, C, H, W) or flattened (N, C * H * W)."""
        x = np.asarray(x, dtype=np.float64)
        a = x.reshape((-1,) + self.in_shape) if x.ndim == 2 else x
        self._tape, self.activations = [], []
        for i, norm in enumerate(self.norms, start=1):
            z, conv_cache = conv2d_forward(a, self.params[f"conv{i}.w"], self.params.get(f"conv{i}.b"))
            if norm is not None:
                z = norm(z)
            a = np.maximum(z, 0.0)
            self.activations.append(a)
            pool_cache = None
            if i < len(self.norms):
                a, pool_cache = maxpool2d_forward(a, 2)
            self._tape.append((conv_cache, z > 0, pool_cache))
        h, self._gap_cache = global_avgpool_forward(a)
        self._h = h
        return h @ self.params["fc.w"] + self.params["fc.b"]

    __call__ = forward

    def backward(self, dlogits):
        """Fills `grads` from dL/dlogits (N, K) (BN's are "bn{i}.gamma", "bn{i}.beta")."""
        g = self.grads
        g["fc.w"], g["fc.b"] = self._h.T @ dlogits, dlogits.sum(axis=0)
        da = global_avgpool_backward(dlogits @ self.params["fc.w"].T, self._gap_cache)
        for i in reversed(range(1, len(self.norms) + 1)):
            conv_cache, active, pool_cache = self._tape[i - 1]
            if pool_cache is not None:
                da = maxpool2d_backward(da, pool_cache)
            dz = da * active
            norm = self.norms[i - 1]
            if norm is not None:
                dz = norm.backward(dz)
                g[f"bn{i}.gamma"], g[f"bn{i}.beta"] = norm.dgamma, norm.dbeta
            da, g[f"conv{i}.w"], db = conv2d_backward(dz, conv_cache, input_grad=i > 1)
            if db is not None:
                g[f"conv{i}.b"] = db
        return g

    def step(self, x, y, lr):
        """One SGD step on the batch (x, y); returns the training loss before the step."""
        loss, dlogits = softmax_cross_entropy(self.forward(x), y)
        grads = self.backward(dlogits)
        for name, p in self.params.items():
            p -= lr * grads[name]
        for i, norm in enumerate(self.norms, start=1):
            if norm is not None:
                norm.gamma -= lr * grads[f"bn{i}.gamma"]
                norm.beta -= lr * grads[f"bn{i}.beta"]
        return loss

    def accuracy(self, x, y):
        """Fraction of correct predictions, in evaluation mode (mode restored)."""
        mode = self.training
        self.eval()
        acc = float((self.forward(x).argmax(axis=1) == y).mean())
        self.train(mode)
        return acc
