"""Exercise 4: the `BatchNorm1d` module and `fold_batchnorm`.

Cells and their one idea each: the initial attributes (init); the training-mode output
(train); the running mean with PyTorch's momentum (running_mean); the unbiased running
variance (running_var); momentum=None (momentum_none); evaluation mode (eval); a training
batch of one (batch_of_one); dtypes (float32); folding (fold example) and its eps (fold eps).

The running statistics are set explicitly before the cells that do not test their start
(so a wrong initial running_var costs only the init cell), the running-variance cell uses
momentum 0.5 (where PyTorch's and Keras's conventions agree), and evaluation mode is tested
on running statistics set by hand (so a wrong update costs only its own cell).
"""
from __future__ import annotations

import numpy as np

from . import EXACT, F32, LOOSE, assign, attrs, call, check, featured, params, same

STATE = ("running_mean", "running_var", "num_batches_tracked", "training")


def _new(d, save="bn", **kw):
    return call("new", "BatchNorm1d", d, save=save, label=f"BatchNorm1d({d}{''.join(f', {k}={v}' for k, v in kw.items())})",
                **kw)


def _batches(rng, ns, d, record_attrs, record_y=False):
    steps, arrays = [], {}
    for i, n in enumerate(ns):
        arrays[f"x{i}"] = featured(rng, n, d, spread=(0.5, 4), offset=5)
        call_name = "$bn.forward" if i % 2 == 0 else "$bn.__call__"
        steps.append(call(f"t{i}", call_name, f"@x{i}", save="y", record=["y"] if record_y else [],
                          label=f"bn.{call_name.split('.')[1]}(x) in training mode, a batch of {n}"))
        if record_attrs:
            steps.append(attrs(f"s{i}", "$bn", *record_attrs, label=f"bn's {', '.join(record_attrs)} after batch {i + 1}"))
    return steps, arrays


@check("BatchNorm1d.init", "the initial attributes, as in PyTorch (running_var starts at ones)", ["BatchNorm1d"])
def module_init(rng):
    names = ("gamma", "beta", "running_mean", "running_var", "num_batches_tracked", "training", "eps", "momentum")
    d1, d2 = (int(v) for v in rng.choice(np.arange(2, 7), 2, replace=False))
    steps = [_new(d1), attrs("a", "$bn", *names, label=f"BatchNorm1d({d1})'s attributes"),
             call("new2", "BatchNorm1d", d2, save="bn2", eps=1e-3, momentum=0.3),
             attrs("b", "$bn2", *names, label=f"BatchNorm1d({d2}, eps=1e-3, momentum=0.3)'s attributes"),
             call("new3", "BatchNorm1d", d2, save="bn3", momentum=None),
             attrs("c", "$bn3", "momentum", label=f"BatchNorm1d({d2}, momentum=None).momentum")]
    return {"steps": steps}, {}


@check("BatchNorm1d.train", "training mode normalises with the batch mean and biased variance, then gamma, beta",
       ["BatchNorm1d"], rtol=1e-6, atol=1e-8)
def module_train(rng):
    d = int(rng.integers(2, 6))
    eps = float(rng.choice([1e-3, 1e-2]))
    gamma, beta = params(rng, d)
    steps, arrays = _batches(rng, [2, int(rng.integers(3, 9)), int(rng.integers(10, 30))], d, (), record_y=True)
    steps = [_new(d, eps=eps), assign("g", "$bn", "gamma", "@gamma"), assign("b", "$bn", "beta", "@beta")] + steps
    return {"steps": steps}, {**arrays, "gamma": gamma, "beta": beta}


@check("BatchNorm1d.running_mean", "running_mean = (1 - momentum) * running_mean + momentum * batch mean; "
       "num_batches_tracked counts the batches", ["BatchNorm1d"])
