"""gan_course.checks.metrics (lesson 10): each check passes correct answers written independently of
gan_course.metrics, and names each common wrong one."""
import numpy as np
import pytest
import scipy.linalg
from scipy.spatial.distance import cdist

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course.checks import CheckFailed
from gan_course.checks import metrics as checks


# ---- correct implementations, written the way a student might ---------------------------------------------
def frechet_sqrtm(mu1, cov1, mu2, cov2):
    return np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * scipy.linalg.sqrtm(cov1 @ cov2).real)


def frechet_eig(mu1, cov1, mu2, cov2):  # eigenvalues of cov1 cov2 are real and >= 0
    ev = np.linalg.eigvals(np.asarray(cov1) @ np.asarray(cov2)).real
    return float(np.sum((np.asarray(mu1) - mu2) ** 2) + np.trace(cov1) + np.trace(cov2)
                 - 2 * np.sqrt(np.clip(ev, 0, None)).sum())


def mmd2_loops(x, y):
    d, m, n = x.shape[1], len(x), len(y)
    k = lambda a, b: (a @ b / d + 1) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def pr_cdist(real, fake, k):
    r_real = np.sort(cdist(real, real), axis=1)[:, k]
    r_fake = np.sort(cdist(fake, fake), axis=1)[:, k]
    d = cdist(real, fake)
    return (d < r_real[:, None]).any(0).mean(), (d < r_fake[None]).any(1).mean()


@pytest.mark.parametrize("check, fn", [
    (checks.check_frechet_gaussian, frechet_sqrtm), (checks.check_frechet_gaussian, frechet_eig),
    (checks.check_mmd2_unbiased, mmd2_loops), (checks.check_precision_recall_knn, pr_cdist)],
    ids=["frechet_sqrtm", "frechet_eig", "mmd2_loops", "pr_cdist"])
def test_correct_answers_pass_with_one_line(check, fn, capsys):
    check(fn)
    out = capsys.readouterr().out.strip()
    assert out.startswith("✅ ") and out.endswith(" checks passed.") and "\n" not in out


def _hint(check, fn):
    with pytest.raises(CheckFailed) as err:
        check(fn)
    return err.value.hint


# ---- wrong answers: each gets its own hint ----------------------------------------------------------------
def test_frechet_mistakes():
    c = checks.check_frechet_gaussian
    sq = lambda a, b: np.sum((np.asarray(a) - b) ** 2)  # noqa: E731
    assert "factor 2" in _hint(c, lambda m1, c1, m2, c2: sq(m1, m2) + np.trace(
        c1 + c2 - scipy.linalg.sqrtm(c1 @ c2).real))
    assert "SQUARED" in _hint(c, lambda m1, c1, m2, c2: np.sqrt(sq(m1, m2)) + np.trace(
        c1 + c2 - 2 * scipy.linalg.sqrtm(c1 @ c2).real))
    assert "means are missing" in _hint(c, lambda m1, c1, m2, c2: np.trace(
        c1 + c2 - 2 * scipy.linalg.sqrtm(c1 @ c2).real))
    assert "covariance part is missing" in _hint(c, lambda m1, c1, m2, c2: sq(m1, m2))
    assert "ENTRY" in _hint(c, lambda m1, c1, m2, c2: sq(m1, m2) + np.trace(c1 + c2 - 2 * np.sqrt(np.abs(c1 @ c2))))
    assert "commute" in _hint(c, lambda m1, c1, m2, c2: sq(m1, m2) + np.trace(
        c1 + c2 - 2 * scipy.linalg.sqrtm(c1).real @ scipy.linalg.sqrtm(c2).real))
    assert "complex" in _hint(c, lambda m1, c1, m2, c2: sq(m1, m2) + np.trace(
        c1 + c2 - 2 * scipy.linalg.sqrtm(c1 @ c2).astype(complex)))


def test_mmd_mistakes():
    c = checks.check_mmd2_unbiased

    def make(unbiased=True, cross=2.0, scale=True, degree=3, den_diag=False):
        def fn(x, y):
            k = lambda a, b: (a @ b.T / (a.shape[1] if scale else 1) + 1) ** degree  # noqa: E731
            kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
            m, n = len(x), len(y)
            if unbiased:
                dm, dn = (m * m, n * n) if den_diag else (m * (m - 1), n * (n - 1))
                xx, yy = (kxx.sum() - np.trace(kxx)) / dm, (kyy.sum() - np.trace(kyy)) / dn
            else:
                xx, yy = kxx.mean(), kyy.mean()
            return xx + yy - cross * kxy.mean()
        return fn

    make()(np.ones((3, 2)), np.ones((2, 2)))
    assert "biased estimator" in _hint(c, make(unbiased=False))
    assert "factor 2" in _hint(c, make(cross=1.0))
    assert "divides the dot product" in _hint(c, make(scale=False))
    assert "cubic" in _hint(c, make(degree=2))
    assert "m * (m - 1)" in _hint(c, make(den_diag=True))


def test_precision_recall_mistakes():
    c = checks.check_precision_recall_knn

    def make(kk=lambda k: k, swap=False, coverage=False):
        def fn(real, fake, k):
            rr = np.sort(cdist(real, real), axis=1)[:, kk(k)]
            rf = np.sort(cdist(fake, fake), axis=1)[:, kk(k)]
            d = cdist(real, fake)
            p = (d < rr[:, None]).any(0).mean()
            r = (d < rr[:, None]).any(1).mean() if coverage else (d < rf[None]).any(1).mean()
            return (r, p) if swap else (p, r)
        return fn

    assert "swapped" in _hint(c, make(swap=True))
    assert "one neighbour short" in _hint(c, make(kk=lambda k: k - 1))
    assert "one neighbour too far" in _hint(c, make(kk=lambda k: k + 1))
    assert "coverage" in _hint(c, make(coverage=True))


@pytest.mark.parametrize("check", [checks.check_frechet_gaussian, checks.check_mmd2_unbiased,
                                   checks.check_precision_recall_knn])
def test_a_blank_gets_the_fill_in_hint(check):
    def blank(*args):
        raise NotImplementedError("replace this line with your code")
    assert "not filled in" in _hint(check, blank)
