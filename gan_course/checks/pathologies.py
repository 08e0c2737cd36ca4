"""Checks for lesson 07 (training pathologies), named after the lesson.

Lesson 07 has no single module of its own: its ideas are written in the notebook (instance
noise, one-sided label smoothing) or spread over ``gan_course.modes`` (mode coverage) and
``gan_course.fdiv`` (f-divergences), so its checks are gathered under the lesson's name.

Each ``check_*`` runs a student's function on a few cases and prints one pass line
or raises ``CheckFailed`` with ONE hint naming the likely mistake:

* ``check_add_instance_noise``: Gaussian noise of the given std on *both* batches,
  drawn afresh and independently, keeping the generator's graph;
* ``check_discriminator_loss``: BCE with one-sided label smoothing (real target
  ``real_label``, fake target 0), from logits;
* ``check_mode_coverage``: modes covered / high-quality fraction / per-mode counts,
  compared with ``gan_course.modes.mode_coverage``;
* ``check_pearson_chi2``: the Pearson chi-squared integral on a grid.

Lesson 07 has one notebook, in PyTorch; torch is imported inside the torch checks only.
What it is not: a grader.
"""
from __future__ import annotations

import numpy as np

from .. import modes
from ._kit import bce, call_student, need_callable, sigmoid
from .core import CheckFailed, Diagnosis, run_checks

__all__ = ["check_add_instance_noise", "check_discriminator_loss", "check_mode_coverage", "check_pearson_chi2"]

_trapezoid = getattr(np, "trapezoid", None) or np.trapz


def _tip(err) -> str:
    """The advice under a crash (see ``call_student``)."""
    return "Call it on a small batch yourself to find the line."


# ---- instance noise ---------------------------------------------------------------------------

def check_add_instance_noise(fn) -> None:
    """Check ``add_instance_noise(real, fake, std)`` -> ``(real + std * N(0, 1), fake + std * N(0, 1))``.

    Example: ``check_add_instance_noise(add_instance_noise)`` prints ``✅ add_instance_noise: 7/7 checks passed.``
    """
    import torch

    name = "add_instance_noise"
    need_callable(name, fn)
    n, std = 20_000, 0.5
    real = torch.full((n, 2), 1.0)
    fake = torch.full((n, 2), -1.0, requires_grad=True)
    out = call_student(name, fn, real, fake, std, tip=_tip)
    if not isinstance(out, (tuple, list)) or len(out) != 2 or not all(torch.is_tensor(t) for t in out):
        raise CheckFailed(name, f"Return two tensors, `return noisy_real, noisy_fake`; got {type(out).__name__}.")
    noisy_real, noisy_fake = out
    if noisy_real.shape != real.shape or noisy_fake.shape != fake.shape:
        raise CheckFailed(name, f"The shapes must not change: got {tuple(noisy_real.shape)} and "
                                f"{tuple(noisy_fake.shape)} for inputs of shape {tuple(real.shape)}.")
    if not noisy_fake.requires_grad:
        raise CheckFailed(name, "The noisy fake batch has lost its graph (no .detach(), no torch.no_grad(), "
                                "no numpy round trip): the generator learns *through* the noisy samples.")
    eps_r, eps_f = (noisy_real - real).detach(), (noisy_fake - fake).detach()
    for which, eps in (("real", eps_r), ("fake", eps_f)):
        if float(eps.abs().max()) == 0:
            raise CheckFailed(name, f"The {which} batch comes back unchanged. Instance noise goes on BOTH batches: "
                                    "if only one is blurred, D tells them apart by their sharpness alone.")
    for which, eps in (("real", eps_r), ("fake", eps_f)):
        mean, sd = float(eps.mean()), float(eps.std())
        if abs(mean - std / 2) < 0.02 and abs(sd - std / 12**0.5) < 0.02:
            raise CheckFailed(name, "Your noise is uniform on [0, std) (torch.rand): use Gaussian noise, "
                                    "std * torch.randn_like(x), which has mean 0.")
        if abs(mean) > 0.03:
            raise CheckFailed(name, f"The noise on the {which} batch has mean {mean:.3f}; it must have mean 0 "
                                    "(std * torch.randn_like(x)).")
        if abs(sd - std**2) < 0.02:
            raise CheckFailed(name, "The noise has standard deviation std**2: multiply the standard normal by std "
                                    "itself (std is a standard deviation, not a variance).")
        if abs(sd - std**0.5) < 0.02:
            raise CheckFailed(name, "The noise has standard deviation sqrt(std): multiply the standard normal by "
                                    "std itself.")
        if abs(sd - std) > 0.03:
            raise CheckFailed(name, f"The noise on the {which} batch has standard deviation {sd:.3f}; "
                                    f"with std={std} it should be {std}.")
    if float(torch.corrcoef(torch.stack([eps_r[:, 0], eps_f[:, 0]]))[0, 1]) > 0.5:
        raise CheckFailed(name, "Real and fake get the same noise tensor: draw the noise separately for each "
                                "batch (torch.randn_like(real), torch.randn_like(fake)).")
    if float(torch.corrcoef(torch.stack([eps_r[:, 0], eps_r[:, 1]]))[0, 1]) > 0.5:
        raise CheckFailed(name, "Both coordinates of a point get the same noise: draw one number per entry "
                                "with torch.randn_like(x), not one per row.")
    again = call_student(name, fn, real, fake, std, tip=_tip)[0]
    if torch.equal(again, noisy_real):
        raise CheckFailed(name, "Two calls gave identical noise: draw fresh noise on every call (do not fix a "
                                "seed or a noise tensor outside the function).")
    same = call_student(name, fn, real, fake, 0.0, tip=_tip)
    if not (torch.allclose(same[0], real) and torch.allclose(same[1].detach(), fake.detach())):
        raise CheckFailed(name, "With std=0 the batches must come back unchanged (the end of the annealing).")
    print(f"✅ {name}: 7/7 checks passed.")


