"""Time the numpy reference against PyTorch CPU, forward + backward, float32, side by side.

    python benchmarks/reference_vs_torch.py [--repeat 30]

For each shape, both implementations run on the same data in the same process, interleaved
(ours, torch, ours, torch, ...) so that machine noise hits both alike; the median time of
each and the ratio ours / torch are printed. Goal: ratio <= 1.5 at every shape. torch uses
its default thread count (all cores); numpy's elementwise work is single-threaded.
Needs torch (requirements-test.txt).
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from solutions import batchnorm_backward, batchnorm_forward, spatial_batchnorm_backward, spatial_batchnorm_forward

SHAPES = [(64, 256), (256, 1024), (4096, 1024), (32, 64, 28, 28)]


def numpy_step(x, gamma, beta, dout):
    fwd, bwd = (batchnorm_forward, batchnorm_backward) if x.ndim == 2 else (
        spatial_batchnorm_forward, spatial_batchnorm_backward)
    out, cache = fwd(x, gamma, beta)
    return bwd(dout, cache)


def torch_step(x, gamma, beta, dout):
    x.grad = gamma.grad = beta.grad = None
    out = F.batch_norm(x, None, None, gamma, beta, training=True)
    out.backward(dout)
    return x.grad, gamma.grad, beta.grad


def median_time(fn, args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def bench(shape, repeat, rng):
    c = shape[1]
    x = rng.normal(size=shape).astype(np.float32)
    dout = rng.normal(size=shape).astype(np.float32)
    gamma, beta = np.ones(c, np.float32), np.zeros(c, np.float32)
    ours_args = (x, gamma, beta, dout)
    torch_args = (torch.tensor(x, requires_grad=True), torch.tensor(gamma, requires_grad=True),
                  torch.tensor(beta, requires_grad=True), torch.tensor(dout))
    # Same answer first: a fast wrong benchmark is worthless.
    for a, b in zip(numpy_step(*ours_args), torch_step(*torch_args)):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-3, atol=1e-3)
    for _ in range(3):  # warm caches and allocators
        numpy_step(*ours_args), torch_step(*torch_args)
    ours, theirs = [], []
    for _ in range(repeat):
        ours.append(median_time(numpy_step, ours_args))
        theirs.append(median_time(torch_step, torch_args))
    return statistics.median(ours), statistics.median(theirs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per shape (median reported)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, torch {torch.__version__} with {torch.get_num_threads()} threads")
    print(f"{'shape':<20}{'numpy ms':>10}{'torch ms':>10}{'ratio':>8}")
    worst = 0.0
    for shape in SHAPES:
        ours, theirs = bench(shape, args.repeat, rng)
        ratio = ours / theirs
        worst = max(worst, ratio)
        print(f"{str(shape):<20}{ours * 1e3:>10.3f}{theirs * 1e3:>10.3f}{ratio:>8.2f}")
    print(f"worst ratio {worst:.2f} (goal <= 1.5)")


if __name__ == "__main__":
    main()
