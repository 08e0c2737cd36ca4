"""Checks for lesson 01 (information theory), named after the module they check: ``gan_course.info``.

``check_entropy``, ``check_cross_entropy``, ``check_kl_divergence``, ``check_js_divergence`` and
``check_kl_gaussian`` run a student's numpy function on a few distributions against
``gan_course.info`` (all in nats) and name the likely mistake: bits instead of nats, swapped
arguments, a missing 1/2, a wrong sign, ``0 log 0`` giving nan, a finite answer where it is infinite.
Framework-free. What it is not: a grader.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .. import info
from ._kit import LN2
from .core import Diagnosis, run_checks

__all__ = ["check_entropy", "check_cross_entropy", "check_kl_divergence", "check_js_divergence",
           "check_kl_gaussian"]


def _bits(reference: Callable) -> list[Diagnosis]:
    return [Diagnosis("Your result is in bits (the right answer divided by ln 2): use the natural log np.log "
                      "(nats), not np.log2.", wrong=lambda *a: reference(*a) / LN2),
            Diagnosis("Your result uses log base 10 (np.log10): use the natural log np.log (nats).",
                      wrong=lambda *a: reference(*a) / math.log(10))]


_NAN_0LOG0 = Diagnosis("You get nan when p has a zero entry: in numpy 0 * log(0) is nan, but by convention "
                       "0 log 0 = 0. Sum only over the entries where p > 0 (mask = p > 0; then use p[mask]).",
                       test=lambda got, exp, *a: bool(np.isnan(got).any()) and not np.isnan(exp).any())
_INF = Diagnosis("Where q = 0 < p the answer is infinite (q calls 'impossible' something p does): return "
                 "np.inf there; do not add a small epsilon or drop those entries.",
                 test=lambda got, exp, *a: bool(np.isinf(exp).any()) and not np.isinf(got).any())
_NEGATIVE = Diagnosis("Your result is negative, but this quantity never is: check the sign and which way up "
                      "the ratio inside the log is.", test=lambda got, exp, *a: bool((got < -1e-12).any()))
_PAIRS = [  # ordinary cases first: a diagnosis is read from the first failing case
    (np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.3, 0.4])),
    (np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.5, 0.3])),
    (np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.4, 0.3, 0.2, 0.1])),
    (np.array([0.2, 0.8]), np.array([0.2, 0.8])),
    ([0.5, 0.5], [0.9, 0.1]),                                  # plain Python lists
    (np.array([0.0, 0.4, 0.6]), np.array([0.2, 0.3, 0.5])),    # p has a zero
    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.75, 0.0])),  # p and q share a zero
    (np.array([0.5, 0.5]), np.array([1.0, 0.0])),              # q = 0 < p
]
_kl = info.kl_divergence


def _sign(reference: Callable, hint: str) -> Diagnosis:
    return Diagnosis(f"Wrong sign: {hint}", wrong=lambda *a: -reference(*a))


def check_entropy(fn) -> None:
    """Check ``entropy(p)`` (nats) against ``gan_course.info.entropy``.

    Example: ``check_entropy(entropy)`` prints ``✅ entropy: 8/8 checks passed.``
    """
    diagnoses = [*_bits(info.entropy), _sign(info.entropy, "H(p) = -sum p log p (note the minus)."),
                 _NAN_0LOG0, _NEGATIVE]
    cases = [(p,) for p, _ in _PAIRS[:7]] + [(np.array([1.0, 0.0, 0.0]),)]
    run_checks("entropy", fn, cases, info.entropy, diagnoses, argnames=["p"], unit="nats")


def check_cross_entropy(fn) -> None:
    """Check ``cross_entropy(p, q)`` (nats) against ``gan_course.info.cross_entropy``.

    Example: ``check_cross_entropy(cross_entropy)`` prints ``✅ cross_entropy: 8/8 checks passed.``
    """
    diagnoses = [*_bits(info.cross_entropy),
                 Diagnosis("Arguments swapped: you computed H(q, p). H(p, q) = -sum p log q: outcomes from p, "
                           "coded with a code built for q.", wrong=lambda p, q: info.cross_entropy(q, p)),
                 _sign(info.cross_entropy, "H(p, q) = -sum p log q (note the minus)."),
                 Diagnosis("That is the entropy H(p): cross-entropy takes the log of q.",
                           wrong=lambda p, q: info.entropy(p)),
                 Diagnosis("That is KL(p || q) = H(p, q) - H(p): do not subtract the entropy.", wrong=_kl),
                 _NAN_0LOG0, _INF, _NEGATIVE]
    run_checks("cross_entropy", fn, _PAIRS, info.cross_entropy, diagnoses, argnames=["p", "q"], unit="nats")


def check_kl_divergence(fn) -> None:
    """Check ``kl_divergence(p, q)`` (nats) against ``gan_course.info.kl_divergence``.

    Example: ``check_kl_divergence(kl_divergence)`` prints ``✅ kl_divergence: 8/8 checks passed.``
    """
    diagnoses = [*_bits(_kl),
                 Diagnosis("Arguments swapped: you computed KL(q || p). KL is not symmetric: KL(p || q) = "
                           "sum p log(p / q), weighted by p, with p on top.", wrong=lambda p, q: _kl(q, p)),
                 _sign(_kl, "sum p log(q / p) is -KL(p || q); put p on top: log(p / q)."),
                 Diagnosis("That is the cross-entropy H(p, q); KL(p || q) = H(p, q) - H(p).", wrong=info.cross_entropy),
                 _NAN_0LOG0, _INF, _NEGATIVE]
    run_checks("kl_divergence", fn, _PAIRS, _kl, diagnoses, argnames=["p", "q"], unit="nats")


def check_js_divergence(fn) -> None:
    """Check ``js_divergence(p, q)`` (nats) against ``gan_course.info.js_divergence``.

    Example: ``check_js_divergence(js_divergence)`` prints ``✅ js_divergence: 9/9 checks passed.``
    """
    jsd = info.js_divergence
    both = "JSD = KL(p || m)/2 + KL(q || m)/2 with the mixture m = (p + q)/2"
    diagnoses = [*_bits(jsd),
                 Diagnosis(f"Twice the JSD: you are missing the 1/2s in {both}.", wrong=lambda p, q: 2 * jsd(p, q)),
                 Diagnosis(f"That is plain KL(p || q). The JSD compares each with the mixture: {both}.", wrong=_kl),
                 Diagnosis(f"That is the symmetrised KL (KL(p||q) + KL(q||p))/2, not the JSD: {both}.",
                           wrong=lambda p, q: (_kl(p, q) + _kl(q, p)) / 2),
                 Diagnosis(f"You have only half of it: {both}.",
                           wrong=lambda p, q: _kl(p, (np.asarray(p, float) + np.asarray(q, float)) / 2) / 2),
                 Diagnosis("Check the mixture: m = (p + q) / 2 (you seem to use p + q, which is not a distribution).",
                           wrong=lambda p, q: jsd(p, q) - LN2),
                 _sign(jsd, "each KL term sum p log(p / m) is >= 0."), _NAN_0LOG0, _NEGATIVE,
                 Diagnosis(f"Your result is larger than log 2 = 0.693 nats, the JSD's maximum: {both}.",
                           test=lambda got, exp, *a: bool((got > LN2 + 1e-9).any()))]
    cases = [*_PAIRS, (np.array([1.0, 0.0]), np.array([0.0, 1.0]))]  # + disjoint supports
    run_checks("js_divergence", fn, cases, jsd, diagnoses, argnames=["p", "q"], unit="nats")


def check_kl_gaussian(fn) -> None:
    """Check ``kl_gaussian(mu1, sigma1, mu2, sigma2)`` = KL(N(mu1, sigma1²) || N(mu2, sigma2²)) in nats.

    Example: ``check_kl_gaussian(kl_gaussian)`` prints ``✅ kl_gaussian: 6/6 checks passed.``
    """
    def ref(m1, s1, m2, s2, log=None, var=None, half=0.5, den=2.0):  # the formula, with knobs for mistakes
        log = math.log(s2 / s1) if log is None else log
        v1, v2 = (s1**2, s2**2) if var is None else var
        return log + (v1 + (m1 - m2) ** 2) / (den * v2) - half

    as_var = "You treat sigma as the variance: sigma1, sigma2 are standard deviations, the variances are sigma**2."
    diagnoses = [*_bits(ref),
                 Diagnosis("Distributions swapped: you computed KL(N2 || N1). The expectation is over the first "
                           "Gaussian (mu1, sigma1).", wrong=lambda m1, s1, m2, s2: ref(m2, s2, m1, s1)),
                 _sign(ref, "KL is never negative."),
                 Diagnosis(as_var, wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, 0.5 * math.log(s2 / s1), (s1, s2))),
                 Diagnosis(as_var, wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, var=(s1, s2))),
                 Diagnosis("Log term: log(sigma2 / sigma1) = 1/2 log(sigma2² / sigma1²); you have the log of the "
                           "variance ratio without its 1/2.", wrong=lambda m1, s1, m2, s2: ref(
                               m1, s1, m2, s2, log=math.log(s2**2 / s1**2))),
                 Diagnosis("Log term upside down: it is log(sigma2 / sigma1), the second sigma on top.",
                           wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, log=math.log(s1 / s2))),
                 Diagnosis("You are missing the final - 1/2 (KL of a Gaussian with itself must be 0).",
                           wrong=lambda *a: ref(*a, half=0.0)),
                 Diagnosis("Missing the 2 in the denominator: (sigma1² + (mu1 - mu2)²) / (2 sigma2²).",
                           wrong=lambda *a: ref(*a, den=1.0)),
                 _NEGATIVE]
    cases = [(0.5, 1.5, -1.0, 0.8), (1.0, 2.0, 0.0, 1.0), (0.0, 0.5, 0.0, 2.0),
             (-2.0, 0.3, 1.0, 0.7), (0.0, 1.0, 1.0, 1.0), (3.0, 1.2, 3.0, 1.2)]
    run_checks("kl_gaussian", fn, cases, lambda *a: float(info.kl_gaussian(*a)), diagnoses,
               argnames=["mu1", "sigma1", "mu2", "sigma2"], unit="nats")
