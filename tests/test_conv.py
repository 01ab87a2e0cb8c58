"""solutions.conv: im2col convolution, pooling, spatial BN with running statistics, and the ConvNet,
each checked against PyTorch (forward with torch.nn.functional, backward with autograd) or a
numerical gradient."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torchref import assert_matches, t

from solutions import numerical_gradient, rel_error
from solutions.conv import (
    ConvNet,
    SpatialBatchNorm2d,
    col2im,
    conv2d_backward,
    conv2d_forward,
    global_avgpool_backward,
    global_avgpool_forward,
    im2col,
    maxpool2d_backward,
    maxpool2d_forward,
)
from solutions.nets import load_digits_split, softmax_cross_entropy, train

CONV_CASES = [
    # (N, C, H, W), (F, kh, kw), pad, stride, bias
    ((2, 1, 8, 8), (4, 3, 3), 1, 1, True),
    ((3, 5, 6, 7), (2, 3, 3), 1, 1, False),
    ((2, 3, 7, 5), (4, 2, 3), 0, 1, True),
    ((2, 2, 9, 8), (3, 3, 3), 1, 2, True),
    ((1, 4, 5, 5), (6, 1, 1), 0, 1, True),
]


@pytest.mark.parametrize("xshape, wshape, pad, stride, bias", CONV_CASES)
def test_conv2d_forward_and_backward_match_torch(rng, xshape, wshape, pad, stride, bias):
    x = rng.normal(size=xshape)
    w = rng.normal(size=(wshape[0], xshape[1]) + wshape[1:])
    b = rng.normal(size=wshape[0]) if bias else None
    out, cache = conv2d_forward(x, w, b, pad=pad, stride=stride)
    dout = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)

    xt, wt = t(x, True), t(w, True)
    bt = t(b, True) if bias else None
    tout = F.conv2d(xt, wt, bt, stride=stride, padding=pad)
    tout.backward(t(dout))
    print(f"x {xshape} w {w.shape} pad {pad} stride {stride} bias {bias}")
    assert_matches("out", out, tout)
    assert_matches("dx", dx, xt.grad)
    assert_matches("dw", dw, wt.grad)
    if bias:
        assert_matches("db", db, bt.grad)
    else:
        assert db is None
    assert conv2d_backward(dout, cache, input_grad=False)[0] is None


def test_conv2d_backward_matches_numerical_gradient(rng):
    """Independent of torch: centered differences of sum(conv(x, w, b) * dout)."""
    x, w, b = rng.normal(size=(2, 2, 5, 4)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    out, cache = conv2d_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    assert rel_error(dx, numerical_gradient(lambda v: conv2d_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, numerical_gradient(lambda v: conv2d_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, numerical_gradient(lambda v: conv2d_forward(x, w, v)[0], b, dout)) < 1e-7


@pytest.mark.parametrize("pad, stride", [(0, 1), (1, 1), (1, 2)])
def test_col2im_is_the_adjoint_of_im2col(rng, pad, stride):
    """<im2col(x), D> == <x, col2im(D)> for every x and D: col2im is im2col's transpose."""
    x = rng.normal(size=(2, 3, 6, 5))
    cols, _ = im2col(x, 3, 2, pad, stride)
    d = rng.normal(size=cols.shape)
    np.testing.assert_allclose(np.sum(cols * d), np.sum(x * col2im(d, x.shape, 3, 2, pad, stride)), rtol=1e-12)


def test_conv2d_does_not_modify_its_input(rng):
    x, w = rng.normal(size=(2, 2, 4, 4)), rng.normal(size=(3, 2, 3, 3))
    x0, w0 = x.copy(), w.copy()
    out, cache = conv2d_forward(x, w, None)
    conv2d_backward(np.ones_like(out), cache)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


@pytest.mark.parametrize("k", [2, 3])
def test_maxpool_matches_torch_including_ties(rng, k):
    x = rng.normal(size=(3, 4, 2 * k, 3 * k))
    x = np.maximum(x, 0.0)  # after a ReLU, many windows are all zeros: ties
    x[0, 0, :k, :k] = 1.5  # one window with the same maximum everywhere
    out, cache = maxpool2d_forward(x, k)
    dout = rng.normal(size=out.shape)
    dx = maxpool2d_backward(dout, cache)
    xt = t(x, True)
    tout = F.max_pool2d(xt, k)
    tout.backward(t(dout))
    assert_matches("out", out, tout)
    assert_matches("dx", dx, xt.grad)


def test_maxpool_backward_matches_numerical_gradient(rng):
    x = rng.normal(size=(2, 3, 4, 6))  # no ties: the max is differentiable there
    out, cache = maxpool2d_forward(x, 2)
    dout = rng.normal(size=out.shape)
    num = numerical_gradient(lambda v: maxpool2d_forward(v, 2)[0], x, dout)
    assert rel_error(maxpool2d_backward(dout, cache), num) < 1e-7


def test_maxpool_rejects_sizes_that_do_not_divide():
    with pytest.raises(ValueError, match="divisible"):
        maxpool2d_forward(np.zeros((1, 1, 5, 4)), 2)


