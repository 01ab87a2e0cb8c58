"""solutions.variants: ghost, synchronized, frozen BN and batch renormalization, against PyTorch.

Each function is checked against an independent computation: torch.nn.functional.batch_norm
(training or evaluation mode) and autograd, applied to the pieces (ghost batches) or to the
whole batch (SyncBN); batch renormalization against its formula written in torch with
r and d detached (the paper's stop_gradient).
"""
import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import batchnorm_forward, numerical_gradient, rel_error
from solutions.variants import (
    BatchRenorm1d,
    frozen_batchnorm_backward,
    frozen_batchnorm_forward,
    ghost_batchnorm_backward,
    ghost_batchnorm_forward,
    sync_batchnorm_backward,
    sync_batchnorm_forward,
)


def data(rng, n, d):
    return rng.normal(size=(n, d)) * rng.uniform(0.5, 5, d) + rng.normal(0, 10, d), rng.normal(size=d), rng.normal(size=d)


@pytest.mark.parametrize("n, g", [(8, 2), (12, 4), (32, 8), (6, 6)])
def test_ghost_bn_is_bn_of_each_ghost_batch(rng, n, g):
    x, gamma, beta = data(rng, n, 3)
    dout = rng.normal(size=x.shape)
    out, cache = ghost_batchnorm_forward(x, gamma, beta, g)
    dx, dgamma, dbeta = ghost_batchnorm_backward(dout, cache)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    tout = torch.cat([F.batch_norm(xt[i:i + g], None, None, gt, bt, training=True, eps=1e-5) for i in range(0, n, g)])
    tout.backward(t(dout))
    for name, ours, theirs in [("out", out, tout), ("dx", dx, xt.grad), ("dgamma", dgamma, gt.grad), ("dbeta", dbeta, bt.grad)]:
        assert_matches(name, ours, theirs)


def test_ghost_size_must_divide_n():
    with pytest.raises(ValueError, match="ghost_size"):
        ghost_batchnorm_forward(np.ones((6, 2)), np.ones(2), np.zeros(2), 4)


@pytest.mark.parametrize("sizes", [[4, 4], [2, 3, 5], [1, 1, 1, 1], [7]])
def test_sync_bn_equals_bn_of_the_whole_batch(rng, sizes):
    x, gamma, beta = data(rng, sum(sizes), 4)
    dout = rng.normal(size=x.shape)
    cuts = np.cumsum(sizes)[:-1]
    outs, cache = sync_batchnorm_forward(np.split(x, cuts), gamma, beta)
    dxs, dgamma, dbeta = sync_batchnorm_backward(np.split(dout, cuts), cache)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    tout = F.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)
    tout.backward(t(dout))
    for name, ours, theirs in [("out", np.concatenate(outs), tout), ("dx", np.concatenate(dxs), xt.grad),
                               ("dgamma", dgamma, gt.grad), ("dbeta", dbeta, bt.grad)]:
        assert_matches(name, ours, theirs)


def test_frozen_bn_is_eval_mode_bn_with_gradients(rng):
    x, gamma, beta = data(rng, 5, 3)
    mean, var = rng.normal(size=3), rng.uniform(0.5, 2, 3)
    dout = rng.normal(size=x.shape)
    out, cache = frozen_batchnorm_forward(x, gamma, beta, mean, var)
    dx, dgamma, dbeta = frozen_batchnorm_backward(dout, cache)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    tout = F.batch_norm(xt, t(mean), t(var), gt, bt, training=False, eps=1e-5)
    tout.backward(t(dout))
    for name, ours, theirs in [("out", out, tout), ("dx", dx, xt.grad), ("dgamma", dgamma, gt.grad), ("dbeta", dbeta, bt.grad)]:
        assert_matches(name, ours, theirs)
    one, _ = frozen_batchnorm_forward(x[:1], gamma, beta, mean, var)  # works with N = 1
    np.testing.assert_array_equal(one, out[:1])


def torch_renorm(x, gamma, beta, mu, sigma, r_max, d_max, eps=1e-5):
    """Ioffe (2017), Algorithm 1, in torch: r and d are detached (stop_gradient)."""
    mu_b = x.mean(0)
    sigma_b = torch.sqrt(((x - mu_b) ** 2).mean(0) + eps)
    r = torch.clamp(sigma_b.detach() / sigma, 1 / r_max, r_max)
    d = torch.clamp((mu_b.detach() - mu) / sigma, -d_max, d_max)
    return gamma * ((x - mu_b) / sigma_b * r + d) + beta


@pytest.mark.parametrize("r_max, d_max", [(1.0, 0.0), (1.5, 0.5), (np.inf, np.inf)])
def test_batch_renorm_matches_torch_with_stop_gradient(rng, r_max, d_max):
    x, gamma, beta = data(rng, 6, 4)
    dout = rng.normal(size=x.shape)
    layer = BatchRenorm1d(4, r_max=r_max, d_max=d_max, momentum=0.3)
    layer.gamma, layer.beta = gamma.copy(), beta.copy()
    layer.running_mean, layer.running_std = rng.normal(size=4), rng.uniform(0.5, 3, 4)
    mu, sigma = layer.running_mean.copy(), layer.running_std.copy()
    out = layer(x)
    dx = layer.backward(dout)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    tout = torch_renorm(xt, gt, bt, t(mu), t(sigma), r_max, d_max)
    tout.backward(t(dout))
    pairs = [("out", out, tout), ("dx", dx, xt.grad), ("dgamma", layer.dgamma, gt.grad), ("dbeta", layer.dbeta, bt.grad)]
    for name, ours, theirs in pairs:
        assert_matches(name, ours, theirs)
    sigma_b = np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(layer.running_mean, mu + 0.3 * (x.mean(axis=0) - mu), rtol=1e-12)
    np.testing.assert_allclose(layer.running_std, sigma + 0.3 * (sigma_b - sigma), rtol=1e-12)


def test_batch_renorm_limits(rng):
    x, gamma, beta = data(rng, 8, 3)
    plain = BatchRenorm1d(3, r_max=1.0, d_max=0.0)
    plain.running_mean, plain.running_std = rng.normal(size=3), rng.uniform(0.5, 3, 3)
    np.testing.assert_allclose(plain(x), batchnorm_forward(x, np.ones(3), np.zeros(3))[0], atol=1e-12)
    free = BatchRenorm1d(3, r_max=np.inf, d_max=np.inf)
    free.running_mean, free.running_std = rng.normal(size=3), rng.uniform(0.5, 3, 3)
    before = copy.deepcopy(free).eval()
    np.testing.assert_allclose(free(x), before(x), atol=1e-12)  # unclipped: training output = inference output


def test_batch_renorm_backward_matches_numerical_gradient_with_r_d_fixed(rng):
    x, gamma, beta = data(rng, 5, 3)
    layer = BatchRenorm1d(3, r_max=2.0, d_max=1.0)
    layer.gamma, layer.beta = gamma, beta
    layer.running_mean, layer.running_std = rng.normal(size=3), rng.uniform(0.5, 3, 3)
    dout = rng.normal(size=x.shape)
    layer(x)
    dx = layer.backward(dout)
    r, d = layer.r.copy(), layer.d.copy()

    def fixed_rd(z):  # the forward with r and d frozen at their values for x
        out, _ = batchnorm_forward(z, gamma * r, gamma * d + beta)
        return out

    assert rel_error(dx, numerical_gradient(fixed_rd, x, dout)) < 1e-6
