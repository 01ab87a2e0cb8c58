"""More wrong implementations, beyond the named misconceptions: each must lose a cell, and not half the points.

Each is the instructor's solution with one subtle mistake of the kind students make (a
default eps of 1e-3, a float64 scalar that promotes float32, a message that does not name the
argument, a transpose forgotten on the way back, a batch counted twice ...), none of them one of
the named misconceptions (`autograder.misconceptions`). Pasted below the instructor notebook
(most wrap the solution's own function, saved as ``_right_...``), each is graded in this process
exactly as the sandboxed grader would (`autograder.dryrun`), for several secrets, and must

- lose at least one cell: a check that lets the mistake through is too weak;
- lose at most half of the notebook's points: one mistake must not cost the whole exercise.

The last tests: an unknown mistake in a function that others build on is charged in the
base's cells only, while bases that cannot tell the idea apart (stubs) let no stub through;
and a student with two mistakes in one function loses both cells, each naming its own mistake.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import nbformat
import pytest

from autograder import checks, dryrun
from autograder.assignments import source_notebook

SECRETS = 5
SENTINEL = "\n\n__wrong_source_ran__ = True\n"


@dataclass(frozen=True)
class Wrong:
    name: str
    assignment: str
    source: str


WRONG: list[Wrong] = []


def case(name, assignment, source):
    WRONG.append(Wrong(name, assignment, source))


# ---------------------------------------------------------------- ex01
case("stats_accepts_1d", "ex01_covariate_shift", '''
_right_stats = batch_stats
def batch_stats(x):
    x = np.atleast_2d(np.asarray(x))   # "helpfully" turns a 1-D x into one row
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got {x.shape}")
    return _right_stats(x)
''')
case("stats_message_without_name", "ex01_covariate_shift", '''
_right_stats = batch_stats
def batch_stats(x):
    if np.ndim(x) != 2:
        raise ValueError("expected a 2-D array of shape (N, D)")   # does not say which argument
    return _right_stats(x)
''')
case("stats_assert_for_validation", "ex01_covariate_shift", '''
_right_stats = batch_stats
def batch_stats(x):
    assert np.ndim(x) == 2, "x must be (N, D)"   # AssertionError, not ValueError
    return _right_stats(x)
''')
case("stats_mean_float64_accumulator", "ex01_covariate_shift", '''
def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got {x.shape}")
    mean = x.mean(axis=0, dtype=np.float64)      # never cast back: float32 input gives a float64 mean
    var = ((x - mean) ** 2).mean(axis=0).astype(np.result_type(x.dtype, np.float32))
    return mean, var
''')
case("drift_shift_in_after_std", "ex01_covariate_shift", '''
def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_a + eps), np.sqrt((var_a + eps) / (var_b + eps))
''')
case("drift_scale_inverted", "ex01_covariate_shift", '''
def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt((var_b + eps) / (var_a + eps))
''')
case("drift_scale_without_eps", "ex01_covariate_shift", '''
def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return (mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt(var_a / var_b)
''')
case("drift_absolute_shift", "ex01_covariate_shift", '''
def distribution_drift(before, after, eps=1e-5):
    mean_b, var_b = batch_stats(before)
    mean_a, var_a = batch_stats(after)
    return np.abs(mean_a - mean_b) / np.sqrt(var_b + eps), np.sqrt((var_a + eps) / (var_b + eps))
''')
# ---------------------------------------------------------------- ex02
case("bn_default_eps_1e-3", "ex02_algorithm", '''
_right_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, eps=1e-3):   # Keras's default, not the contract's 1e-5
    return _right_forward(x, gamma, beta, eps)
''')
case("bn_eps_as_float64_scalar", "ex02_algorithm", '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got {x.shape}")
    x = x.astype(np.float64) if x.dtype.kind in "iu" else x
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (x.shape[1],):
            raise ValueError(f"{name}: expected ({x.shape[1]},), got {np.shape(p)}")
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + np.float64(eps))   # a float64 scalar promotes float32 arrays
    xhat = (x - mean) * inv_std
    return gamma * xhat + beta, (xhat, gamma, inv_std)
''')
case("bn_beta_not_validated", "ex02_algorithm", '''
_right_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    beta = np.resize(beta, np.shape(x)[-1])   # quietly "fixes" a beta of the wrong length
    return _right_forward(x, gamma, beta, eps)
''')
case("bn_gamma_message_says_scale", "ex02_algorithm", '''
_right_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim == 2 and np.shape(gamma) != (x.shape[1],):
        raise ValueError("the scale parameter has the wrong shape")   # never says 'gamma'
    return _right_forward(x, gamma, beta, eps)
''')
case("spatial_relies_on_broadcasting_error", "ex02_algorithm", '''
def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    # a gamma of the wrong length fails inside numpy, with a message that does not name gamma
    return np.reshape(gamma, (1, -1, 1, 1)) * xhat + np.reshape(beta, (1, -1, 1, 1)), (xhat, gamma, var, eps)
''')
case("spatial_forgets_transpose_back", "ex02_algorithm", '''
def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"x: expected (N, C, H, W), got {x.shape}")
    n, c, h, w = x.shape
    out, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, beta, eps)
    return out.reshape(n, c, h, w), cache   # the rows are (N, H, W, C): transpose back first
''')
case("spatial_gamma_on_last_axis", "ex02_algorithm", '''
def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    return xhat * np.resize(gamma, x.shape[-1]) + np.resize(beta, x.shape[-1]), None   # broadcasts along W
''')
# ---------------------------------------------------------------- ex03
case("backward_dgamma_float64", "ex03_gamma_beta", '''
def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0, dtype=np.float64)   # float64 accumulator, never cast back
    dx = gamma * inv_std / n * (n * dout - dbeta - xhat * dgamma.astype(dout.dtype))
    return dx, dgamma, dbeta
''')
case("backward_centres_dout_in_place", "ex03_gamma_beta", '''
def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dout -= dout.mean(axis=0)          # the caller's dout is changed
    dx = gamma * inv_std * (dout - xhat * (dout * xhat).mean(axis=0))
    return dx, dgamma, dbeta
''')
case("spatial_backward_forgets_transpose_back", "ex03_gamma_beta", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, c, h, w), dgamma, dbeta
''')
case("spatial_backward_returns_dbeta_first", "ex03_gamma_beta", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dbeta, dgamma
''')
case("spatial_backward_dout_not_transposed", "ex03_gamma_beta", '''
def spatial_batchnorm_backward(dout, cache):
    n, c, h, w = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(dout.reshape(-1, c), cache)   # dout needs the same transpose as x
    return dx.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta
''')
# ---------------------------------------------------------------- ex04
case("module_counts_batches_twice", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def __call__(self, x):
        if self.training:
            self.num_batches_tracked += 1   # forward counts the batch as well
        return self.forward(x)
''')
case("module_running_mean_of_output", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def forward(self, x):
        before = self.running_mean.copy()
        out = _Right.forward(self, x)
        if self.training:
            m = 1.0 / self.num_batches_tracked if self.momentum is None else self.momentum
            self.running_mean = (1 - m) * before + m * np.asarray(out).mean(axis=0)   # the output's mean (beta)
        return out
''')
case("module_gamma_starts_at_zeros", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, eps, momentum)
        self.gamma = np.zeros(num_features)
''')
case("module_eval_without_eps", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def forward(self, x):
        if self.training:
            return _Right.forward(self, x)
        x = np.asarray(x)
        out = (x - self.running_mean) / np.sqrt(self.running_var) * self.gamma + self.beta   # eps forgotten here
        return out.astype(np.result_type(x, np.float32))
''')
case("module_momentum_none_as_default", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__(num_features, eps, 0.1 if momentum is None else momentum)
''')
case("module_batch_of_one_type_error", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def forward(self, x):
        if self.training and np.shape(x)[0] < 2:
            raise TypeError("a batch of one cannot be normalised")   # the contract asks for ValueError
        return _Right.forward(self, x)
''')
case("module_never_counts", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def forward(self, x):
        count = self.num_batches_tracked
        out = _Right.forward(self, x)
        self.num_batches_tracked = count
        return out
''')
case("module_eval_is_a_no_op", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def eval(self):
        return self   # never leaves training mode
''')
case("module_momentum_none_crashes", "ex04_inference", '''
_Right = BatchNorm1d
class BatchNorm1d(_Right):
    def forward(self, x):
        if self.training and self.momentum is None:
            raise TypeError("unsupported operand type(s) for -: 'int' and 'NoneType'")
        return _Right.forward(self, x)
''')
case("fold_scales_beta", "ex04_inference", '''
def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, (b - running_mean + beta) * scale   # beta is added after the scaling, not before
''')
case("fold_variance_not_rooted", "ex04_inference", '''
def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / (running_var + eps)   # divides by the variance, not the standard deviation
    return W * scale, (b - running_mean) * scale + beta
''')
case("fold_running_mean_unscaled", "ex04_inference", '''
def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return W * scale, b * scale - running_mean + beta
''')
case("fold_transposed", "ex04_inference", '''
def fold_batchnorm(W, b, gamma, beta, running_mean, running_var, eps=1e-5):
    scale = gamma / np.sqrt(running_var + eps)
    return (W * scale).T, (b - running_mean) * scale + beta   # W_f of shape (D_out, D_in)
''')
# ---------------------------------------------------------------- ex05
case("layernorm_message_says_weight", "ex05_pitfalls", '''
_right_ln = layernorm_forward
def layernorm_forward(x, gamma, beta, eps=1e-5):
    if np.ndim(x) == 2 and np.shape(gamma) != (np.shape(x)[1],):
        raise ValueError(f"weight: expected shape ({np.shape(x)[1]},)")   # PyTorch's name, not the exercise's
    return _right_ln(x, gamma, beta, eps)
''')
case("layernorm_default_eps_1e-6", "ex05_pitfalls", '''
_right_ln = layernorm_forward
def layernorm_forward(x, gamma, beta, eps=1e-6):
    return _right_ln(x, gamma, beta, eps)
''')
case("layernorm_gamma_as_float64", "ex05_pitfalls", '''
_right_ln = layernorm_forward
def layernorm_forward(x, gamma, beta, eps=1e-5):
    return _right_ln(x, np.asarray(gamma, dtype=float), np.asarray(beta, dtype=float), eps)
''')
case("groupnorm_checks_only_too_many_groups", "ex05_pitfalls", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups > c:
        raise ValueError(f"num_groups: at most {c}, got {num_groups}")   # 3 groups of 4 channels get through
    groups = x.reshape(n, num_groups, -1)
    mean, var = groups.mean(axis=2, keepdims=True), groups.var(axis=2, keepdims=True)
    xhat = ((groups - mean) / np.sqrt(var + eps)).reshape(n, c, h, w)
    return gamma.reshape(1, c, 1, 1) * xhat + beta.reshape(1, c, 1, 1), None
''')
case("groupnorm_ignores_eps", "ex05_pitfalls", '''
_right_gn = groupnorm_forward
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    return _right_gn(x, gamma, beta, num_groups)
''')
case("groupnorm_per_channel", "ex05_pitfalls", '''
_right_gn = groupnorm_forward
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    np.asarray(x).reshape(np.shape(x)[0], num_groups, -1)   # still rejects a bad num_groups
    return _right_gn(x, gamma, beta, np.shape(x)[1], eps)   # ... but normalises every channel alone
''')
case("groupnorm_gamma_per_group", "ex05_pitfalls", '''
def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups:
        raise ValueError(f"num_groups: expected a divisor of {c}, got {num_groups}")
    groups = x.reshape(n, num_groups, -1)
    mean, var = groups.mean(axis=2, keepdims=True), groups.var(axis=2, keepdims=True)
    xhat = (groups - mean) / np.sqrt(var + eps)
    g = gamma[:num_groups].reshape(1, num_groups, 1)   # one gamma per group instead of per channel
    b = beta[:num_groups].reshape(1, num_groups, 1)
    return (g * xhat + b).reshape(n, c, h, w), None
''')
# ---------------------------------------------------------------- ex06
case("layer_forgets_final_relu", "ex06_training", '''
def affine_bn_relu_forward(x, W, b, gamma, beta, eps=1e-5):
    a = x @ W + b
    z, bn_cache = batchnorm_forward(a, gamma, beta, eps)
    return z, (x, W, z, bn_cache)   # the ReLU's mask is in the backward pass, but out is not clipped
''')
case("layer_db_over_wrong_axis", "ex06_training", '''
def affine_bn_relu_backward(dout, cache):
    x, W, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(dout * (z > 0), bn_cache)
    return da @ W.T, x.T @ da, da.sum(axis=1), dgamma, dbeta   # one value per sample, not per unit
''')
case("layer_dW_float64", "ex06_training", '''
def affine_bn_relu_backward(dout, cache):
    x, W, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(dout * (z > 0), bn_cache)
    return da @ W.T, x.T.astype(float) @ da, da.sum(axis=0), dgamma, dbeta   # float32 in, float64 dW out
''')
case("layer_mask_from_output_gradient", "ex06_training", '''
def affine_bn_relu_backward(dout, cache):
    x, W, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(dout * (dout > 0), bn_cache)   # masks by the sign of dout
    return da @ W.T, x.T @ da, da.sum(axis=0), dgamma, dbeta
''')


# ---------------------------------------------------------------- built on a wrong base
# A mistake the grader does not know by name, in a function that others build on (the
# spatial passes reuse the (N, D) ones, the drift reuses batch_stats), is charged in the base's
# cells only: a correct composition on the student's own base passes (`Check.composed`).
ON_WRONG_BASE = {  # name: (assignment, wrong base, cells the composed functions must keep)
    "backward_dgamma_averaged_only": ("ex03_gamma_beta", '''
_right_backward = batchnorm_backward
def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _right_backward(dout, cache)
    return dx, dgamma / dout.shape[0], dbeta   # dbeta summed, dgamma averaged
''', {"test_spatial_backward"}),
    "backward_dx_times_n_over_n_minus_1": ("ex03_gamma_beta", '''
_right_backward = batchnorm_backward
def batchnorm_backward(dout, cache):
    dx, dgamma, dbeta = _right_backward(dout, cache)
    n = dout.shape[0]
    return dx * n / (n - 1), dgamma, dbeta
''', {"test_spatial_backward"}),
    "stats_variance_over_n_plus_1": ("ex01_covariate_shift", '''
def batch_stats(x):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got {x.shape}")
    x = x.astype(np.float64) if x.dtype.kind in "iu" else x
    mean = x.mean(axis=0)
    return mean, ((x - mean) ** 2).sum(axis=0) / (x.shape[0] + 1)   # N + 1, as if counting an extra sample
''', {"test_drift_example", "test_drift_eps"}),
    "forward_statistics_of_first_64_rows": ("ex02_algorithm", '''
_right_forward = batchnorm_forward
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    out, cache = _right_forward(x, gamma, beta, eps)   # its input checks, its dtype and its cache
    head = np.asarray(x, dtype=np.float64)[:64]   # statistics of the first 64 rows only (a leftover debugging slice)
    xhat = (np.asarray(x, dtype=np.float64) - head.mean(axis=0)) / np.sqrt(head.var(axis=0) + eps)
    return (gamma * xhat + beta).astype(out.dtype), cache
''', {"test_spatial_channels"}),
}
for _name, (_assignment, _source, _kept) in ON_WRONG_BASE.items():
    case(_name, _assignment, _source)

# Bases that ignore their input, or act on each value alone, cannot tell the composed cells'
# idea apart: with them, a composed function that skips the idea must still fail.
STUB_BASES = {  # name: (assignment, stub base and composed function, the composed cells that must fail)
    "constant_stats_constant_drift": ("ex01_covariate_shift", '''
def batch_stats(x):
    return np.zeros(np.shape(x)[1]), np.ones(np.shape(x)[1])
def distribution_drift(before, after, eps=1e-5):
    return np.zeros(np.shape(before)[1]), np.ones(np.shape(before)[1])
''', {"test_drift_example", "test_drift_eps"}),
    "identity_forward_identity_spatial": ("ex02_algorithm", '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return np.asarray(x, dtype=float) * 1.0, None
def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    return np.asarray(x, dtype=float) * 1.0, None
''', {"test_spatial_channels"}),
    "scaled_forward_scaled_spatial": ("ex02_algorithm", '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    return np.asarray(x, dtype=float) * 0.5, None
def spatial_batchnorm_forward(x, gamma, beta, eps=1e-5):
    return np.asarray(x, dtype=float) * 0.5, None
''', {"test_spatial_channels"}),
    "passthrough_backward_passthrough_spatial": ("ex03_gamma_beta", '''
def batchnorm_backward(dout, cache):
    d = np.shape(dout)[1]
    return np.asarray(dout) * 1.0, np.zeros(d), np.zeros(d)
def spatial_batchnorm_backward(dout, cache):
    c = np.shape(dout)[1]
    return np.asarray(dout) * 1.0, np.zeros(c), np.zeros(c)
''', {"test_spatial_backward"}),
}


# ---------------------------------------------------------------- grading


@functools.cache
def notebook(assignment):
    nb = nbformat.read(source_notebook(assignment), as_version=4)
    return nb, dryrun.test_cells(nb)


@functools.lru_cache(maxsize=1)
def asker():
    return dryrun.Asker()  # reference answers cached per (check, key) for the whole module


def key(i):
    return checks.submission_key(f"wrong-implementations-{i}", "student", "digest")


def grade(assignment, source, i):
    nb, tests = notebook(assignment)
    ns = dryrun.namespace(nb, extra=source + SENTINEL)
    assert ns.get("__wrong_source_ran__"), "the wrong implementation raised when pasted into the notebook"
    return asker().grade(tests, ns, key(i))


def cost(assignment, verdicts):
    points = {t.grade_id: t.points for t in notebook(assignment)[1]}
    lost = dryrun.lost_cells(verdicts)
    return lost, sum(points[g] for g in lost), sum(points.values())


@pytest.mark.parametrize("wrong", WRONG, ids=[w.name for w in WRONG])
def test_wrong_implementation_loses_a_cell_but_not_half(wrong):
    for i in range(SECRETS):
        lost, spent, total = cost(wrong.assignment, grade(wrong.assignment, wrong.source, i))
        assert lost, f"{wrong.name} lost no cell of {wrong.assignment} (secret {i}): a check is too weak"
        assert spent <= total / 2, (f"{wrong.name} lost {sorted(lost)}, {spent:g} of {total:g} points of "
                                    f"{wrong.assignment} (secret {i}): one mistake costs more than half")


def test_the_wrong_implementations_are_many_and_distinct():
    assert len(WRONG) >= 25
    assert len({w.name for w in WRONG}) == len(WRONG)
    assert len({w.source for w in WRONG}) == len(WRONG)


@pytest.mark.parametrize("name", sorted(ON_WRONG_BASE))
def test_a_wrong_base_is_not_charged_again_where_it_is_built_on(name):
    assignment, source, kept = ON_WRONG_BASE[name]
    for i in range(SECRETS):
        lost = dryrun.lost_cells(grade(assignment, source, i))
        assert lost and not lost & kept, f"{name} (secret {i}) lost {sorted(lost)}; it must keep {sorted(kept)}"


@pytest.mark.parametrize("name", sorted(STUB_BASES))
def test_a_stub_base_lets_no_stub_through_where_it_is_built_on(name):
    assignment, source, composed_cells = STUB_BASES[name]
    for i in range(SECRETS):
        lost = dryrun.lost_cells(grade(assignment, source, i))
        assert composed_cells <= lost, f"{name} (secret {i}) passed {sorted(composed_cells - lost)}"


# Known mistakes written as students write them (other arithmetic, so other float32 rounding
# than the misconception's file): they must lose exactly their own cells, and be named.
REWRITTEN = {  # name: (assignment, source, the cells it must lose, the misconception it must be named as)
    "staged_backward_dvar_power": ("ex03_gamma_beta", '''
def batchnorm_backward(dout, cache):
    xhat, gamma, inv_std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    std = 1 / inv_std
    xmu = xhat * std
    dvar = np.sum(dxhat * xmu, axis=0) * -0.5 * inv_std ** 1
    dmean = np.sum(-dxhat * inv_std, axis=0) + dvar * np.mean(-2 * xmu, axis=0)
    dx = dxhat * inv_std + dvar * 2 * xmu / n + dmean / n
    return dx, dgamma, dbeta
''', {"test_backward_dx"}, "dvar_wrong_power"),
    "layer_dx_masked_where_x_positive": ("ex06_training", '''
def affine_bn_relu_backward(dout, cache):
    x, W, z, bn_cache = cache
    da, dgamma, dbeta = batchnorm_backward(np.where(z > 0, dout, 0.0), bn_cache)
    dx = da @ W.T
    dx[x <= 0] = 0
    return dx, x.T @ da, da.sum(axis=0), dgamma, dbeta
''', {"test_layer_backward"}, "layer_dx_masked_by_input"),
}


@pytest.mark.parametrize("name", sorted(REWRITTEN))
def test_a_known_mistake_written_otherwise_loses_exactly_its_cells_and_is_named(name):
    assignment, source, cells, cause = REWRITTEN[name]
    for i in range(SECRETS):
        verdicts = grade(assignment, source, i)
        assert dryrun.lost_cells(verdicts) == cells, f"{name} (secret {i})"
        assert all(cause in v.causes for cell in cells for v in verdicts[cell] if not v.passed), name


TWO_MISTAKES = '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x: expected (N, D), got {x.shape}")
    if x.dtype.kind in "iu":
        x = x.astype(np.float64)
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (x.shape[1],):
            raise ValueError(f"{name}: expected ({x.shape[1]},), got {np.shape(p)}")
    mean = x.mean(axis=0)
    var = x.var(axis=0, ddof=1)                  # mistake 1: the unbiased variance
    xhat = (x - mean) / (np.sqrt(var) + eps)     # mistake 2: eps outside the square root
    return gamma * xhat + beta, (xhat, gamma, var, eps)
'''


@pytest.mark.parametrize("i", range(SECRETS))
def test_two_mistakes_lose_two_cells_each_named(i):
    verdicts = grade("ex02_algorithm", TWO_MISTAKES, i)
    assert dryrun.lost_cells(verdicts) == {"test_bn_example", "test_bn_eps"}
    for cell, cause in (("test_bn_example", "unbiased_variance"), ("test_bn_eps", "eps_outside_sqrt")):
        failed = [v for v in verdicts[cell] if not v.passed]
        assert failed and all(cause in v.causes for v in failed), (
            f"{cell} should name {cause}; it named {[v.causes for v in failed]}")
        assert all(len(v.causes) == 1 for v in failed), f"{cell} named more than its own mistake: {failed[0].causes}"
