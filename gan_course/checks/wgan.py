"""Checks for lesson 08 (WGAN) written once for both twins, named after the models they check:
``gan_course.wgan_torch`` and ``gan_course.wgan_keras``.

* ``check_critic_loss(fn, framework)``: value and gradient of ``critic_loss(real_scores, fake_scores)``
  against mean f(fake) - mean f(real), with ``framework="torch"`` or ``"keras"`` (left out, a hint asks
  for it); names a wrong sign, an absolute value, a sigmoid on the scores, the original GAN's BCE, sums
  instead of means, a missing term.
* The framework-neutral pieces (numpy) that the twins' layer and tape checks in
  ``gan_course.checks.wgan_torch`` / ``wgan_keras`` share, so both name a mistake in the same words: the
  critic-loss cases, reference and known mistakes (``CRITIC_LOSS_CASES``, ``critic_loss_reference``,
  ``critic_loss_diagnoses``), a small tanh critic whose input gradients are known in closed form
  (``tanh_critic_params``, ``tanh_critic_grads``), and the two diagnosers of a gradient penalty:
  ``alpha_problem`` (reads the interpolation weights back from the points the critic was called on) and
  ``penalty_problem`` (matches the value against the penalty on per-sample gradient norms and each
  classic mistake).

What it is not: a grader. Each check prints one pass line or raises ``CheckFailed`` with one hint.
"""
from __future__ import annotations

import numpy as np

from ._kit import adapter, check_values_and_gradients, sigmoid, softplus
from .core import Diagnosis

__all__ = ["CRITIC_LOSS_CASES", "critic_loss_reference", "critic_loss_grads", "critic_loss_diagnoses",
           "tanh_critic_params", "tanh_critic_grads", "alpha_problem", "penalty_problem", "penalty_cases",
           "check_critic_loss"]


# ---- framework-neutral: the critic loss ----------------------------------------------------------

CRITIC_LOSS_CASES = [  # (real_scores, fake_scores), each (B, 1); unequal batch sizes catch sum-vs-mean
    (np.array([[1.2], [0.3], [2.0], [-0.4]]), np.array([[-1.5], [0.2], [-0.7], [-2.2]])),
    (np.array([[0.1], [-0.2], [0.05]]), np.array([[0.0], [0.3], [-0.1]])),
    (np.array([[4.0], [6.0], [3.5], [5.0], [2.5]]), np.array([[-5.0], [-4.5], [-6.0], [-3.0], [-7.0]])),
    (np.array([[30.0], [-25.0]]), np.array([[-120.0], [35.0]])),
]


def critic_loss_reference(real, fake):
    """The critic's loss: mean f(fake) - mean f(real). Example: ``critic_loss_reference(r, f)``."""
    return np.mean(fake) - np.mean(real)


def critic_loss_grads(real, fake):
    """d loss / d real_scores and d loss / d fake_scores. Example: ``critic_loss_grads(r, f)[0]``."""
    return [-np.ones_like(real) / real.size, np.ones_like(fake) / fake.size]


def critic_loss_diagnoses():
    """The classic mistakes in the critic loss, as ``Diagnosis`` objects (numpy)."""
    ref = critic_loss_reference
    return [
        Diagnosis("Wrong sign: the critic *maximises* mean f(real) - mean f(fake) (its estimate of W), so the loss "
                  "to minimise is mean f(fake) - mean f(real).", wrong=lambda r, f: -ref(r, f)),
        Diagnosis("You applied a sigmoid to the critic's scores. A WGAN critic is not a classifier: its scores are "
                  "unbounded real numbers, and squashing them into (0, 1) breaks the W estimate. Use the raw scores.",
                  wrong=lambda r, f: np.mean(sigmoid(f)) - np.mean(sigmoid(r))),
        Diagnosis("You applied a sigmoid to the critic's scores (and the wrong sign). A WGAN critic's scores are "
                  "unbounded: loss = mean f(fake) - mean f(real), on the raw scores.",
                  wrong=lambda r, f: np.mean(sigmoid(r)) - np.mean(sigmoid(f))),
        Diagnosis("That is the vanilla GAN's binary cross-entropy. The Wasserstein critic loss has no log and no "
                  "sigmoid: mean f(fake) - mean f(real).",
                  wrong=lambda r, f: np.mean(softplus(-r)) + np.mean(softplus(f))),
        Diagnosis("Use means, not sums: with sums the loss grows with the batch size (and real and generated batches "
                  "of different sizes are weighted differently).", wrong=lambda r, f: np.sum(f) - np.sum(r)),
        Diagnosis("Only the generated samples' term: subtract mean f(real) too.", wrong=lambda r, f: np.mean(f)),
        Diagnosis("Only the real samples' term: add mean f(fake) too.", wrong=lambda r, f: -np.mean(r)),
    ]


