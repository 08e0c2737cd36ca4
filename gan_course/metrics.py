"""The course's sample-quality yardstick (lesson 10): metrics on feature arrays, and one entry point.

Framework-free numpy/scipy. Each metric takes feature arrays, real (N, D) and generated (M, D), except
the two that take class probabilities or images (as noted). For digit images, the one entry point is
``gan_course.quality.evaluate(samples)``: MNIST features (``gan_course.features``), every metric below,
one flat dict; ``gan_course.quality.report(result)`` prints it as one line.

* ``frechet_distance`` (FID on whatever features you pass; ``gaussian_frechet`` from the moments);
* ``kid``: unbiased MMD^2 with the kernel (x.y / D + 1)^3 over random subsets (Binkowski et al. 2018);
* ``precision_recall`` (Kynkaanniemi et al. 2019) and ``density_coverage`` (Naeem et al. 2020), on
  k-nearest-neighbour balls; ``prdc`` gives all four from one pass;
* ``classifier_score`` (class probabilities): the Inception-score formula exp(E KL(p(y|x) || p(y)));
* ``class_coverage`` (probabilities or labels): each digit's share of the samples against its expected share;
* ``memorisation`` (images, pixel distances): each sample's distance to its nearest training image, against
  held-out real images' distances;
* ``fid_extrapolated``: FID at several N and its 1/N extrapolation to N = infinity (Chong & Forsyth 2020).

What it is not: Inception-based FID (28x28 digits are not photographs; see ``gan_course.features``),
nor a test of significance. Numbers depend on the feature extractor and on N: compare models only
with the same extractor, reference set and sample size.
"""
from __future__ import annotations

import contextlib
import functools

import numpy as np

__all__ = ["gaussian_frechet", "frechet_distance", "kid", "prdc", "precision_recall", "density_coverage",
           "classifier_score", "class_coverage", "memorisation", "fid_extrapolated"]

_BLOCK = 1024  # rows per block of a distance or kernel matrix (memory: _BLOCK x M float64)


def one_blas_thread(fn):
    """Run ``fn`` with one BLAS thread (via threadpoolctl, a scikit-learn dependency, when installed).

    These matrices are small, and on a busy machine numpy's BLAS threads wait for each other: on 2 shared
    cores a 128 x 128 ``eigh`` used 50 ms of CPU with 2 threads, 3 ms with one. Example: ``@one_blas_thread``.
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            from threadpoolctl import threadpool_limits
            limit = threadpool_limits(1, user_api="blas")
        except ImportError:
            limit = contextlib.nullcontext()
        with limit:
            return fn(*args, **kwargs)
    return wrapper


def _features(x, name: str, min_n: int = 2) -> np.ndarray:
    """float64 (N, D) or a ValueError that names the problem."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise ValueError(f"{name} must be an array of numbers; got dtype {a.dtype}.")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a feature array of shape (N, D); got shape {a.shape}. "
                         "For images, use evaluate() or gan_course.features.mnist_features first.")
    if len(a) < min_n:
        raise ValueError(f"{name} has {len(a)} rows; this metric needs at least {min_n} samples.")
    a = np.asarray(a, dtype=np.float64)  # no copy when it is float64 already
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf ({int(np.sum(~np.isfinite(a)))} values).")
    return a


def _pair(real, fake, min_n: int = 2):
    a, b = _features(real, "real", min_n), _features(fake, "fake", min_n)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"real and fake must have the same feature dimension; got D = {a.shape[1]} and {b.shape[1]}.")
    return a, b


def _sqrt_psd(s):
    w, v = np.linalg.eigh((s + s.T) / 2)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


