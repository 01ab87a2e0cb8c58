"""solutions.groupnorm: per-sample, per-group normalisation against F.group_norm."""
import numpy as np
import pytest
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import groupnorm_forward, layernorm_forward

SHAPES = [(1, 4, 3, 3), (2, 6, 1, 1), (5, 8, 4, 3), (3, 12, 2, 5)]


def data(rng, shape, dtype):
    """Channels with different offsets and scales, so each group's statistics matter."""
    c = shape[1]
    x = rng.normal(size=shape) * rng.uniform(0.1, 20, c).reshape(1, c, 1, 1) + rng.normal(0, 30, c).reshape(1, c, 1, 1)
    return x.astype(dtype), rng.normal(size=c).astype(dtype), rng.normal(size=c).astype(dtype)


def divisors(c):
    return [g for g in range(1, c + 1) if c % g == 0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("eps", [1e-5, 1e-3])
def test_groupnorm_matches_torch(rng, shape, dtype, eps):
    x, gamma, beta = data(rng, shape, dtype)
    for groups in divisors(shape[1]):
        if dtype == np.float32 and shape[1] // groups * shape[2] * shape[3] == 1:
            continue  # one value per group: see test_a_group_of_one_value_outputs_beta
        out, _ = groupnorm_forward(x, gamma, beta, groups, eps=eps)
        tout = F.group_norm(t(x), groups, t(gamma), t(beta), eps=eps)
        print(f"shape {shape} {np.dtype(dtype).name} groups {groups} eps {eps}")
        assert out.dtype == dtype
        assert_matches("out", out, tout, dtype)


def test_a_group_of_one_value_outputs_beta(rng):
    """Variance 0, so x-hat is 0. In float32, torch's kernel leaves rounding noise (~1e-4) here;
    the two-pass statistics give exactly beta, which torch matches in float64."""
    x, gamma, beta = data(rng, (3, 4, 1, 1), np.float64)
    out, _ = groupnorm_forward(x, gamma, beta, 4)
    assert_matches("out", out, F.group_norm(t(x), 4, t(gamma), t(beta), eps=1e-5))
    np.testing.assert_array_equal(out, np.broadcast_to(beta.reshape(1, 4, 1, 1), out.shape))
    out32, _ = groupnorm_forward(x.astype(np.float32), gamma, beta, 4)
    np.testing.assert_array_equal(out32, np.broadcast_to(beta.astype(np.float32).reshape(1, 4, 1, 1), out.shape))


def test_float32_with_a_large_offset_keeps_its_small_spread(rng):
    """Two-pass statistics: data near 1e4 in float32 (spacing ~1e-3 there) against float64 torch."""
    x = (1e4 + rng.normal(size=(4, 6, 5, 5))).astype(np.float32)
    gamma, beta = np.ones(6), np.zeros(6)
    out, _ = groupnorm_forward(x, gamma, beta, 3)
    assert out.dtype == np.float32
    truth = F.group_norm(t(x.astype(np.float64)), 3, t(gamma), t(beta), eps=1e-5)
    assert_matches("out", out, truth, np.float32, tol=1e-3)


def test_one_group_is_layer_norm_over_all_of_a_sample(rng):
    x, _, _ = data(rng, (3, 4, 2, 2), np.float64)
    out, _ = groupnorm_forward(x, np.ones(4), np.zeros(4), 1)
    flat, _ = layernorm_forward(x.reshape(3, -1), np.ones(16), np.zeros(16))
    np.testing.assert_allclose(out.reshape(3, -1), flat, rtol=1e-12, atol=1e-12)


def test_a_sample_does_not_depend_on_its_batch(rng):
    x, gamma, beta = data(rng, (5, 6, 3, 3), np.float64)
    together, _ = groupnorm_forward(x, gamma, beta, 2)
    alone, _ = groupnorm_forward(x[2:3], gamma, beta, 2)
    np.testing.assert_array_equal(together[2:3], alone)


def test_each_group_is_standardised(rng):
    x, _, _ = data(rng, (4, 6, 3, 2), np.float64)
    out, _ = groupnorm_forward(x, np.ones(6), np.zeros(6), 3, eps=0)
    grouped = out.reshape(4, 3, -1)
    np.testing.assert_allclose(grouped.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(grouped.var(axis=2), 1, rtol=1e-12)


def test_input_is_not_modified_and_dtypes(rng):
    x, gamma, beta = data(rng, (3, 4, 2, 2), np.float32)
    before = x.copy()
    out, cache = groupnorm_forward(x, gamma.astype(np.float64), beta.astype(np.float64), 2)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.float32 and cache.xhat.dtype == np.float32
    assert groupnorm_forward(np.arange(16).reshape(1, 4, 2, 2), np.ones(4), np.zeros(4), 2)[0].dtype == np.float64


def test_non_contiguous_input(rng):
    x, gamma, beta = data(rng, (3, 4, 5, 6), np.float64)
    xt = x.transpose(0, 1, 3, 2)
    out, _ = groupnorm_forward(xt, gamma, beta, 2)
    assert_matches("out", out, F.group_norm(t(np.ascontiguousarray(xt)), 2, t(gamma), t(beta), eps=1e-5))


@pytest.mark.parametrize("call, exc, words", [
    (lambda: groupnorm_forward(np.ones((2, 6)), np.ones(6), np.zeros(6), 2), ValueError, ["x", "(N, C, H, W)", "(2, 6)"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros(6), 4), ValueError, ["num_groups", "C = 6", "4"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros(6), 0), ValueError, ["num_groups"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros(6), 2.0), TypeError, ["num_groups"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros(6), True), TypeError, ["num_groups"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(3), np.zeros(6), 3), ValueError, ["gamma", "(6,)", "(3,)"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros((6, 1)), 3), ValueError, ["beta", "(6,)"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 3, 3)), np.ones(6), np.zeros(6), 3, eps=-1), ValueError, ["eps"]),
    (lambda: groupnorm_forward(np.ones((2, 6, 0, 3)), np.ones(6), np.zeros(6), 3), ValueError, ["x", "(N, C, H, W)"]),
    (lambda: groupnorm_forward(np.ones((2, 2, 2, 2), dtype=bool), np.ones(2), np.zeros(2), 1), TypeError, ["x"]),
])
def test_bad_input_names_argument_and_shape(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value!r}"
