"""Invariants of batch normalisation that must hold for any input (hypothesis)."""
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from solutions import BatchNorm1d, batchnorm_backward, batchnorm_forward, fold_batchnorm, spatial_batchnorm_forward

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
shapes = st.tuples(st.integers(2, 12), st.integers(1, 6))


@st.composite
def batches(draw):
    n, d = draw(shapes)
    x = draw(arrays(np.float64, (n, d), elements=finite))
    gamma = draw(arrays(np.float64, (d,), elements=st.floats(-5, 5, allow_subnormal=False)))
    return x, gamma, draw(arrays(np.float64, (n, d), elements=finite))


@settings(max_examples=200, deadline=None)
@given(batches())
def test_input_gradient_sums_to_zero_per_feature(batch):
    x, gamma, dout = batch
    _, cache = batchnorm_forward(x, gamma, np.zeros_like(gamma))
    dx, _, dbeta = batchnorm_backward(dout, cache)
    scale = np.abs(gamma) / np.sqrt(1e-5) * np.abs(dout).sum(axis=0) + 1
    assert np.all(np.abs(dx.sum(axis=0)) <= 1e-9 * scale)
    np.testing.assert_allclose(dbeta, dout.sum(axis=0), rtol=1e-12, atol=1e-9)


@settings(max_examples=200, deadline=None)
@given(batches())
def test_output_has_mean_zero_and_std_abs_gamma_up_to_eps(batch):
    x, gamma, _ = batch
    eps = 1e-5
    out, _ = batchnorm_forward(x, gamma, np.zeros_like(gamma), eps=eps)
    var = x.var(axis=0)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-9 * (1 + np.abs(gamma) * np.abs(x).max() / np.sqrt(var + eps)).max())
    # std of the output is |gamma| * sqrt(var / (var + eps)): |gamma| up to eps
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma) * np.sqrt(var / (var + eps)), rtol=1e-7, atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.data())
def test_spatial_equals_2d_on_channels_last_rows(n, c, h, w, data):
    assume(n * h * w >= 2)
    x = data.draw(arrays(np.float64, (n, c, h, w), elements=finite))
    gamma = np.linspace(0.5, 2, c)
    out4, _ = spatial_batchnorm_forward(x, gamma, np.ones(c))
    rows = x.transpose(0, 2, 3, 1).reshape(-1, c)
    out2, _ = batchnorm_forward(rows, gamma, np.ones(c))
    # Summation order differs, and a near-constant channel divides that rounding by sqrt(eps).
    atol = 2 * 1e-13 * (1 + np.abs(x).max()) / np.sqrt(1e-5)
    np.testing.assert_allclose(out4, out2.reshape(n, h, w, c).transpose(0, 3, 1, 2), rtol=1e-10, atol=atol)


@settings(max_examples=100, deadline=None)
@given(batches(), st.floats(0.0, 1.0))
def test_eval_mode_is_what_folding_computes(batch, momentum):
    x, gamma, _ = batch
    d = x.shape[1]
    bn = BatchNorm1d(d, momentum=momentum)
    bn.gamma = gamma
    bn(x)
    bn.eval()
    W_f, b_f = fold_batchnorm(np.eye(d), None, bn.gamma, bn.beta, bn.running_mean, bn.running_var, bn.eps)
    np.testing.assert_allclose(x @ W_f + b_f, bn(x), rtol=1e-9, atol=1e-9 * (1 + np.abs(x).max()))
