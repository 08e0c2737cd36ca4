"""gan_course.latent_widgets: the explorer's latent vector, readout and figure follow its sliders; it builds
without a kernel and carries a static PNG (the course's widget pattern)."""
import base64
import hashlib

import numpy as np
import pytest

from gan_course.latent_widgets import LatentExplorer, latent_explorer

pytest.importorskip("ipywidgets")
W = np.random.default_rng(0).normal(size=(16, 3))


def decode(z):
    """A small stand-in generator: z (n, 3) -> images (n, 4, 4) in [0, 1]."""
    return ((np.tanh(np.asarray(z) @ W.T) + 1) / 2).reshape(-1, 4, 4)


def judge(x):
    """Class probabilities (n, 2) from the mean brightness."""
    m = x.reshape(len(x), -1).mean(1)
    return np.stack([1 - m, m], 1)


def test_latent_vector_follows_the_sliders():
    z0 = np.array([1.0, 0.0, 0.0])
    e = latent_explorer(decode, z0, {"a": [0, 2.0, 0], "b": [0, 0, -5.0]}, judge=judge)
    assert np.allclose(e.z(), z0)
    e.sliders["a"].value = 1.5
    e.sliders["b"].value = -0.5
    assert np.allclose(e.z(), [1.0, 1.5, 0.5])                           # directions normalised
    v = e.values()
    assert v["z_norm"] == pytest.approx(np.linalg.norm([1.0, 1.5, 0.5]), rel=1e-6)
    p = judge(decode(e.z()[None]))[0]
    assert v["digit"] == int(p.argmax()) and v["confidence"] == pytest.approx(p.max(), rel=1e-6)
    assert f"|z| = {v['z_norm']:.2f}" in e.readout.value and "judge:" in e.readout.value


def test_figure_on_the_page_is_a_fresh_explorer_at_those_values():
    dirs = {"PC 1": [1.0, 0, 0], "ink": [0, 1.0, 1.0]}
    e = latent_explorer(decode, np.zeros(3), dirs, judge=judge)
    start = e.image.value
    e.sliders["ink"].value = 2.0
    moved = e.image.value
    assert moved != start
    fresh = latent_explorer(decode, np.zeros(3), dirs, judge=judge, values={"ink": 2.0})
    assert hashlib.sha256(fresh.image.value).hexdigest() == hashlib.sha256(moved).hexdigest()
    e.sliders["ink"].value = 0.0
    assert e.image.value == start


def test_static_fallback_and_labels():
    e = latent_explorer(decode, np.zeros(3), {"PC 1": [1.0, 0, 0]}, judge=judge, values={"PC 1": 1.0})
    bundle = e._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert "kernel" in bundle["text/plain"]
    assert [s.description for s in e.sliders.values()] == ["PC 1"]
    assert "latent-readout" in e.readout._dom_classes
    e.sliders["PC 1"].value = -2.0                                        # the fallback stays at the start
    assert base64.b64decode(e._repr_mimebundle_()["image/png"]) == e._static_png
    assert isinstance(e, LatentExplorer)


def test_without_judge_and_colour_images():
    e = latent_explorer(lambda z: np.repeat(decode(z)[..., None], 3, -1), np.zeros(3), {"x": [1.0, 0, 0]})
    assert set(e.values()) == {"z_norm"} and bytes(e.image.value).startswith(b"\x89PNG")


@pytest.mark.parametrize("kwargs,words", [
    (dict(directions={}), "directions is empty"),
    (dict(directions={"a": [0.0, 0, 0]}), "non-zero"),
    (dict(directions={"a": [1.0, 0]}), "has 2 numbers"),
    (dict(directions={"a": [1.0, 0, 0]}, values={"b": 1.0}), "names no direction"),
])
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words):
        latent_explorer(decode, np.zeros(3), **kwargs)
    with pytest.raises(TypeError, match="decode"):
        latent_explorer("not a function", np.zeros(3), {"a": [1.0, 0, 0]})
