"""The ring of 8 Gaussians that lessons 07 and 08 share: one set-up, one plain-GAN baseline, one yardstick.

Lesson 07 ("Training pathologies") trains a plain GAN, PacGAN and a GAN with instance noise on it;
lesson 08 (WGAN) trains the same plain GAN, WGAN with weight clipping and WGAN-GP, in PyTorch and in
Keras. Every run uses what is fixed here, so the lessons' numbers can be compared:

* ``SETUP``: the data (8 modes on a circle of radius 2, std 0.05), the networks (MLPs 2-64-64-2 and
  2-64-64-1; the networks see the data divided by ``scale`` = 2), the batch, the number of
  discriminator (or critic) updates per run, and each method's optimiser;
* ``real_data`` / ``centers``: the training set and the mode centres;
* ``noise_schedule(step, total)``: instance noise's annealed std;
* ``coverage(x)``: modes covered and high-quality fraction (``gan_course.modes``) of every seed's
  samples at once, x (S, N, 2);
* ``summarise(curve)`` / ``table``: the final values and the last-quarter means over training, as
  mean ± sd over seeds.

Seeds are trained side by side: ``ring_torch`` and ``ring_keras`` stack S independent networks into
one (a weight tensor (S, d_in, d_out) per layer), so five seeds cost little more than one.
What it is not: a training loop. The lessons write their steps; the frameworks' parts live in
``gan_course.ring_torch`` and ``gan_course.ring_keras``.
"""
from __future__ import annotations

import numpy as np

from . import data, modes

__all__ = ["SETUP", "METHODS", "real_data", "centers", "coverage", "noise_schedule", "summarise", "mean_sd", "table"]

SETUP = dict(
    modes=8, radius=2.0, mode_std=0.05,  # data: data.ring(n, std=0.05), centres data.ring_centers()
    scale=2.0,                           # the networks see x / scale: a ring of radius 1
    hidden=(64, 64),                     # hidden widths of G and of D (or the critic)
    batch_size=128,                      # real samples (and as many generated) per update and seed
    d_updates=10_000,                    # discriminator / critic updates per run, the same for every method
    n_critic=5,                          # WGANs: critic updates per generator step (2,000 generator steps)
    lr=1e-3, betas=(0.5, 0.999),         # plain GAN, PacGAN, instance noise: Adam for G and D
    pack=4,                              # PacGAN: samples per pack
    noise_std0=0.25,                     # instance noise: std (network units) at the start, linearly to 0 at 80%
    clip_c=0.01, lr_clip=5e-5,           # WGAN-clip: clipping bound and RMSProp's learning rate (WGAN paper)
    lr_gp_critic=1e-3, lr_gp_gen=1e-4,   # WGAN-GP: Adam, the critic on a faster time scale
    betas_gp=(0.5, 0.9), gp_weight=10.0,
    seeds=5,                             # seeds trained side by side
    n_eval=2500,                         # generated samples per coverage measurement
)
METHODS = ("plain GAN", "PacGAN", "instance noise", "WGAN-clip", "WGAN-GP")


def real_data(n: int = 50_000, seed: int = 0) -> np.ndarray:
    """The training set: n points (n, 2) of the ring in data units. Example: ``x = real_data()``."""
    return data.ring(n, modes=SETUP["modes"], radius=SETUP["radius"], std=SETUP["mode_std"], seed=seed)


def centers() -> np.ndarray:
    """The 8 mode centres (8, 2) in data units. Example: ``centers()[0]`` -> ``[2, 0]``."""
    return data.ring_centers(SETUP["modes"], SETUP["radius"])


def coverage(x) -> np.ndarray:
    """Modes covered and high-quality fraction of each seed's samples: x (S, N, 2) in data units -> (S, 2).

    Example: ``coverage(real_data(2500)[None])`` -> ``[[8, 0.99]]``.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3 or x.shape[-1] != 2:
        raise ValueError(f"x must hold each seed's samples, shape (S, N, 2) (or (N, 2) for one); got {x.shape}.")
    out = []
    for xs in x:
        cov = modes.mode_coverage(xs, centers(), SETUP["mode_std"])
        out.append((cov["modes_covered"], cov["high_quality_fraction"]))
    return np.array(out)


def noise_schedule(step: int, total: int, std0: float = SETUP["noise_std0"]) -> float:
    """Instance noise's std at ``step`` of ``total``: std0 at the start, falling linearly to 0 at 80% of the run.

    The schedule of lesson 07, section 2. Example: ``noise_schedule(400, 1000, 0.25)`` -> ``0.125``.
    """
    return std0 * max(0.0, 1 - step / (0.8 * total))


def mean_sd(values) -> str:
    """'mean ± sd' (sd with n - 1; one value: just the value). Example: ``mean_sd([8, 8, 6])`` -> ``'7.33 ± 1.15'``."""
    v = np.asarray(values, dtype=float).ravel()
    return f"{v.mean():.2f}" + (f" ± {v.std(ddof=1):.2f}" if len(v) > 1 else "")


def summarise(curve) -> dict:
    """Per-seed numbers of one method from its curve (E, S, >=3): columns step, modes covered, high-quality fraction.

    Returns lists over seeds: ``modes_final``, ``hq_final`` (the last measurement) and ``modes_late``,
    ``hq_late`` (the mean over the last quarter of training, which one lucky or unlucky measurement
    does not sway). Example: ``summarise(curve)["modes_late"]`` -> ``[8.0, 7.6, 8.0, 8.0, 5.2]``.
    """
    c = np.asarray(curve, dtype=float)
    if c.ndim != 3 or c.shape[-1] < 3:
        raise ValueError(f"curve must be (measurements, seeds, columns >= 3); got shape {c.shape}.")
    late = c[c[:, 0, 0] >= 0.75 * c[-1, 0, 0]]
    return {"modes_final": c[-1, :, 1].tolist(), "hq_final": c[-1, :, 2].round(4).tolist(),
            "modes_late": late[:, :, 1].mean(0).round(3).tolist(), "hq_late": late[:, :, 2].mean(0).round(4).tolist()}


def table(results: dict) -> str:
    """A text table, one row per method, of ``{method: summarise(curve)}`` as mean ± sd over seeds.

    Example: ``print(table({"plain GAN": summarise(curve)}))``.
    """
    head = (f"{'method':<16}{'seeds':>6}{'modes (final)':>16}{'modes (last 1/4)':>19}"
            f"{'HQ (final)':>15}{'HQ (last 1/4)':>16}")
    rows = [head]
    for name, s in results.items():
        rows.append(f"{name:<16}{len(s['modes_final']):>6}{mean_sd(s['modes_final']):>16}{mean_sd(s['modes_late']):>19}"
                    f"{mean_sd(s['hq_final']):>15}{mean_sd(s['hq_late']):>16}")
    return "\n".join(rows)
