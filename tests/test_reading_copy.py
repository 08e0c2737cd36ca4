"""The offline reading copy (gan_course.tools.reading_copy): every executed lesson as standalone HTML.

What this is: the copy built from the repository's executed lessons into a temporary
folder, then read back: an index that links every lesson page that exists; on each page
no script, style or image that would be fetched from outside the file (grepped for
http(s)://, protocol-relative // and other files in src / href / url()), every figure of
the notebook embedded as a data: URL (as many as the notebook has image outputs), the
quiz with its folded answers, the widgets' still figures and maths as MathML (no TeX
left for a MathJax that will not load). tests/browser/test_reading_copy_offline.py opens
the pages in Chromium with the network cut.

What this is not: a check of nbconvert's rendering beyond that.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gan_course.tools import reading_copy

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _image_outputs(path: Path) -> int:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return sum(any(m.startswith("image/") for m in o.get("data", {}))
               for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    out = tmp_path_factory.mktemp("reading-copy")
    assert reading_copy.main([str(out), "--notebooks", str(ROOT / "notebooks")]) == 0
    return out


@pytest.mark.slow
def test_index_links_every_lesson(copy):
    index = (copy / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"]+)"', index)
    assert links == [f"{p.stem}.html" for p in LESSONS]
    assert all((copy / link).is_file() for link in links)
    assert "latex2mathml was not installed" not in index


@pytest.mark.slow
@pytest.mark.parametrize("lesson", [p.stem for p in LESSONS])
def test_each_page_is_standalone_and_complete(copy, lesson):
    page = (copy / f"{lesson}.html").read_text(encoding="utf-8")
    loads = re.findall(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", page, re.I)
    loads += re.findall(r"""url\(\s*["']?([^)"']+)""", page)
    outside = [a for a in loads if not a.startswith(("data:", "#"))]
    assert not outside, f"{lesson}.html loads {outside[:5]} from outside itself"
    assert not re.search(r"<script[^>]+src=", page), "no script file may be loaded"

    figures = len(re.findall(r'<img[^>]+src="data:image/(?:png|gif|jpeg)', page))
    assert figures == _image_outputs(ROOT / "notebooks" / f"{lesson}.ipynb"), "every figure, embedded"
    assert "gan-course-quiz" in page and "<summary>Show answer</summary>" in page, "the quiz with its answers"
    assert page.count("<math") > 0 and "GANCOURSEMATH" not in page, "maths as MathML"
    text = re.sub(r"<pre.*?</pre>|<code.*?</code>|<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page, flags=re.S)
    assert not re.search(r"\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$", text), "TeX left outside code"
    assert "Error displaying widget" not in page and "widget-view+json" not in page


def test_external_references_finds_what_needs_a_network():
    page = ('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" href="//cdn.example/a.css">'
            '<img src="data:image/png;base64,AAAA"><a href="https://example.org">a link is fine</a>'
            '<style>body { background: url("http://x/y.png") }</style><link rel="canonical" href="https://x">')
    assert reading_copy.external_references(page) == ["https://cdn.example/x.js", "//cdn.example/a.css",
                                                     "http://x/y.png"]


def test_math_becomes_mathml_and_code_stays_code():
    math = reading_copy._Math()
    text = math.protect(r"cost $H(p) = -\sum p \log p$, $$\mathrm{KL}(p\|q)$$, \$5, `$x$` and $a$")
    assert "`$x$`" in text and r"\$5" in text and text.count("GANCOURSEMATH") == 3
    out = math.restore(text)
    assert out.count("<math") == 3 and 'display="block"' in out
