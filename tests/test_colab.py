"""Open in Colab: every lesson has the badge and a setup cell written from pyproject's one repository URL;
the cell pip-installs the course (with the lesson's framework extra) on Colab only and does nothing elsewhere.
Colab is simulated: a fake `google.colab` module, and a subprocess.run that records the command."""
import subprocess
import sys
import types

import nbformat
import pytest

import _lessons
from gan_course.tools import colab

jupytext = pytest.importorskip("jupytext")
LESSONS = _lessons.lesson_names()


def _setup_cell(nb):
    cells = [c for c in nb.cells if colab.TAG in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, "exactly one Colab setup cell"
    return cells[0]


def _run(source, on_colab, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append((cmd, kw)))
    if on_colab:
        monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(compile(source, "<colab cell>", "exec"), {})
    return calls


def test_the_tool_finds_nothing_to_change():
    assert colab.main(["--check"]) == 0, "run python -m gan_course.tools.colab"


@pytest.mark.parametrize("name", LESSONS)
def test_badge_and_setup_cell(name, monkeypatch):
    url = colab.repository_url()
    for nb in (jupytext.read(_lessons.ROOT / "notebooks" / f"{name}.md"),
               nbformat.read(_lessons.ROOT / "notebooks" / f"{name}.ipynb", as_version=4)):
        title = nb.cells[0].source.splitlines()
        assert title[0].startswith("# ") and title[2].endswith(
            f"(https://colab.research.google.com/github/{url.removeprefix('https://github.com/')}/blob/main/"
            f"notebooks/{name}.ipynb)"), "the badge sits right under the title and opens this notebook"
        cell = _setup_cell(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code.index(cell) == 0 and "parameters" in code[1].metadata.get("tags", [])
        assert _run(cell.source, on_colab=False, monkeypatch=monkeypatch) == []
        ((cmd, kw),) = _run(cell.source, on_colab=True, monkeypatch=monkeypatch)
        need = sorted(_lessons.needs(name))
        extra = f"[{','.join(need)}]" if need else ""
        assert cmd[:4] == [sys.executable, "-m", "pip", "install"] and cmd[-1] == f"gan-course{extra} @ git+{url}"
        assert kw.get("check") is True
        if isinstance(nb, nbformat.NotebookNode) and "outputs" in cell:
            assert cell.outputs == [], "off Colab the cell prints nothing, so it keeps no output"


def test_a_fork_changes_one_line(tmp_path):
    py = tmp_path / "pyproject.toml"
    py.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/someone/fork"\n')
    assert colab.repository_url(py) == "https://github.com/someone/fork"
    py.write_text('[project]\nname = "x"\n')
    with pytest.raises(SystemExit, match="Repository must be a GitHub address"):
        colab.repository_url(py)
    title = "# Lesson 99 — x\n\nIntro."
    once = colab.with_badge(title, colab.badge("https://github.com/a/b", "notebooks/99_x.ipynb"))
    twice = colab.with_badge(once, colab.badge("https://github.com/c/d", "notebooks/99_x.ipynb"))
    assert twice.count("Open in Colab") == 1 and "github/c/d" in twice and twice.endswith("Intro.")


def test_the_md_edit_moves_nothing_else():
    """Adding or replacing the badge and the setup cell leaves every other line alone, blank lines in code
    cells included (PEP 8's two blank lines between functions once vanished from every lesson)."""
    md = ("# Lesson 99 — x\n\nIntro.\n\n```{code-cell} ipython3\n:tags: [parameters]\n\nseed = 0\n```\n\n"
          "```{code-cell} ipython3\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n```\n")
    once = colab._md_text(md, "https://github.com/a/b", "notebooks/99_x.ipynb", "[torch]")
    twice = colab._md_text(once, "https://github.com/c/d", "notebooks/99_x.ipynb", "[torch]")
    assert "return 1\n\n\ndef g()" in once and "return 1\n\n\ndef g()" in twice
    assert twice.count("Open in Colab") == 1 and "github/c/d" in twice and twice.count(":tags: [colab]") == 1
    removed = twice.replace(colab.badge("https://github.com/c/d", "notebooks/99_x.ipynb") + "\n\n", "")
    block = removed[removed.index("```{code-cell} ipython3\n:tags: [colab]"):removed.index("```{code-cell} ipython3\n:tags: [parameters]")]
    assert removed.replace(block, "") == md
