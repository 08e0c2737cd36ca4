"""Mode coverage on multi-mode 2-D toy data, and a GAN-Lab-style view of a GAN learning it.

Lesson 07 ("Training pathologies") measures mode collapse with it and lesson 08 (WGAN)
reuses it. Two parts:

* ``mode_coverage(samples, centers, std)``: how many modes of a mixture of equal,
  isotropic Gaussians (the 8-Gaussian ring, the 5 x 5 grid of ``gan_course.data``) a
  generator's samples cover, and what fraction of the samples are any good;
* ``plot_snapshot`` / ``snapshot_stepper`` / ``snapshots_gif``: draw saved training
  snapshots the way GAN Lab (Kahng et al. 2018) does: real and generated samples,
  the discriminator's D(x) as filled contours, and the generator's gradient field
  (the direction each generated point is pushed). The stepper is an ipywidgets slider
  that carries a PNG of its starting frame, shown wherever no kernel runs.

The definition (that of VEEGAN, Srivastava et al. 2017, and PacGAN, Lin et al. 2018):

* a sample is **high quality** if it lies within ``n_std`` standard deviations of the
  centre of its *nearest* mode (3 by default; a true sample of a 2-D isotropic
  Gaussian does so with probability 1 - exp(-9/2) = 98.9%);
* a mode is **covered** if it receives at least ``min_fraction`` (default 0.2) of the
  high-quality samples it would get if the ``N`` samples were shared equally by the
  ``K`` modes, i.e. at least ``min_fraction * N / K`` of them. A handful of strays near
  a mode do not mean the generator has learnt it; a mode visited at a fifth of its fair
  rate has been. (PacGAN's grid rule, "fewer than 20 of 2,500 samples: mode lost", is
  this rule with K = 25.)

What it is not: a measure of how well a mode's *shape* is matched, nor usable on images
(lesson 10 covers those metrics). No training code lives here: the lessons compute
the snapshots.
"""
from __future__ import annotations

import base64
import io

import numpy as np

__all__ = ["nearest_mode", "mode_coverage", "plot_snapshot", "snapshot_figure", "snapshots_gif",
           "SnapshotStepper", "snapshot_stepper"]


def _points(name, x, dims=2):
    if hasattr(x, "detach"):  # torch tensor, possibly on a GPU
        x = x.detach().cpu().numpy()
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != dims:
        raise ValueError(f"{name} must be an array of points with shape (N, {dims}); got shape {x.shape}. "
                         f"A torch tensor works too (it is moved to the CPU).")
    return x


def nearest_mode(samples, centers):
    """For each sample, the index of its nearest centre and the distance to it.

    Example: ``k, dist = nearest_mode(x, ring_centers())``.
    """
    x, c = _points("samples", samples), _points("centers", centers)
    if len(c) == 0:
        raise ValueError("centers is empty: pass the mode centres, e.g. gan_course.data.ring_centers().")
    dist = np.sqrt(((x[:, None, :] - c[None, :, :]) ** 2).sum(-1))  # (N, K)
    k = dist.argmin(axis=1)
    return k, dist[np.arange(len(x)), k]


def mode_coverage(samples, centers, std, n_std=3.0, min_fraction=0.2) -> dict:
    """Modes covered and fraction of high-quality samples (definitions in the module docstring).

    Returns a dict: ``modes_covered`` (int), ``high_quality_fraction`` (float in [0, 1]),
    ``per_mode_counts`` (int array (K,): high-quality samples nearest to each mode),
    ``covered`` (bool array (K,)) and ``min_count`` (the count a mode needs).
    Example: ``mode_coverage(G(z), ring_centers(), std=0.02)["modes_covered"]`` -> ``8``.
    """
    if not np.isfinite(std) or std <= 0:
        raise ValueError(f"std is the standard deviation of each mode and must be > 0; got {std!r}.")
    if not 0 <= min_fraction <= 1 or not n_std > 0:
        raise ValueError(f"min_fraction must be in [0, 1] and n_std > 0; got {min_fraction!r} and {n_std!r}.")
    x, c = _points("samples", samples), _points("centers", centers)
    if len(x) == 0:
        raise ValueError("samples is empty: draw some samples from the generator first.")
    k, dist = nearest_mode(x, c)
    good = dist <= n_std * std
    counts = np.bincount(k[good], minlength=len(c))
    min_count = min_fraction * len(x) / len(c)
    covered = counts >= min_count
    return {"modes_covered": int(covered.sum()), "high_quality_fraction": float(good.mean()),
            "per_mode_counts": counts, "covered": covered, "min_count": float(min_count)}


