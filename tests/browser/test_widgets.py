"""Lesson 01's KL explorer and lesson 07's snapshot stepper, operated in JupyterLab under Chromium.

What this is: each test copies the executed lesson into JupyterLab's temporary root,
opens it, clears its outputs and runs every cell in quick mode (Run All), and asserts
that no cell shows an error. Then it operates the widget the way a student does (a
slider moved with the keyboard, a readout typed into) and asserts that what the page
shows changed to what gan_course computes for the new setting: the readouts show the
new values, and the figure on the page is byte for byte the PNG that a fresh widget
built by gan_course with those values draws (computed in a cell appended to the same
notebook, so in the same kernel with the same matplotlib settings). For the KL
explorer the numbers drawn in that figure are also compared with
``gan_course.widgets.gaussian_divergences`` computed here.

What this is not: a test of the maths (tests/test_widgets.py, tests/test_modes.py).
"""
from __future__ import annotations

import math
import re

import pytest

from gan_course.widgets import gaussian_divergences

from . import _jl
from ._jl import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _readouts(output) -> dict[str, str]:
    """{slider description: readout text} for every slider in an output area."""
    values = {}
    sliders = output.locator(".widget-slider")
    for i in range(sliders.count()):
        slider = sliders.nth(i)
        text = slider.locator(".widget-readout").inner_text().strip().replace("\u2212", "-")  # d3's minus sign
        values[slider.locator(".widget-label").inner_text().strip()] = text
    return values


def _slider(output, label: str):
    return output.locator(".widget-slider").filter(has=output.page.locator(".widget-label", has_text=label))


def _wait_for_image(image, sha: str, page, timeout_s: float = 90) -> str:
    """Wait until the image shows the PNG with this sha256 (the kernel redraws it after each change);
    return the sha256 it shows at the end."""
    deadline = page.evaluate("Date.now()") + timeout_s * 1000
    shown = _jl.image_sha256(image)
    while shown != sha and page.evaluate("Date.now()") < deadline:
        page.wait_for_timeout(500)
        shown = _jl.image_sha256(image)
    return shown


@pytest.fixture
def notebook(lab):
    """``notebook(path)`` copies a lesson into JupyterLab's root; its kernel is shut down after the test."""
    names = []

    def add(path):
        names.append(lab.add(path))
        return names[-1]

    yield add
    for name in names:
        lab.stop_kernels(name)


def _run_lesson_and_find_widget(lab, notebook, new_page, lesson: str, cell_text: str):
    """Open the executed lesson in JupyterLab, Run All (no cell may show an error), and return the page, the
    output area of the cell containing ``cell_text`` and its widget's figure, once visible and rendered."""
    name = notebook(ROOT / "notebooks" / f"{lesson}.ipynb")
    page = new_page()
    _jl.open_notebook(page, lab, name)
    _jl.run_all(page)
    assert _jl.errors(page) == [], f"lesson {lesson[:2]} shows errors after Run All"
    output = _jl.code_cell(page, cell_text).locator(".jp-OutputArea")
    image = output.locator("img.widget-image")
    image.wait_for(state="visible")
    assert "Error displaying widget" not in output.inner_text()
    return page, output, image


def test_kl_explorer_follows_its_sliders(lab, notebook, new_page):
    page, output, image = _run_lesson_and_find_widget(lab, notebook, new_page, "01_information_theory",
                                                      "kl_explorer(mu_p=")
    assert _readouts(output) == {"μ_p": "-1.00", "σ_p": "1.00", "μ_q": "1.50", "σ_q": "1.50"}
    start_sha = _jl.image_sha256(image)

    # move μ_q to its maximum with the keyboard, and type a new σ_p into its readout
    handle = _slider(output, "μ_q").locator(".noUi-handle")
    handle.focus()
    handle.press("End")
    readout = _slider(output, "σ_p").locator(".widget-readout")
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    setting = {"mu_p": -1.0, "sigma_p": 0.5, "mu_q": 4.0, "sigma_q": 1.5}
    page.wait_for_function("(el) => el.textContent.trim() === '4.00'",
                           arg=_slider(output, "μ_q").locator(".widget-readout").element_handle())
    assert _readouts(output) == {"μ_p": "-1.00", "σ_p": "0.50", "μ_q": "4.00", "σ_q": "1.50"}

    probe = _jl.run_probe(page, (
        "import hashlib, json\n"
        "from gan_course.widgets import kl_explorer\n"
        f"_probe = kl_explorer(**{setting!r})\n"
        "print(json.dumps({'sha': hashlib.sha256(_probe.image.value).hexdigest(), **_probe.values()}))"))
    assert probe["sha"] != start_sha
    shown_sha = _wait_for_image(image, probe["sha"], page)
    assert shown_sha == probe["sha"], "the figure on the page is not gan_course's figure for the new setting"
    expected = gaussian_divergences(**setting)
    start = gaussian_divergences(mu_p=-1.0, sigma_p=1.0, mu_q=1.5, sigma_q=1.5)
    for key in ("kl_pq", "kl_qp", "jsd"):
        assert math.isclose(probe[key], expected[key], rel_tol=1e-9), key
        assert not math.isclose(expected[key], start[key], rel_tol=1e-3), key