# ---- one-sided label smoothing -----------------------------------------------------------------

def _d_loss(real, fake, real_label=0.9):
    return bce(real, real_label) + bce(fake, 0.0)


def check_discriminator_loss(fn) -> None:
    """Check ``discriminator_loss(d_real, d_fake, real_label)``: BCE from logits, real target ``real_label``, fake 0.

    Example: ``check_discriminator_loss(discriminator_loss)`` prints ``✅ discriminator_loss: 5/5 checks passed.``
    """
    import torch

    name = "discriminator_loss"
    need_callable(name, fn)
    probe = call_student(name, fn, torch.zeros(4, 1, requires_grad=True), torch.zeros(4, 1, requires_grad=True), 0.9,
                         tip=_tip)
    if not torch.is_tensor(probe) or probe.numel() != 1:
        raise CheckFailed(name, f"Return the loss as a one-number torch tensor (so that loss.backward() works); "
                                f"got {type(probe).__name__}{'' if not torch.is_tensor(probe) else ' of shape ' + str(tuple(probe.shape))}. "
                                "Do not call .item() inside.")
    if not probe.requires_grad:
        raise CheckFailed(name, "The loss has no graph: compute it with torch operations on the logits "
                                "(F.binary_cross_entropy_with_logits), not numpy or .item().")

    def as_numpy(real, fake, real_label):
        out = fn(torch.as_tensor(real, dtype=torch.float32), torch.as_tensor(fake, dtype=torch.float32), real_label)
        return float(out.detach().cpu()) if torch.is_tensor(out) else out

    rng = np.random.default_rng(7)
    cases = [(rng.normal(1, 2, (6, 1)), rng.normal(-1, 2, (6, 1)), 0.9),
             (rng.normal(3, 1, (5, 1)), rng.normal(-2, 1, (7, 1)), 0.9),
             (rng.normal(0, 3, (8, 1)), rng.normal(0, 3, (8, 1)), 0.8),
             (np.array([[4.0], [5.0]]), np.array([[-6.0], [-3.0]]), 1.0),
             (rng.normal(2, 1, (4, 1)), rng.normal(1, 1, (4, 1)), 0.7)]
    diagnoses = [
        Diagnosis("Two-sided smoothing: you gave the fakes the target 1 - real_label. One-sided smoothing keeps the "
                  "fake target at 0 (a fake target > 0 rewards D for calling fakes a bit real where there is no data).",
                  wrong=lambda r, f, a: bce(r, a) + bce(f, 1 - a)),
        Diagnosis("You ignore real_label: the real target must be real_label (e.g. 0.9), not 1.",
                  wrong=lambda r, f, a: bce(r, 1.0) + bce(f, 0.0)),
        Diagnosis("Targets swapped: real logits get the target real_label, fake logits the target 0.",
                  wrong=lambda r, f, a: bce(r, 0.0) + bce(f, a)),
        Diagnosis("Half the expected value: add the real and the fake terms (each a mean over its batch), "
                  "do not average them.", wrong=lambda r, f, a: _d_loss(r, f, a) / 2),
        Diagnosis("The inputs are already logits: F.binary_cross_entropy_with_logits applies the sigmoid itself, "
                  "so do not apply torch.sigmoid first.",
                  wrong=lambda r, f, a: bce(sigmoid(r), a) + bce(sigmoid(f), 0.0)),
        Diagnosis("Wrong sign: binary cross-entropy is -[t log D + (1 - t) log(1 - D)], a positive number.",
                  wrong=lambda *a: -_d_loss(*a)),
    ]
    run_checks(name, as_numpy, cases, _d_loss, diagnoses, argnames=["d_real", "d_fake", "real_label"], rtol=1e-4)


