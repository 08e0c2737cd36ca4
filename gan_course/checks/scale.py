"""Checks for lesson 11 (scaling up), named after the module they check: ``gan_course.scale``.

* ``check_global_moments(fn)``: ``fn(counts, means, variances)`` -> (mean, variance) of the global batch from
  each worker's count, per-channel mean and (biased) variance: what SyncBatchNorm must compute (the reference
  equals numpy's mean and variance of the concatenated batch: ``tests/test_checks_scale.py``).
* ``check_ring_allreduce_bytes(fn)``: ``fn(n_bytes, workers)`` -> bytes each worker sends in a ring all-reduce,
  against ``gan_course.scale.common.ring_allreduce_bytes``.
* ``check_gan_step_bytes(fn)``: ``fn(n_G, n_D)`` -> float32 gradient bytes DDP all-reduces in one step of
  lesson 04's ``train_step`` (D's gradients twice, G's once).

Each names the likely mistake (a plain average of the variances, unweighted means, only half of the ring, D's
second all-reduce forgotten, parameters instead of bytes, ...). Framework-free. What it is not: a grader.
"""
from __future__ import annotations

import numpy as np

from ..scale import common
from .core import Diagnosis, run_checks

__all__ = ["check_global_moments", "check_ring_allreduce_bytes", "check_gan_step_bytes"]


def _moment_cases():
    """(counts (W,), means (W, C), variances (W, C)) of random batches split among W workers, sizes unequal too."""
    rng = np.random.default_rng(11)
    cases = []
    for sizes, channels in [((8, 8), 3), ((5, 11), 4), ((4, 4, 4, 4), 2), ((16,), 3), ((3, 9, 6), 1)]:
        parts = [rng.normal(loc=rng.normal(0, 2, channels), scale=rng.uniform(0.5, 2, channels),
                            size=(n, channels)) for n in sizes]
        cases.append((np.array(sizes, dtype=float), np.stack([p.mean(0) for p in parts]),
                      np.stack([p.var(0) for p in parts])))               # biased variances (ddof 0)
    return cases


def _global_reference(counts, means, variances):
    """(2, C): the global mean and biased variance; equal to numpy's on the concatenated batch (tested)."""
    counts, means, variances = (np.asarray(a, dtype=float) for a in (counts, means, variances))
    w = counts[:, None] / counts.sum()                                     # (W, 1)
    mean = (w * means).sum(0)                                              # (C,)
    return np.stack([mean, (w * (variances + (means - mean) ** 2)).sum(0)])


def check_global_moments(fn) -> None:
    """Check ``global_moments(counts, means, variances)`` (per worker: (W,), (W, C), (W, C)) -> (mean, variance),
    each (C,), of all the workers' images together; variances biased (divided by the count), as BatchNorm's.

    Example: ``check_global_moments(global_moments)`` prints ``✅ global_moments: 5/5 checks passed.``
    """
    cases = _moment_cases()

    def plain_average(counts, means, variances):
        return np.stack([means.mean(0), variances.mean(0)])

    def weighted_within_only(counts, means, variances):
        w = counts[:, None] / counts.sum()
        return np.stack([(w * means).sum(0), (w * variances).sum(0)])

    def unbiased(counts, means, variances):
        mean, var = _global_reference(counts, means, variances)
        n = counts.sum()
        return np.stack([mean, var * n / (n - 1)])

    def std_not_var(counts, means, variances):
        mean, var = _global_reference(counts, means, variances)
        return np.stack([mean, np.sqrt(var)])

    diagnoses = [
        Diagnosis("You averaged the workers' means and variances as they are. Two things are missing: weight each "
                  "worker by its count n_r (workers may hold different numbers of values), and add the spread of "
                  "the workers' means around the global mean: var = sum_r n_r (var_r + (mean_r - mean)^2) / sum_r n_r.",
                  wrong=plain_average),
        Diagnosis("The means are right, but the variance only averages the workers' own variances. Each worker "
                  "measured its spread around ITS mean; add how far its mean lies from the global one: "
                  "var = sum_r n_r (var_r + (mean_r - mean)^2) / sum_r n_r.", wrong=weighted_within_only),
        Diagnosis("That is the unbiased variance (divided by N - 1). BatchNorm normalises with the biased one, "
                  "divided by N, the total count.", wrong=unbiased),
        Diagnosis("The second value is the standard deviation; return the variance (its square).", wrong=std_not_var),
    ]
    run_checks("global_moments", fn, cases, _global_reference, diagnoses,
               argnames=["counts", "means", "variances"], rtol=1e-6, atol=1e-9)


