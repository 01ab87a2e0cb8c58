"""solutions.module.BatchNorm1d against torch.nn.BatchNorm1d, batch after batch."""
import numpy as np
import pytest
import torch
from torchref import assert_matches, t

from solutions import BatchNorm1d


def twin(d, momentum, eps=1e-5):
    """Our module and torch's (float64), with the same random gamma and beta."""
    ours = BatchNorm1d(d, eps=eps, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(d, eps=eps, momentum=momentum).double()
    g = np.random.default_rng(d).normal(size=(2, d))
    ours.gamma, ours.beta = g[0].copy(), g[1].copy()
    with torch.no_grad():
        theirs.weight.copy_(t(g[0]))
        theirs.bias.copy_(t(g[1]))
    return ours, theirs


def assert_state(ours, theirs):
    assert_matches("running_mean", ours.running_mean, theirs.running_mean)
    assert_matches("running_var (unbiased)", ours.running_var, theirs.running_var)
    assert ours.num_batches_tracked == int(theirs.num_batches_tracked)


def test_initial_state_is_pytorchs():
    bn = BatchNorm1d(3)
    assert (bn.gamma.tolist(), bn.beta.tolist()) == ([1.0] * 3, [0.0] * 3)
    assert (bn.running_mean.tolist(), bn.running_var.tolist()) == ([0.0] * 3, [1.0] * 3)
    assert (bn.num_batches_tracked, bn.training, bn.eps, bn.momentum) == (0, True, 1e-5, 0.1)


@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_training_batches_of_different_sizes_then_eval(rng, momentum):
    ours, theirs = twin(6, momentum)
    for n in [2, 5, 32, 3, 17]:
        x = rng.normal(size=(n, 6)) * 3 + 2
        print(f"batch of {n}, momentum {momentum}")
        assert_matches("train output", ours(x), theirs(t(x)))
        assert_state(ours, theirs)
    assert ours.eval() is ours and theirs.eval() is theirs
    before = (ours.running_mean.copy(), ours.running_var.copy(), ours.num_batches_tracked)
    for n in [1, 7]:
        x = rng.normal(size=(n, 6)) * 3 + 2
        assert_matches("eval output", ours(x), theirs(t(x)))
    assert np.array_equal(before[0], ours.running_mean) and np.array_equal(before[1], ours.running_var)
    assert before[2] == ours.num_batches_tracked
    assert ours.train() is ours and ours.training


def test_forward_and_call_are_the_same(rng):
    a, b = BatchNorm1d(3), BatchNorm1d(3)
    x = rng.normal(size=(4, 3))
    np.testing.assert_array_equal(a.forward(x), b(x))
    np.testing.assert_array_equal(a.running_var, b.running_var)


def test_float32_input_stays_float32_and_matches(rng):
    ours, theirs = twin(4, 0.1)
    theirs = theirs.float()
    x = (rng.normal(size=(9, 4)) * 5 + 10).astype(np.float32)
    out = ours(x)
    assert out.dtype == np.float32
    assert_matches("train output f32", out, theirs(torch.tensor(x)), np.float32)
    assert_matches("running_var f32", ours.running_var, theirs.running_var, np.float32)


def test_float32_far_from_zero_is_as_accurate_as_torch(rng):
    """Near 1e3, float32 rounding of x itself is ~6e-5. We compute gamma * (x - mean) * inv_std;
    torch folds it into x * a + b, which cancels digits. Against the float64 result of the same
    float32 input, ours must be within 1e-5 and no worse than torch's."""
    x = (rng.normal(size=(64, 4)) * 5 + 1e3).astype(np.float32)
    exact = BatchNorm1d(4)(x.astype(np.float64))
    ours = BatchNorm1d(4)(x)
    theirs = torch.nn.BatchNorm1d(4)(torch.tensor(x)).detach().numpy()
    err_ours, err_torch = np.abs(ours - exact).max(), np.abs(theirs - exact).max()
    print(f"  max error vs float64: ours {err_ours:.2e}, torch {err_torch:.2e}")
    assert err_ours < 1e-5 and err_ours <= err_torch


def test_one_sample_in_training_raises_like_torch(rng):
    x = rng.normal(size=(1, 3))
    with pytest.raises(ValueError, match="more than 1 value per feature"):
        BatchNorm1d(3)(x)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm1d(3).double()(t(x))
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError):
        bn(x)
    assert bn.num_batches_tracked == 0 and bn.running_mean.tolist() == [0.0] * 3  # nothing half-updated


def test_no_grad_does_not_freeze_running_stats_in_torch_either(rng):
    """The `no_grad` myth: only eval mode stops the update, in torch and here (no autograd flag)."""
    x = rng.normal(size=(8, 2)) + 4
    theirs = torch.nn.BatchNorm1d(2).double()
    with torch.no_grad():
        theirs(t(x))
    ours = BatchNorm1d(2)
    ours(x)
    assert int(theirs.num_batches_tracked) == 1 == ours.num_batches_tracked
    assert_matches("running_mean", ours.running_mean, theirs.running_mean)


def test_backward_matches_autograd(rng):
    ours, theirs = twin(5, 0.1)
    x, dout = rng.normal(size=(7, 5)), rng.normal(size=(7, 5))
    ours(x)
    dx = ours.backward(dout)
    xt = t(x, True)
    theirs(xt).backward(t(dout))
    assert_matches("dx", dx, xt.grad)
    assert_matches("dgamma", ours.dgamma, theirs.weight.grad)
    assert_matches("dbeta", ours.dbeta, theirs.bias.grad)
