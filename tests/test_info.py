"""gan_course.info against scipy, plus the edge cases and errors a student meets."""
import math

import numpy as np
import pytest
from scipy import integrate, special, stats
from scipy.spatial.distance import jensenshannon

from gan_course import info

RNG = np.random.default_rng(0)
PAIRS = [(RNG.dirichlet(np.ones(k)), RNG.dirichlet(np.ones(k) * 0.5)) for k in (2, 3, 5, 10, 50)]


@pytest.mark.parametrize("p,q", PAIRS)
@pytest.mark.parametrize("base", [None, 2, 10])
def test_against_scipy(p, q, base):
    assert info.entropy(p, base=base) == pytest.approx(stats.entropy(p, base=base))
    assert info.kl_divergence(p, q, base=base) == pytest.approx(stats.entropy(p, q, base=base))
    assert info.cross_entropy(p, q, base=base) == pytest.approx(
        stats.entropy(p, base=base) + stats.entropy(p, q, base=base))
    assert info.js_divergence(p, q, base=base) == pytest.approx(jensenshannon(p, q, base=base) ** 2)


@pytest.mark.parametrize("p,q", PAIRS)
def test_kl_matches_rel_entr_and_identities(p, q):
    assert info.kl_divergence(p, q) == pytest.approx(special.rel_entr(p, q).sum())
    # KL = cross-entropy - entropy; JSD symmetric and <= log 2; KL >= 0
    assert info.kl_divergence(p, q) == pytest.approx(info.cross_entropy(p, q) - info.entropy(p))
    assert info.js_divergence(p, q) == pytest.approx(info.js_divergence(q, p))
    assert 0 <= info.js_divergence(p, q) <= math.log(2)
    assert info.kl_divergence(p, q) >= 0


def test_weather_example_in_bits():
    q = [0.1, 0.3, 0.4, 0.2]
    p = [0.11, 0.29, 0.41, 0.19]
    h = -sum(x * math.log2(x) for x in q)
    assert info.entropy(q, base=2) == pytest.approx(h)
    assert info.cross_entropy(p, q, base=2) == pytest.approx(-sum(a * math.log2(b) for a, b in zip(p, q)))


def test_zero_conventions():
    assert info.entropy([1.0, 0.0]) == 0.0            # 0 log 0 = 0
    assert info.entropy([0.5, 0.5, 0.0], base=2) == pytest.approx(1.0)
    assert info.kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(math.log(2))
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf  # q = 0 < p
    assert info.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert info.js_divergence([1, 0], [0, 1], base=2) == pytest.approx(1.0)  # disjoint: 1 bit
    assert info.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_batched_last_axis():
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(info.entropy(p, base=2), [1.0, 0.0])


@pytest.mark.parametrize("bad,msg", [
    ([0.5, -0.1, 0.6], "negative"),
    ([0.5, 0.6], "sums to 1.1"),
    ([], "non-empty"),
    ([0.5, np.nan], "NaN"),
])
def test_invalid_distributions(bad, msg):
    with pytest.raises(ValueError, match=msg):
        info.entropy(bad)


def test_shape_mismatch_and_base():
    with pytest.raises(ValueError, match="same shape"):
        info.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="base"):
        info.entropy([0.5, 0.5], base=1)


def test_kl_gaussian_against_quadrature():
    mu1, s1, mu2, s2 = 0.3, 0.7, -1.0, 1.6
    p, q = stats.norm(mu1, s1), stats.norm(mu2, s2)
    numeric, _ = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -20, 20)
    assert info.kl_gaussian(mu1, s1, mu2, s2) == pytest.approx(numeric, rel=1e-7)
    assert info.kl_gaussian(0, 1, 1, 1, base=2) == pytest.approx(0.5 / math.log(2))
    with pytest.raises(ValueError, match="standard deviations"):
        info.kl_gaussian(0, -1, 0, 1)
