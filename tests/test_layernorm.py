"""solutions.layernorm: per-sample normalisation against F.layer_norm and autograd."""
import numpy as np
import pytest
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import layernorm_backward, layernorm_forward, numerical_gradient, rel_error


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 5), (3, 1), (16, 33)])
def test_layernorm_matches_torch(rng, shape, dtype):
    x = (rng.normal(size=shape) * 4 + 7).astype(dtype)
    gamma, beta = rng.normal(size=shape[1]).astype(dtype), rng.normal(size=shape[1]).astype(dtype)
    dout = rng.normal(size=shape).astype(dtype)
    out, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    tout = F.layer_norm(xt, (shape[1],), gt, bt, eps=1e-5)
    tout.backward(t(dout))
    for name, ours, theirs in [("out", out, tout), ("dx", dx, xt.grad), ("dgamma", dgamma, gt.grad), ("dbeta", dbeta, bt.grad)]:
        assert ours.dtype == dtype
        assert_matches(name, ours, theirs, dtype)


def test_layernorm_backward_matches_numerical_gradient(rng):
    x, gamma, beta = rng.normal(size=(3, 6)), rng.normal(size=6), rng.normal(size=6)
    dout = rng.normal(size=x.shape)
    dx, _, _ = layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])
    num = numerical_gradient(lambda z: layernorm_forward(z, gamma, beta)[0], x, dout)
    assert rel_error(dx, num) < 1e-6


def test_layernorm_of_one_sample_is_independent_of_the_batch(rng):
    x, gamma, beta = rng.normal(size=(5, 4)), np.ones(4), np.zeros(4)
    together, _ = layernorm_forward(x, gamma, beta)
    alone, _ = layernorm_forward(x[2:3], gamma, beta)
    np.testing.assert_array_equal(together[2:3], alone)
