r"""Training diagnostics for the course's networks (chapter 6), after Karpathy's makemore part 3.

- `expected_initial_loss`: the cross-entropy of a network that predicts every class with
  probability 1/C, :math:`-\log(1/C) = \log C`; a fresh network should start near it.
- `saturated_fraction`: the share of sigmoid outputs within `margin` of 0 or 1, where the
  slope :math:`a(1 - a)` is below `margin` and almost no gradient passes.
- `dead_fraction`: the share of ReLU units (features, or channels of a feature map) that are
  zero for every example of a batch: they pass no gradient to the weights before them.
- `weights_of`: the weight matrices of an `MLP` or a `ConvNet`, by layer name.
- `train_recording`: the SGD loop of `solutions.nets.train` that also records, at every step
  and for every weight matrix, the *update-to-data ratio*
  :math:`\lVert \Delta W \rVert / \lVert W \rVert = \text{lr}\,\lVert \nabla_W L \rVert / \lVert W \rVert`
  (measured from the weights before and after the step, so it needs no hook in the network).
"""
from __future__ import annotations

import numpy as np


def expected_initial_loss(n_classes):
    """-log(1/C): the loss of uniform predictions over `n_classes` classes."""
    return float(np.log(n_classes))


def saturated_fraction(a, margin=0.01):
    """Fraction of sigmoid outputs `a` (any shape, values in [0, 1]) below margin or above 1 - margin."""
    a = np.asarray(a)
    return float(np.mean((a < margin) | (a > 1.0 - margin)))


def dead_fraction(a):
    """Fraction of ReLU units that are zero for the whole batch.

    Args:
        a: ReLU outputs, (N, D) (a unit is a feature) or (N, C, H, W) (a unit is a channel,
            dead if zero for every example at every position).
    """
    a = np.asarray(a)
    axes = (0,) if a.ndim == 2 else (0, 2, 3)
    return float(np.mean(np.all(a <= 0, axis=axes)))


def weights_of(net):
    """[(name, array)] of the weight matrices (no biases, no BN parameters) of an MLP or ConvNet.

    The arrays are the network's own (updated in place by its `step`), not copies.
    """
    if hasattr(net, "params"):  # solutions.conv.ConvNet
        return [(name.split(".")[0], p) for name, p in net.params.items() if name.endswith(".w")]
    names = [f"layer {i + 1}" for i in range(len(net.W) - 1)] + ["output"]
    return list(zip(names, net.W))


def train_recording(net, data, steps=500, batch_size=60, lr=0.1, seed=0):
    """SGD as in `solutions.nets.train` (same mini-batches for the same seed), recording diagnostics.

    Returns:
        dict with "names" (weight matrices, as `weights_of`), "loss" (steps,),
        "ratio" (steps, layers): log10 of ||W_after - W_before|| / ||W_before|| at each step
        (-inf for a step that leaves a matrix unchanged, as below a dead layer),
        and "test_acc" (eval mode, after the last step).
    """
    x_train, y_train, x_test, y_test = data
    rng = np.random.default_rng(seed)
    weights = weights_of(net)
    loss, ratio = np.empty(steps), np.empty((steps, len(weights)))
    net.train()
    with np.errstate(divide="ignore"):  # log10(0) = -inf is a valid answer here
        for step in range(steps):
            batch = rng.integers(0, len(y_train), batch_size)
            before = [w.copy() for _, w in weights]
            loss[step] = net.step(x_train[batch], y_train[batch], lr)
            for j, ((_, w), w0) in enumerate(zip(weights, before)):
                ratio[step, j] = np.log10(np.linalg.norm(w - w0) / np.linalg.norm(w0))
    return {"names": [n for n, _ in weights], "loss": loss, "ratio": ratio,
            "test_acc": net.accuracy(x_test, y_test)}
