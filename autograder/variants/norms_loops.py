"""Explicit loops over the samples: layer norm normalises each row on its own with np.mean and np.std (std ** 2 + eps under the square root); group norm loops over samples and groups, each group reshaped with .ravel() for its statistics.
"""
import numpy as np

ASSIGNMENTS = ["ex05_pitfalls"]


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must have 2 dimensions (N, D), it has {x.ndim}")
    N, D = x.shape
    if len(gamma) != D:
        raise ValueError(f"gamma has {len(gamma)} entries but x has D={D} features")
    if len(beta) != D:
        raise ValueError(f"beta has {len(beta)} entries but x has D={D} features")
    dtype = x.dtype if x.dtype.kind == "f" else np.float64
    out = np.zeros((N, D), dtype=dtype)
    xhat = np.zeros((N, D), dtype=dtype)
    for i in range(N):
        row = x[i].astype(dtype)
        mu = np.mean(row)
        sd = np.std(row)
        xhat[i] = (row - mu) / np.sqrt(sd ** 2 + eps)
        out[i] = gamma * xhat[i] + beta
    return out, (xhat, gamma)


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    N, C, H, W = x.shape
    if C % num_groups:
        raise ValueError(f"num_groups: {num_groups} does not divide C = {C}")
    per = C // num_groups
    out = np.zeros(x.shape)
    for n in range(N):
        for g in range(num_groups):
            block = x[n, g * per:(g + 1) * per]
            values = block.ravel()
            mu = values.mean()
            var = values.var()
            normed = (block - mu) / np.sqrt(var + eps)
            for k in range(per):
                c = g * per + k
                out[n, c] = gamma[c] * normed[k] + beta[c]
    return out, None
