"""The book site (myst.yml): its table of contents, and an offline content build.

What this is: two checks on the book. First, the toc in myst.yml is explicit and
complete: every lesson source ``notebooks/NN_*.md`` and every generated exercise
``notebooks/exercises/*.md`` is listed, every listed file exists, and no paired
``.ipynb`` twin is listed. Second, the book's content builds offline with
``myst build --site --strict`` (mystmd), with no error and no warning.

What this is not: a test of the rendered HTML. The real book theme is downloaded
on the first online build, so here the build runs in a temporary copy of the
repository whose myst.yml points ``site.template`` at a local stand-in
(tests/book/site-template/template.yml) that declares the theme's options but
ships no web app. The two lookups mystmd makes on its own (the theme's metadata
from api.mystmd.org, its update check on the npm registry) point at a closed
local port, so the build is offline even on a machine that has a network.

``myst build --site --strict`` exits non-zero only for some errors (an unknown
directive, for one, is reported but does not change the exit status), so the
test also fails on every warning or error line mystmd prints.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MYST_YML = ROOT / "myst.yml"
TEMPLATE_STAND_IN = Path(__file__).resolve().parent / "book" / "site-template"
BUILD_TIMEOUT_S = 180
MIN_NODE = 20  # the PyPI `mystmd` wrapper refuses older Node.js
# Directories never needed by the book; skipped when copying the repo.
SKIP_DIRS = {
    ".git", ".venv", "venv", "_build", "build", "dist", "runs", "data", "node_modules",
    "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".jupyter_cache", ".mypy_cache",
}
# mystmd marks each problem line with one of these (warning / error).
PROBLEM_MARKS = ("\u26a0", "\u26d4")
# Advice appended to a failure when the log shows that a page needs the network.
OFFLINE_HINTS = {
    'Error saving image "http': (
        "mystmd downloads remote images (badges too) into the site at build time, so a page that "
        "shows an http(s) image cannot be checked offline. Keep images in the repository, or show "
        "a badge as a plain link."
    ),
    "from doi.org": (
        "mystmd looks up every DOI link (https://doi.org/..., doi:...) at build time. Link to the "
        "paper's https page (e.g. arxiv.org/abs/...) instead, or keep its BibTeX in a committed "
        "myst.doi.bib (`myst build --doi-bib` writes it when online)."
    ),
}
OFFLINE_ENV = {
    # The update check asks the npm registry; the site template lookup asks the
    # mystmd API. Both point at a closed port: any download fails at once.
    "npm_config_registry": "http://127.0.0.1:9/",
    "API_URL": "http://127.0.0.1:9",
    # Never let the PyPI wrapper offer to download Node.js.
    "MYSTMD_ALLOW_NODEENV": "no",
    "NO_COLOR": "1",
    "FORCE_COLOR": "0",
    "CI": "true",
}


# ----------------------------------------------------------------- helpers --
def _config() -> dict:
    with open(MYST_YML, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _walk_toc(entries, part=None):
    """Yield (entry, part title) for every entry of a mystmd toc, depth first."""
    for entry in entries or []:
        yield entry, part
        if "children" in entry:
            yield from _walk_toc(entry["children"], entry.get("title", part))


def _toc_files(config: dict) -> list[str]:
    return [e["file"] for e, _ in _walk_toc(config["project"]["toc"]) if "file" in e]


def _expected_notebooks() -> tuple[list[str], list[str]]:
    lessons = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/[0-9]*.md"))
    exercises = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("notebooks/exercises/*.md"))
    return lessons, exercises


def _myst_command() -> str:
    """The `myst` executable next to this Python, else on PATH; fail with what to install."""
    here = Path(sys.executable).parent / ("myst.exe" if os.name == "nt" else "myst")
    found = str(here) if here.exists() else shutil.which("myst")
    if found is None:
        pytest.fail(
            "The `myst` command (mystmd) was not found next to this Python or on PATH. "
            "Install the test extra: pip install -e '.[test]' (it includes mystmd).",
            pytrace=False,
        )
    return found


def _require_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip(f"Node.js >= {MIN_NODE} is not on PATH; mystmd needs it to build the book")
    out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=30).stdout
    match = re.match(r"v(\d+)", out.strip())
    if match is None or int(match.group(1)) < MIN_NODE:
        pytest.skip(f"Node.js >= {MIN_NODE} is needed to build the book; found {out.strip() or 'unknown'}")


def _offline_copy(dest: Path) -> Path:
    """Copy the repository's book sources into dest and point the site at the stand-in theme."""
    def ignore(folder, names):
        return [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")]

    shutil.copytree(ROOT, dest, ignore=ignore, symlinks=True)
    config = _config()
    config["site"]["template"] = str(TEMPLATE_STAND_IN)
    (dest / "myst.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return dest


def _build_site(project: Path) -> tuple[int, str, dict[str, dict]]:
    """Run `myst build --site --strict` in project; return (exit code, log, pages by source file)."""
    env = {**os.environ, **OFFLINE_ENV}
    try:
        proc = subprocess.run(
            [_myst_command(), "build", "--site", "--strict"],
            cwd=project, env=env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, encoding="utf-8", errors="replace",
            timeout=BUILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as err:
        pytest.fail(f"`myst build --site --strict` took longer than {BUILD_TIMEOUT_S} s:\n{err.stdout}\n{err.stderr}")
    log = f"{proc.stdout}\n{proc.stderr}"
    pages = {}
    for path in sorted((project / "_build" / "site" / "content").glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        pages[page["location"].lstrip("/")] = page
    return proc.returncode, log, pages


def _problems(log: str) -> list[str]:
    """The warning and error lines of a mystmd log (without the --strict summary's repeats)."""
    lines = (line.strip() for line in log.splitlines())
    return sorted({ln for ln in lines if any(m in ln for m in PROBLEM_MARKS) and not ln.startswith("- ")})


# ------------------------------------------------------------------- tests --
def test_toc_is_explicit_and_complete():
    config = _config()
    toc = config["project"]["toc"]
    entries = list(_walk_toc(toc))
    globbed = [e for e, _ in entries if "pattern" in e]
    assert not globbed, f"myst.yml's toc must list files one by one, not by pattern: {globbed}"

    files = _toc_files(config)
    assert len(files) == len(set(files)), f"a file is listed twice in myst.yml's toc: {files}"
    ipynb = [f for f in files if f.endswith(".ipynb")]
    assert not ipynb, f"the toc must list the .md sources, never the paired .ipynb: {ipynb}"
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, f"myst.yml's toc lists files that do not exist: {missing}"

    lessons, exercises = _expected_notebooks()
    assert lessons, "no lesson sources notebooks/NN_*.md were found"
    unlisted = [f for f in lessons + exercises if f not in files]
    assert not unlisted, f"add these notebooks to myst.yml's toc: {unlisted}"

    part_of = {e["file"]: part for e, part in entries if "file" in e}
    wrong = [f for f in exercises if part_of[f] != "Exercises"] + [
        f for f in lessons if part_of[f] == "Exercises"
    ]
    assert not wrong, f"exercise notebooks (and only they) belong in the 'Exercises' part: {wrong}"


def test_config_excludes_twins_and_keeps_the_real_theme():
    config = _config()
    exclude = config["project"].get("exclude", [])
    for pattern in ("**/*.ipynb", ".venv/**", "runs/**", "_build/**", "tests/**"):
        assert pattern in exclude, f"myst.yml project.exclude should contain {pattern!r}; it has {exclude}"
    assert config["project"]["title"] == "gan-course: generative models you can run"
    # The stand-in theme is for the offline test only; the book itself uses the real one.
    assert config["site"]["template"] == "book-theme"


def test_book_builds_offline(tmp_path):
    _require_node()
    project = _offline_copy(tmp_path / "book")
    code, log, pages = _build_site(project)
    hint = "".join(f"\n{advice}" for needle, advice in OFFLINE_HINTS.items() if needle in log)
    assert code == 0, f"`myst build --site --strict` failed (exit {code}):\n{log}{hint}"
    problems = _problems(log)
    assert not problems, "mystmd reported problems in the book:\n" + "\n".join(problems) + hint

    files = _toc_files(_config())
    assert sorted(pages) == sorted(files), (
        f"every toc entry should give exactly one page; toc: {files}, pages built: {sorted(pages)}"
    )
    not_notebooks = [f for f in files if f.startswith("notebooks/") and pages[f]["kind"] != "Notebook"]
    assert not not_notebooks, (
        f"these lessons were read as plain articles, not notebooks (is their jupytext/kernelspec "
        f"front matter intact?): {not_notebooks}"
    )
    slugs = [p["slug"] for p in pages.values()]
    assert len(slugs) == len(set(slugs)), f"two pages share one URL: {sorted(slugs)}"


def test_offline_build_catches_a_broken_page(tmp_path):
    """The check above can fail: an unknown directive (exit code 0 under --strict) is caught."""
    _require_node()
    project = _offline_copy(tmp_path / "book")
    page = next(project / f for f in reversed(_toc_files(_config())) if (project / f).is_file())
    page.write_text(page.read_text(encoding="utf-8") + "\n```{no-such-directive}\nx\n```\n", encoding="utf-8")
    code, log, _ = _build_site(project)
    assert code != 0 or any("no-such-directive" in p for p in _problems(log)), log
