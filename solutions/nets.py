"""A small numpy network for the lessons' experiments: an MLP on scikit-learn's digits.

The lessons train the same kind of network again and again (chapter 1's percentile bands,
the noisy-BN experiment, PreciseBN in chapter 4, the pitfalls of chapter 5, the sweep of
chapter 6). It lives here, once, built from the reference layers and tested like them.

Shapes: inputs x (N, 64) in [0, 1]; labels y (N,) ints in 0..9; logits (N, 10).
Each hidden layer is ``Linear -> [BatchNorm1d] -> activation``; the output layer is Linear.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .module import BatchNorm1d

ACTIVATIONS = {
    # name: (f(z), df/dz expressed through the output a = f(z))
    "sigmoid": (lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), lambda a: a * (1.0 - a)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(a.dtype)),
}


def load_digits_split(test_fraction=0.25, seed=0):
    """The 8x8 digits that ship with scikit-learn (1,797 images), split and scaled to [0, 1].

    Returns (x_train, y_train, x_test, y_test); x arrays are (N, 64) float64.
    No download: the data file is part of the scikit-learn package.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = digits.data / 16.0, digits.target
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy of (N, K) logits against (N,) labels; returns (loss, dlogits)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(y)
    loss = -log_p[np.arange(n), y].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), y] -= 1.0
    return float(loss), dlogits / n


@dataclass
class NoisyBN:
    """Santurkar et al. (2018)'s "noisy BN": after each BN layer, a random scale and shift.

    At every training step and for every unit, the normalised activation z becomes
    ``z * s + b`` with s ~ U(1 - scale, 1 + scale) and b ~ N(0, shift): the distribution of
    the next layer's input then moves at every step (deliberate covariate shift).
    Evaluation mode adds no noise.
    """

    shift: float = 0.5
    scale: float = 0.5
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(1))

    def sample(self, d):
        return self.rng.uniform(1 - self.scale, 1 + self.scale, d), self.rng.normal(0, self.shift, d)


