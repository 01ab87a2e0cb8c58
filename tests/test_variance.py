"""solutions.variance: one-pass, two-pass, Welford and Chan's merge, against float64 / exact sums."""
import math
from fractions import Fraction

import numpy as np
import pytest

from solutions.variance import chan_var, merge_moments, one_pass_var, two_pass_var, welford, welford_var

METHODS = [one_pass_var, two_pass_var, welford_var, chan_var]


def exact_var(column):
    """Biased variance of float values, computed exactly in rational arithmetic."""
    vals = [Fraction(float(v)) for v in column]
    mean = sum(vals) / len(vals)
    return float(sum((v - mean) ** 2 for v in vals) / len(vals))


@pytest.mark.parametrize("method", METHODS)
def test_well_conditioned_float64_agrees_with_numpy(rng, method):
    x = rng.normal(size=(64, 5)) * 3 + 1
    np.testing.assert_allclose(method(x), x.var(axis=0), rtol=1e-12)


def test_float32_stays_float32_and_large_offset_behaves_as_documented(rng):
    x = (1e4 + rng.normal(size=(1024, 8))).astype(np.float32)
    exact = np.array([exact_var(x[:, j]) for j in range(8)])
    for method in METHODS:
        assert method(x).dtype == np.float32
    assert np.all(np.abs(two_pass_var(x) - exact) / exact < 1e-3)
    assert np.all(np.abs(welford_var(x) - exact) / exact < 1e-2)
    assert np.all(np.abs(chan_var(x) - exact) / exact < 1e-2)
    assert np.max(np.abs(one_pass_var(x) - exact) / exact) > 1  # catastrophic cancellation


def test_one_pass_can_be_negative():
    x = (1e4 + np.random.default_rng(0).normal(size=(1000, 16))).astype(np.float32)
    assert (one_pass_var(x) < 0).any()
    assert (two_pass_var(x) >= 0).all() and (welford_var(x) >= 0).all()


def test_welford_mean_and_count(rng):
    x = rng.normal(size=(10, 3))
    n, mean, m2 = welford(x)
    assert n == 10
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(m2, ((x - x.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-12)


@pytest.mark.parametrize("split", [1, 2, 7, 29])
def test_merge_of_unequal_parts_equals_the_whole(rng, split):
    x = rng.normal(size=(30, 4)) * 2 + 5
    a, b = x[:split], x[split:]
    summary = lambda p: (len(p), p.mean(axis=0), ((p - p.mean(axis=0)) ** 2).sum(axis=0))
    n, mean, m2 = merge_moments(summary(a), summary(b))
    assert n == 30
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-13)
    np.testing.assert_allclose(m2 / n, x.var(axis=0), rtol=1e-12)
    assert merge_moments((0, 0.0, 0.0), summary(a))[0] == split


@pytest.mark.parametrize("blocks", [1, 2, 3, 8, 48])
def test_chan_any_number_of_blocks(rng, blocks):
    x = rng.normal(size=(48, 3))
    np.testing.assert_allclose(chan_var(x, blocks), x.var(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="num_blocks"):
        chan_var(x, 5)


def test_exact_reference_is_exact():
    assert exact_var([1.0, 2.0, 3.0, 4.0]) == 1.25
    assert math.isclose(exact_var(np.float32([1e4, 1e4 + 1])), 0.25)