# ---- mode coverage --------------------------------------------------------------------------

_KEYS = ("modes_covered", "high_quality_fraction", "per_mode_counts")


def _flat(result, name="mode_coverage", k=None):
    if not isinstance(result, dict):
        raise CheckFailed(name, f"Return a dict with the keys {list(_KEYS)}; got {type(result).__name__}.")
    missing = [key for key in _KEYS if key not in result]
    if missing:
        raise CheckFailed(name, f"Your dict lacks the key(s) {missing}; it needs {list(_KEYS)}.")
    counts = np.asarray(result["per_mode_counts"], dtype=float).ravel()
    if k is not None and counts.shape != (k,):
        raise CheckFailed(name, f"per_mode_counts must hold one count per mode ({k} numbers); got shape "
                                f"{counts.shape}. np.bincount(..., minlength=len(centers)) gives one per mode.")
    return np.concatenate([[float(result["modes_covered"]), float(result["high_quality_fraction"])], counts])


def _coverage_variant(x, c, std, n_std=3.0, min_fraction=0.2, *, thresh=None, squared=False, all_samples=False,
                      any_sample=False, per_hq=False):
    """mode_coverage with knobs for the usual mistakes (the reference when no knob is set)."""
    d2 = ((x[:, None, :] - c[None]) ** 2).sum(-1)
    k = d2.argmin(1)
    dist = d2.min(1) if squared else np.sqrt(d2.min(1))
    good = dist <= (n_std * std if thresh is None else thresh(n_std, std))
    counts = np.bincount(k if all_samples else k[good], minlength=len(c))
    need = 1 if any_sample else min_fraction * (good.sum() if per_hq else len(x)) / len(c)
    return np.concatenate([[float((counts >= need).sum()), good.mean()], counts])


def _coverage_cases():
    rng = np.random.default_rng(3)
    c = np.array([[2.0, 0], [0, 2.0], [-2.0, 0], [0, -2.0]])
    std = 0.1
    blob = lambda i, n, s=std: c[i] + s * rng.standard_normal((n, 2))  # noqa: E731
    even = np.concatenate([blob(i, 50) for i in range(4)])
    collapsed = blob(1, 200)
    partial = np.concatenate([blob(0, 120), blob(2, 30), blob(3, 8), rng.uniform(-1, 1, (42, 2))])
    wide = np.concatenate([blob(0, 100, 0.25), blob(1, 60), blob(2, 6, 0.05), 0.6 * rng.standard_normal((34, 2))])
    boundary = np.concatenate([c[0] + np.array([[0.0, 0.29]] * 40), c[1] + np.array([[0.0, 0.31]] * 40),
                               blob(2, 60), blob(3, 60)])
    thin = np.concatenate([blob(0, 80), blob(1, 7), blob(2, 2), blob(3, 11), rng.uniform(-0.8, 0.8, (100, 2))])
    return c, std, [even, collapsed, partial, wide, boundary, thin]


