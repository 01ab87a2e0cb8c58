"""Layer norm from np.std with keepdims=True, x_hat = (x - mean) / np.sqrt(std ** 2 + eps) and a dict cache; group norm with np.split of the channels into num_groups parts, each normalised over axes (1, 2, 3), and np.concatenate back.
"""
import numpy as np

ASSIGNMENTS = ["ex05_pitfalls"]


def layernorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"Expected x to be (N, D); got shape {x.shape}")
    if x.dtype.kind in "iu":
        x = x.astype(float)
    gamma, beta = np.asarray(gamma), np.asarray(beta)
    if gamma.shape != x.shape[1:]:
        raise ValueError(f"Expected gamma to have shape {x.shape[1:]}; got {gamma.shape}")
    if beta.shape != x.shape[1:]:
        raise ValueError(f"Expected beta to have shape {x.shape[1:]}; got {beta.shape}")
    mean = np.mean(x, axis=1, keepdims=True)
    std = np.std(x, axis=1, keepdims=True)
    xhat = (x - mean) / np.sqrt(std ** 2 + eps)
    return xhat * gamma + beta, {"xhat": xhat, "gamma": gamma, "std": std, "eps": eps}


def groupnorm_forward(x, gamma, beta, num_groups, eps=1e-5):
    x = np.asarray(x)
    C = x.shape[1]
    if C % num_groups != 0:
        raise ValueError(f"C={C} channels cannot be split into num_groups={num_groups} equal groups")
    parts = []
    for part in np.split(x, num_groups, axis=1):
        mean = part.mean(axis=(1, 2, 3), keepdims=True)
        var = part.var(axis=(1, 2, 3), keepdims=True)
        parts.append((part - mean) / np.sqrt(var + eps))
    xhat = np.concatenate(parts, axis=1)
    return gamma[None, :, None, None] * xhat + beta[None, :, None, None], {"xhat": xhat}