def test_snapshot_stepper_follows_its_slider(lab, notebook, new_page):
    page, output, image = _run_lesson_and_find_widget(lab, notebook, new_page, "07_training_pathologies",
                                                      "modes.snapshot_stepper(ring_runs")
    slider = _slider(output, "snapshot")
    last = int(slider.locator(".widget-readout").inner_text())
    assert last >= 1, "the stepper should start at its last snapshot"
    start_sha = _jl.image_sha256(image)

    handle = slider.locator(".noUi-handle")
    handle.focus()
    handle.press("Home")  # back to the first snapshot
    page.wait_for_function("(el) => el.textContent.trim() === '0'",
                           arg=slider.locator(".widget-readout").element_handle())

    probe = _jl.run_probe(page, (
        "import hashlib, json\n"
        "_probe = modes.snapshot_stepper(ring_runs, real=ring_x[:800], centers=ring_c, start=0)\n"
        "_last = modes.snapshot_stepper(ring_runs, real=ring_x[:800], centers=ring_c, start=-1)\n"
        "print(json.dumps({'sha': hashlib.sha256(_probe.image.value).hexdigest(),\n"
        "                  'last_sha': hashlib.sha256(_last.image.value).hexdigest(),\n"
        "                  'steps': [int(s) for s in ring_runs['plain GAN']['steps']]}))"))
    assert probe["last_sha"] == start_sha, "before moving, the page should show the last snapshot"
    assert probe["sha"] != start_sha
    shown_sha = _wait_for_image(image, probe["sha"], page)
    assert shown_sha == probe["sha"], "the figure on the page is not gan_course's drawing of snapshot 0"
    assert len(probe["steps"]) == last + 1 and probe["steps"][0] == 0 and re.match(r"\d+", str(probe["steps"][-1]))


def test_latent_explorer_follows_its_sliders(lab, notebook, new_page):
    page, output, image = _run_lesson_and_find_widget(lab, notebook, new_page, "09_latent_space_pytorch",
                                                      "latent_explorer(lambda z: decode(G_avg, z)")
    assert _readouts(output) == {name: "0.00" for name in ("PC 1", "PC 2", "PC 3", "ink", "slant")}
    start_sha = _jl.image_sha256(image)

    handle = _slider(output, "ink").locator(".noUi-handle")
    handle.focus()
    handle.press("End")                                   # "ink" to its maximum, +3
    page.wait_for_function("(el) => el.textContent.trim() === '3.00'",
                           arg=_slider(output, "ink").locator(".widget-readout").element_handle())
    probe = _jl.run_probe(page, (
        "import hashlib, json\n"
        "_probe = latent_explorer(lambda z: decode(G_avg, z), typical, explorer_directions, judge=mnist_probs,\n"
        "                         values={'ink': 3.0}, title='Latent explorer (lesson 09)')\n"
        "print(json.dumps({'sha': hashlib.sha256(_probe.image.value).hexdigest(), **_probe.values()}))"))
    assert probe["sha"] != start_sha
    shown_sha = _wait_for_image(image, probe["sha"], page)
    assert shown_sha == probe["sha"], "the figure on the page is not gan_course's drawing for ink = +3"
    readout = output.locator(".latent-readout").inner_text()
    assert f"{probe['z_norm']:.2f}" in readout, readout