@one_blas_thread
def gaussian_frechet(mu1, cov1, mu2, cov2) -> float:
    """Frechet distance between N(mu1, cov1) and N(mu2, cov2):
    |mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1^1/2 cov2 cov1^1/2)^1/2), symmetric form, eigenvalues >= 0.

    Example: ``gaussian_frechet([0, 0], np.eye(2), [0, 0], np.diag([3, 1]))`` -> ``4 - 2*sqrt(3)`` (0.536).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    c1, c2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ValueError(f"means must be (D,) and covariances (D, D) with one D; got {mu1.shape}, {c1.shape}, "
                         f"{mu2.shape}, {c2.shape}.")
    for c, name in ((c1, "cov1"), (c2, "cov2")):
        if not np.all(np.isfinite(c)) or not np.allclose(c, c.T, atol=1e-8 * (1 + np.abs(c).max())):
            raise ValueError(f"{name} must be a finite symmetric covariance matrix.")
    if not (np.all(np.isfinite(mu1)) and np.all(np.isfinite(mu2))):
        raise ValueError("means contain NaN or inf.")
    s = _sqrt_psd(c1)
    m = s @ c2 @ s                                                         # symmetric PSD, same spectrum as c1 c2
    root_trace = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    value = np.sum((mu1 - mu2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * root_trace
    return float(max(value, 0.0))


@one_blas_thread
def frechet_distance(real, fake) -> float:
    """FID on the given features: the Frechet distance between Gaussians fitted to real (N, D) and fake (M, D).

    Needs N, M > D (else the covariance is singular). Example: ``frechet_distance(f_real, f_fake)`` -> 12.3.
    """
    a, b = _pair(real, fake)
    for x, name in ((a, "real"), (b, "fake")):
        if len(x) <= x.shape[1]:
            raise ValueError(f"frechet_distance needs more samples than feature dimensions: {name} has N = {len(x)} "
                             f"<= D = {x.shape[1]}, so its covariance is singular. Use at least {x.shape[1] + 1} "
                             "samples (thousands for a stable estimate).")
    return gaussian_frechet(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def _subset_sums(x, y, sx, sy, d, same):
    """Per subset, the sum of k(x_i, y_j) = (x.y/d + 1)^3 over i in subset sx[:, s], j in sy[:, s] (without
    the diagonal when ``same``); blockwise, so no N x M kernel matrix is kept."""
    out = np.zeros(sx.shape[1])
    for i in range(0, len(x), _BLOCK):
        k = (x[i:i + _BLOCK] @ y.T / d + 1) ** 3                            # (block, M)
        out += np.einsum("bs,bs->s", sx[i:i + _BLOCK], k @ sy)
    if same:
        out -= sx.T @ ((np.einsum("nd,nd->n", x, x) / d + 1) ** 3)          # k(x_i, x_i) terms
    return out


@one_blas_thread
def kid(real, fake, n_subsets: int = 100, subset_size: int | None = None, seed: int = 0) -> dict:
    """Kernel Inception Distance on the given features: unbiased MMD^2, kernel (x.y/D + 1)^3, averaged over
    ``n_subsets`` random subsets of ``subset_size`` real and of ``subset_size`` fake samples.

    Default ``subset_size``: min(1000, N // 2, M // 2). Returns ``dict(kid, sd, se, n_subsets, subset_size)``:
    ``sd`` over subsets (what torchmetrics reports); ``se`` = sd * sqrt(subset_size / min(N, M)), the standard
    error of the estimate from all the data (its variance shrinks like 1/size; conservative when the two
    distributions are equal, where it shrinks faster). Subsets overlap, so sd / sqrt(n_subsets) would
    overstate the precision. ``se`` is nan when a subset holds more than half the samples (the subsets
    are then too alike to tell). Example: ``kid(f_real, f_fake)["kid"]`` -> 0.004.
    """
    a, b = _pair(real, fake)
    n_max = min(len(a), len(b))
    m = max(2, min(1000, n_max // 2)) if subset_size is None else subset_size
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 2 <= m <= n_max:
        raise ValueError(f"subset_size must be a whole number in 2..{n_max} (the smaller set's size); got {m!r}.")
    if isinstance(n_subsets, bool) or not isinstance(n_subsets, (int, np.integer)) or n_subsets < 1:
        raise ValueError(f"n_subsets must be a whole number >= 1; got {n_subsets!r}.")
    rng = np.random.default_rng(seed)
    sa, sb = np.zeros((len(a), n_subsets)), np.zeros((len(b), n_subsets))  # subset indicator columns
    for s in range(n_subsets):
        sa[rng.choice(len(a), m, replace=False), s] = 1
        sb[rng.choice(len(b), m, replace=False), s] = 1
    d = a.shape[1]
    xx, yy = _subset_sums(a, a, sa, sa, d, True), _subset_sums(b, b, sb, sb, d, True)
    xy = _subset_sums(a, b, sa, sb, d, False)
    values = (xx + yy) / (m * (m - 1)) - 2 * xy / m ** 2                  # (n_subsets,)
    sd = float(values.std()) if n_subsets > 1 else float("nan")
    se = sd * np.sqrt(m / n_max) if 2 * m <= n_max else float("nan")
    return {"kid": float(values.mean()), "sd": sd, "se": float(se),
            "n_subsets": int(n_subsets), "subset_size": int(m)}


def _sqdist(x, y):
    """Squared Euclidean distances (len(x), len(y)), |x|^2 + |y|^2 - 2 x.y computed in place, clipped at 0."""
    d = x @ y.T
    d *= -2
    d += np.einsum("nd,nd->n", x, x)[:, None]
    d += np.einsum("nd,nd->n", y, y)[None]
    return np.maximum(d, 0, out=d)


def _kth_radius2(x, k):
    """Squared distance of each row of x to its k-th nearest other row (the row itself is the 0-th)."""
    return np.concatenate([np.partition(_sqdist(x[i:i + _BLOCK], x), k, axis=1)[:, k]
                           for i in range(0, len(x), _BLOCK)])


@one_blas_thread
def prdc(real, fake, k: int = 5) -> dict:
    """Precision, recall (Kynkaanniemi et al. 2019), density and coverage (Naeem et al. 2020) with k-NN balls.

    A point's ball reaches its k-th nearest neighbour in its own set. precision: share of fakes inside some
    real ball; recall: share of reals inside some fake ball; density: real balls holding each fake, / k,
    averaged; coverage: share of real balls holding at least one fake. As in the ``prdc`` package.
    Example: ``prdc(f_real, f_fake, k=5)`` -> ``{"precision": 0.7, "recall": 0.6, "density": 0.9, ...}``.
    """
    a, b = _pair(real, fake)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < min(len(a), len(b)):
        raise ValueError(f"k must be a whole number from 1 to {min(len(a), len(b)) - 1} (fewer than the samples "
                         f"in each set: {len(a)} real, {len(b)} fake); got {k!r}.")
    ra, rb = _kth_radius2(a, k), _kth_radius2(b, k)                       # (N,), (M,)
    in_real = np.zeros(len(b), bool)
    count = np.zeros(len(b))
    recalled, covered = np.zeros(len(a), bool), np.zeros(len(a), bool)
    for i in range(0, len(a), _BLOCK):
        d2 = _sqdist(a[i:i + _BLOCK], b)                                  # (block, M)
        inside = d2 < ra[i:i + _BLOCK, None]                              # fake j in real ball i
        in_real |= inside.any(0)
        count += inside.sum(0)
        recalled[i:i + _BLOCK] = (d2 < rb[None]).any(1)                   # real i in some fake ball
        covered[i:i + _BLOCK] = inside.any(1)
    return {"precision": float(in_real.mean()), "recall": float(recalled.mean()),
            "density": float(count.mean() / k), "coverage": float(covered.mean())}


def precision_recall(real, fake, k: int = 5) -> dict:
    """Improved precision and recall (Kynkaanniemi et al. 2019) on k-NN balls: ``dict(precision, recall)``.

    Example: ``precision_recall(f_real, f_real[::-1])`` -> ``{"precision": 1.0, "recall": 1.0}``.
    """
    r = prdc(real, fake, k)
    return {"precision": r["precision"], "recall": r["recall"]}


def density_coverage(real, fake, k: int = 5) -> dict:
    """Density and coverage (Naeem et al. 2020) on the real k-NN balls: ``dict(density, coverage)``.

    Example: ``density_coverage(f_real, f_fake)["coverage"]`` -> 0.8.
    """
    r = prdc(real, fake, k)
    return {"density": r["density"], "coverage": r["coverage"]}


def _probs(probs) -> np.ndarray:
    p = _features(probs, "probs", min_n=1)
    if p.min() < 0 or not np.allclose(p.sum(1), 1, atol=1e-3):
        raise ValueError("probs must be class probabilities (N, C): rows >= 0 summing to 1; apply a softmax.")
    return p


@one_blas_thread
def classifier_score(probs, splits: int = 1) -> dict:
    """The Inception-score formula on given class probabilities p(y|x) (N, C): exp(mean KL(p(y|x) || p(y))),
    p(y) the mean of p(y|x) over the split. Between 1 and C: high = confident and varied.

    Returns ``dict(score, sd)`` (mean and sd over ``splits`` equal parts). Example:
    ``classifier_score(np.eye(10)[np.arange(100) % 10])["score"]`` -> 10.0.
    """
    from scipy.special import xlogy

    p = _probs(probs)
    if isinstance(splits, bool) or not isinstance(splits, (int, np.integer)) or not 1 <= splits <= len(p):
        raise ValueError(f"splits must be a whole number in 1..{len(p)}; got {splits!r}.")
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(0, keepdims=True)                                   # (1, C) marginal p(y)
        scores.append(np.exp(np.mean(np.sum(xlogy(part, part) - xlogy(part, py), axis=1))))
    return {"score": float(np.mean(scores)), "sd": float(np.std(scores)) if splits > 1 else float("nan")}


def class_coverage(probs, expected=None, factor: float = 2.0) -> dict:
    """Each class's share of the samples (as read by a classifier: argmax of ``probs`` (N, C), or integer
    labels (N,)) against its expected share (``expected`` labels' frequencies, default uniform); the
    ratio idea of ``gan_course.images.class_coverage``, whose dict this returns.

    Example: ``class_coverage(np.eye(10)[[3] * 50])["classes_covered"]`` -> 1.
    """
    from .images import class_coverage as _coverage

    labels = np.asarray(probs)
    n_classes = labels.shape[1] if labels.ndim == 2 else 10
    labels = _probs(labels).argmax(1) if labels.ndim == 2 else labels
    return _coverage(labels, n_classes, reference=expected, factor=factor)


@one_blas_thread
def memorisation(samples, train, heldout, quantile: float = 0.01, heldout_nn=None) -> dict:
    """Do samples sit closer to the training images than unseen real images do? (pixel distances)

    For each sample and each held-out real image: the Euclidean distance to its nearest training image.
    ``fraction``: share of samples nearer than the ``quantile`` of held-out distances (~``quantile`` for
    a generator that does not copy, 1.0 for one that returns training images); ``median_ratio``: median
    sample distance / median held-out distance (< 1: suspiciously close); ``copies``: share within 0.01.
    ``heldout_nn``: the held-out distances when already computed (a result's ``"heldout_nn"``): half the work.
    Example: ``memorisation(x_train[:100], x_train, x_test)["fraction"]`` -> 1.0.
    """
    s, t, h = (_features(np.reshape(np.asarray(v, np.float32), (len(v), -1)), name, 1)
               for v, name in ((samples, "samples"), (train, "train"), (heldout, "heldout")))
    if not s.shape[1] == t.shape[1] == h.shape[1]:
        raise ValueError(f"samples, train and heldout must have the same size per item; got {s.shape[1]}, "
                         f"{t.shape[1]}, {h.shape[1]}.")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1; got {quantile!r}.")
    t32 = t.astype(np.float32)

    def nearest(x):  # float32 Gram products: exact copies still land within ~1e-3 of 0
        x = x.astype(np.float32)
        return np.sqrt(np.concatenate([_sqdist(x[i:i + _BLOCK], t32).min(1) for i in range(0, len(x), _BLOCK)]))

    ds = nearest(s)
    dh = nearest(h) if heldout_nn is None else np.asarray(heldout_nn, np.float64)
    if dh.shape != (len(h),):
        raise ValueError(f"heldout_nn must hold one distance per held-out item, shape ({len(h)},); got {dh.shape}.")
    threshold = float(np.quantile(dh, quantile))
    return {"fraction": float(np.mean(ds < threshold)), "median_ratio": float(np.median(ds) / np.median(dh)),
            "copies": float(np.mean(ds < 0.01)), "threshold": threshold, "sample_nn": ds, "heldout_nn": dh}


@one_blas_thread
def fid_extrapolated(real, fake, ns=None, seed: int = 0) -> dict:
    """FID of random subsets of ``fake`` of each size in ``ns`` against all of ``real``, and the straight-line
    fit FID(N) = fid_inf + slope / N extrapolated to N = infinity (Chong & Forsyth 2020).

    ``ns`` default: 6 sizes with 1/N evenly spaced from N = max(2D, M/5) to M. Returns ``dict(fid_inf, slope,
    ns, fids)``. Example: ``fid_extrapolated(f_real, f_fake)["fid_inf"]`` -> a little below the FID at M.
    """
    a, b = _pair(real, fake)
    d, m = a.shape[1], len(b)
    if ns is None:
        lo = min(m, max(2 * d, m // 5))
        ns = np.unique(np.round(1 / np.linspace(1 / lo, 1 / m, 6)).astype(int))
    ns = np.asarray(ns)
    if ns.ndim != 1 or len(ns) < 2 or ns.min() <= d or ns.max() > m:
        raise ValueError(f"ns must hold at least 2 sample sizes in {d + 1}..{m} (above D, at most the fake count); "
                         f"got {ns.tolist() if ns.ndim else ns}.")
    rng = np.random.default_rng(seed)
    fids = np.array([frechet_distance(a, b[rng.choice(m, n, replace=False)]) for n in ns])
    slope, intercept = np.polyfit(1 / ns, fids, 1)
    return {"fid_inf": float(intercept), "slope": float(slope), "ns": ns.tolist(), "fids": fids.tolist()}

