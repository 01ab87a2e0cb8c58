"""Bad input: every function names the argument and the expected shape; dtypes behave as documented."""
import numpy as np
import pytest

import solutions as S


def bn2d(x, gamma=None, beta=None, **kw):
    d = np.shape(x)[-1] if np.ndim(x) else 1
    return S.batchnorm_forward(x, np.ones(d) if gamma is None else gamma, np.zeros(d) if beta is None else beta, **kw)


@pytest.mark.parametrize("call, exc, words", [
    (lambda: S.batch_stats(np.ones(4)), ValueError, ["x", "(N, D)", "(4,)"]),
    (lambda: bn2d(np.ones((2, 3, 4))), ValueError, ["x", "(N, D)"]),
    (lambda: bn2d(np.ones((4, 3)), gamma=np.ones(2)), ValueError, ["gamma", "(3,)", "(2,)"]),
    (lambda: bn2d(np.ones((4, 3)), beta=np.ones((3, 1))), ValueError, ["beta", "(3,)"]),
    (lambda: bn2d(np.ones((1, 3))), ValueError, ["x", "more than 1 value"]),
    (lambda: bn2d(np.ones((4, 3)), eps=-1), ValueError, ["eps"]),
    (lambda: bn2d(np.array([["a", "b"], ["c", "d"]])), TypeError, ["x", "dtype"]),
    (lambda: bn2d(np.ones((4, 2), dtype=bool)), TypeError, ["x"]),
    (lambda: S.spatial_batchnorm_forward(np.ones((4, 3)), np.ones(3), np.zeros(3)), ValueError, ["(N, C, H, W)"]),
    (lambda: S.spatial_batchnorm_forward(np.ones((1, 2, 1, 1)), np.ones(2), np.zeros(2)), ValueError, ["more than 1 value"]),
    (lambda: S.spatial_batchnorm_forward(np.ones((2, 3, 2, 2)), np.ones(2), np.zeros(3)), ValueError, ["gamma", "(3,)"]),
    (lambda: S.layernorm_forward(np.ones(3), np.ones(3), np.zeros(3)), ValueError, ["x", "(N, D)"]),
    (lambda: S.batchnorm_backward(np.ones((3, 2)), bn2d(np.ones((4, 2)))[1]), ValueError, ["dout", "(4, 2)"]),
    (lambda: S.BatchNorm1d(3)(np.ones((4, 2))), ValueError, ["x", "(N, 3)"]),
    (lambda: S.BatchNorm1d(0), ValueError, ["num_features"]),
    (lambda: S.BatchNorm1d(2.5), TypeError, ["num_features"]),
    (lambda: S.BatchNorm1d(3, momentum=1.5), ValueError, ["momentum"]),
    (lambda: S.fold_batchnorm(np.ones(3), None, *[np.ones(3)] * 4), ValueError, ["W", "(D_in, D_out)"]),
    (lambda: S.fold_batchnorm(np.ones((2, 3)), None, np.ones(3), np.ones(3), np.ones(2), np.ones(3)), ValueError,
     ["running_mean", "(3,)"]),
    (lambda: S.distribution_drift(np.ones((3, 2)), np.ones((3, 4))), ValueError, ["after"]),
])
def test_bad_input_names_argument_and_shape(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {info.value!r}"


def test_integer_input_computes_in_float64():
    out, _ = bn2d(np.array([[1, 2], [3, 5], [5, 9]]))
    assert out.dtype == np.float64
    assert S.BatchNorm1d(2)(np.array([[1, 2], [3, 5]])).dtype == np.float64


def test_float32_stays_float32_with_float64_parameters():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    out, cache = bn2d(x, gamma=np.ones(3), beta=np.zeros(3))
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in S.batchnorm_backward(np.ones_like(out), cache))
    assert S.layernorm_forward(x, np.ones(3), np.zeros(3))[0].dtype == np.float32
    assert S.fold_batchnorm(x[:, :3].T.copy(), None, *[np.ones(4)] * 4)[0].dtype == np.float32


def test_lists_are_accepted():
    out, _ = S.batchnorm_forward([[0.0, 1.0], [2.0, 3.0]], [1, 1], [0, 0])
    np.testing.assert_allclose(out, [[-1, -1], [1, 1]], atol=1e-4)