def test_global_avgpool_matches_torch(rng):
    x = rng.normal(size=(3, 4, 5, 2))
    out, cache = global_avgpool_forward(x)
    dout = rng.normal(size=out.shape)
    xt = t(x, True)
    tout = F.adaptive_avg_pool2d(xt, 1).flatten(1)
    tout.backward(t(dout))
    assert_matches("out", out, tout)
    assert_matches("dx", global_avgpool_backward(dout, cache), xt.grad)


def test_spatial_batchnorm_module_matches_torch_batchnorm2d(rng):
    """Training outputs and gradients, running statistics after several batches, eval output."""
    ours = SpatialBatchNorm2d(3, momentum=0.1)
    ours.gamma, ours.beta = rng.normal(1, 0.3, 3), rng.normal(0, 0.3, 3)
    theirs = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1).double()
    with torch.no_grad():
        theirs.weight.copy_(t(ours.gamma))
        theirs.bias.copy_(t(ours.beta))
    for step in range(4):
        x = rng.normal(2.0, 3.0, size=(4, 3, 5, 5))
        dout = rng.normal(size=x.shape)
        out = ours(x)
        dx = ours.backward(dout)
        theirs.zero_grad()
        xt = t(x, True)
        tout = theirs(xt)
        tout.backward(t(dout))
        print(f"step {step}")
        assert_matches("out", out, tout)
        assert_matches("dx", dx, xt.grad)
        assert_matches("dgamma", ours.dgamma, theirs.weight.grad)
        assert_matches("dbeta", ours.dbeta, theirs.bias.grad)
        assert_matches("running_mean", ours.running_mean, theirs.running_mean)
        assert_matches("running_var (unbiased)", ours.running_var, theirs.running_var)
    x = rng.normal(size=(2, 3, 5, 5))
    ours.eval()
    theirs.eval()
    assert_matches("eval out", ours(x), theirs(t(x)))
    with pytest.raises(RuntimeError):
        ours.backward(x)


def torch_convnet(net, x, batchnorm, training=True):
    """The same network written with torch.nn.functional, on copies of `net`'s parameters."""
    p = {k: t(v, True) for k, v in net.params.items()}
    bn = {}
    a = t(x)
    for i, norm in enumerate(net.norms, start=1):
        z = F.conv2d(a, p[f"conv{i}.w"], p.get(f"conv{i}.b"), padding=1)
        if batchnorm:
            bn[f"bn{i}.gamma"], bn[f"bn{i}.beta"] = t(norm.gamma, True), t(norm.beta, True)
            z = F.batch_norm(z, t(norm.running_mean).clone(), t(norm.running_var).clone(),
                             bn[f"bn{i}.gamma"], bn[f"bn{i}.beta"], training=training, eps=1e-5)
        a = F.relu(z)
        if i < len(net.norms):
            a = F.max_pool2d(a, 2)
    logits = a.mean(dim=(2, 3)) @ p["fc.w"] + p["fc.b"]
    return logits, {**p, **bn}


@pytest.mark.parametrize("batchnorm", [False, True])
def test_convnet_logits_and_every_gradient_match_torch(rng, batchnorm):
    net = ConvNet(channels=(3, 4), batchnorm=batchnorm, seed=1)
    if batchnorm:
        for norm in net.norms:
            norm.gamma, norm.beta = rng.normal(1, 0.3, norm.num_features), rng.normal(0, 0.3, norm.num_features)
    else:
        for name in ("conv1.b", "conv2.b"):
            net.params[name] = rng.normal(0, 0.3, net.params[name].shape)
    x = rng.uniform(0, 1, size=(6, 1, 8, 8))
    y = rng.integers(0, 10, 6)
    logits = net(x)
    _, dlogits = softmax_cross_entropy(logits, y)
    grads = net.backward(dlogits)

    tlogits, tparams = torch_convnet(net, x, batchnorm)
    F.cross_entropy(tlogits, torch.tensor(y)).backward()
    assert_matches("logits", logits, tlogits)
    assert set(grads) == set(tparams)
    for name, tp in tparams.items():
        assert_matches(f"d {name}", grads[name], tp.grad)


def test_convnet_eval_mode_uses_running_statistics(rng):
    net = ConvNet(channels=(3, 4), batchnorm=True, seed=2)
    x = rng.uniform(0, 1, size=(8, 1, 8, 8))
    for _ in range(3):
        net.step(x, rng.integers(0, 10, 8), lr=0.1)
    net.eval()
    before = [n.running_mean.copy() for n in net.norms]
    tlogits, _ = torch_convnet(net, x[:1], batchnorm=True, training=False)
    assert_matches("eval logits, one image", net(x[:1]), tlogits)
    assert all(np.array_equal(b, n.running_mean) for b, n in zip(before, net.norms))


def test_convnet_accepts_flat_digits_and_learns():
    """Trained by solutions.nets.train (the MLP's loop), it beats chance by far within 300 steps."""
    data = load_digits_split()
    for batchnorm in (False, True):
        net = ConvNet(batchnorm=batchnorm, seed=0)
        history = train(net, data, steps=300, batch_size=32, lr=0.5, eval_every=300, seed=0)
        assert not history["diverged"]
        assert history["test_acc"][-1] > 0.6, (batchnorm, history["test_acc"])
        assert net.training  # accuracy() restored the mode
