"""solutions.norms: group/layer normalization of (N, D) feature vectors, against PyTorch.

Independent references: torch.nn.functional.group_norm / layer_norm with autograd,
centered-difference numerical gradients, the whole MLP written in torch, and (for the
stacked trainer) solutions.nets.train itself.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import layernorm_forward, numerical_gradient, rel_error
from solutions.nets import softmax_cross_entropy
from solutions.norms import GroupNorm1d, LayerNorm1d, groupnorm1d_backward, groupnorm1d_forward, make_mlp


def data(rng, n, d, dtype):
    x = rng.normal(size=(n, d)) * rng.uniform(0.1, 20, d) + rng.normal(0, 30, d)
    return x.astype(dtype), rng.normal(size=d).astype(dtype), rng.normal(size=d).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, d", [(1, 4), (2, 6), (7, 12), (33, 100)])
def test_groupnorm1d_matches_torch_group_norm_and_autograd(rng, n, d, dtype):
    x, gamma, beta = data(rng, n, d, dtype)
    dout = rng.normal(size=(n, d)).astype(dtype)
    for groups in [g for g in range(1, d + 1) if d % g == 0 and d // g >= 2]:
        out, cache = groupnorm1d_forward(x, gamma, beta, groups)
        dx, dgamma, dbeta = groupnorm1d_backward(dout, cache)
        # the reference runs in float64 on the same (rounded) inputs: with two features per
        # group, dx is ill-conditioned and torch's own float32 result is further from it than ours
        xt, gt, bt = (t(a.astype(np.float64), True) for a in (x, gamma, beta))
        tout = F.group_norm(xt, groups, gt, bt, eps=1e-5)  # (N, C) input: groups of C/G channels
        tout.backward(t(dout.astype(np.float64)))
        print(f"(N, D) = ({n}, {d}) {np.dtype(dtype).name} groups {groups}")
        tol = 1e-3 if dtype == np.float32 else None
        pairs = [("out", out, tout), ("dx", dx, xt.grad), ("dgamma", dgamma, gt.grad), ("dbeta", dbeta, bt.grad)]
        for name, ours, theirs in pairs:
            assert ours.dtype == dtype
            assert_matches(name, ours, theirs, dtype, tol)


def test_one_group_is_layer_norm(rng):
    x, gamma, beta = data(rng, 5, 8, np.float64)
    out, _ = groupnorm1d_forward(x, gamma, beta, 1)
    assert_matches("out vs F.layer_norm", out, F.layer_norm(t(x), (8,), t(gamma), t(beta), eps=1e-5))
    np.testing.assert_allclose(out, layernorm_forward(x, gamma, beta)[0], rtol=1e-12, atol=1e-12)


def test_groupnorm1d_backward_matches_numerical_gradient(rng):
    x, gamma, beta = data(rng, 3, 12, np.float64)
    dout = rng.normal(size=x.shape)
    dx, _, _ = groupnorm1d_backward(dout, groupnorm1d_forward(x, gamma, beta, 3)[1])
    num = numerical_gradient(lambda z: groupnorm1d_forward(z, gamma, beta, 3)[0], x, dout)
    assert rel_error(dx, num) < 1e-6
    # per sample and group, the input gradient sums to zero
    np.testing.assert_allclose(dx.reshape(3, 3, 4).sum(axis=2), 0, atol=1e-10)


def test_outputs_do_not_depend_on_the_batch(rng):
    x, _, _ = data(rng, 6, 8, np.float64)
    for layer in (LayerNorm1d(8), GroupNorm1d(8, 2)):
        together = layer(x)
        np.testing.assert_array_equal(together[2:3], layer(x[2:3]))
        np.testing.assert_array_equal(layer.train()(x), layer.eval()(x))  # no training/eval difference


@pytest.mark.parametrize("bad", [0, 3, 2.0, True])
def test_num_groups_must_divide_d(bad):
    with pytest.raises((ValueError, TypeError), match="num_groups"):
        groupnorm1d_forward(np.ones((2, 8)), np.ones(8), np.zeros(8), bad)


@pytest.mark.parametrize("norm", ["none", "batch", "layer", "group"])
def test_mlp_gradients_match_torch_autograd(rng, norm):
    """The whole network (make_mlp) against the same network written in torch."""
    net = make_mlp(norm, sizes=(6, 8, 8, 3), num_groups=2, seed=1)
    for bn in net.bn:  # non-trivial gamma, beta
        if bn is not None:
            bn.gamma = rng.normal(size=bn.gamma.shape)
            bn.beta = rng.normal(size=bn.beta.shape)
    x, y = rng.normal(size=(5, 6)), rng.integers(0, 3, 5)
    loss, dlogits = softmax_cross_entropy(net.forward(x), y)
    grads, bn_grads = net.backward(dlogits)

    Ws = [t(W, True) for W in net.W]
    bs = [t(b, True) for b in net.b]
    gs = [t(bn.gamma, True) if bn is not None else None for bn in net.bn]
    betas = [t(bn.beta, True) if bn is not None else None for bn in net.bn]
    a = t(x)
    for i, W in enumerate(Ws):
        z = a @ W if norm != "none" else a @ W + bs[i]
        if i == len(Ws) - 1:
            break
        if norm == "batch":
            z = F.batch_norm(z, None, None, gs[i], betas[i], training=True, eps=1e-5)
        elif norm == "layer":
            z = F.layer_norm(z, (z.shape[1],), gs[i], betas[i], eps=1e-5)
        elif norm == "group":
            z = F.group_norm(z, 2, gs[i], betas[i], eps=1e-5)
        a = torch.relu(z)
    tloss = F.cross_entropy(z, torch.tensor(y))
    tloss.backward()
    assert abs(loss - tloss.item()) < 1e-12
    for i, (dW, db) in enumerate(grads):
        assert_matches(f"dW[{i}]", dW, Ws[i].grad)
        if norm == "none":
            assert_matches(f"db[{i}]", db, bs[i].grad)
        elif bn_grads[i] is not None:
            assert_matches(f"dgamma[{i}]", bn_grads[i][0], gs[i].grad)
            assert_matches(f"dbeta[{i}]", bn_grads[i][1], betas[i].grad)


def test_make_mlp_same_seed_same_initial_weights():
    nets = [make_mlp(norm, seed=3) for norm in ("none", "batch", "layer", "group")]
    for net in nets[1:]:
        for W0, W in zip(nets[0].W, net.W):
            np.testing.assert_array_equal(W0, W)
    assert isinstance(nets[2].bn[0], LayerNorm1d) and isinstance(nets[3].bn[1], GroupNorm1d)
    with pytest.raises(ValueError, match="norm"):
        make_mlp("instance")


@pytest.mark.parametrize("norm", ["none", "batch", "layer", "group"])
def test_stacked_training_reproduces_separate_training(norm):
    """train_stacked must compute what solutions.nets.train computes, seed by seed."""
    from solutions.nets import load_digits_split, train
    from solutions.norms import train_stacked

    data = load_digits_split()
    seeds = [0, 3]
    model, hist = train_stacked(norm, seeds, data, steps=40, batch_size=4, lr=0.05, eval_every=20)
    for k, seed in enumerate(seeds):
        net = make_mlp(norm, seed=seed)
        ref = train(net, data, steps=40, batch_size=4, lr=0.05, eval_every=20, seed=seed)
        np.testing.assert_allclose(hist["loss"][:, k], ref["loss"], rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(hist["test_acc"][:, k], ref["test_acc"])
        back = model.unstack()[k]
        for W, W_ref in zip(back.W, net.W):
            np.testing.assert_allclose(W, W_ref, rtol=1e-9, atol=1e-12)
        for bn, bn_ref in zip(back.bn, net.bn):
            if bn is not None:
                np.testing.assert_allclose(bn.gamma, bn_ref.gamma, rtol=1e-9, atol=1e-12)
                if norm == "batch":
                    np.testing.assert_allclose(bn.running_var, bn_ref.running_var, rtol=1e-9, atol=1e-12)
        assert back.accuracy(data[2], data[3]) == ref["test_acc"][-1]


def test_stacked_weight_decay_shrinks_only_the_weight_matrices(rng):
    """One step with decay = the step without decay, minus lr * decay * W (and nothing else)."""
    from solutions.norms import StackedMLP

    x, y = rng.normal(size=(2, 8, 64)), rng.integers(0, 10, (2, 8))
    plain, decayed = StackedMLP("batch", [0, 1]), StackedMLP("batch", [0, 1])
    W0 = [w.copy() for w in plain.W]
    plain.step(x, y, 0.1)
    decayed.step(x, y, 0.1, weight_decay=0.01)
    for w0, wp, wd in zip(W0, plain.W, decayed.W):
        np.testing.assert_allclose(wd, wp - 0.1 * 0.01 * w0, rtol=1e-12, atol=1e-15)
    for layer in plain.gamma:
        np.testing.assert_array_equal(plain.gamma[layer], decayed.gamma[layer])
        np.testing.assert_array_equal(plain.beta[layer], decayed.beta[layer])
    np.testing.assert_array_equal(plain.b[-1], decayed.b[-1])
