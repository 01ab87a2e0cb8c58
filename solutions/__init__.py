"""The reference Batch Normalization of the course, in plain numpy.

Every hidden test, lesson experiment and grade compares with these functions. The names and
behaviors are the contract the exercises share with it (the README's "The reference"); each
one is checked against PyTorch, a numerical gradient or a closed form in tests/.

Conventions: arrays are (N, D) (N samples, D features) or (N, C, H, W); normalising uses the
*biased* batch variance (divide by N); running statistics store the *unbiased* one
(N / (N - 1)), as PyTorch does. float32 input stays float32, integers compute in float64,
and no function modifies its input.
"""
from .batchnorm import (
    BNCache,
    batchnorm_backward,
    batchnorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)
from .drift import distribution_drift
from .fold import fold_batchnorm
from .gradcheck import numerical_gradient, rel_error
from .groupnorm import GNCache, groupnorm_forward
from .layernorm import LNCache, layernorm_backward, layernorm_forward
from .layers import affine_backward, affine_bn_relu_backward, affine_bn_relu_forward, affine_forward
from .module import BatchNorm1d
from .stats import batch_stats

__all__ = [
    "BNCache",
    "BatchNorm1d",
    "GNCache",
    "LNCache",
    "affine_backward",
    "affine_bn_relu_backward",
    "affine_bn_relu_forward",
    "affine_forward",
    "batch_stats",
    "batchnorm_backward",
    "batchnorm_forward",
    "distribution_drift",
    "fold_batchnorm",
    "groupnorm_forward",
    "layernorm_backward",
    "layernorm_forward",
    "numerical_gradient",
    "rel_error",
    "spatial_batchnorm_backward",
    "spatial_batchnorm_forward",
]
