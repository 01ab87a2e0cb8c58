"""solutions.ablations: each part of BN switched off, checked against the reference, PyTorch
autograd on the same formula, and numerical gradients."""
import numpy as np
import pytest
import torch
from torchref import assert_matches, t

from solutions import (
    batchnorm_backward,
    batchnorm_forward,
    numerical_gradient,
    rel_error,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from solutions.ablations import VARIANTS, PartialBatchNorm, ablated_mlp, make_norm
from solutions.nets import load_digits_split, train

SHAPES = [(7, 4), (3, 2, 4, 5)]


def torch_partial(x, gamma, beta, center, scale, eps=1e-5):
    """The ablated formula written in torch ops (biased variance around the mean)."""
    axes = (0,) if x.dim() == 2 else (0, 2, 3)
    bshape = (1, -1) if x.dim() == 2 else (1, -1, 1, 1)
    mu = x.mean(dim=axes, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=axes, keepdim=True)
    xhat = x - mu if center else x
    if scale:
        xhat = xhat / torch.sqrt(var + eps)
    return gamma.reshape(bshape) * xhat + beta.reshape(bshape)


@pytest.mark.parametrize("shape", SHAPES)
def test_full_variant_is_the_reference_batchnorm(rng, shape):
    x = rng.normal(3.0, 2.0, size=shape)
    c = shape[1]
    layer = PartialBatchNorm(c)
    layer.gamma, layer.beta = rng.normal(size=c), rng.normal(size=c)
    dout = rng.normal(size=shape)
    fwd, bwd = (batchnorm_forward, batchnorm_backward) if len(shape) == 2 else (
        spatial_batchnorm_forward, spatial_batchnorm_backward)
    ref, cache = fwd(x, layer.gamma, layer.beta)
    rdx, rdgamma, rdbeta = bwd(dout, cache)
    assert_matches("out", layer(x), ref)
    assert_matches("dx", layer.backward(dout), rdx)
    assert_matches("dgamma", layer.dgamma, rdgamma)
    assert_matches("dbeta", layer.dbeta, rdbeta)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_matches_torch_autograd_and_numerical_gradient(rng, shape, variant):
    center, scale, learn = VARIANTS[variant]
    c = shape[1]
    x = rng.normal(1.0, 2.0, size=shape)
    layer = make_norm(variant)(c)
    layer.gamma, layer.beta = rng.normal(1, 0.5, c), rng.normal(0, 0.5, c)
    dout = rng.normal(size=shape)
    out = layer(x)
    dx = layer.backward(dout)
    xt, gt, bt = t(x, True), t(layer.gamma, True), t(layer.beta, True)
    tout = torch_partial(xt, gt, bt, center, scale)
    tout.backward(t(dout))
    print(variant, shape)
    assert_matches("out", out, tout)
    assert_matches("dx", dx, xt.grad)
    if learn:
        assert_matches("dgamma", layer.dgamma, gt.grad)
        assert_matches("dbeta", layer.dbeta, bt.grad)
    else:
        assert not layer.dgamma.any() and not layer.dbeta.any()
    fresh = make_norm(variant)(c)
    fresh.gamma, fresh.beta = layer.gamma, layer.beta
    assert rel_error(dx, numerical_gradient(fresh, x, dout)) < 1e-6


def test_running_statistics_and_eval_mode_match_torch_batchnorm2d(rng):
    layer = PartialBatchNorm(3)
    theirs = torch.nn.BatchNorm2d(3).double()
    for _ in range(3):
        x = rng.normal(2.0, 3.0, size=(4, 3, 2, 2))
        layer(x)
        theirs(t(x))
    assert_matches("running_mean", layer.running_mean, theirs.running_mean)
    assert_matches("running_var", layer.running_var, theirs.running_var)
    x = rng.normal(size=(1, 3, 2, 2))
    assert_matches("eval out", layer.eval()(x), theirs.eval()(t(x)))


@pytest.mark.parametrize("variant", ["mean only", "scale only"])
def test_eval_mode_uses_only_the_kept_statistic(rng, variant):
    layer = make_norm(variant)(2)
    layer(rng.normal(5.0, 3.0, size=(50, 2)))
    x = rng.normal(size=(3, 2))
    out = layer.eval()(x)
    if variant == "mean only":
        np.testing.assert_allclose(out, x - layer.running_mean)
    else:
        np.testing.assert_allclose(out, x / np.sqrt(layer.running_var + layer.eps))


def test_fixed_affine_stays_at_one_and_zero_in_a_trained_mlp():
    data = load_digits_split()
    net = ablated_mlp("fixed gamma, beta", sizes=(64, 20, 10), activation="relu", seed=0)
    train(net, data, steps=20, batch_size=30, lr=0.5, eval_every=20)
    assert np.array_equal(net.bn[0].gamma, np.ones(20)) and np.array_equal(net.bn[0].beta, np.zeros(20))
    learned = ablated_mlp("full BN", sizes=(64, 20, 10), activation="relu", seed=0)
    train(learned, data, steps=20, batch_size=30, lr=0.5, eval_every=20)
    assert not np.array_equal(learned.bn[0].gamma, np.ones(20))


def test_ablated_mlp_full_matches_the_plain_bn_mlp():
    """Replacing MLP's BatchNorm1d by the full PartialBatchNorm changes nothing in training."""
    from solutions.nets import MLP

    data = load_digits_split()
    a = train(MLP(activation="relu", batchnorm=True, seed=3), data, steps=30, lr=0.3, eval_every=30, seed=3)
    b = train(ablated_mlp("full BN", activation="relu", seed=3), data, steps=30, lr=0.3, eval_every=30, seed=3)
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-10)
    assert a["test_acc"] == b["test_acc"]
    assert ablated_mlp("no BN", seed=0).bn == [None] * 4


def test_batch_of_one_raises():
    with pytest.raises(ValueError, match="more than 1 value"):
        PartialBatchNorm(3)(np.zeros((1, 3)))
