"""Open in Colab: a badge under every lesson's title and a setup cell that installs the course on Colab.

Usage: ``python -m gan_course.tools.colab [--check] [LESSON ...]``

The repository's address lives in one place, ``pyproject.toml``'s ``[project.urls] Repository``
(a fork changes it there and reruns this tool). For every lesson ``notebooks/NN_topic.md`` and its
paired ``.ipynb`` it keeps:

* a badge line right under the ``# title`` line: an "Open in Colab" link to the lesson's ``.ipynb``
  on GitHub (an inline SVG, so nothing is fetched from the network to draw it);
* a code cell tagged ``colab`` just before the ``parameters`` cell that, **on Colab only**, pip-installs
  the course's helper package from the repository with the extra for the lesson's framework
  (``gan-course[torch]`` for a PyTorch lesson, ``[keras]`` for a Keras one, none for the framework-free
  lessons; ``gan_course.tools.lessons`` says which), and does nothing anywhere else (it looks for
  ``google.colab``).

The ``.ipynb`` is updated in place (sources only, outputs kept: the setup cell prints nothing off Colab,
so executing it would add nothing). The exercise generator carries both into the exercise notebooks,
with the badge pointing at the exercise. ``--check`` writes nothing and exits 1 when a lesson differs
from what this tool would write (CI).
"""
from __future__ import annotations

import argparse
import base64
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = "colab"
_BADGE_LINE = re.compile(r"^\[!\[Open in Colab\]\([^)]*\)\]\(https://colab\.research\.google\.com/[^)]*\)\s*$", re.M)
_BADGE_TEXT = re.compile(r"\n\n\[!\[Open in Colab\]\([^)\n]*\)\]\(https://colab\.research\.google\.com/[^)\n]*\)[ \t]*(?=\n)")
# Colab's badge, drawn locally: the book, the offline reading copy and a JupyterLab without network show it too
_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20"><rect width="117" height="20" rx="3" '
        'fill="#555"/><rect x="20" width="97" height="20" rx="3" fill="#f9ab00"/><circle cx="10" cy="10" r="6" '
        'fill="none" stroke="#f9ab00" stroke-width="3"/><text x="68" y="14" font-family="Verdana,sans-serif" '
        'font-size="11" fill="#fff" text-anchor="middle">Open in Colab</text></svg>')
BADGE_IMAGE = "data:image/svg+xml;base64," + base64.b64encode(_SVG.encode()).decode()


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The course repository's address, from pyproject's ``[project.urls] Repository``.

    Example: ``repository_url()`` -> ``"https://github.com/<owner>/gan-course"``.
    """
    import tomllib

    urls = tomllib.loads(Path(pyproject).read_text())["project"].get("urls", {})
    url = urls.get("Repository", "").rstrip("/")
    if not re.match(r"^https://github\.com/[\w.-]+/[\w.-]+$", url):
        raise SystemExit(f"pyproject.toml [project.urls] Repository must be a GitHub address "
                         f"https://github.com/<owner>/<repo>; got {url!r}.")
    return url


def extra_for(stem: str) -> str:
    """The pip extras a lesson needs on Colab: ``extra_for("04_vanilla_gan_keras")`` -> ``"[keras]"``."""
    from .lessons import extras

    return extras(stem)


def badge(url: str, notebook: str) -> str:
    """The badge line for a notebook path relative to the repository root (e.g. ``notebooks/01_x.ipynb``)."""
    github = url.removeprefix("https://github.com/")
    return f"[![Open in Colab]({BADGE_IMAGE})](https://colab.research.google.com/github/{github}/blob/main/{notebook})"


def setup_source(url: str, extra: str) -> str:
    """The setup cell's code: pip-install the course on Colab, nothing elsewhere."""
    package = f"gan-course{extra}"
    return ("# On Colab only: install the course's helper package (nothing happens anywhere else).\n"
            "import sys\n"
            "\n"
            "if \"google.colab\" in sys.modules:\n"
            "    import subprocess\n"
            "\n"
            f"    subprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-q\", \"{package} @ git+{url}\"],"
            " check=True)")