class MLP:
    """Fully connected classifier with optional batch normalisation in every hidden layer.

    Args:
        sizes: layer widths, e.g. (64, 100, 100, 100, 10).
        activation: "sigmoid" or "relu".
        batchnorm: insert `BatchNorm1d` between each hidden Linear and its activation. The
            hidden Linear layers then have no bias (BN's beta plays that role).
        weight_scale: standard deviation of the Gaussian initial weights; None means
            sqrt(1 / fan_in) (LeCun) for sigmoid and sqrt(2 / fan_in) (He) for ReLU.
        noise: a `NoisyBN`, applied after each BN layer in training mode.
        momentum: momentum of the BN layers (PyTorch convention).
        seed: seeds the initial weights.
    """

    def __init__(self, sizes=(64, 100, 100, 100, 10), activation="sigmoid", batchnorm=False,
                 weight_scale=None, noise=None, momentum=0.1, seed=0):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if noise is not None and not batchnorm:
            raise ValueError("noise: noisy BN needs batchnorm=True")
        rng = np.random.default_rng(seed)
        self.activation = activation
        self.f, self.df = ACTIVATIONS[activation]
        self.noise = noise
        self.W, self.b, self.bn = [], [], []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            hidden = i < len(sizes) - 2
            gain = 2.0 if activation == "relu" and hidden else 1.0
            std = np.sqrt(gain / fan_in) if weight_scale is None else weight_scale
            self.W.append(rng.normal(0.0, std, (fan_in, fan_out)))
            self.b.append(np.zeros(fan_out))
            self.bn.append(BatchNorm1d(fan_out, momentum=momentum) if batchnorm and hidden else None)
        self.training = True

    def train(self, mode=True):
        """Training mode (batch statistics, noise) or, with mode=False, evaluation mode."""
        self.training = bool(mode)
        for bn in self.bn:
            if bn is not None:
                bn.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def forward(self, x):
        """Logits (N, 10) for x (N, 64). Keeps what `backward` needs, and in ``self.inputs``
        the input of each hidden activation (N, width), which is what chapter 1 plots."""
        self._tape, self.inputs = [], []
        a = x
        for layer, (W, b, bn) in enumerate(zip(self.W, self.b, self.bn)):
            z = a @ W if bn is not None else a @ W + b
            if layer == len(self.W) - 1:
                self._tape.append((a, None, None))
                return z
            noise = None
            if bn is not None:
                z = bn(z)
                if self.noise is not None and self.training:
                    noise = self.noise.sample(z.shape[1])
                    z = z * noise[0] + noise[1]
            self.inputs.append(z)
            out = self.f(z)
            self._tape.append((a, noise, out))
            a = out

    __call__ = forward

    def backward(self, dlogits):
        """Gradients of the loss from dL/dlogits (N, 10): returns a list of (dW, db) per
        layer and a list of (dgamma, dbeta) per BN layer (None where there is none)."""
        grads: list = [None] * len(self.W)
        bn_grads: list = [None] * len(self.W)
        dz = dlogits
        for layer in reversed(range(len(self.W))):
            a_in, noise, out = self._tape[layer]
            if layer < len(self.W) - 1:
                dz = dz * self.df(out)
                bn = self.bn[layer]
                if bn is not None:
                    if noise is not None:
                        dz = dz * noise[0]
                    dz = bn.backward(dz)
                    bn_grads[layer] = (bn.dgamma, bn.dbeta)
            grads[layer] = (a_in.T @ dz, dz.sum(axis=0))
            dz = dz @ self.W[layer].T
        return grads, bn_grads

    def step(self, x, y, lr):
        """One SGD step on the batch (x, y); returns the training loss before the step."""
        loss, dlogits = softmax_cross_entropy(self.forward(x), y)
        grads, bn_grads = self.backward(dlogits)
        for layer, (dW, db) in enumerate(grads):
            self.W[layer] -= lr * dW
            bn = self.bn[layer]
            if bn is None:
                self.b[layer] -= lr * db
            else:
                bn.gamma -= lr * bn_grads[layer][0]
                bn.beta -= lr * bn_grads[layer][1]
        return loss

    def accuracy(self, x, y):
        """Fraction of correct predictions, computed in evaluation mode (mode restored)."""
        mode = self.training
        self.eval()
        acc = float((self.forward(x).argmax(axis=1) == y).mean())
        self.train(mode)
        return acc


def train(net, data, steps=2000, batch_size=60, lr=0.1, eval_every=100, probe=None, seed=0):
    """Train `net` with plain SGD on random mini-batches; returns a history dict.

    Args:
        data: (x_train, y_train, x_test, y_test), e.g. from `load_digits_split`.
        probe: optional ``(layer, unit)``: every `eval_every` steps, the 15th, 50th and 85th
            percentiles of that hidden unit's activation input over the test set (eval mode)
            are recorded, as in Figure 1 of Ioffe & Szegedy (2015).
    Returns:
        dict with "step" (evaluation steps), "test_acc", "loss" (training loss at every
        step), "percentiles" ((n_evals, 3) array, if probe), and "diverged" (True if the
        loss became NaN or inf, after which training stops).
    """
    x_train, y_train, x_test, y_test = data
    rng = np.random.default_rng(seed)
    history: dict = {"step": [], "test_acc": [], "loss": [], "percentiles": [], "diverged": False}

    def evaluate(step):
        history["step"].append(step)
        history["test_acc"].append(net.accuracy(x_test, y_test))
        if probe is not None:
            net.eval()
            net.forward(x_test)
            values = net.inputs[probe[0]][:, probe[1]]
            history["percentiles"].append(np.percentile(values, [15, 50, 85]))
            net.train()

    net.train()
    evaluate(0)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            batch = rng.integers(0, len(y_train), batch_size)
            loss = net.step(x_train[batch], y_train[batch], lr)
            history["loss"].append(loss)
            if not np.isfinite(loss):
                history["diverged"] = True
                break
            if step % eval_every == 0:
                evaluate(step)
    history["percentiles"] = np.array(history["percentiles"])
    history["loss"] = np.array(history["loss"])
    return history
