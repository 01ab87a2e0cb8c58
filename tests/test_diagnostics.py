"""solutions.diagnostics: saturation, dead units, weights by layer, and the update-to-data ratio."""
import numpy as np

from solutions.conv import ConvNet
from solutions.diagnostics import (
    dead_fraction,
    expected_initial_loss,
    saturated_fraction,
    train_recording,
    weights_of,
)
from solutions.nets import MLP, load_digits_split, softmax_cross_entropy, train


def test_expected_initial_loss_is_the_loss_of_uniform_logits():
    logits = np.zeros((5, 10))
    assert np.isclose(expected_initial_loss(10), softmax_cross_entropy(logits, np.arange(5))[0])


def test_saturated_and_dead_fractions_count_by_hand():
    assert saturated_fraction(np.array([0.005, 0.5, 0.999, 0.02])) == 0.5
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]])
    assert dead_fraction(a) == 1 / 3  # only the first feature is zero for both examples
    maps = np.zeros((2, 4, 3, 3))
    maps[1, 2, 0, 1] = 0.3  # channel 2 fires once; channels 0, 1, 3 are dead
    assert dead_fraction(maps) == 0.75


def test_weights_of_returns_the_networks_own_arrays():
    mlp = MLP(sizes=(64, 5, 5, 10), seed=0)
    names, arrays = zip(*weights_of(mlp))
    assert names == ("layer 1", "layer 2", "output") and all(a is w for a, w in zip(arrays, mlp.W))
    conv = ConvNet(seed=0)
    assert [n for n, _ in weights_of(conv)] == ["conv1", "conv2", "fc"]


def test_update_ratio_is_lr_times_gradient_norm_over_weight_norm():
    data = load_digits_split()
    net = MLP(sizes=(64, 8, 10), activation="relu", seed=1)
    rng = np.random.default_rng(0)
    batch = rng.integers(0, len(data[1]), 20)
    x, y = data[0][batch], data[1][batch]
    expected = net.W[0].copy()
    grads, _ = net.backward(softmax_cross_entropy(net(x), y)[1])
    ratio0 = np.log10(0.3 * np.linalg.norm(grads[0][0]) / np.linalg.norm(expected))
    record = train_recording(net, data, steps=1, batch_size=20, lr=0.3, seed=0)
    assert np.isclose(record["ratio"][0, 0], ratio0)


def test_train_recording_follows_the_same_path_as_train():
    data = load_digits_split()
    a = train(MLP(activation="relu", batchnorm=True, seed=4), data, steps=25, lr=0.2, eval_every=25, seed=4)
    b = train_recording(MLP(activation="relu", batchnorm=True, seed=4), data, steps=25, lr=0.2, seed=4)
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-12)
    assert a["test_acc"][-1] == b["test_acc"] and b["ratio"].shape == (25, 4)
