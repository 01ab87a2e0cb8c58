"""solutions.layers: the affine layer and the affine -> BN -> ReLU sandwich, against torch autograd."""
import numpy as np
import pytest
import torch
from torchref import assert_matches, t

import solutions as S


@pytest.mark.parametrize("n, d_in, d_out", [(5, 3, 4), (12, 7, 2)])
def test_affine_forward_and_backward_match_autograd(rng, n, d_in, d_out):
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    dout = rng.normal(size=(n, d_out))
    out, cache = S.affine_forward(x, W, b)
    dx, dW, db = S.affine_backward(dout, cache)
    tx, tW, tb = t(x, True), t(W, True), t(b, True)
    ref = tx @ tW + tb
    ref.backward(t(dout))
    for name, ours, theirs in (("out", out, ref), ("dx", dx, tx.grad), ("dW", dW, tW.grad), ("db", db, tb.grad)):
        assert_matches(name, ours, theirs)


def test_affine_bn_relu_matches_autograd(rng):
    n, d_in, d_out = 9, 5, 4
    x, W, b = rng.normal(size=(n, d_in)), rng.normal(size=(d_in, d_out)), rng.normal(size=d_out)
    gamma, beta, dout = rng.uniform(0.5, 2, d_out), rng.normal(size=d_out), rng.normal(size=(n, d_out))
    out, cache = S.affine_bn_relu_forward(x, W, b, gamma, beta)
    grads = S.affine_bn_relu_backward(dout, cache)
    tensors = [t(a, True) for a in (x, W, b, gamma, beta)]
    tx, tW, tb, tg, tbe = tensors
    a = tx @ tW + tb
    z = torch.nn.functional.batch_norm(a, None, None, tg, tbe, training=True, eps=1e-5)
    ref = torch.relu(z)
    ref.backward(t(dout))
    assert_matches("out", out, ref)
    for name, ours, tensor in zip(("dx", "dW", "db", "dgamma", "dbeta"), grads, tensors):
        assert_matches(name, ours, tensor.grad)
    assert np.allclose(grads[2], 0, atol=1e-12), "batch norm cancels the bias before it"


def test_distribution_drift_closed_form():
    """Known moves: a shift of 3 earlier standard deviations and a doubled spread, exactly."""
    base = np.array([[-1.0, 10.0], [1.0, 30.0]])  # means (0, 20), biased variances (1, 100)
    after = np.array([[2.0, 3.0], [4.0, 43.0]])   # means (3, 23), variances (1, 400)
    shift, scale = S.distribution_drift(base, after, eps=0.0)
    np.testing.assert_array_equal(shift, [3.0, 0.3])
    np.testing.assert_array_equal(scale, [1.0, 2.0])
    shift, scale = S.distribution_drift(base, after, eps=1.0)
    np.testing.assert_allclose(shift, [3 / np.sqrt(2), 3 / np.sqrt(101)])
    np.testing.assert_allclose(scale, [1.0, np.sqrt(401 / 101)])
