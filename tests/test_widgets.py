"""gan_course.widgets: the numbers the KL explorer shows, and that it builds without a kernel."""
import base64

import numpy as np
import pytest
from scipy import integrate, stats

from gan_course import info
from gan_course.widgets import KLExplorer, gaussian_divergences, kl_explorer

LOG2 = np.log(2)


def jsd_quad(mu_p, s_p, mu_q, s_q):
    """Reference JSD between two Gaussians by scipy's adaptive quadrature."""
    p, q = stats.norm(mu_p, s_p), stats.norm(mu_q, s_q)

    def f(x):
        lp, lq = p.logpdf(x), q.logpdf(x)
        lm = np.logaddexp(lp, lq) - LOG2
        return 0.5 * np.exp(lp) * (lp - lm) + 0.5 * np.exp(lq) * (lq - lm)

    lo = min(mu_p - 15 * s_p, mu_q - 15 * s_q)
    hi = max(mu_p + 15 * s_p, mu_q + 15 * s_q)
    pts = sorted({mu_p, mu_q})
    return integrate.quad(f, lo, hi, points=pts, limit=200)[0]


@pytest.mark.parametrize("setting", [(-1, 1, 1.5, 1.5), (0, 1, 0, 1), (0, 0.2, 3, 3), (2, 0.5, -2, 0.5)])
def test_gaussian_divergences_match_references(setting):
    v = gaussian_divergences(*setting)
    mu_p, s_p, mu_q, s_q = setting
    assert v["kl_pq"] == pytest.approx(info.kl_gaussian(mu_p, s_p, mu_q, s_q), abs=1e-12)
    assert v["kl_qp"] == pytest.approx(info.kl_gaussian(mu_q, s_q, mu_p, s_p), abs=1e-12)
    assert v["jsd"] == pytest.approx(jsd_quad(*setting), abs=1e-6)
    assert 0 <= v["jsd"] <= LOG2


def test_kl_closed_form_against_quadrature():
    # An outside check of info.kl_gaussian, the function the explorer relies on.
    p, q = stats.norm(0.3, 0.7), stats.norm(-1.0, 1.8)
    ref = integrate.quad(lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x)), -12, 12)[0]
    assert gaussian_divergences(0.3, 0.7, -1.0, 1.8)["kl_pq"] == pytest.approx(ref, rel=1e-7)


def test_jsd_limits():
    assert gaussian_divergences(1, 2, 1, 2)["jsd"] == pytest.approx(0, abs=1e-12)
    assert gaussian_divergences(-50, 1, 50, 1)["jsd"] == pytest.approx(LOG2, abs=1e-9)


def test_bad_sigma_says_what_is_wrong():
    with pytest.raises(ValueError, match="sigma_q"):
        gaussian_divergences(0, 1, 0, 0)
    with pytest.raises(ValueError, match="sigma_p"):
        kl_explorer(sigma_p=-1)


def test_explorer_builds_without_kernel_and_carries_static_png():
    e = kl_explorer(mu_p=0, sigma_p=1, mu_q=1, sigma_q=1)
    assert isinstance(e, KLExplorer)
    assert e.values()["kl_pq"] == pytest.approx(0.5)
    bundle = e._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = base64.b64decode(bundle["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "kernel" in bundle["text/plain"]


def test_sliders_update_numbers_and_image_but_not_fallback():
    e = kl_explorer()
    first_image, fallback = e.image.value, e._repr_mimebundle_()["image/png"]
    e.sliders["mu_q"].value = e.sliders["mu_p"].value
    e.sliders["sigma_q"].value = e.sliders["sigma_p"].value
    v = e.values()
    assert v["kl_pq"] == pytest.approx(0, abs=1e-12) and v["kl_qp"] == pytest.approx(0, abs=1e-12)
    assert v["jsd"] == pytest.approx(0, abs=1e-9)
    assert e.image.value != first_image
    assert e._repr_mimebundle_()["image/png"] == fallback
