"""The offline reading copy opened in Chromium with the network cut.

What this is: a reading copy of two lessons (01, with maths, widgets and a quiz; 04 PyTorch,
with a training GIF) built into a temporary folder and opened from file:// in Chromium
whose every request that is not file: or data: is aborted and recorded. From the index the
test follows the link to each lesson (as a reader clicks), and asserts: no request left the
files, every image decoded (non-zero natural size), the maths is laid out as MathML (boxes
with a size), and a quiz answer opens when its "Show answer" is clicked.

What this is not: the content check of every page (tests/test_reading_copy.py).
"""
from __future__ import annotations

import shutil

import pytest

from gan_course.tools import reading_copy

from ._jl import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LESSONS = ["01_information_theory", "04_vanilla_gan_pytorch"]


def test_reading_copy_works_without_a_network(browser, screenshots, tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    for stem in LESSONS:
        shutil.copy2(ROOT / "notebooks" / f"{stem}.ipynb", source)
    index = reading_copy.build(tmp_path / "copy", source)

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.set_default_timeout(30_000)
    outside = []

    def guard(route):
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = screenshots.watch(context.new_page(), close=True)
    page.goto(index.as_uri())
    for stem in LESSONS:
        page.goto(index.as_uri())
        page.click(f'a[href="{stem}.html"]')
        page.wait_for_load_state("load")
        assert page.url.endswith(f"/{stem}.html")
        images = page.evaluate("() => Array.from(document.images).map(i => i.naturalWidth)")
        assert images and all(w > 0 for w in images), f"{stem}: an image did not decode: {images}"
        sizes = page.evaluate("() => Array.from(document.querySelectorAll('math')).slice(0, 50)"
                              ".map(m => m.getBoundingClientRect().width)")
        assert sizes and all(w > 0 for w in sizes), f"{stem}: maths not laid out as MathML"
        answer = page.locator(".gan-course-quiz details").first
        answer.scroll_into_view_if_needed()
        answer.locator("summary").click()
        assert answer.evaluate("(d) => d.open")
    assert outside == [], f"the reading copy tried to load {outside[:5]} from the network"
