"""An offline reading copy of the course: every executed lesson as one standalone HTML page.

Usage: ``python -m gan_course.tools.reading_copy [OUT] [--notebooks DIR]`` (OUT defaults to
``_build/reading-copy``); open ``OUT/index.html`` in any browser.

For students without a kernel or a network: each executed lesson ``notebooks/NN_*.ipynb``
is rendered by nbconvert (JupyterLab's look) into ``OUT/NN_*.html``, with a linked
``index.html``. Every page is self-contained and loads nothing from the network:

* figures and GIFs are embedded (data: URLs), styles are inline;
* maths is converted to MathML at build time (``latex2mathml``; every current browser
  draws MathML) instead of loading MathJax from a CDN; without latex2mathml the TeX
  is shown as code, and the index says so;
* widgets show their static form (the figure of the starting setting, the quiz with
  its answers folded), as on the book site: no widget JavaScript is loaded;
* no require.js, MathJax, Mermaid or widget-manager script tags: the tool checks
  every page for a ``src``/``href``/``url()`` that leaves the file and fails if one does.

What it is not: the book. The book site (``myst build --html``, see myst.yml) stays the
primary, searchable site; this is a copy to put on a USB stick. Nothing is executed
here: re-execute a lesson first (``python -m gan_course.tools.notebooks``).
"""
from __future__ import annotations

import argparse
import copy
import html
import re
import sys
from datetime import date
from pathlib import Path

from . import notebooks_dir

__all__ = ["build", "external_references", "main"]

COMMAND = "python -m gan_course.tools.reading_copy"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Every script, style, image or frame a page loads, wherever it points.
_REFERENCE = re.compile(r"""<(script|link|img|iframe|source|embed|audio|video)\b[^>]*?\b(src|href)\s*=\s*["']([^"']*)["']"""
                        r"""|url\(\s*["']?([^)"']+)""", re.I)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
