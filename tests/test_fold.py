"""solutions.fold: folding eval-mode BN into the linear layer before it, vs torch Linear+BN."""
import numpy as np
import pytest
import torch
from torchref import assert_matches, t

from solutions import BatchNorm1d, fold_batchnorm


@pytest.mark.parametrize("bias", [True, False])
def test_fold_matches_eval_linear_then_bn(rng, bias):
    d_in, d_out = 7, 5
    lin = torch.nn.Linear(d_in, d_out, bias=bias).double()
    bn = torch.nn.BatchNorm1d(d_out, eps=1e-3).double()
    with torch.no_grad():
        bn.weight.copy_(t(rng.normal(size=d_out)))
        bn.bias.copy_(t(rng.normal(size=d_out)))
    for _ in range(3):  # give the running statistics values far from (0, 1)
        bn(lin(t(rng.normal(size=(16, d_in)) * 4 + 3)))
    bn.eval()
    W = lin.weight.detach().numpy().T  # torch stores (D_out, D_in)
    b = lin.bias.detach().numpy() if bias else None
    W_f, b_f = fold_batchnorm(W, b, bn.weight.detach().numpy(), bn.bias.detach().numpy(),
                              bn.running_mean.numpy(), bn.running_var.numpy(), eps=1e-3)
    x = rng.normal(size=(10, d_in))
    assert_matches("folded x @ W_f + b_f", x @ W_f + b_f, bn(lin(t(x))))


def test_fold_agrees_with_our_module(rng):
    W, b = rng.normal(size=(3, 4)), rng.normal(size=4)
    bn = BatchNorm1d(4, momentum=0.5)
    bn(rng.normal(size=(6, 3)) @ W + b + 10)
    bn.eval()
    W_f, b_f = fold_batchnorm(W, b, bn.gamma, bn.beta, bn.running_mean, bn.running_var, bn.eps)
    x = rng.normal(size=(5, 3))
    np.testing.assert_allclose(x @ W_f + b_f, bn(x @ W + b), rtol=1e-12, atol=1e-12)
