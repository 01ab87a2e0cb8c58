"""Your layer norm takes its statistics over the batch (axis 0), which is batch normalisation. Layer normalisation normalises each sample over its own features (axis 1, keepdims=True), so it works with a single sample and does not depend on the rest of the batch.
"""
import numpy as np


def layernorm_forward(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, (x, gamma, beta, eps)