# ---- framework-neutral: a critic with known input gradients --------------------------------------

def tanh_critic_params(d, hidden=8, seed=0):
    """Weights (W (hidden, d), b (hidden,), v (hidden,), c ()) of f(x) = v . tanh(W x + b) + c on flattened x.

    Gradient norms differ from sample to sample, so per-sample and batch-level penalties differ.
    Example: ``W, b, v, c = tanh_critic_params(2)``.
    """
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 1.0, (hidden, d)), rng.normal(0, 0.5, hidden), rng.normal(0, 0.7, hidden),
            np.array(0.1))


def tanh_critic_grads(params, x):
    """Per-sample gradients (B, d) of the tanh critic at x (B, ...) (flattened). Example: see ``penalty_problem``."""
    W, b, v, _ = params
    x = np.asarray(x, dtype=float).reshape(len(x), -1)            # (B, d)
    h = np.tanh(x @ W.T + b)                                       # (B, hidden)
    return ((1 - h ** 2) * v) @ W                                  # (B, d)


def penalty_cases(seed=0):
    """(real, fake, weight) numpy cases: 2-D points and tiny (B, 1, 3, 3) images; real - fake is never near 0.

    Example: ``for real, fake, weight in penalty_cases(): ...``.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for shape, weight in (((256, 2), 10.0), ((128, 1, 3, 3), 1.0)):
        real = rng.normal(0.5, 1.0, shape)
        gap = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        cases.append((real.astype(np.float32), (real - gap).astype(np.float32), weight))
    return cases


ALPHA_NORMAL = ("alpha must be drawn from the uniform distribution on [0, 1] (torch.rand / tf.random.uniform): "
                "some of your x_hat lie outside the segment from the generated to the real sample, as with a "
                "normal draw (randn). The penalty belongs on the points in between.")
ALPHA_SHARED = ("alpha is the same for the whole batch: draw one alpha per sample, with shape (B, 1) for points "
                "or (B, 1, 1, 1) for images, so the penalty sees points all along the segments.")
ALPHA_PER_PIXEL = ("alpha differs between the coordinates (pixels) of one sample: draw one alpha per sample, "
                   "shape (B, 1, ...), broadcast over the rest, so x_hat lies on the straight line from fake to real.")
ALPHA_NOT_UNIFORM = ("alpha is in [0, 1] but not uniform on it (a Kolmogorov-Smirnov test rejects U(0, 1)): draw "
                     "it with torch.rand / tf.random.uniform, nothing else.")


def alpha_problem(x_hat, real, fake):
    """A hint if the interpolates x_hat were not made with one alpha ~ U(0, 1) per sample, else None.

    alpha is read back as (x_hat - fake) / (real - fake) (x_hat = alpha real + (1 - alpha) fake; the mirror
    image, alpha fake + (1 - alpha) real, is as good). Example: ``alpha_problem(x_hat, real, fake)`` -> ``None``.
    """
    from scipy.stats import kstest

    x_hat, real, fake = (np.asarray(a, dtype=float) for a in (x_hat, real, fake))
    if x_hat.shape != real.shape:
        return (f"The critic was called on points of shape {x_hat.shape}, but the interpolates x_hat must have "
                f"the shape of real and fake, {real.shape}: check the shape of alpha, (B, 1, ...).")
    alpha = ((x_hat - fake) / (real - fake)).reshape(len(real), -1)       # (B, d)
    if np.any(alpha < -1e-3) or np.any(alpha > 1 + 1e-3):
        return ALPHA_NORMAL
    if np.any(alpha.max(axis=1) - alpha.min(axis=1) > 1e-3):
        return ALPHA_PER_PIXEL
    a = alpha[:, 0]
    if a.std() < 1e-4:
        return ALPHA_SHARED
    if kstest(a, "uniform").pvalue < 1e-6:
        return ALPHA_NOT_UNIFORM
    return None


def penalty_problem(got, grads, weight):
    """Compare a penalty with weight * mean((||g_i|| - 1)^2) on per-sample gradients grads (B, d).

    Returns None when it matches, else one hint naming the mistake it matches (or a generic one).
    Example: ``penalty_problem(10.3, tanh_critic_grads(params, x_hat), 10.0)`` -> ``None``.
    """
    g = np.asarray(grads, dtype=float).reshape(len(grads), -1)           # (B, d)
    B, n = len(g), np.linalg.norm(g, axis=1)                             # (B,)
    want = weight * np.mean((n - 1) ** 2)
    close = lambda a, b: bool(np.isclose(a, b, rtol=2e-3, atol=1e-5))  # noqa: E731
    if close(got, want):
        return None
    known = [
        (-want, "Wrong sign: the penalty is added to the critic's loss and is never negative: "
                "weight * mean((||grad|| - 1)^2)."),
        (weight * np.mean((n / B - 1) ** 2),
         "The penalty used the gradient of the *batch mean* of the scores (scores.mean()), so each sample's gradient "
         "is divided by the batch size. Differentiate scores.sum() (sample i's score depends on x_hat_i only), "
         "so row i is sample i's own gradient."),
        (weight * (np.linalg.norm(g.mean(axis=0)) - 1) ** 2,
         "The penalty is on the norm of the batch-mean gradient: take one gradient norm per sample, then the mean "
         "of (norm - 1)^2 over samples."),
        (weight * (np.linalg.norm(g) / B - 1) ** 2,
         "The penalty used the batch-mean score's gradient and one norm for the whole batch: take one gradient "
         "norm per sample (flatten all but the batch axis, norm over axis 1)."),
        (weight * (np.linalg.norm(g) - 1) ** 2,
         "One norm for the whole batch: take one gradient norm per sample (flatten all but the batch axis, "
         "then the norm over axis 1), then the mean of (norm - 1)^2."),
        (weight * np.mean((np.linalg.norm(g, axis=0) - 1) ** 2),
         "The norm was taken over the batch axis (axis 0): take it over each sample's coordinates (axis 1)."),
        (weight * np.mean((n ** 2 - 1) ** 2), "Use the gradient's norm, not its squared norm: (||grad|| - 1)^2."),
        (weight * np.mean(np.maximum(n - 1, 0) ** 2),
         "That is a one-sided penalty (only norms above 1). WGAN-GP penalises both sides: (||grad|| - 1)^2."),
        (weight * np.mean(np.abs(n - 1)), "Square the deviation: (||grad|| - 1)^2, not |norm - 1|."),
        (weight * np.sum((n - 1) ** 2), "Average over the samples (mean), not a sum."),
        (np.mean((n - 1) ** 2), "The weight is missing: multiply the mean by `weight`."),
        (10.0 * np.mean((n - 1) ** 2), "Use the `weight` argument, not a hard-coded 10."),
    ]
    for value, hint in known:
        if close(got, value):
            return hint
    return (f"Not quite: expected weight * mean((||grad_i|| - 1)^2) = {want:.6g} on the points x_hat your code "
            f"scored, got {float(got):.6g}.")


# ---- the check: the critic's loss, both frameworks -----------------------------------------------

_MATCHES = {"torch": "mean f(fake) - mean f(real)", "keras": "mean(fake_scores) - mean(real_scores)"}


def check_critic_loss(fn, framework=None) -> None:
    """Check ``critic_loss(real_scores, fake_scores)``: value and gradient of mean(fake) - mean(real).

    Example: ``check_critic_loss(critic_loss, framework="torch")`` prints ``✅ critic_loss: ...``.
    """
    name = "critic_loss"
    fw = adapter(framework, name)
    diagnoses = [Diagnosis("No absolute value: the critic's loss is mean(fake_scores) - mean(real_scores), which "
                           "can be negative (it is minus the estimate of W).",
                           wrong=lambda r, f: abs(critic_loss_reference(r, f))), *critic_loss_diagnoses()]
    check_values_and_gradients(name, fn, fw, CRITIC_LOSS_CASES, critic_loss_reference, critic_loss_grads, diagnoses,
                               ["real_scores", "fake_scores"], matches=_MATCHES[fw.key], inputs="scores",
                               rtol=1e-5, atol=1e-5)
