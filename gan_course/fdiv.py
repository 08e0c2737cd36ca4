"""f-divergences between 1-D densities on a grid, and fitting one Gaussian by minimising each.

Lesson 07 ("Training pathologies") asks which Gaussian q is "closest" to a mixture p
when "closest" means KL, reverse KL, Jensen-Shannon, Jeffrey or Pearson chi-squared,
and builds the 5 x 5 table *trained with* (rows) x *tested with* (columns).

Conventions (those of the f-GAN paper, Nowozin et al. 2016): every divergence is
D(P || Q) with P the data and Q the model, D_f(P || Q) = integral of q f(p / q):

* ``KL``:            integral of p log(p / q),                    f(u) = u log u
* ``reverse KL``:    integral of q log(q / p),                    f(u) = -log u
* ``JS``:            KL(P || M)/2 + KL(Q || M)/2, M = (P + Q)/2   (at most log 2)
* ``Jeffrey``:       integral of (p - q) log(p / q) = KL + reverse KL,  f(u) = (u - 1) log u
* ``Pearson chi2``:  integral of (p - q)^2 / q,                   f(u) = (u - 1)^2

Densities are passed as *log* densities on an evenly spaced grid ``x`` and
integrated with the trapezoid rule; working in logs keeps far tails (where both
densities underflow to 0) from producing 0/0. All values are in nats.

What it is not: an estimator from samples (a GAN's discriminator does that), nor
a general quadrature library: the grid must cover the mass of both densities.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DIVERGENCES", "divergence", "kl", "reverse_kl", "js", "jeffrey", "pearson_chi2",
           "gaussian_logpdf", "mixture_logpdf", "fit_gaussian", "divergence_table"]

_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz
_LOG2 = np.log(2.0)


def _grid(log_p, log_q, x):
    log_p, log_q, x = (np.asarray(a, dtype=float) for a in (log_p, log_q, x))
    if x.ndim != 1 or len(x) < 3 or not np.all(np.diff(x) > 0):
        raise ValueError(f"x must be an increasing 1-D grid of at least 3 points; got shape {x.shape}.")
    if log_p.shape != x.shape or log_q.shape != x.shape:
        raise ValueError(f"log_p and log_q must be log densities on the grid x, shape {x.shape}; "
                         f"got {log_p.shape} and {log_q.shape}. (Pass np.log(p), not p.)")
    if np.any(np.isnan(log_p)) or np.any(np.isnan(log_q)):
        raise ValueError("log_p or log_q contains nan: pass log densities (use -np.inf where a density is 0).")
    return log_p, log_q, x


def kl(log_p, log_q, x) -> float:
    """KL(P || Q) = integral of p log(p / q), in nats.

    Example: ``kl(gaussian_logpdf(x, 0, 1), gaussian_logpdf(x, 1, 1), x)`` -> ``0.5``.
    """
    log_p, log_q, x = _grid(log_p, log_q, x)
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        integrand = np.where(p > 0, p * (log_p - log_q), 0.0)
    return float(_trapezoid(integrand, x))


def reverse_kl(log_p, log_q, x) -> float:
    """KL(Q || P) = integral of q log(q / p): the model's samples judged by the data.

    Example: ``reverse_kl(log_p, log_q, x) == kl(log_q, log_p, x)`` -> ``True``.
    """
    return kl(log_q, log_p, x)


def js(log_p, log_q, x) -> float:
    """Jensen-Shannon divergence KL(P || M)/2 + KL(Q || M)/2 with M = (P + Q)/2; at most log 2.

    Example: ``js(gaussian_logpdf(x, -20, 1), gaussian_logpdf(x, 20, 1), x)`` -> ``0.6931...``.
    """
    log_p, log_q, x = _grid(log_p, log_q, x)
    log_m = np.logaddexp(log_p, log_q) - _LOG2
    value = 0.5 * kl(log_p, log_m, x) + 0.5 * kl(log_q, log_m, x)
    return float(np.clip(value, 0.0, _LOG2))


def jeffrey(log_p, log_q, x) -> float:
    """Jeffrey divergence KL(P || Q) + KL(Q || P) = integral of (p - q) log(p / q).

    Example: ``jeffrey(gaussian_logpdf(x, 0, 1), gaussian_logpdf(x, 1, 1), x)`` -> ``1.0``.
    """
    return kl(log_p, log_q, x) + kl(log_q, log_p, x)


def pearson_chi2(log_p, log_q, x) -> float:
    """Pearson chi-squared integral of (p - q)^2 / q = integral of p^2 / q - 1 (model q in the denominator).

    Large wherever the model q is small but the data p is not. Example:
    ``pearson_chi2(gaussian_logpdf(x, 0, 1), gaussian_logpdf(x, 0, 1), x)`` -> ``0.0``.
    """
    log_p, log_q, x = _grid(log_p, log_q, x)
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.where(np.isneginf(log_p), 0.0, np.exp(2 * log_p - log_q))  # p^2 / q
    return float(_trapezoid(ratio - 2 * np.exp(log_p) + np.exp(log_q), x))


DIVERGENCES = {"KL": kl, "reverse KL": reverse_kl, "JS": js, "Jeffrey": jeffrey, "Pearson chi2": pearson_chi2}


def divergence(name: str, log_p, log_q, x) -> float:
    """D(P || Q) for one of ``DIVERGENCES`` by name. Example: ``divergence("JS", log_p, log_q, x)``."""
    if name not in DIVERGENCES:
        raise ValueError(f"Unknown divergence {name!r}; choose one of {list(DIVERGENCES)}.")
    return DIVERGENCES[name](log_p, log_q, x)


def gaussian_logpdf(x, mu, sigma):
    """log N(x; mu, sigma^2) (sigma a standard deviation). Example: ``gaussian_logpdf(0.0, 0, 1)`` -> ``-0.9189``."""
    if not np.isfinite(sigma) or sigma <= 0:
        raise ValueError(f"sigma is a standard deviation and must be > 0; got {sigma!r}.")
    x = np.asarray(x, dtype=float)
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)


def mixture_logpdf(x, means, stds, weights=None):
    """log density of a 1-D Gaussian mixture (equal weights by default), computed with logsumexp.

    Example: ``mixture_logpdf(np.linspace(-5, 5, 11), means=[-2, 2], stds=[0.5, 0.5])``.
    """
    means, stds = np.atleast_1d(np.asarray(means, float)), np.atleast_1d(np.asarray(stds, float))
    if means.shape != stds.shape or means.ndim != 1:
        raise ValueError(f"means and stds must be lists of the same length; got {means.shape} and {stds.shape}.")
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, float)
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"weights must be {len(means)} non-negative numbers summing to 1; got {weights}.")
    x = np.asarray(x, dtype=float)
    parts = [np.log(w) + gaussian_logpdf(x, m, s) for m, s, w in zip(means, stds, weights) if w > 0]
    return np.logaddexp.reduce(np.stack(parts), axis=0)


def fit_gaussian(name: str, log_p, x, starts=None) -> tuple[float, float, float]:
    """The Gaussian N(mu, sigma^2) minimising divergence ``name`` from P: ``(mu, sigma, value)``.

    Nelder-Mead over (mu, log sigma) from several starts (a reverse KL has one valley per mode);
    the best end point wins. Example: ``mu, sigma, d = fit_gaussian("KL", log_p, x)``.
    """
    from scipy import optimize

    log_p = np.asarray(log_p, dtype=float)
    if starts is None:
        p = np.exp(log_p) / _trapezoid(np.exp(log_p), x)
        mean = _trapezoid(p * x, x)
        std = np.sqrt(max(_trapezoid(p * (x - mean) ** 2, x), 1e-12))
        starts = [(mean + k * std, np.log(s * std)) for k in (-1.5, -0.75, 0, 0.75, 1.5) for s in (0.3, 1.0)]

    def loss(theta):
        value = divergence(name, log_p, gaussian_logpdf(x, theta[0], np.exp(theta[1])), x)
        return value if np.isfinite(value) else 1e12

    best = None
    for start in starts:
        res = optimize.minimize(loss, np.asarray(start, float), method="Nelder-Mead",
                                options={"xatol": 1e-7, "fatol": 1e-12, "maxiter": 4000})
        if best is None or res.fun < best.fun:
            best = res
    return float(best.x[0]), float(np.exp(best.x[1])), float(best.fun)


def divergence_table(log_p, x, names=tuple(DIVERGENCES)):
    """Fit one Gaussian per divergence, then evaluate every fit under every divergence.

    Returns ``(fits, table)``: ``fits[name] = (mu, sigma)`` and ``table[i, j]`` = divergence
    ``names[j]`` of the fit trained with ``names[i]`` (rows: trained with, columns: tested with).
    Example: ``fits, table = divergence_table(mixture_logpdf(x, [-1, 2], [0.5, 1]), x)``.
    """
    fits = {}
    for name in names:
        mu, sigma, _ = fit_gaussian(name, log_p, x)
        fits[name] = (mu, sigma)
    table = np.array([[divergence(test, log_p, gaussian_logpdf(x, *fits[train]), x) for test in names]
                      for train in names])
    return fits, table