def module_running_mean(rng):
    d, momentum = int(rng.integers(2, 6)), float(rng.choice([0.1, 0.2, 0.3]))
    start = rng.normal(0, 3, d)
    steps, arrays = _batches(rng, [int(rng.integers(2, 9)) for _ in range(3)], d, ("running_mean", "num_batches_tracked"))
    steps = [_new(d, momentum=momentum), assign("start", "$bn", "running_mean", "@start",
                                                label="setting bn.running_mean to a known value")] + steps
    return {"steps": steps}, {**arrays, "start": start}


@check("BatchNorm1d.running_var", "running_var stores the unbiased batch variance (times N / (N - 1))",
       ["BatchNorm1d"])
def module_running_var(rng):
    d = int(rng.integers(2, 6))
    start = rng.uniform(0.5, 3, d)
    steps, arrays = _batches(rng, [int(rng.integers(2, 7)) for _ in range(3)], d, ("running_var",))
    steps = [_new(d, momentum=0.5), assign("start", "$bn", "running_var", "@start",
                                           label="setting bn.running_var to a known value")] + steps
    return {"steps": steps}, {**arrays, "start": start}


@check("BatchNorm1d.momentum_none", "momentum=None: the running mean is the plain average of every batch so far",
       ["BatchNorm1d"], tolerates=("keras_momentum",))
def module_momentum_none(rng):
    d = int(rng.integers(1, 5))
    steps, arrays = _batches(rng, [2, int(rng.integers(3, 8)), 3, int(rng.integers(4, 10))], d,
                             ("running_mean", "num_batches_tracked"))
    return {"steps": [_new(d, momentum=None)] + steps}, arrays


@check("BatchNorm1d.eval", "evaluation mode uses the running statistics and changes nothing; train() and eval() "
       "set the mode and return the module", ["BatchNorm1d"], rtol=1e-6, atol=1e-8)
def module_eval(rng):
    d = int(rng.integers(2, 6))
    gamma, beta = params(rng, d)
    arrays = {"gamma": gamma, "beta": beta, "rm": rng.normal(0, 3, d), "rv": rng.uniform(0.5, 4, d),
              "t": featured(rng, 4, d, offset=5), "e": featured(rng, 6, d, offset=5), "one": featured(rng, 1, d)}
    steps = [_new(d), call("t", "$bn.forward", "@t", save="y", label="bn(x) in training mode"),
             *(assign(k, "$bn", name, f"@{k}") for k, name in (("gamma", "gamma"), ("beta", "beta"),
                                                                ("rm", "running_mean"), ("rv", "running_var"))),
             call("eval", "$bn.eval", save="r1", label="bn.eval()"),
             same("eval_self", "$r1", "$bn", "bn.eval() returns the module itself"),
             attrs("m1", "$bn", "training", label="bn.training after bn.eval()"),
             call("y1", "$bn.forward", "@e", save="y", record=["y"], label="bn(x) in evaluation mode, a batch of 6"),
             call("y2", "$bn.__call__", "@one", save="y", record=["y"], label="bn(x) in evaluation mode, one sample"),
             attrs("after", "$bn", "running_mean", "running_var", "num_batches_tracked",
                   label="bn's running statistics after evaluation-mode calls"),
             call("train", "$bn.train", save="r2", label="bn.train()"),
             same("train_self", "$r2", "$bn", "bn.train() returns the module itself"),
             attrs("m2", "$bn", "training", label="bn.training after bn.train()")]
    return {"steps": steps}, arrays


@check("BatchNorm1d.batch_of_one", "training on one sample raises ValueError and changes nothing; "
       "a batch of two still works", ["BatchNorm1d"], **LOOSE,
       tolerates_all_but=("batch_of_one_allowed", "state_changed_before_error"))
