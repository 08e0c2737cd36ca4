"""Information theory on discrete distributions: entropy, cross-entropy, KL, JSD.

Used by lessons 01 (information theory), 03 (GAN theory), 07 (pathologies) and
08 (WGAN). Every function takes probability vectors (anything array-like that
numpy understands, summing to 1 along the last axis) and a ``base`` for the
logarithm: ``None`` (natural log, nats, the default), ``2`` (bits) or any
positive number other than 1.

Conventions, as in Cover & Thomas, *Elements of Information Theory*:

* ``0 * log 0 = 0``: outcomes with probability 0 contribute nothing;
* ``KL(p || q) = inf`` where some outcome has ``q = 0 < p``;
* invalid input raises ``ValueError`` saying what is wrong.

This module is plain numpy: no framework is imported.
"""
from __future__ import annotations

import numpy as np

__all__ = ["entropy", "cross_entropy", "kl_divergence", "js_divergence",
           "kl_gaussian", "as_distribution"]

ATOL = 1e-6  # how far from 1 a probability vector may sum


def as_distribution(p, name: str = "p", atol: float = ATOL) -> np.ndarray:
    """Return ``p`` as a float64 array after checking it is a probability vector.

    Example: ``as_distribution([0.5, 0.5])`` -> ``array([0.5, 0.5])``.
    """
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"{name} must be a non-empty vector of probabilities, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinity: {arr}.")
    if np.any(arr < 0):
        bad = arr[arr < 0].min()
        raise ValueError(f"{name} has a negative entry ({bad:g}); probabilities must be >= 0.")
    total = arr.sum(axis=-1)
    if np.any(np.abs(total - 1) > atol):
        worst = np.atleast_1d(total)[np.argmax(np.abs(np.atleast_1d(total) - 1))]
        raise ValueError(
            f"{name} sums to {worst:.6g}, not 1 (tolerance {atol:g}). "
            f"Normalise it first, e.g. {name} = {name} / {name}.sum()."
        )
    return arr


def _pair(p, q):
    p, q = as_distribution(p, "p"), as_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}.")
    return p, q


def _log(x, base):
    if base is None:
        return np.log(x)
    if base <= 0 or base == 1:
        raise ValueError(f"base must be positive and not 1, got {base}.")
    return np.log(x) / np.log(base)


def entropy(p, base=None):
    """Entropy H(p) = -sum p log p, with 0 log 0 = 0.

    Example: ``entropy([0.5, 0.5], base=2)`` -> ``1.0`` (one bit).
    """
    p = as_distribution(p, "p")
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * _log(np.where(p > 0, p, 1.0), base), 0.0)
    return terms.sum(axis=-1)


def cross_entropy(p, q, base=None):
    """Cross-entropy H(p, q) = -sum p log q: the average code length when
    outcomes drawn from ``p`` are coded with a code built for ``q``.

    Infinite where ``q = 0 < p``. Example: ``cross_entropy([1, 0], [0.5, 0.5], base=2)`` -> ``1.0``.
    """
    p, q = _pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        logq = _log(np.where(q > 0, q, 1.0), base)
        terms = np.where(p > 0, np.where(q > 0, -p * logq, np.inf), 0.0)
    return terms.sum(axis=-1)


def kl_divergence(p, q, base=None):
    """Kullback-Leibler divergence KL(p || q) = sum p log(p / q) >= 0.

    Not symmetric; infinite where ``q = 0 < p``.
    Example: ``kl_divergence([0.5, 0.5], [0.9, 0.1])`` -> ``0.5108...`` nats.
    """
    p, q = _pair(p, q)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((p > 0) & (q > 0), p / np.where(q > 0, q, 1.0), 1.0)
        terms = np.where(p > 0, np.where(q > 0, p * _log(ratio, base), np.inf), 0.0)
    return np.maximum(terms.sum(axis=-1), 0.0)  # clip -1e-17 round-off


def js_divergence(p, q, base=None):
    """Jensen-Shannon divergence JSD(p || q) = KL(p || m)/2 + KL(q || m)/2, m = (p + q)/2.

    Symmetric, finite, and at most log 2 (1 bit), reached when the supports are disjoint.
    Example: ``js_divergence([1, 0], [0, 1], base=2)`` -> ``1.0``.
    """
    p, q = _pair(p, q)
    m = 0.5 * (p + q)
    return 0.5 * kl_divergence(p, m, base) + 0.5 * kl_divergence(q, m, base)


def kl_gaussian(mu1, sigma1, mu2, sigma2, base=None):
    """Closed-form KL( N(mu1, sigma1^2) || N(mu2, sigma2^2) ) for 1-D Gaussians.

    KL = log(sigma2 / sigma1) + (sigma1^2 + (mu1 - mu2)^2) / (2 sigma2^2) - 1/2.
    Takes standard deviations, not variances. Broadcasts over arrays.
    Example: ``kl_gaussian(0, 1, 1, 1)`` -> ``0.5``.
    """
    mu1, sigma1, mu2, sigma2 = (np.asarray(a, dtype=np.float64) for a in (mu1, sigma1, mu2, sigma2))
    if np.any(sigma1 <= 0) or np.any(sigma2 <= 0):
        raise ValueError("sigma1 and sigma2 are standard deviations and must be > 0.")
    nats = np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5
    return nats if base is None else nats / np.log(base)
