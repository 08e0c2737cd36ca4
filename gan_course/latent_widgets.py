"""A latent-space explorer for lesson 09: sliders that move a latent vector z, the generated image live.

What it is: ``latent_explorer(decode, z0, directions, judge=...)`` puts one slider on each of a handful
of latent directions (principal directions, attribute vectors, ...). The latent vector shown is

    z = z0 + sum_k  value_k * directions[k] / |directions[k]|

(each slider moves z that many units along its direction), decoded by ``decode`` and drawn beside the
judge's class probabilities; a one-line readout under the sliders gives the judged digit, its confidence
and |z|. It follows the course's widget pattern (``gan_course.widgets``): the widget where a kernel runs,
and a PNG of the starting setting in the same output for viewers without one (GitHub, the book site).

``decode`` is any function from float32 latent vectors (n, d) to images (n, H, W) or (n, H, W, C) in
[0, 1], so one explorer serves the PyTorch and the Keras twin (and imports neither).

What it is not: the lesson's maths. The directions come from the lesson (sections 3 and 5 of lesson 09);
the judge is ``gan_course.features.mnist_probs`` or any function images -> class probabilities (n, K).

For a real-browser test: the sliders carry the directions' names as descriptions (``.widget-label``), the
readout is a Label with the CSS class ``latent-readout``, the figure an ``img.widget-image``; a fresh
``latent_explorer(decode, z0, directions, judge=judge, values={...})`` draws the PNG the page shows for
those slider values (``explorer.image.value``), byte for byte.
"""
from __future__ import annotations

import base64

import numpy as np

from .widgets import _png  # the course widgets' figure-to-PNG step, shared

__all__ = ["LatentExplorer", "latent_explorer"]


def _unit(v, name):
    v = np.asarray(v, np.float64).ravel()
    n = float(np.linalg.norm(v))
    if not np.isfinite(n) or n == 0:
        raise ValueError(f"direction {name!r} has length {n}: give a non-zero, finite vector.")
    return v / n


