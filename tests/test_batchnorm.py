"""solutions.batchnorm: training-mode BN forward and backward, (N, D) and (N, C, H, W), vs PyTorch."""
import numpy as np
import pytest
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import (
    batchnorm_backward,
    batchnorm_forward,
    numerical_gradient,
    rel_error,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

SHAPES_2D = [(2, 1), (4, 3), (64, 17), (257, 5)]
SHAPES_4D = [(2, 3, 1, 1), (1, 4, 3, 2), (5, 3, 7, 6)]


def data(rng, shape, dtype):
    """Features with different offsets and scales, so each feature's statistics matter."""
    c = shape[1]
    bshape = (1, c) + (1,) * (len(shape) - 2)
    x = rng.normal(size=shape) * rng.uniform(0.1, 20, c).reshape(bshape) + rng.normal(0, 30, c).reshape(bshape)
    return x.astype(dtype), rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)


def torch_bn(x, gamma, beta, dout, eps):
    """Training-mode F.batch_norm and its autograd gradients."""
    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    out = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    out.backward(t(dout))
    return out, xt.grad, gt.grad, bt.grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES_2D + SHAPES_4D)
@pytest.mark.parametrize("eps", [1e-5, 1e-3])
def test_forward_and_backward_match_torch(rng, shape, dtype, eps):
    x, gamma, beta = data(rng, shape, dtype)
    dout = rng.normal(size=shape).astype(dtype)
    fwd, bwd = (batchnorm_forward, batchnorm_backward) if len(shape) == 2 else (
        spatial_batchnorm_forward, spatial_batchnorm_backward)
    out, cache = fwd(x, gamma, beta, eps=eps)
    dx, dgamma, dbeta = bwd(dout, cache)
    tout, tdx, tdgamma, tdbeta = torch_bn(x, gamma, beta, dout, eps)
    print(f"shape {shape} {np.dtype(dtype).name} eps {eps}")
    for name, ours, theirs in [("out", out, tout), ("dx", dx, tdx), ("dgamma", dgamma, tdgamma), ("dbeta", dbeta, tdbeta)]:
        assert ours.dtype == dtype, f"{name} dtype {ours.dtype}"
        assert_matches(name, ours, theirs, dtype)


def test_worked_example_of_the_seeds_rounded_correctly():
    out, _ = batchnorm_forward(np.array([[2.0], [4.0], [6.0], [8.0]]), [2.0], [0.5], eps=0)
    # gamma * (x - 5) / sqrt(5) + 0.5; the seed's -0.40 and 1.40 came from rounding x-hat first
    np.testing.assert_allclose(out.ravel(), [-2.18, -0.39, 1.39, 3.18], atol=5e-3)


def test_backward_matches_numerical_gradient(rng):
    x, gamma, beta = data(rng, (6, 4), np.float64)
    dout = rng.normal(size=x.shape)
    _, cache = batchnorm_forward(x, gamma, beta)
    dx, _, _ = batchnorm_backward(dout, cache)
    num = numerical_gradient(lambda z: batchnorm_forward(z, gamma, beta)[0], x, dout)
    assert rel_error(dx, num) < 1e-6


def test_tiny_variance_feature_matches_torch(rng):
    """A feature with variance ~ eps is where eps inside vs outside the sqrt differs."""
    x = np.column_stack([rng.normal(size=32) * 1e-3, rng.normal(size=32)])
    out, _ = batchnorm_forward(x, np.ones(2), np.zeros(2))
    assert_matches("out", out, F.batch_norm(t(x), None, None, training=True, eps=1e-5))
    var = x[:, 0].var()
    assert var < 1e-5  # the test data really is in the regime where eps matters
    np.testing.assert_allclose(out[:, 0].std(), np.sqrt(var / (var + 1e-5)), rtol=1e-10)  # shrunk, not 1


def test_input_is_not_modified(rng):
    x, gamma, beta = data(rng, (8, 3), np.float32)
    before = x.copy()
    out, cache = batchnorm_forward(x, gamma, beta)
    batchnorm_backward(np.ones_like(out), cache)
    assert np.array_equal(x, before)
    assert not np.shares_memory(out, x)


def test_dout_is_not_modified(rng):
    x, gamma, beta = data(rng, (2, 3, 4, 4), np.float64)
    dout = rng.normal(size=x.shape)
    before = dout.copy()
    spatial_batchnorm_backward(dout, spatial_batchnorm_forward(x, gamma, beta)[1])
    assert np.array_equal(dout, before)