def with_badge(title_source: str, line: str) -> str:
    """The title cell with ``line`` right under its ``# `` heading (replacing an older badge)."""
    text = _BADGE_LINE.sub("", title_source).replace("\n\n\n", "\n\n").rstrip("\n")
    head, _, rest = text.partition("\n")
    return f"{head}\n\n{line}" + (f"\n\n{rest.lstrip(chr(10))}" if rest.strip() else "")


def apply(nb, url: str, notebook: str, extra: str) -> bool:
    """Put the badge and the setup cell into an nbformat notebook; True if anything changed."""
    import nbformat

    changed = False
    first = nb.cells[0]
    if first.cell_type != "markdown" or not first.source.startswith("# "):
        raise SystemExit(f"{notebook}: the first cell must be the lesson's '# ' title.")
    new = with_badge(first.source, badge(url, notebook))
    if new != first.source:
        first.source, changed = new, True
    code = nbformat.v4.new_code_cell(setup_source(url, extra))
    code.metadata["tags"] = [TAG]
    existing = [i for i, c in enumerate(nb.cells) if TAG in c.get("metadata", {}).get("tags", [])]
    if existing:
        cell = nb.cells[existing[0]]
        if cell.source != code.source:
            cell.source, changed = code.source, True
        return changed
    params = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if params is None:
        raise SystemExit(f"{notebook}: no cell tagged 'parameters' to put the Colab cell before.")
    code.id = "colab-" + Path(notebook).stem[:50]  # unique in the book (myst uses cell ids as identifiers)
    nb.cells.insert(params, code)
    return True


def _md_text(text: str, url: str, notebook: str, extra: str) -> str:
    """The .md source with the badge and the setup cell, edited as text so nothing else moves."""
    line = badge(url, notebook)
    text = _BADGE_TEXT.sub("", text)  # the old badge and the blank line before it; code cells keep theirs
    text = re.sub(r"^(# .+)$", lambda m: f"{m.group(1)}\n\n{line}", text, count=1, flags=re.M)
    block = f"```{{code-cell}} ipython3\n:tags: [{TAG}]\n\n{setup_source(url, extra)}\n```\n\n"
    existing = re.compile(r"```\{code-cell\} ipython3\n:tags: \[" + TAG + r"\]\n\n.*?\n```\n\n", re.S)
    if existing.search(text):
        return existing.sub(lambda m: block, text, count=1)
    params = "```{code-cell} ipython3\n:tags: [parameters]"
    if params not in text:
        raise SystemExit(f"{notebook}: no cell tagged 'parameters' to put the Colab cell before.")
    return text.replace(params, block + params, 1)


def process(md: Path, url: str, check: bool) -> bool:
    """Update (or, with ``check``, compare) one lesson's .md and .ipynb; True if they were out of date."""
    import nbformat

    notebook = f"notebooks/{md.stem}.ipynb"
    stale = False
    old = md.read_text(encoding="utf-8")
    new = _md_text(old, url, notebook, extra_for(md.stem))
    if new != old:
        stale = True
        if not check:
            md.write_text(new, encoding="utf-8")
    ipynb = md.with_suffix(".ipynb")
    if ipynb.exists():
        nb = nbformat.read(ipynb, as_version=4)
        if apply(nb, url, notebook, extra_for(md.stem)):
            stale = True
            if not check:
                nbformat.write(nb, ipynb)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="part of a lesson file name, e.g. 04 (default: every lesson)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a lesson is out of date")
    args = parser.parse_args(argv)
    url = repository_url()
    lessons = [md for md in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
               if not args.names or any(n in md.stem for n in args.names)]
    stale = [md.name for md in lessons if process(md, url, args.check)]
    if args.check and stale:
        print(f"out of date (run python -m gan_course.tools.colab): {', '.join(stale)}", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'updated'}: {len(stale)} lesson(s) {'out of date' if args.check else 'changed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
