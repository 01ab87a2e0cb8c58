"""solutions.nets: the lessons' MLP. Gradients checked numerically; training really learns."""
import numpy as np
import pytest

from solutions import numerical_gradient, rel_error
from solutions.nets import MLP, NoisyBN, load_digits_split, softmax_cross_entropy, train


@pytest.fixture(scope="module")
def data():
    return load_digits_split()


def loss_of(net, x, y):
    return softmax_cross_entropy(net(x), y)[0]


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("batchnorm", [False, True])
def test_backward_matches_numerical_gradient(data, activation, batchnorm):
    x, y = data[0][:9], data[1][:9]
    net = MLP(sizes=(64, 6, 5, 10), activation=activation, batchnorm=batchnorm, seed=2)
    for bn in net.bn:
        if bn is not None:
            bn.gamma = np.random.default_rng(4).normal(1, 0.5, bn.num_features)
            bn.beta = np.random.default_rng(5).normal(0, 0.5, bn.num_features)
    _, dlogits = softmax_cross_entropy(net(x), y)
    grads, bn_grads = net.backward(dlogits)
    for layer in range(3):
        def f(W, layer=layer):
            old, net.W[layer] = net.W[layer], W
            try:
                return np.array(loss_of(net, x, y))
            finally:
                net.W[layer] = old
        num = numerical_gradient(f, net.W[layer].copy(), np.array(1.0))
        assert rel_error(grads[layer][0], num) < 1e-5, f"layer {layer}"
    if batchnorm:
        bn = net.bn[1]
        def g(gamma):
            old, bn.gamma = bn.gamma, gamma
            try:
                return np.array(loss_of(net, x, y))
            finally:
                bn.gamma = old
        assert rel_error(bn_grads[1][0], numerical_gradient(g, bn.gamma.copy(), np.array(1.0))) < 1e-5


def test_noisy_bn_gradient_uses_the_sampled_noise(data):
    x, y = data[0][:9], data[1][:9]
    net = MLP(sizes=(64, 6, 10), batchnorm=True, noise=NoisyBN(shift=0.3, scale=0.3), seed=1)
    _, dlogits = softmax_cross_entropy(net(x), y)
    grads, _ = net.backward(dlogits)
    s, b = net._tape[0][1]
    net.noise = None  # replay the same noise deterministically through a fixed function
    def f(W):
        old, net.W[0] = net.W[0], W
        z = net.bn[0](x @ W) * s + b
        net.W[0] = old
        return np.array(softmax_cross_entropy(net.f(z) @ net.W[1] + net.b[1], y)[0])
    assert rel_error(grads[0][0], numerical_gradient(f, net.W[0].copy(), np.array(1.0))) < 1e-4


@pytest.mark.slow  # a real training run
def test_training_learns_digits_and_records_percentiles(data):
    history = train(MLP(batchnorm=True), data, steps=600, lr=0.5, eval_every=200, probe=(2, 0))
    assert history["step"] == [0, 200, 400, 600]
    assert history["test_acc"][0] < 0.3 < 0.9 < history["test_acc"][-1]
    assert history["percentiles"].shape == (4, 3)
    assert np.all(np.diff(history["percentiles"], axis=1) >= 0)  # 15th <= 50th <= 85th
    assert history["loss"][-50:].mean() < history["loss"][:50].mean() / 3


def test_divergence_is_reported_not_raised(data):
    history = train(MLP(activation="relu", weight_scale=3.0), data, steps=200, lr=1e5, eval_every=50)
    assert history["diverged"] and len(history["loss"]) < 200


def test_digits_split_is_the_packaged_data():
    x_train, y_train, x_test, y_test = load_digits_split()
    assert x_train.shape == (1348, 64) and x_test.shape == (449, 64)
    assert x_train.min() == 0.0 and x_train.max() == 1.0 and set(y_test) == set(range(10))


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        MLP(activation="tanh")
    with pytest.raises(ValueError, match="noise"):
        MLP(noise=NoisyBN())