# ---- GAN-Lab-style view ----------------------------------------------------------------------

def plot_snapshot(ax, snaps: dict, i: int, real=None, centers=None, title: str | None = None):
    """Draw snapshot ``i`` of ``snaps`` on ``ax``: D(x) contours, gradient arrows, samples.

    ``snaps`` holds stacked arrays: ``steps`` (S,), ``fake`` (S, n, 2), ``d`` (S, gh, gw) = D(x)
    on a square grid over ``[-lim, lim]^2``, ``grad`` (S, qh, qw, 2) = the generator's gradient
    field on a coarser grid, and ``lim``. Each arrow points where the generator's loss pushes a generated
    point at that place; strong pushes are drawn black, weak ones grey (the shade follows the logarithm of the
    push's strength). Example: ``plot_snapshot(ax, snaps, -1, real=x_real)``.
    """
    lim = float(np.asarray(snaps["lim"]))
    d = np.asarray(snaps["d"][i])
    grid = np.linspace(-lim, lim, d.shape[0])
    levels = np.linspace(0, 1, 11)
    filled = ax.contourf(grid, grid, d.T, levels=levels, cmap="RdBu", alpha=0.45, vmin=0, vmax=1)
    g = np.asarray(snaps["grad"][i])
    q = np.linspace(-lim, lim, g.shape[0])
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    unit = g / np.maximum(norm, 1e-12)  # direction only: the length is shown by the arrow's shade
    shade = np.log10(np.maximum(norm[..., 0], 1e-6))
    # strong pushes black, weak ones mid-grey (never white: every arrow stays visible on the background)
    ax.quiver(q[:, None].repeat(len(q), 1), q[None, :].repeat(len(q), 0), unit[..., 0], unit[..., 1], shade,
              cmap="Greys", clim=(-5, 1), scale=22, width=0.007, headwidth=4, headlength=4.5, alpha=0.95)
    if real is not None:
        r = _points("real", real)
        ax.scatter(r[:, 0], r[:, 1], s=4, c="tab:green", alpha=0.5, label="real", rasterized=True, zorder=2)
    fake = np.asarray(snaps["fake"][i])
    ax.scatter(fake[:, 0], fake[:, 1], s=4, c="tab:purple", alpha=0.6, label="generated", rasterized=True, zorder=2)
    if centers is not None:
        c = _points("centers", centers)
        ax.scatter(c[:, 0], c[:, 1], marker="+", c="k", s=30, lw=1, label="mode centres")
    ax.set(xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal", xlabel="$x_1$", ylabel="$x_2$",
           title=title if title is not None else f"step {int(snaps['steps'][i])}")
    return filled


