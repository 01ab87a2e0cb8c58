"""solutions.stats: two-pass mean and biased variance, against PyTorch and against float64."""
import numpy as np
import pytest
import torch
from torchref import assert_matches

from solutions import batch_stats


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_stats_matches_torch_var_mean(rng, dtype):
    x = (rng.normal(size=(37, 11)) * rng.uniform(0.1, 10, 11) + rng.normal(size=11) * 5).astype(dtype)
    mean, var = batch_stats(x)
    tvar, tmean = torch.var_mean(torch.tensor(x), dim=0, correction=0)
    assert mean.dtype == dtype and var.dtype == dtype
    assert_matches("mean", mean, tmean, dtype)
    assert_matches("var (biased)", var, tvar, dtype)


def test_worked_example_divides_by_n():
    mean, var = batch_stats(np.array([[2.0], [4.0], [6.0], [8.0]]))
    assert mean.tolist() == [5.0] and var.tolist() == [5.0]  # 20/4, not 20/3


def test_float32_far_from_zero_keeps_its_variance(rng):
    """Data near 1e4 in float32: the one-pass E[x^2]-E[x]^2 fails here, two passes do not."""
    x64 = 1e4 + rng.normal(size=(4096, 8))
    x = x64.astype(np.float32)
    _, var = batch_stats(x)
    exact = x.astype(np.float64).var(axis=0)  # float64 variance of the same float32 values
    naive = (x * x).mean(axis=0) - x.mean(axis=0) ** 2  # what the course warns against
    assert np.all(var > 0)
    np.testing.assert_allclose(var, exact, rtol=1e-5)
    assert np.max(np.abs(naive - exact) / exact) > 1e-2  # the test data really is hard


def test_integers_compute_in_float64():
    mean, var = batch_stats(np.array([[1, 2], [2, 4]]))
    assert mean.dtype == np.float64 and var.tolist() == [0.25, 1.0]