def module_batch_of_one(rng):
    d = int(rng.integers(2, 6))
    arrays = {"x": featured(rng, 1, d), "x2": featured(rng, 2, d)}
    state = ("running_mean", "running_var", "num_batches_tracked")
    steps = [_new(d), attrs("before", "$bn", *state, context=True, label="bn's running statistics before the call"),
             call("one", "$bn.forward", "@x", expect=["ValueError"], label="bn(x) in training mode with a batch of 1"),
             attrs("after", "$bn", *state, same_as="before", **EXACT, label="bn's running statistics after the failed call"),
             call("two", "$bn.forward", "@x2", save="y", record=["y"],
                  label="bn(x) in training mode with a batch of 2")]
    return {"steps": steps}, arrays


@check("BatchNorm1d.float32", "float32 input gives float32 output, integers give float64, x is not modified",
       ["BatchNorm1d"], contract=True, **LOOSE, tolerates_all_but=("module_float32_upcast",))
def module_float32(rng):
    d = int(rng.integers(2, 6))
    arrays = {"x": featured(rng, 12, d, F32, offset=5), "xi": rng.integers(-9, 9, size=(5, d))}
    steps = [_new(d), call("f", "$bn.forward", "@x", save="y", record=["y"], watch=True,
                           label="bn(x) on float32 input"),
             call("i", "$bn.forward", "@xi", save="y", record=["y"], watch=True,
                  label="bn(x) on integer input")]
    return {"steps": steps}, arrays


# ---------------------------------------------------------------- fold_batchnorm


def _fold(sid, suffix="", **kw):
    args = [f"@{k}{suffix}" for k in ("W", "b", "gamma", "beta", "mean", "var")]
    return call(sid, "fold_batchnorm", *args, save=["W_f", "b_f"], record=["W_f", "b_f"], **kw)


def _layer(rng, d_in, d_out, var, mean):
    gamma, beta = params(rng, d_out)
    return {"W": rng.normal(size=(d_in, d_out)), "b": rng.normal(size=d_out), "gamma": gamma, "beta": beta,
            "mean": mean, "var": var}


@check("fold_batchnorm.example", "x @ W_f + b_f equals evaluation-mode BN(x @ W + b): scale the columns of W, "
       "fold the running mean into the bias", ["fold_batchnorm"], rtol=1e-4, atol=1e-4)
def fold_example(rng):
    arrays = {"W": np.array([[1.0, -2.0], [0.5, 1.0], [0.0, 3.0]]), "b": np.array([0.5, -1.0]),
              "gamma": np.array([2.0, 0.5]), "beta": np.array([0.1, 0.2]), "mean": np.array([1.0, -2.0]),
              "var": np.array([4.0, 0.25])}
    d_in, d_out = (int(v) for v in rng.choice(np.arange(2, 8), 2, replace=False))
    unseen = _layer(rng, d_in, d_out, rng.uniform(0.5, 3.0, d_out), rng.normal(0, 3, d_out))
    arrays.update({f"{k}_u": v for k, v in unseen.items()})
    return {"steps": [_fold("ex", label="fold_batchnorm on the example layer (3 inputs, 2 outputs)"),
                      _fold("u", "_u", label=f"fold_batchnorm on an unseen layer ({d_in} inputs, {d_out} outputs)")]}, \
        arrays


@check("fold_batchnorm.eps", "the scale is gamma / sqrt(running_var + eps), with the eps argument",
       ["fold_batchnorm"], rtol=1e-6, atol=1e-9, tolerates=("fold_scale_rows",))
def fold_eps(rng):
    d_in, d_out = int(rng.integers(2, 6)), int(rng.integers(3, 6))
    var = rng.uniform(0.5, 3.0, d_out)
    var[0], var[1] = 2e-6, 3e-4  # nearly constant features: eps matters here
    arrays = _layer(rng, d_in, d_out, var, np.zeros(d_out))
    arrays["beta"] = np.zeros(d_out)  # running mean and beta 0: only eps is asked about
    return {"steps": [_fold("d", label="fold_batchnorm with running variances near eps"),
                      _fold("e", eps=1e-3, label="fold_batchnorm(..., eps=1e-3)")]}, arrays
