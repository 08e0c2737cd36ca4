"""Checks for lesson 10 (evaluating generative models), named after the module they check: ``gan_course.metrics``.

* ``check_frechet_gaussian(fn)``: ``fn(mu1, cov1, mu2, cov2)``, the Frechet distance between two Gaussians,
  against ``metrics.gaussian_frechet``, including the 2-D case N(0, I) vs N(0, diag(3, 1)) = 4 - 2 sqrt(3)
  and covariances that do not commute (where sqrt(cov1) sqrt(cov2) is not the answer);
* ``check_mmd2_unbiased(fn)``: ``fn(x, y)``, the unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3 behind KID;
* ``check_precision_recall_knn(fn)``: ``fn(real, fake, k)`` -> (precision, recall) from k-NN radii,
  against ``metrics.precision_recall``.

Each names the likely mistake (a missing factor 2, the biased estimator, the point itself counted as its own
nearest neighbour, ...). Framework-free (numpy). What it is not: a grader.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from .. import metrics
from .core import CheckFailed, Diagnosis, call_student, run_checks

__all__ = ["check_frechet_gaussian", "check_mmd2_unbiased", "check_precision_recall_knn"]


# ------------------------------------------------------------------------------------ Frechet distance
def _spd(rng, d, scale=1.0):
    a = rng.standard_normal((d, d)) * scale
    return a @ a.T + 0.2 * np.eye(d)


def _fd_cases():
    rng = np.random.default_rng(10)
    return [
        (np.zeros(2), np.eye(2), np.zeros(2), np.diag([3.0, 1.0])),                # 4 - 2 sqrt(3)
        (np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[9.0]])),  # 1-D: 2^2 + (2 - 3)^2
        (np.array([1.0, 2.0]), np.eye(2), np.array([1.0, 2.0]), np.eye(2)),        # identical: 0
        (np.array([0.0, 0.0]), np.eye(2), np.array([3.0, 4.0]), np.eye(2)),        # means only: 25
        (rng.standard_normal(3), _spd(rng, 3), rng.standard_normal(3), _spd(rng, 3)),  # do not commute
        (rng.standard_normal(5), _spd(rng, 5, 0.5), rng.standard_normal(5), _spd(rng, 5, 2.0)),
    ]


def _fd_parts(mu1, c1, mu2, c2):
    mu1, mu2, c1, c2 = (np.asarray(v, dtype=float) for v in (mu1, mu2, c1, c2))
    root = np.trace(scipy.linalg.sqrtm(c1 @ c2).real)
    return float(np.sum((mu1 - mu2) ** 2)), float(np.trace(c1) + np.trace(c2)), float(root)


def check_frechet_gaussian(fn) -> None:
    """Check ``frechet_gaussian(mu1, cov1, mu2, cov2)`` = |mu1 - mu2|^2 + tr(cov1 + cov2 - 2 (cov1 cov2)^1/2).

    Example: ``check_frechet_gaussian(frechet_gaussian)`` prints ``✅ frechet_gaussian: 6/6 checks passed.``
    """
    name = "frechet_gaussian"
    cases = _fd_cases()
    out = call_student(name, fn, *(np.copy(a) for a in cases[4]))
    if np.iscomplexobj(np.asarray(out if not hasattr(out, "numpy") else out.numpy())):
        raise CheckFailed(name, "Your result is a complex number: scipy.linalg.sqrtm returns complex matrices with "
                                "tiny imaginary parts (rounding). Take the real part (.real) of the square root, "
                                "or use the symmetric form sqrt(cov1) @ cov2 @ sqrt(cov1), whose eigenvalues are real.")

    def parts(f):
        return lambda *a: f(*_fd_parts(*a))

    diagnoses = [
        Diagnosis("The square-root term needs a factor 2: tr(cov1) + tr(cov2) - 2 tr((cov1 cov2)^1/2).",
                  wrong=parts(lambda m, t, r: m + t - r)),
        Diagnosis("The mean term is the SQUARED distance |mu1 - mu2|^2 = np.sum((mu1 - mu2) ** 2).",
                  wrong=lambda m1, c1, m2, c2: np.sqrt(_fd_parts(m1, c1, m2, c2)[0]) + sum(
                      _fd_parts(m1, c1, m2, c2)[1:2]) - 2 * _fd_parts(m1, c1, m2, c2)[2]),
        Diagnosis("The means are missing: add |mu1 - mu2|^2.", wrong=parts(lambda m, t, r: t - 2 * r)),
        Diagnosis("The covariance part is missing: add tr(cov1) + tr(cov2) - 2 tr((cov1 cov2)^1/2).",
                  wrong=parts(lambda m, t, r: m)),
        Diagnosis("np.sqrt takes the square root of each ENTRY; the formula needs the matrix square root "
                  "(scipy.linalg.sqrtm, or eigenvalues: np.linalg.eigh).",
                  wrong=lambda m1, c1, m2, c2: _fd_parts(m1, c1, m2, c2)[0] + _fd_parts(m1, c1, m2, c2)[1]
                  - 2 * np.trace(np.sqrt(np.abs(np.asarray(c1) @ np.asarray(c2))))),
        Diagnosis("sqrt(cov1) @ sqrt(cov2) equals (cov1 cov2)^1/2 only when the two matrices commute (e.g. both "
                  "diagonal). Take the square root of the product: scipy.linalg.sqrtm(cov1 @ cov2).real, or "
                  "of the symmetric sqrt(cov1) @ cov2 @ sqrt(cov1).",
                  wrong=lambda m1, c1, m2, c2: _fd_parts(m1, c1, m2, c2)[0] + _fd_parts(m1, c1, m2, c2)[1]
                  - 2 * np.trace(scipy.linalg.sqrtm(c1).real @ scipy.linalg.sqrtm(c2).real)),
    ]
    run_checks(name, fn, cases, metrics.gaussian_frechet, diagnoses, argnames=["mu1", "cov1", "mu2", "cov2"],
               rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------------------------ KID's estimator
def _poly(a, b):
    return (np.asarray(a, float) @ np.asarray(b, float).T / np.shape(a)[1] + 1) ** 3


def _mmd2(x, y, kernel=_poly, unbiased=True, cross=2.0):
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    m, n = len(kxx), len(kyy)
    if unbiased:
        xx, yy = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)), (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    else:
        xx, yy = kxx.mean(), kyy.mean()
    return float(xx + yy - cross * kxy.mean())


def _mmd_cases():
    rng = np.random.default_rng(11)
    return [(rng.standard_normal((6, 3)), rng.standard_normal((5, 3)) + 0.5),
            (rng.standard_normal((30, 4)), rng.standard_normal((40, 4))),
            (np.abs(rng.standard_normal((20, 8))), 1.5 * np.abs(rng.standard_normal((25, 8)))),
            (rng.standard_normal((4, 2)), rng.standard_normal((3, 2)))]


def check_mmd2_unbiased(fn) -> None:
    """Check ``mmd2_unbiased(x, y)``: the unbiased MMD^2 of feature sets x (m, d), y (n, d) with the kernel
    k(a, b) = (a.b / d + 1)^3 (KID's), i.e. the mean of k(x_i, x_j) over i != j, plus the same for y, minus
    2 x the mean of k(x_i, y_j) over all m n pairs.

    Example: ``check_mmd2_unbiased(mmd2_unbiased)`` prints ``✅ mmd2_unbiased: 4/4 checks passed.``
    """
    diagnoses = [
        Diagnosis("That is the biased estimator: the diagonal terms k(x_i, x_i) (each point with itself) are "
                  "included. Leave them out: (K_xx.sum() - np.trace(K_xx)) / (m * (m - 1)), the same for y.",
                  wrong=lambda x, y: _mmd2(x, y, unbiased=False)),
        Diagnosis("The cross term needs a factor 2: ... - 2 * K_xy.mean().", wrong=lambda x, y: _mmd2(x, y, cross=1.0)),
        Diagnosis("KID's kernel divides the dot product by the dimension d: (x @ y.T / d + 1) ** 3.",
                  wrong=lambda x, y: _mmd2(x, y, kernel=lambda a, b: (np.asarray(a) @ np.asarray(b).T + 1) ** 3)),
        Diagnosis("KID's kernel is a cubic: (x @ y.T / d + 1) ** 3.",
                  wrong=lambda x, y: _mmd2(x, y, kernel=lambda a, b: (np.asarray(a) @ np.asarray(b).T / np.shape(a)[1]
                                                                      + 1) ** 2)),
        Diagnosis("The diagonal is left out, but the denominators still count it: divide by m * (m - 1) "
                  "(the number of pairs i != j), not by m ** 2.",
                  wrong=lambda x, y: _mmd2(x, y) + _diag_den(x, y)),
    ]
    run_checks("mmd2_unbiased", fn, _mmd_cases(), _mmd2, diagnoses, argnames=["x", "y"], rtol=1e-7, atol=1e-9)


def _diag_den(x, y):
    """What (sum over i != j) / m^2 gives instead of / (m (m - 1)): the difference to the right answer."""
    out = 0.0
    for a in (x, y):
        k, m = _poly(a, a), len(a)
        off = k.sum() - np.trace(k)
        out += off / m ** 2 - off / (m * (m - 1))
    return out


# ------------------------------------------------------------------------------------ precision and recall
def _pr(real, fake, k):
    r = metrics.precision_recall(real, fake, k)
    return np.array([r["precision"], r["recall"]])


def _pr_with(real, fake, k, shift=0, swap=False, coverage=False):
    """Precision and recall computed the way a mistaken solution would (for the diagnoses)."""
    real, fake = np.asarray(real, float), np.asarray(fake, float)

    def radii(a, kk):
        d = np.sqrt(((a[:, None] - a[None]) ** 2).sum(-1))
        return np.sort(d, axis=1)[:, kk]

    rr, rf = radii(real, k + shift), radii(fake, k + shift)
    d = np.sqrt(((real[:, None] - fake[None]) ** 2).sum(-1))                 # (N, M)
    p, r = (d < rr[:, None]).any(0).mean(), (d < rf[None]).any(1).mean()
    if coverage:  # "a fake inside the real point's own ball": Naeem et al.'s coverage, not recall
        r = (d < rr[:, None]).any(1).mean()
    return np.array([r, p] if swap else [p, r])


def _pr_cases():
    rng = np.random.default_rng(12)
    return [(np.arange(5.0)[:, None], np.array([[0.5], [10.0], [2.2]]), 1),
            (rng.standard_normal((40, 2)), rng.standard_normal((30, 2)) * 0.5 + 1.0, 3),
            (rng.standard_normal((50, 3)), rng.standard_normal((60, 3)) * 2.0, 5),
            (rng.standard_normal((25, 2)), rng.standard_normal((25, 2)) + 3.0, 2)]


def check_precision_recall_knn(fn) -> None:
    """Check ``precision_recall_knn(real, fake, k)`` -> (precision, recall): each point's ball reaches its k-th
    nearest OTHER point of its own set; precision = share of fakes inside some real ball, recall = share of
    reals inside some fake ball (strictly inside: distance < radius).

    Example: ``check_precision_recall_knn(precision_recall_knn)`` prints ``✅ precision_recall_knn: 4/4 checks passed.``
    """
    diagnoses = [
        Diagnosis("Precision and recall are swapped: precision asks whether each FAKE lies in the real manifold "
                  "(a real ball); recall whether each REAL lies in the fake manifold.",
                  wrong=lambda r, f, k: _pr_with(r, f, k, swap=True)),
        Diagnosis("Your radius is one neighbour short: the nearest point to x in its own set is x itself "
                  "(distance 0). After sorting each row of distances, the k-th nearest OTHER point is column k, "
                  "not k - 1.", wrong=lambda r, f, k: _pr_with(r, f, k, shift=-1)),
        Diagnosis("Your radius is one neighbour too far: column k of the sorted distances (column 0 is the point "
                  "itself) is the k-th nearest other point; you used column k + 1.",
                  wrong=lambda r, f, k: _pr_with(r, f, k, shift=1)),
        Diagnosis("For recall you looked for a fake inside each REAL ball (that is 'coverage', Naeem et al. 2020). "
                  "Recall asks whether each real point lies inside some FAKE ball, whose radius is the fake "
                  "point's distance to its k-th nearest other fake.",
                  wrong=lambda r, f, k: _pr_with(r, f, k, coverage=True)),
    ]
    run_checks("precision_recall_knn", fn, _pr_cases(), _pr, diagnoses, argnames=["real", "fake", "k"],
               rtol=0, atol=1e-9)
