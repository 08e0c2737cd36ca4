"""gan_course.fdiv against scipy quadrature and closed forms."""
import numpy as np
import pytest
from scipy import integrate, stats

from gan_course import fdiv, info

X = np.linspace(-15, 15, 6001)


def _quad(fn):
    return integrate.quad(fn, -15, 15, limit=400, points=[-2, 0, 2])[0]


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 1), (-1, 0.7, 0.5, 1.4), (2, 1.5, 1.8, 0.9)])
def test_kl_jeffrey_match_closed_form(m1, s1, m2, s2):
    lp, lq = fdiv.gaussian_logpdf(X, m1, s1), fdiv.gaussian_logpdf(X, m2, s2)
    kl_pq, kl_qp = info.kl_gaussian(m1, s1, m2, s2), info.kl_gaussian(m2, s2, m1, s1)
    assert np.isclose(fdiv.kl(lp, lq, X), kl_pq, rtol=1e-6)
    assert np.isclose(fdiv.reverse_kl(lp, lq, X), kl_qp, rtol=1e-6)
    assert np.isclose(fdiv.jeffrey(lp, lq, X), kl_pq + kl_qp, rtol=1e-6)


@pytest.mark.parametrize("m2, s2", [(0.5, 2.0), (1.0, 1.2), (-0.3, 3.0)])
def test_js_and_pearson_match_scipy_quad(m2, s2):
    p = lambda x: 0.3 * stats.norm.pdf(x, -2, 0.6) + 0.7 * stats.norm.pdf(x, 1.5, 0.9)  # noqa: E731
    q = lambda x: stats.norm.pdf(x, m2, s2)  # noqa: E731
    m = lambda x: (p(x) + q(x)) / 2  # noqa: E731
    js = _quad(lambda x: 0.5 * p(x) * np.log(p(x) / m(x)) + 0.5 * q(x) * np.log(q(x) / m(x)))
    pearson = _quad(lambda x: (p(x) - q(x)) ** 2 / q(x))
    lp = fdiv.mixture_logpdf(X, [-2, 1.5], [0.6, 0.9], [0.3, 0.7])
    lq = fdiv.gaussian_logpdf(X, m2, s2)
    assert np.isclose(fdiv.js(lp, lq, X), js, rtol=1e-6)
    assert np.isclose(fdiv.pearson_chi2(lp, lq, X), pearson, rtol=1e-6)
    assert np.isclose(fdiv.divergence("Pearson chi2", lp, lq, X), pearson, rtol=1e-6)


def test_mixture_logpdf_matches_scipy():
    got = np.exp(fdiv.mixture_logpdf(X, [-1, 2], [0.5, 1.0], [0.25, 0.75]))
    want = 0.25 * stats.norm.pdf(X, -1, 0.5) + 0.75 * stats.norm.pdf(X, 2, 1.0)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-300)


def test_js_is_log2_on_disjoint_supports_and_far_tails_do_not_nan():
    lp, lq = fdiv.gaussian_logpdf(X, -8, 0.3), fdiv.gaussian_logpdf(X, 8, 0.3)
    assert np.isclose(fdiv.js(lp, lq, X), np.log(2))
    assert np.isfinite(fdiv.kl(lp, lq, X)) and np.isfinite(fdiv.pearson_chi2(lp, lp, X))


def test_forward_kl_fit_matches_moments_and_reverse_kl_seeks_a_mode():
    lp = fdiv.mixture_logpdf(X, [-2.5, 1.5], [0.5, 0.8], [0.3, 0.7])
    p = np.exp(lp)
    mean = np.trapezoid(p * X, X)
    std = np.sqrt(np.trapezoid(p * (X - mean) ** 2, X))
    mu, sigma, _ = fdiv.fit_gaussian("KL", lp, X)
    assert np.isclose(mu, mean, atol=1e-4) and np.isclose(sigma, std, atol=1e-4)  # moment matching
    mu_r, sigma_r, _ = fdiv.fit_gaussian("reverse KL", lp, X)
    assert abs(mu_r - 1.5) < 0.1 and abs(sigma_r - 0.8) < 0.1  # on the heavier mode


def test_table_diagonal_is_each_columns_minimum():
    x = np.linspace(-12, 12, 1201)
    fits, table = fdiv.divergence_table(fdiv.mixture_logpdf(x, [-2, 1], [0.6, 1.0], [0.3, 0.7]), x)
    assert list(fits) == list(fdiv.DIVERGENCES) and table.shape == (5, 5)
    assert all(np.argmin(table[:, j]) == j for j in range(5))


def test_errors_speak_to_a_student():
    with pytest.raises(ValueError, match="Unknown divergence"):
        fdiv.divergence("Hellinger", X * 0, X * 0, X)
    with pytest.raises(ValueError, match="log densities on the grid"):
        fdiv.kl(np.zeros(5), np.zeros(6), np.arange(5.0))
    with pytest.raises(ValueError, match="standard deviation"):
        fdiv.gaussian_logpdf(X, 0, -1)
