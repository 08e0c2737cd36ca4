"""Every MyST source (.md) and its committed notebook (.ipynb) agree cell by cell.

The .md is the source a lecturer edits; the .ipynb is what GitHub, Colab and
nbval read. They must never disagree on a cell's type or source. To re-sync
after editing a .md: ``jupytext --sync notebooks/NN_topic.md`` (then re-execute).
"""
import pathlib

import nbformat
import pytest

jupytext = pytest.importorskip("jupytext")

ROOT = pathlib.Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9]*.md")) + sorted((ROOT / "notebooks" / "exercises").glob("[0-9]*.md"))


def test_there_are_lessons():
    assert any(p.parent.name == "notebooks" for p in SOURCES), "no notebooks/NN_*.md lessons found"


@pytest.mark.parametrize("md", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_md_and_ipynb_agree(md):
    ipynb = md.with_suffix(".ipynb")
    assert ipynb.exists(), f"{md.name} has no paired {ipynb.name}: run jupytext --sync {md.relative_to(ROOT)}"
    text = jupytext.read(md)
    nb = nbformat.read(ipynb, as_version=4)
    a = [(c.cell_type, c.source.strip()) for c in text.cells]
    b = [(c.cell_type, c.source.strip()) for c in nb.cells]
    assert len(a) == len(b), f"{md.name}: {len(a)} cells in .md but {len(b)} in .ipynb"
    for i, (x, y) in enumerate(zip(a, b)):
        assert x == y, f"{md.name}: cell {i} differs between .md and .ipynb:\n--- md\n{x[1][:400]}\n--- ipynb\n{y[1][:400]}"
    formats = nb.metadata.get("jupytext", {}).get("formats", "")
    assert "md:myst" in formats, f"{ipynb.name} is not paired with its .md (metadata.jupytext.formats={formats!r})"


@pytest.mark.parametrize("md", [p for p in SOURCES if p.parent.name == "notebooks"], ids=lambda p: p.name)
def test_lesson_conventions(md):
    nb = jupytext.read(md)
    code = [c for c in nb.cells if c.cell_type == "code" and "colab" not in c.metadata.get("tags", [])]
    assert code and "parameters" in code[0].metadata.get("tags", []), \
        f"{md.name}: the first code cell (after the Colab set-up cell) must be tagged 'parameters' (it holds the budget)"
    assert "import gan_course" in "\n".join(c.source for c in code[:3]), \
        f"{md.name}: import gan_course in the first cells (it makes framework import order safe)"
    heading = nb.cells[0].source if nb.cells[0].cell_type == "markdown" else ""
    assert heading.startswith("# "), f"{md.name}: the first cell must be the lesson's '# ' title"