# $$display$$ or $inline$ (no space just inside the dollars, no blank line within, \$ is a dollar sign)
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?![\s$])((?:\\.|[^$\\])+?)(?<![\s\\])\$(?!\$)", re.S)
_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{#- gan-course reading copy: nbconvert's JupyterLab page with nothing loaded from the network -#}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
nav.gan-course { max-width: 1000px; margin: 1em auto 0; font-family: var(--jp-ui-font-family); }
nav.gan-course a { margin-right: 1.5em; }
math[display="block"] { margin: 0.6em 0; }
</style>
{%- endblock extra_css -%}
{%- block data_other scoped -%}
{%- if 'image/gif' in output.data -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/gif;base64,{{ output.data['image/gif'] | escape_html }}">
</div>
{%- endif -%}
{%- endblock data_other -%}
{%- block body_header -%}
{{ super() }}
<nav class="gan-course">{{ resources.gan_course_nav }}</nav>
{%- endblock body_header -%}
"""


class _Math:
    """Replace TeX by tokens before nbconvert renders markdown; the tokens become MathML afterwards."""

    def __init__(self):
        self.pieces: list[str] = []
        try:
            from latex2mathml.converter import convert
        except ImportError:
            convert = None
        self.convert = convert

    def _token(self, tex: str, display: bool) -> str:
        if self.convert is not None:
            try:
                rendered = self.convert(tex.strip(), display="block" if display else "inline")
            except Exception:  # noqa: BLE001 -- a formula latex2mathml cannot read stays as TeX
                rendered = None
        else:
            rendered = None
        if rendered is None:
            dollars = "$$" if display else "$"
            rendered = f'<code class="tex">{html.escape(dollars + tex + dollars)}</code>'
        self.pieces.append(rendered)
        return f"GANCOURSEMATH{len(self.pieces) - 1}X"

    def protect(self, text: str) -> str:
        """TeX in ``text`` (markdown or HTML) replaced by tokens; code blocks and code spans are left alone."""
        kept = []

        def keep(match):
            kept.append(match.group(0))
            return f"GANCOURSEKEEP{len(kept) - 1}X"

        text = _CODE_SPAN.sub(keep, _FENCE.sub(keep, text))
        def swap(m):
            tex = m.group(1) or m.group(2)
            return m.group(0) if re.search(r"\n\s*\n", tex) else self._token(tex, m.group(1) is not None)

        text = _MATH.sub(swap, text)
        return re.sub(r"GANCOURSEKEEP(\d+)X", lambda m: kept[int(m.group(1))], text)

    def restore(self, page: str) -> str:
        return re.sub(r"GANCOURSEMATH(\d+)X", lambda m: self.pieces[int(m.group(1))], page)


def _prepare(nb, math: _Math, pages: dict[str, str]):
    """A copy of the notebook as the reading copy shows it: widgets as their static form, TeX as tokens,
    links between lessons pointing at their pages."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            text = math.protect(cell.source)
            for stem, page in pages.items():
                text = re.sub(rf"\]\((?:\./)?{re.escape(stem)}\.(?:md|ipynb)\)", f"]({page})", text)
            cell.source = text
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                if any(m.startswith("image/") or m == "text/html" for m in data):
                    del data[WIDGET_VIEW]  # the static form is all a page without a kernel can show
                else:
                    data.pop(WIDGET_VIEW)
                    data.setdefault("text/plain", "(an interactive widget: run the notebook to use it)")
            if "text/html" in data:
                source = data["text/html"]
                data["text/html"] = math.protect("".join(source) if isinstance(source, list) else source)
    return nb


def _title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if found:
                return found.group(1).strip()
    return fallback


def external_references(page: str) -> list[str]:
    """Every address a page would load from outside itself (http:, https:, //host, or another file's
    script/style), i.e. what breaks without a network. Links (<a href>) are not loads and are allowed.

    Example: ``external_references('<script src="https://cdn.x/y.js"></script>')`` -> ``["https://cdn.x/y.js"]``.
    """
    found = []
    for match in _REFERENCE.finditer(page):
        tag, address = (match.group(1) or "").lower(), (match.group(3) or match.group(4) or "").strip()
        if not address or address.startswith(("data:", "#")):
            continue
        if tag == "link" and not re.search(r"""rel\s*=\s*["']?(stylesheet|preload|modulepreload|icon)""",
                                          match.group(0), re.I):
            continue
        found.append(address)
    return found


def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    # nbconvert knows no image/gif (the training animations): rank it with the other images,
    # and the template above draws it
    priority = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/gif",
                "image/jpeg", "text/plain"]
    exporter = HTMLExporter(template_name="lab", embed_images=True,
                            config=Config({"NbConvertBase": {"display_data_priority": priority}}),
                            extra_loaders=[jinja2.DictLoader({"gan_course_reading_copy.html.j2": _TEMPLATE})])
    exporter.template_file = "gan_course_reading_copy.html.j2"
    return exporter


def build(out: str | Path = "_build/reading-copy", notebooks: str | Path | None = None, log=None) -> Path:
    """Render every executed lesson to ``out/NN_*.html`` plus ``out/index.html``; return the index's path.

    Example: ``build("/tmp/course")`` -> ``Path("/tmp/course/index.html")``.
    """
    import nbformat

    log = log or sys.stdout
    root = Path(notebooks) if notebooks else notebooks_dir()
    lessons = sorted(root.glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        raise ValueError(f"no executed lessons (NN_*.ipynb) in {root}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pages = {p.stem: f"{p.stem}.html" for p in lessons}
    exporter, entries, math_ok = _exporter(), [], True
    for n, path in enumerate(lessons):
        nb = nbformat.read(str(path), as_version=4)
        title = _title(nb, path.stem)
        math = _Math()
        math_ok = math_ok and math.convert is not None
        nav = ['<a href="index.html">All lessons</a>']
        if n > 0:
            nav.append(f'<a href="{pages[lessons[n - 1].stem]}">&larr; {html.escape(lessons[n - 1].stem)}</a>')
        if n + 1 < len(lessons):
            nav.append(f'<a href="{pages[lessons[n + 1].stem]}">{html.escape(lessons[n + 1].stem)} &rarr;</a>')
        body, _ = exporter.from_notebook_node(
            _prepare(nb, math, pages),
            resources={"metadata": {"name": title}, "gan_course_nav": " ".join(nav)})
        page = math.restore(body)
        bad = external_references(page)
        if bad:
            raise RuntimeError(f"{path.name}: the page would load {bad[:5]} from outside itself; "
                               "the reading copy must work offline")
        (out / pages[path.stem]).write_text(page, encoding="utf-8")
        entries.append((path.stem, title))
        print(f"wrote {out / pages[path.stem]}", file=log)
    index = out / "index.html"
    index.write_text(_index(entries, pages, math_ok), encoding="utf-8")
    print(f"wrote {index} ({len(entries)} lessons)", file=log)
    return index


def _index(entries, pages, math_ok: bool) -> str:
    items = "\n".join(f'<li><a href="{pages[stem]}">{html.escape(title)}</a> <small>({stem})</small></li>'
                      for stem, title in entries)
    note = "" if math_ok else ("<p><b>Note:</b> latex2mathml was not installed when this copy was built, so "
                               "formulas are shown as TeX source (<code>pip install latex2mathml</code>, "
                               "then build again).</p>")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>gan-course: reading copy</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 50em; margin: 2em auto; padding: 0 1em;
line-height: 1.5; }} li {{ margin: 0.3em 0; }}</style></head>
<body>
<h1>gan-course: generative models you can run</h1>
<p>A reading copy of the course's lessons, with the outputs they had when they were last executed:
every figure, printed number and animation, each widget as a still figure, and every quiz with its
answers folded. It works without a network or a kernel. To run the code, change it and do the
exercises, open the notebooks in JupyterLab (see the course's README).</p>
{note}
<ul>
{items}
</ul>
<p><small>Built on {date.today().isoformat()} by <code>{COMMAND}</code>.</small></p>
</body>
</html>
"""


def main(argv=None) -> int:
    """Command line entry point; see the module docstring. Example: ``main(["/tmp/course"])``."""
    parser = argparse.ArgumentParser(prog=COMMAND, description="Render every executed lesson to standalone "
                                     "HTML pages with a linked index.html that work without a network.")
    parser.add_argument("out", nargs="?", default="_build/reading-copy", metavar="OUT",
                        help="output folder (default: _build/reading-copy)")
    parser.add_argument("--notebooks", metavar="DIR", help="the lessons folder (default: ./notebooks)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.notebooks)
    except (ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
