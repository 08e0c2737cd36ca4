"""Interactive explorers for the lessons: ipywidgets sliders with a static fallback figure.

What it is: small slider-driven views of quantities a lesson has already computed
by hand. ``kl_explorer()`` (lesson 01) puts two Gaussians p and q under sliders
and shows KL(p || q), KL(q || p) and JSD(p, q) as the sliders move.

Every explorer displays as a widget *and* carries a PNG of its starting
setting in the same output. JupyterLab with a running kernel shows the
sliders; GitHub, the book site and other viewers without a kernel show the PNG.

What it is not: a plotting library (see ``gan_course.plotting``) or a place for
the maths a lesson teaches: the numbers come from ``gan_course.info``.
"""
from __future__ import annotations

import base64
import io

import numpy as np

from . import info

__all__ = ["gaussian_divergences", "kl_explorer", "KLExplorer"]

_LOG2 = np.log(2.0)
_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2 has only trapz


def _normal_logpdf(x, mu, sigma):
    return -0.5 * ((x - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)


def _check_sigmas(sigma_p, sigma_q):
    for name, s in (("sigma_p", sigma_p), ("sigma_q", sigma_q)):
        if not np.isfinite(s) or s <= 0:
            raise ValueError(f"{name} is a standard deviation and must be a positive number, got {s!r}.")


def gaussian_divergences(mu_p, sigma_p, mu_q, sigma_q, grid_points: int = 8001) -> dict:
    """KL both ways (closed form) and JSD (numerical integral) between two 1-D Gaussians, in nats.

    p = N(mu_p, sigma_p^2), q = N(mu_q, sigma_q^2); sigmas are standard deviations.
    JSD has no closed form: it is integrated with the trapezoid rule on a grid
    covering 12 standard deviations around both means, in log space so that far
    tails never divide 0 by 0.
    Example: ``gaussian_divergences(0, 1, 1, 1)["kl_pq"]`` -> ``0.5``.
    """
    mu_p, sigma_p, mu_q, sigma_q = (float(v) for v in (mu_p, sigma_p, mu_q, sigma_q))
    _check_sigmas(sigma_p, sigma_q)
    lo = min(mu_p - 12 * sigma_p, mu_q - 12 * sigma_q)
    hi = max(mu_p + 12 * sigma_p, mu_q + 12 * sigma_q)
    x = np.linspace(lo, hi, grid_points)
    logp, logq = _normal_logpdf(x, mu_p, sigma_p), _normal_logpdf(x, mu_q, sigma_q)
    logm = np.logaddexp(logp, logq) - _LOG2  # m = (p + q) / 2
    integrand = 0.5 * np.exp(logp) * (logp - logm) + 0.5 * np.exp(logq) * (logq - logm)
    jsd = float(np.clip(_trapezoid(integrand, x), 0.0, _LOG2))
    return {
        "kl_pq": float(info.kl_gaussian(mu_p, sigma_p, mu_q, sigma_q)),
        "kl_qp": float(info.kl_gaussian(mu_q, sigma_q, mu_p, sigma_p)),
        "jsd": jsd,
    }


def _figure(mu_p, sigma_p, mu_q, sigma_q, values, xlim=(-8.0, 8.0)):
    """A matplotlib Figure (not attached to pyplot) of both densities and the three numbers."""
    from matplotlib.figure import Figure

    x = np.linspace(*xlim, 801)
    p, q = np.exp(_normal_logpdf(x, mu_p, sigma_p)), np.exp(_normal_logpdf(x, mu_q, sigma_q))
    fig = Figure(figsize=(7.0, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(x, p, color="C0", lw=2, label=f"p = N({mu_p:.2f}, {sigma_p:.2f}²)")
    ax.fill_between(x, p, color="C0", alpha=0.2)
    ax.plot(x, q, color="C1", lw=2, label=f"q = N({mu_q:.2f}, {sigma_q:.2f}²)")
    ax.fill_between(x, q, color="C1", alpha=0.2)
    text = (f"KL(p‖q) = {values['kl_pq']:.3f} nats\n"
            f"KL(q‖p) = {values['kl_qp']:.3f} nats\n"
            f"JSD(p, q) = {values['jsd']:.3f} nats"
            f" = {values['jsd'] / _LOG2:.3f} bits")
    ax.text(0.02, 0.96, text, transform=ax.transAxes, va="top", family="monospace", fontsize=9,
            bbox=dict(boxstyle="round", facecolor="white", alpha=0.85))
    ax.set(xlim=xlim, ylim=(0, 1.5 * max(p.max(), q.max())),  # headroom for the text
           xlabel="x", ylabel="density",
           title="Two Gaussians: KL both ways and JSD")
    ax.legend(loc="upper right")
    return fig


def _png(fig, dpi=80) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


class KLExplorer:
    """Two Gaussians under four sliders; shows KL(p||q), KL(q||p) and JSD live.

    Build it with ``kl_explorer()``. ``values()`` returns the current numbers,
    ``figure()`` a matplotlib Figure of the current setting, ``widget`` the
    ipywidgets box. Displaying it shows the widget where a kernel runs and a
    PNG of the starting setting everywhere else.
    Example: ``KLExplorer(mu_p=0, sigma_p=1, mu_q=1, sigma_q=1).values()["kl_pq"]`` -> ``0.5``.
    """

    def __init__(self, mu_p=-1.0, sigma_p=1.0, mu_q=1.5, sigma_q=1.5):
        import ipywidgets as w

        _check_sigmas(sigma_p, sigma_q)

        def slider(value, lo, hi, desc):
            return w.FloatSlider(value=value, min=lo, max=hi, step=0.05, description=desc,
                                 continuous_update=False, readout_format=".2f")

        self.sliders = {
            "mu_p": slider(mu_p, -4, 4, "μ_p"), "sigma_p": slider(sigma_p, 0.2, 3, "σ_p"),
            "mu_q": slider(mu_q, -4, 4, "μ_q"), "sigma_q": slider(sigma_q, 0.2, 3, "σ_q"),
        }
        self.image = w.Image(format="png")
        self.widget = w.VBox([
            w.HBox([self.sliders["mu_p"], self.sliders["sigma_p"]]),
            w.HBox([self.sliders["mu_q"], self.sliders["sigma_q"]]),
            self.image,
        ])
        self._static_png = None
        for s in self.sliders.values():
            s.observe(self._update, names="value")
        self._update()
        self._static_png = self.image.value  # the fallback stays at the starting setting

    def params(self) -> dict:
        """The current slider values. Example: ``kl_explorer().params()["mu_p"]`` -> ``-1.0``."""
        return {k: float(s.value) for k, s in self.sliders.items()}

    def values(self) -> dict:
        """KL(p||q), KL(q||p) and JSD in nats at the current setting.

        Example: ``kl_explorer().values()["jsd"] <= np.log(2)`` -> ``True``.
        """
        return gaussian_divergences(**self.params())

    def figure(self):
        """A matplotlib Figure of the current setting. Example: ``kl_explorer().figure()``."""
        params = self.params()
        return _figure(**params, values=gaussian_divergences(**params))

    def _update(self, change=None):
        self.image.value = _png(self.figure())

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "KL explorer: run this cell in Jupyter with a kernel to move the sliders."
        data["image/png"] = base64.b64encode(self._static_png).decode("ascii")
        return data


def kl_explorer(mu_p=-1.0, sigma_p=1.0, mu_q=1.5, sigma_q=1.5) -> KLExplorer:
    """Sliders for two Gaussians p and q, with KL(p||q), KL(q||p) and JSD shown live.

    Put it last in a cell. Without a kernel (GitHub, the book site) the output
    shows a static figure of the starting setting instead of the sliders.
    Example: ``kl_explorer(mu_p=0, sigma_p=1, mu_q=2, sigma_q=0.5)``.
    """
    return KLExplorer(mu_p=mu_p, sigma_p=sigma_p, mu_q=mu_q, sigma_q=sigma_q)
