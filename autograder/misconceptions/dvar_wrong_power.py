"""In your staged backward pass, the gradient of the variance uses (var + eps)^(-1/2) where it needs (var + eps)^(-3/2): the derivative of (var + eps)^(-1/2) is -1/2 (var + eps)^(-3/2). So dvar = sum(dx_hat * (x - mean)) * -1/2 * (var + eps)^(-3/2); compare your dx with a numerical gradient to check each stage.
"""
from _backward import *

TARGETS = ("batchnorm_backward",)
SUMMARY = "use the power -1/2 instead of -3/2 in dvar"
CELLS = {"ex03_gamma_beta": ["test_backward_dx"]}


def _dx(dout, xhat, gamma, inv_std):
    n = dout.shape[0]
    dxhat = dout * gamma
    xmu = xhat / inv_std
    dvar = (dxhat * xmu).sum(axis=0) * -0.5 * inv_std  # inv_std ** 3 is (var + eps) ** -1.5
    dmean = -(dxhat * inv_std).sum(axis=0) + dvar * (-2 * xmu).mean(axis=0)
    return dxhat * inv_std + dvar * 2 * xmu / n + dmean / n
