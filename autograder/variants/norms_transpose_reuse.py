"""Layer norm as batch norm of the transpose: x.T has one column per sample, so the per-feature statistics of x.T (axis 0) are the per-sample statistics of x, and the result is transposed back; group norm with explicit Python loops over the groups, each a slice of C // G consecutive channels.
"""
import numpy as np

ASSIGNMENTS = ["ex05_pitfalls"]


def _columns_normalised(a, eps):
    mean = a.mean(axis=0)
    var = ((a - mean) ** 2).mean(axis=0)
    return (a - mean) / np.sqrt(var + eps)


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"layernorm_forward: x must be (N, D), got {x.shape}")
    if x.dtype.kind in "iu":
        x = x.astype(np.float64)
    n, d = x.shape
    for name, p in (("gamma", gamma), ("beta", beta)):
        if np.shape(p) != (d,):
            raise ValueError(f"layernorm_forward: {name} must be ({d},), got {np.shape(p)}")
    xhat = _columns_normalised(x.T, eps).T
    return xhat * gamma + beta, {"xhat": xhat, "gamma": gamma}


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    n, c, h, w = x.shape
    if num_groups < 1 or c % num_groups != 0:
        raise ValueError(f"num_groups ({num_groups}) has to divide C ({c})")
    size = c // num_groups
    xhat = np.empty(x.shape, dtype=np.result_type(x.dtype, np.float32))
    for g in range(num_groups):
        part = x[:, g * size:(g + 1) * size]  # (N, C/G, H, W)
        mean = part.mean(axis=(1, 2, 3), keepdims=True)
        var = ((part - mean) ** 2).mean(axis=(1, 2, 3), keepdims=True)
        xhat[:, g * size:(g + 1) * size] = (part - mean) / np.sqrt(var + eps)
    out = xhat * gamma.reshape(1, c, 1, 1) + beta.reshape(1, c, 1, 1)
    return out, (xhat, gamma, num_groups)