def check_ring_allreduce_bytes(fn) -> None:
    """Check ``ring_allreduce_bytes(n_bytes, workers)`` = 2 (N - 1) / N x n_bytes.

    Example: ``check_ring_allreduce_bytes(ring_allreduce_bytes)`` prints
    ``✅ ring_allreduce_bytes: 6/6 checks passed.``
    """
    cases = [(100e6, 2), (100e6, 4), (36.4e6, 8), (36.4e6, 64), (1.0, 1), (8e9, 1000)]
    diagnoses = [
        Diagnosis("That is only half of the ring: the reduce-scatter ((N - 1) / N of the buffer). The all-gather "
                  "then sends the summed chunks round the ring again: 2 (N - 1) / N in all.",
                  wrong=lambda b, n: (n - 1) / n * b),
        Diagnosis("Each of the 2 (N - 1) steps sends one chunk, 1/N of the buffer, not the whole buffer: "
                  "2 (N - 1) / N x n_bytes.", wrong=lambda b, n: 2 * (n - 1) * b),
        Diagnosis("2 x n_bytes is the limit for many workers; with N workers it is 2 (N - 1) / N x n_bytes "
                  "(one worker sends nothing).", wrong=lambda b, n: 2 * b),
        Diagnosis("That is what a worker sends if it gives its whole buffer to each of the others, (N - 1) x n_bytes; "
                  "the ring cuts the buffer into N chunks and passes chunks: 2 (N - 1) / N x n_bytes.",
                  wrong=lambda b, n: (n - 1) * b),
    ]
    run_checks("ring_allreduce_bytes", fn, cases, common.ring_allreduce_bytes, diagnoses,
               argnames=["n_bytes", "workers"], unit="bytes")


def _step_bytes(n_g, n_d):
    return 4 * (2 * n_d + n_g)


def check_gan_step_bytes(fn) -> None:
    """Check ``gan_step_bytes(n_G, n_D)`` = 4 (2 n_D + n_G): float32 gradients of D all-reduced twice (its own step,
    and the G step's backward pass through D), G's once.

    Example: ``check_gan_step_bytes(gan_step_bytes)`` prints ``✅ gan_step_bytes: 4/4 checks passed.``
    """
    cases = [(28_083, 2_729), (3_576_707, 2_765_633), (1, 0), (0, 1)]
    diagnoses = [
        Diagnosis("You counted each network once. D's gradients are all-reduced twice per step: after the "
                  "discriminator loss, and again when the generator loss is backpropagated through D to G.",
                  wrong=lambda g, d: 4 * (g + d)),
        Diagnosis("That counts parameters, not bytes: each float32 gradient value is 4 bytes.",
                  wrong=lambda g, d: 2 * d + g),
        Diagnosis("G's gradients are all-reduced once per step (only the generator loss reaches G: the fakes "
                  "are detached in the D step); D's twice.", wrong=lambda g, d: 4 * 2 * (g + d)),
        Diagnosis("Swapped: D's gradients go out twice, G's once: 4 (2 n_D + n_G).",
                  wrong=lambda g, d: 4 * (2 * g + d)),
    ]
    run_checks("gan_step_bytes", fn, cases, _step_bytes, diagnoses, argnames=["n_G", "n_D"], unit="bytes")