class LatentExplorer:
    """Sliders over latent directions; the decoded image and the judge's verdict follow them.

    Build it with ``latent_explorer()``. ``z()`` is the current latent vector, ``values()`` the numbers
    shown (digit, confidence, |z|), ``figure()`` a matplotlib Figure of the current setting, ``widget``
    the ipywidgets box. Example: ``LatentExplorer(decode, z0, {"PC 1": v1}).values()["z_norm"]``.
    """

    def __init__(self, decode, z0, directions: dict, judge=None, values: dict | None = None,
                 span: float = 3.0, step: float = 0.25, title: str = "Latent explorer"):
        import ipywidgets as w

        if not callable(decode):
            raise TypeError(f"decode must be a function from latent vectors (n, d) to images; got {decode!r:.60}.")
        self.decode, self.judge, self.title = decode, judge, title
        self.z0 = np.asarray(z0, np.float64).ravel()
        if not directions:
            raise ValueError("directions is empty: pass {name: latent vector}, e.g. {'PC 1': v1}.")
        self.directions = {str(k): _unit(v, k) for k, v in directions.items()}
        for k, v in self.directions.items():
            if v.shape != self.z0.shape:
                raise ValueError(f"direction {k!r} has {v.size} numbers but z0 has {self.z0.size}.")
        values = dict(values or {})
        unknown = set(values) - set(self.directions)
        if unknown:
            raise ValueError(f"values names no direction: {sorted(unknown)}; the directions are {list(self.directions)}.")
        self.sliders = {k: w.FloatSlider(value=float(values.get(k, 0.0)), min=-span, max=span, step=step,
                                         description=k, continuous_update=False, readout_format=".2f",
                                         style={"description_width": "initial"})
                        for k in self.directions}
        self.readout = w.Label(value="")
        self.readout.add_class("latent-readout")
        self.image = w.Image(format="png")
        reset = w.Button(description="reset", tooltip="all sliders back to 0")
        reset.on_click(lambda _: [setattr(s, "value", 0.0) for s in self.sliders.values()])
        self.widget = w.VBox([*self.sliders.values(), w.HBox([reset, self.readout]), self.image])
        for s in self.sliders.values():
            s.observe(self._update, names="value")
        self._update()
        self._static_png = self.image.value  # the fallback stays at the starting setting

    def params(self) -> dict:
        """The slider values by direction name. Example: ``explorer.params()["PC 1"]`` -> ``0.0``."""
        return {k: float(s.value) for k, s in self.sliders.items()}

    def z(self) -> np.ndarray:
        """The latent vector shown: z0 plus each slider's value times its unit direction, float32 (d,)."""
        z = self.z0.copy()
        for k, value in self.params().items():
            z += value * self.directions[k]
        return z.astype(np.float32)

    def _decoded(self):
        z = self.z()
        img = np.asarray(self.decode(z[None]), np.float64)[0]
        probs = None if self.judge is None else np.asarray(self.judge(img[None]), np.float64)[0]
        return z, np.clip(img, 0, 1), probs

    def values(self) -> dict:
        """The numbers the readout shows: |z|, and with a judge the judged class and its probability.

        Example: ``latent_explorer(decode, z0, dirs, judge=mnist_probs).values()["digit"]`` -> ``7``.
        """
        z, _, probs = self._decoded()
        out = {"z_norm": float(np.linalg.norm(z))}
        if probs is not None:
            out.update(digit=int(np.argmax(probs)), confidence=float(np.max(probs)))
        return out

    @staticmethod
    def _text(values) -> str:
        text = f"|z| = {values['z_norm']:.2f}"
        if "digit" in values:
            text = f"judge: {values['digit']} (confidence {values['confidence']:.2f}), " + text
        return text

    def figure(self):
        """A matplotlib Figure (not attached to pyplot) of the current setting: the image, and the judge's bars."""
        from matplotlib.figure import Figure

        z, img, probs = self._decoded()
        vals = {"z_norm": float(np.linalg.norm(z))}
        if probs is not None:
            vals.update(digit=int(np.argmax(probs)), confidence=float(np.max(probs)))
        fig = Figure(figsize=(6.4 if probs is not None else 3.2, 3.0), layout="constrained")
        axes = fig.subplots(1, 2 if probs is not None else 1, squeeze=False)[0]
        axes[0].imshow(img if img.ndim == 3 and img.shape[-1] == 3 else img.squeeze(), cmap="gray", vmin=0, vmax=1)
        axes[0].set(xticks=[], yticks=[], title="G(z)")
        setting = ", ".join(f"{k} {v:+.2f}" for k, v in self.params().items())
        axes[0].set_xlabel(setting, fontsize=7, wrap=True)
        if probs is not None:
            axes[1].bar(range(len(probs)), probs, color=["C3" if i == vals["digit"] else "C0" for i in range(len(probs))])
            axes[1].axhline(0.9, color="grey", ls=":", lw=1, label="confident: 0.9")
            axes[1].set(xticks=range(len(probs)), ylim=(0, 1), xlabel="class", ylabel="judge's probability",
                        title="The judge's verdict")
            axes[1].legend(fontsize=7, loc="upper left")
        fig.suptitle(f"{self.title}: " + self._text(vals), fontsize=9)
        return fig

    def _update(self, change=None):
        self.image.value = _png(self.figure())
        self.readout.value = self._text(self.values())

    def _repr_mimebundle_(self, **kwargs):
        data = self.widget._repr_mimebundle_(**kwargs)
        data["text/plain"] = f"{self.title}: run this cell in Jupyter with a kernel to move the sliders."
        data["image/png"] = base64.b64encode(self._static_png).decode("ascii")
        return data


def latent_explorer(decode, z0, directions: dict, judge=None, values: dict | None = None, span: float = 3.0,
                    step: float = 0.25, title: str = "Latent explorer") -> LatentExplorer:
    """Sliders that move z0 along named latent directions; the generated image and the judge's verdict live.

    ``decode``: latent vectors (n, d) -> images in [0, 1]; ``directions``: {name: vector (d,)} (normalised
    here: a slider at 1.5 moves z by 1.5 along that direction); ``judge``: images -> class probabilities
    (optional); ``values``: starting slider values by name (default 0). Put it last in a cell; without a
    kernel the output shows a static figure of the starting setting.
    Example: ``latent_explorer(decode, z0, {"PC 1": v1, "thickness": v_thick}, judge=mnist_probs)``.
    """
    return LatentExplorer(decode, z0, directions, judge=judge, values=values, span=span, step=step, title=title)
