"""More wrong implementations, beyond the named misconceptions: each must fail some check.

Written the way students get things subtly wrong; each is correct except for one detail, so
a check that lets it through would be too weak.
"""
import nbformat
import numpy as np
import pytest

import solutions as S
from autograder import checks, probes
from autograder.assignments import source_notebook
from autograder.runner import check_names, is_test_cell
from autograder.verdict import judge_check, reference_namespace


def asked(assignment):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    return [n for c in nb.cells if is_test_cell(c) for n in check_names(c.source)]


def fails_somewhere(assignment, overrides):
    ns = {**reference_namespace(), **overrides}
    for name in asked(assignment):
        chk, script, arrays = checks.build(name, 77)
        if not judge_check(chk, script, arrays, probes.run(script, arrays, ns)).passed:
            return True
    return False


def bn_fixed_eps(x, gamma, beta, eps=1e-5):
    return S.batchnorm_forward(x, gamma, beta, 1e-5)


def bn_keepdims_cache_only(x, gamma, beta, eps=1e-5):
    return S.batchnorm_forward(x, gamma, beta, eps)[0]  # forgets the cache


def bn_upcasts(x, gamma, beta, eps=1e-5):
    out, cache = S.batchnorm_forward(np.asarray(x, dtype=np.float64), gamma, beta, eps)
    return out, cache


def bn_no_validation(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    mean, var = x.mean(axis=0), x.var(axis=0)
    return np.asarray(gamma)[: x.shape[1]] * (x - mean) / np.sqrt(var + eps) + np.resize(beta, x.shape[1]), None


def stats_keepdims(x):
    x = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "iu" else np.asarray(x)
    return x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)


def stats_std(x):
    mean, var = S.batch_stats(x)
    return mean, np.sqrt(var)


def spatial_gamma_on_last_axis(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return xhat * np.resize(gamma, x.shape[-1]) + np.resize(beta, x.shape[-1]), None  # broadcasts along W


def backward_without_dgamma_sum(dout, cache):
    dx, dgamma, dbeta = S.batchnorm_backward(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta


def backward_scales_by_n_minus_1(dout, cache):
    dx, dgamma, dbeta = S.batchnorm_backward(dout, cache)
    n = dout.shape[0]
    return dx * n / (n - 1), dgamma, dbeta


class BNNoSelf(S.BatchNorm1d):
    def train(self, mode=True):
        self.training = mode  # forgets `return self`


class BNIgnoresEps(S.BatchNorm1d):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, 1e-5, momentum)
        self.eps_given = eps


class BNNoCount(S.BatchNorm1d):
    def _update_running_stats(self, mean, var, n):
        count = self.num_batches_tracked
        super()._update_running_stats(mean, var, n)
        self.num_batches_tracked = count


class BNEvalNoOp(S.BatchNorm1d):
    def eval(self):
        return self  # never leaves training mode


class BNFloat64(S.BatchNorm1d):
    def forward(self, x):
        return super().forward(np.asarray(x, dtype=np.float64))

    __call__ = forward


class BNMomentumNoneCrashes(S.BatchNorm1d):
    def _update_running_stats(self, mean, var, n):
        if self.momentum is None:
            raise TypeError("unsupported operand type(s) for *: 'NoneType' and 'float'")
        super()._update_running_stats(mean, var, n)


def fold_transposed(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    W_f, b_f = S.fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps)
    return W_f.T, b_f


def layernorm_unbiased(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, ddof=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, None


def groupnorm_per_channel(x, gamma, beta, num_groups, eps=1e-5):
    return S.groupnorm_forward(x, gamma, beta, x.shape[1], eps)


def drift_biased_scale(before, after, eps=1e-5):
    shift, scale = S.distribution_drift(before, after, eps)
    return shift, scale**2  # variance ratio instead of standard-deviation ratio


def sandwich_no_relu(x, W, b, gamma, beta, eps=1e-5):
    out, cache = S.affine_bn_relu_forward(x, W, b, gamma, beta, eps)
    z, _ = S.batchnorm_forward(x @ W + b, gamma, beta, eps)
    return z, cache


CASES = [
    ("ex01_covariate_shift", {"batch_stats": stats_keepdims}),
    ("ex01_covariate_shift", {"batch_stats": stats_std}),
    ("ex01_covariate_shift", {"distribution_drift": drift_biased_scale}),
    ("ex02_algorithm", {"batchnorm_forward": bn_fixed_eps}),
    ("ex02_algorithm", {"batchnorm_forward": bn_keepdims_cache_only}),
    ("ex02_algorithm", {"batchnorm_forward": bn_upcasts}),
    ("ex02_algorithm", {"batchnorm_forward": bn_no_validation}),
    ("ex02_algorithm", {"spatial_batchnorm_forward": spatial_gamma_on_last_axis}),
    ("ex03_gamma_beta", {"batchnorm_backward": backward_without_dgamma_sum}),
    ("ex03_gamma_beta", {"batchnorm_backward": backward_scales_by_n_minus_1}),
    ("ex04_inference", {"BatchNorm1d": BNNoSelf}),
    ("ex04_inference", {"BatchNorm1d": BNIgnoresEps}),
    ("ex04_inference", {"BatchNorm1d": BNNoCount}),
    ("ex04_inference", {"BatchNorm1d": BNEvalNoOp}),
    ("ex04_inference", {"BatchNorm1d": BNFloat64}),
    ("ex04_inference", {"BatchNorm1d": BNMomentumNoneCrashes}),
    ("ex04_inference", {"fold_batchnorm": fold_transposed}),
    ("ex05_pitfalls", {"layernorm_forward": layernorm_unbiased}),
    ("ex05_pitfalls", {"groupnorm_forward": groupnorm_per_channel}),
    ("ex06_training", {"affine_bn_relu_forward": sandwich_no_relu}),
]


@pytest.mark.parametrize("assignment, overrides", CASES,
                         ids=[next(iter(o.values())).__name__ for _, o in CASES])
def test_wrong_implementation_fails_a_check(assignment, overrides):
    assert fails_somewhere(assignment, overrides)
