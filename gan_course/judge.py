"""Judging a conditional generator with a classifier (lesson 05), framework-free.

A "judge" is a digit classifier trained on real MNIST (each twin trains its own, in its own framework:
``gan_course.cgan_torch.make_judge`` / ``gan_course.cgan_keras.make_judge``). Given the judge's class
probabilities for generated images and the digit each image was asked to be, this module computes:

* ``judge_summary(probs, asked)``: overall class accuracy, accuracy per class, the worst class, and the
  judge's confidence (max softmax probability) per image;
* ``plot_confidence(real, generated)``: a histogram of the judge's confidence on real vs generated digits;
* ``plot_class_accuracy(per_class)``: one bar per digit;
* ``style_traits(images)`` and ``variance_explained(values)``: two measurable traits of handwriting (slant
  and ink) and how much of their variance the noise and the label explain (style vs content, section 10).

What it is not: a quality score like FID (lesson 10). A generator that draws one clean, typical image
per class scores 100% here; diversity is not measured.
"""
from __future__ import annotations

import numpy as np

__all__ = ["judge_summary", "plot_confidence", "plot_class_accuracy", "style_traits", "variance_explained"]


def _probs(probs, num_classes=None) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or (num_classes is not None and p.shape[1] != num_classes):
        raise ValueError(f"probs must be (N, num_classes) class probabilities; got shape {p.shape}.")
    if not np.all(np.isfinite(p)) or p.min() < 0 or not np.allclose(p.sum(axis=1), 1, atol=1e-3):
        raise ValueError("probs must be probabilities (each row >= 0 and summing to 1): apply a softmax to logits.")
    return p


def judge_summary(probs, asked, num_classes: int = 10) -> dict:
    """Class accuracy of generated images as judged by a classifier.

    ``probs``: (N, num_classes) judge probabilities; ``asked``: (N,) the digit each image was asked to be.
    Returns ``dict(accuracy, per_class (num_classes,), worst_class, worst_accuracy, confidence (N,), judged (N,))``.
    Example: ``judge_summary(np.eye(10)[[3, 1]], [3, 2])["accuracy"]`` -> ``0.5``.
    """
    p = _probs(probs, num_classes)
    asked = np.asarray(asked)
    if asked.shape != (len(p),) or not np.issubdtype(asked.dtype, np.integer):
        raise ValueError(f"asked must hold one integer digit per image, shape ({len(p)},); got {asked.shape} "
                         f"{asked.dtype}.")
    if asked.size and (asked.min() < 0 or asked.max() >= num_classes):
        raise ValueError(f"asked digits must lie in 0..{num_classes - 1}.")
    judged = p.argmax(axis=1)
    correct = judged == asked
    per_class = np.array([correct[asked == c].mean() if np.any(asked == c) else np.nan for c in range(num_classes)])
    worst = int(np.nanargmin(per_class))
    return {"accuracy": float(correct.mean()), "per_class": per_class, "worst_class": worst,
            "worst_accuracy": float(per_class[worst]), "confidence": p.max(axis=1), "judged": judged}


def plot_confidence(real, generated, ax=None, bins: int = 20):
    """Histogram of the judge's confidence (max softmax) on real and on generated digits; returns the Axes.

    Example: ``plot_confidence(probs_real.max(1), probs_fake.max(1))``.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    edges = np.linspace(0.1, 1.0, bins + 1)
    for values, label in ((real, "real test digits"), (generated, "generated digits")):
        values = np.asarray(values, dtype=float)
        weights = np.full(len(values), 100.0 / max(len(values), 1))
        ax.hist(values, bins=edges, weights=weights, alpha=0.6, label=label)
    ax.set(xlabel="judge's confidence (max softmax probability)", ylabel="% of images",
           title="How sure is the judge?")
    ax.legend(loc="upper left")
    return ax


def plot_class_accuracy(per_class, ax=None, title: str = "Judged class accuracy per digit"):
    """One bar per digit: the fraction of images asked to be that digit that the judge reads as it.

    Example: ``plot_class_accuracy(judge_summary(probs, asked)["per_class"])``.
    """
    import matplotlib.pyplot as plt

    per_class = np.asarray(per_class, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    ax.bar(np.arange(len(per_class)), 100 * per_class, color="tab:blue")
    ax.axhline(90, color="k", ls=":", lw=1)
    ax.set(xticks=np.arange(len(per_class)), ylim=(0, 100), xlabel="digit asked for", ylabel="% judged as that digit",
           title=title)
    return ax


def style_traits(images) -> dict:
    """Two traits of handwriting per image: ``slant`` and ``ink``, each (N,).

    ``images``: (N, 28, 28) in [0, 1], white strokes on black. ``slant``: how far the stroke leans to the
    right per pixel of height, -mu11 / mu02 from the image's second moments (0: upright; an italic 1 about
    0.2-0.4). ``ink``: the mean pixel value (thick or large strokes have more).
    Example: ``style_traits(samples)["slant"].mean()``.
    """
    x = np.asarray(images, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"images must be (N, H, W) in [0, 1]; got shape {x.shape}.")
    rows, cols = np.mgrid[0:x.shape[1], 0:x.shape[2]].astype(np.float64)
    mass = x.sum(axis=(1, 2)) + 1e-12                                     # (N,)
    my = (x * rows).sum(axis=(1, 2)) / mass                               # centre of mass (row)
    mx = (x * cols).sum(axis=(1, 2)) / mass                               # centre of mass (column)
    dy, dx = rows[None] - my[:, None, None], cols[None] - mx[:, None, None]
    mu11 = (x * dx * dy).sum(axis=(1, 2)) / mass
    mu02 = (x * dy * dy).sum(axis=(1, 2)) / mass + 1e-12
    return {"slant": -mu11 / mu02, "ink": x.mean(axis=(1, 2))}  # rows grow downwards: a right lean has mu11 < 0


def variance_explained(values) -> tuple:
    """Shares of the variance of ``values`` (n_z, n_labels), one row per noise vector and one column per
    label, explained by the rows (the noise) and by the columns (the label), as in a two-way ANOVA without
    interaction: (between-row sum of squares, between-column sum of squares) / total sum of squares.

    Example: ``variance_explained(np.add.outer(np.arange(3.0), np.zeros(4)))`` -> ``(1.0, 0.0)``.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or min(v.shape) < 2:
        raise ValueError(f"values must be (n_z, n_labels) with at least 2 of each; got shape {v.shape}.")
    grand = v.mean()
    total = ((v - grand) ** 2).sum()
    if total == 0:
        return 0.0, 0.0
    by_rows = v.shape[1] * ((v.mean(axis=1) - grand) ** 2).sum()
    by_cols = v.shape[0] * ((v.mean(axis=0) - grand) ** 2).sum()
    return float(by_rows / total), float(by_cols / total)