def snapshot_figure(runs: dict, i: int, real=None, centers=None, dpi: int = 90):
    """A matplotlib Figure (outside pyplot) with snapshot ``i`` of every run side by side.

    ``runs`` maps a method name to its snapshots (see ``plot_snapshot``).
    Example: ``snapshot_figure({"plain GAN": snaps}, -1, real=x_real)``.
    """
    from matplotlib.figure import Figure

    if not runs:
        raise ValueError("runs is empty: pass {method name: snapshots dict}.")
    width = 3.3 * len(runs) + 1.1
    fig = Figure(figsize=(width, 3.6), dpi=dpi)  # fixed margins: a constrained layout would double the drawing time
    fig.subplots_adjust(left=0.6 / width, right=1 - 1.0 / width, bottom=0.13, top=0.92, wspace=0.3)
    axes = fig.subplots(1, len(runs), squeeze=False)[0]
    for ax, (name, snaps) in zip(axes, runs.items()):
        step = int(np.asarray(snaps["steps"])[i])
        filled = plot_snapshot(ax, snaps, i, real, centers, title=f"{name}, step {step}")
    axes[0].legend(loc="lower left", fontsize=9, markerscale=3, framealpha=0.8)
    cax = fig.add_axes([1 - 0.85 / width, 0.18, 0.12 / width, 0.7])
    fig.colorbar(filled, cax=cax, label="D(x): probability 'real'")
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def snapshots_gif(runs: dict, real=None, centers=None, frames=None, ms_per_frame: int = 700, dpi: int = 64) -> bytes:
    """An animated GIF (bytes) stepping through the snapshots; show it with ``IPython.display.Image``.

    Example: ``Image(data=snapshots_gif({"plain": snaps}, real=x_real), format="gif")``.
    """
    from PIL import Image

    n = len(np.asarray(next(iter(runs.values()))["steps"]))
    frames = range(n) if frames is None else frames
    images = [Image.open(io.BytesIO(_png(snapshot_figure(runs, i, real, centers, dpi)))).convert("RGB")
              for i in frames]
    images = [im.quantize(colors=128, method=Image.Quantize.MEDIANCUT) for im in images]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0,
                   optimize=True)
    return buf.getvalue()


class SnapshotStepper:
    """A slider (with a play button) over training snapshots of one or more runs, side by side.

    Shows the widget where a kernel runs and a PNG of the starting frame everywhere else.
    Frames are drawn when first shown, then cached. Example: ``SnapshotStepper({"plain": snaps}).frame_png(0)``.
    """

    def __init__(self, runs: dict, real=None, centers=None, start: int = -1, dpi: int = 90):
        import ipywidgets as w

        self.runs, self.real, self.centers, self.dpi = runs, real, centers, dpi
        self.n = len(np.asarray(next(iter(runs.values()))["steps"]))
        start = start % self.n
        self._cache = {}
        self.slider = w.IntSlider(value=start, min=0, max=self.n - 1, description="snapshot",
                                  continuous_update=False)
        play = w.Play(value=start, min=0, max=self.n - 1, interval=800, description="play")
        w.jslink((play, "value"), (self.slider, "value"))
        self.image = w.Image(format="png", value=self.frame_png(start))
        self.widget = w.VBox([w.HBox([play, self.slider]), self.image])
        self.slider.observe(lambda change: setattr(self.image, "value", self.frame_png(change["new"])),
                            names="value")
        self._static_png = self.image.value

    def frame_png(self, i: int) -> bytes:
        """PNG bytes of snapshot ``i`` (cached). Example: ``stepper.frame_png(3)``."""
        i = int(i) % self.n
        if i not in self._cache:
            self._cache[i] = _png(snapshot_figure(self.runs, i, self.real, self.centers, self.dpi))
        return self._cache[i]

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = "Snapshot stepper: run this cell in Jupyter with a kernel to step through training."
        data["image/png"] = base64.b64encode(self._static_png).decode("ascii")
        return data


def snapshot_stepper(runs: dict, real=None, centers=None, start: int = -1) -> SnapshotStepper:
    """Step through saved GAN snapshots with a slider; a static PNG of frame ``start`` without a kernel.

    Put it last in a cell. Example: ``snapshot_stepper({"plain GAN": snaps, "PacGAN": snaps2}, real=x)``.
    """
    if not runs:
        raise ValueError("runs is empty: pass {method name: snapshots dict}.")
    return SnapshotStepper(runs, real=real, centers=centers, start=start)