def check_mode_coverage(fn) -> None:
    """Check ``mode_coverage(samples, centers, std, n_std=3.0, min_fraction=0.2)`` against ``gan_course.modes``.

    Example: ``check_mode_coverage(mode_coverage)`` prints ``✅ mode_coverage: 6/6 checks passed.``
    """
    name = "mode_coverage"
    need_callable(name, fn)
    c, std, samples = _coverage_cases()

    def flat(x, cc, s):
        return _flat(fn(x, cc, s), name, len(cc))

    def ref(x, cc, s):
        return _flat(modes.mode_coverage(x, cc, s), name)

    diagnoses = [
        Diagnosis("Your high-quality radius uses the variance: a sample is high quality if its distance to the "
                  "nearest centre is <= n_std * std (std, not std**2).",
                  wrong=lambda x, cc, s: _coverage_variant(x, cc, s, thresh=lambda n, s_: n * s_**2)),
        Diagnosis("You compare a squared distance with n_std * std: take the square root of the sum of squares "
                  "(np.linalg.norm) first.", wrong=lambda x, cc, s: _coverage_variant(x, cc, s, squared=True)),
        Diagnosis("per_mode_counts must count only the HIGH-QUALITY samples nearest to each mode: "
                  "a sample far from every mode covers nothing.",
                  wrong=lambda x, cc, s: _coverage_variant(x, cc, s, all_samples=True)),
        Diagnosis("A mode is covered only if it gets at least min_fraction * N / K high-quality samples "
                  "(N samples, K modes), not just one.", wrong=lambda x, cc, s: _coverage_variant(x, cc, s, any_sample=True)),
        Diagnosis("The coverage threshold is min_fraction * N / K with N = ALL samples (the fair share if "
                  "every sample were spread evenly), not the number of high-quality ones.",
                  wrong=lambda x, cc, s: _coverage_variant(x, cc, s, per_hq=True)),
        Diagnosis("high_quality_fraction is a fraction of ALL samples (between 0 and 1), not a count.",
                  test=lambda got, exp, *a: bool(got[1] > 1)),
    ]
    cases = [(x, c, std) for x in samples]
    run_checks(name, flat, cases, ref, diagnoses, argnames=["samples", "centers", "std"])


# ---- Pearson chi-squared --------------------------------------------------------------------

def _gauss(x, mu, s):
    return np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi))


def check_pearson_chi2(fn) -> None:
    """Check ``pearson_chi2(p, q, x)`` = integral of (p - q)^2 / q dx (trapezoid rule) for densities on grid ``x``.

    Example: ``check_pearson_chi2(pearson_chi2)`` prints ``✅ pearson_chi2: 4/4 checks passed.``
    """
    x1, x2 = np.linspace(-8, 8, 1601), np.linspace(-10, 10, 801)
    mix = lambda x: 0.3 * _gauss(x, -2, 0.6) + 0.7 * _gauss(x, 1.5, 0.9)  # noqa: E731
    cases = [(_gauss(x1, 0, 1), _gauss(x1, 0.5, 1.2), x1), (mix(x1), _gauss(x1, 0.4, 1.8), x1),
             (mix(x2), _gauss(x2, 1.0, 1.5), x2), (_gauss(x2, 1, 0.8), _gauss(x2, 1, 0.8), x2)]
    ref = lambda p, q, x: _trapezoid((p - q) ** 2 / q, x)  # noqa: E731
    diagnoses = [
        Diagnosis("That is Neyman's chi-squared: Pearson's divides by the MODEL density q, (p - q)**2 / q.",
                  wrong=lambda p, q, x: _trapezoid((p - q) ** 2 / p, x)),
        Diagnosis("You summed without the grid spacing: an integral on a grid is np.trapezoid(values, x) "
                  "(or np.sum(values) * dx).", wrong=lambda p, q, x: np.sum((p - q) ** 2 / q)),
        Diagnosis("That is the integral of p**2 / q; Pearson's chi-squared is that minus 1: integrate (p - q)**2 / q.",
                  wrong=lambda p, q, x: _trapezoid(p**2 / q, x)),
        Diagnosis("Square the difference: the integrand is (p - q)**2 / q.",
                  wrong=lambda p, q, x: _trapezoid((p - q) / q, x)),
        Diagnosis("That is KL(p || q), a different f-divergence: integrate (p - q)**2 / q.",
                  wrong=lambda p, q, x: _trapezoid(p * np.log(p / q), x)),
        Diagnosis("You averaged the integrand (np.mean): integrate it over x with np.trapezoid(values, x).",
                  wrong=lambda p, q, x: np.mean((p - q) ** 2 / q)),
    ]
    run_checks("pearson_chi2", fn, cases, ref, diagnoses, argnames=["p", "q", "x"], unit="nats", rtol=1e-5)
