"""The book site (myst.yml): its table of contents, and an offline build checked against the notebooks.

What this is: three checks on the book.

1. The toc in myst.yml is explicit and complete: every executed lesson
   ``notebooks/NN_*.ipynb`` (the list comes from that glob, so a new lesson must
   be added), every generated exercise ``notebooks/exercises/*.md`` and the
   lecturers' page are listed; lessons as their .ipynb, never their .md source.
2. The book builds offline with ``myst build --site --strict`` (mystmd), with no
   error and no warning (no duplicate identifiers either), and the one rule
   myst.yml silences hides nothing but the known jupytext metadata key.
3. Every lesson page shows what its notebook shows: the outputs of the built
   page, read the way the book theme renders them, equal the notebook's outputs
   one for one: the same number of figures (each image byte for byte, GIFs
   included), the same printed text, every quiz as HTML with its folded
   answers, and each widget as its static figure (never the theme's "kernel
   required" placeholder). Links to a lesson reach its page.

What this is not: a test of the rendered HTML. The real book theme is downloaded
on the first online build, so here the build runs in a temporary copy of the
repository whose myst.yml points ``site.template`` at a local stand-in
(tests/book/site-template/template.yml) that declares the theme's options but
ships no web app. How the theme turns an output into HTML is mirrored in
``_shown`` from its source (@myst-theme/jupyter 1.4: output.js, safe.js;
thebe-core 0.5: stripWidgets in utils.js). The two lookups mystmd makes on its
own (the theme's metadata from api.mystmd.org, its update check on the npm
registry) point at a closed local port, so the build is offline even on a
machine that has a network.

``myst build --site --strict`` exits non-zero only for some errors (an unknown
directive, for one, is reported but does not change the exit status), so the
test also fails on every warning or error line mystmd prints.
"""

from __future__ import annotations

import base64
import hashlib
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
LESSON_GLOB = "notebooks/[0-9][0-9]_*.ipynb"  # the executed lessons: the book's lesson pages
EXERCISE_GLOB = "notebooks/exercises/[0-9][0-9]_*.md"
LECTURERS_PAGE = "docs/lecturers.md"
WIDGET_PLUGIN = ".myst/widget_fallbacks.mjs"
BUILD_TIMEOUT_S = 240
MIN_NODE = 20  # the PyPI `mystmd` wrapper refuses older Node.js
# Directories never needed by the book; skipped when copying the repo.
SKIP_DIRS = {
    ".git", ".venv", "venv", "_build", "build", "dist", "runs", "data", "node_modules",
    "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".jupyter_cache", ".mypy_cache",
}
# mystmd marks each problem line with one of these (warning / error).
PROBLEM_MARKS = ("\u26a0", "\u26d4")
# The one message myst.yml's `valid-page-frontmatter: ignore` is there to hide.
KNOWN_FRONTMATTER_NOTE = "'jupytext' extra key ignored: default_lexer"
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
# How the book theme shows one output (@myst-theme/jupyter 1.4, output.js): a bundle
# whose types are all in DIRECT is drawn as a plain <img> (else its text); any other
# goes through thebe-core, which drops the widget view and, if no text/html is left,
# puts a "kernel connection required" placeholder in its place (utils.js,
# stripWidgets), then shows the richest type in JupyterLab's order (RICHEST).
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DIRECT = {"text/plain", "image/png", "image/jpeg", "image/gif", "image/bmp"}
IMAGE_ORDER = ("image/png", "image/jpeg", "image/gif", "image/bmp")
RICHEST = ("text/html", "text/markdown", "text/latex", "image/svg+xml", *IMAGE_ORDER, "text/plain")


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


def _expected_pages(root: Path = ROOT) -> tuple[list[str], list[str]]:
    lessons = sorted(p.relative_to(root).as_posix() for p in root.glob(LESSON_GLOB))
    exercises = sorted(p.relative_to(root).as_posix() for p in root.glob(EXERCISE_GLOB))
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


class Site:
    """A built site: exit code, log, pages by source file, the folder of its static files, and the
    project it was built from (the copy: its notebooks are the ones the pages must match)."""

    def __init__(self, code: int, log: str, pages: dict[str, dict], public: Path, project: Path):
        self.code, self.log, self.pages, self.public, self.project = code, log, pages, public, project


def _build_site(project: Path) -> Site:
    """Run `myst build --site --strict --debug` in project (debug: the log shows silenced messages too)."""
    env = {**os.environ, **OFFLINE_ENV}
    try:
        proc = subprocess.run(
            [_myst_command(), "build", "--site", "--strict", "--debug"],
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
    return Site(proc.returncode, log, pages, project / "_build" / "site" / "public", project)


def _problems(log: str) -> list[str]:
    """The warning and error lines of a mystmd log (without the --strict summary's repeats)."""
    lines = (line.strip() for line in log.splitlines())
    return sorted({ln for ln in lines if any(m in ln for m in PROBLEM_MARKS) and not ln.startswith("- ")})


# A frontmatter validation message: "<file> '<key>' <what> (at <file>[#frontmatter...])".
FRONTMATTER_MESSAGE = re.compile(r"^\S+ '[^']+' .+ \(at \S+\)$")


def _silenced_frontmatter_messages(log: str) -> list[str]:
    """Page-frontmatter validation messages (printed only in the debug log once their rule is ignored)."""
    return [ln.strip() for ln in log.splitlines() if FRONTMATTER_MESSAGE.search(ln.strip())]


def _nodes(tree, kind: str):
    """Every mdast node of type `kind`, in document order."""
    if isinstance(tree, dict):
        if tree.get("type") == kind:
            yield tree
        for child in tree.get("children", []):
            yield from _nodes(child, kind)
    elif isinstance(tree, list):
        for child in tree:
            yield from _nodes(child, kind)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _shown(output: dict, read) -> tuple:
    """What the book theme shows for one Jupyter output, as a comparable tuple.

    `read(mime, value)` returns the value's content (bytes for images, str for text),
    whether the value is a notebook's (base64 / text) or a built page's ({path} / {content}).
    Images are compared by sha256 of their bytes.
    """
    kind = output.get("output_type")
    if kind == "stream":
        return ("stream", output.get("name"), read("text/plain", output.get("text", "")))
    if kind == "error":
        return ("error", output.get("ename"), output.get("evalue"))
    data = dict(output.get("data") or {})
    if data and set(data) <= DIRECT:  # drawn directly: an <img>, else the text
        image = next((m for m in IMAGE_ORDER if m in data), None)
        if image:
            return ("image", image, hashlib.sha256(read(image, data[image])).hexdigest())
        return ("text", read("text/plain", data["text/plain"]))
    if WIDGET_VIEW in data:  # thebe-core's stripWidgets
        del data[WIDGET_VIEW]
        if "text/html" not in data:
            return ("placeholder: 'a Jupyter kernel connection is required'",)
    mime = next((m for m in RICHEST if m in data), None)
    if mime is None:
        return ("nothing", tuple(sorted(data)))
    content = read(mime, data[mime])
    if mime.startswith("image/"):
        content = hashlib.sha256(content).hexdigest()
    return ("image" if mime.startswith("image/") else "rich", mime, content)


def _notebook_read(mime: str, value):
    if mime.startswith("image/") and mime != "image/svg+xml":
        return base64.b64decode(_text(value))
    return _text(value)


def _notebook_shows(output: dict) -> tuple:
    """What a reader without a kernel sees of a notebook output: a widget's static form, not the view."""
    data = output.get("data") or {}
    if WIDGET_VIEW in data and any(m.startswith("image/") or m == "text/html" for m in data):
        output = {**output, "data": {k: v for k, v in data.items() if k != WIDGET_VIEW}}
    return _shown(output, _notebook_read)


def _page_reader(public: Path):
    def read(mime: str, value):
        if isinstance(value, dict) and value.get("path"):
            raw = (public / value["path"].lstrip("/")).read_bytes()
            return raw if mime.startswith("image/") and mime != "image/svg+xml" else raw.decode("utf-8")
        if isinstance(value, dict):
            return _text(value.get("content", ""))
        return _text(value)
    return read


def _notebook_outputs(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]


def _has_image(output: dict) -> bool:
    return any(m.startswith("image/") for m in output.get("data") or {})


def _brief(form: tuple) -> str:
    return repr(tuple(str(x)[:120] for x in form))


# -------------------------------------------------------------- the build --
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    """The book built once, offline, from a copy of the repository."""
    _require_node()
    return _build_site(_offline_copy(tmp_path_factory.mktemp("book") / "book"))


# ------------------------------------------------------------------- tests --
def test_toc_is_explicit_and_complete():
    config = _config()
    toc = config["project"]["toc"]
    entries = list(_walk_toc(toc))
    globbed = [e for e, _ in entries if "pattern" in e]
    assert not globbed, f"myst.yml's toc must list files one by one, not by pattern: {globbed}"

    files = _toc_files(config)
    assert len(files) == len(set(files)), f"a file is listed twice in myst.yml's toc: {files}"
    missing = [f for f in files if not (ROOT / f).is_file()]
    assert not missing, f"myst.yml's toc lists files that do not exist: {missing}"
    sources = [f for f in files if re.fullmatch(r"notebooks/\d\d_\w+\.md", f)]
    assert not sources, (
        f"lesson pages must be the executed notebooks (.ipynb), which carry the outputs; "
        f"the toc lists these .md sources instead: {sources}"
    )
    twins = [f for f in files if f.startswith("notebooks/exercises/") and f.endswith(".ipynb")]
    assert not twins, f"exercise pages are the .md sources, never their .ipynb twins: {twins}"

    lessons, exercises = _expected_pages()
    assert lessons, f"no executed lessons {LESSON_GLOB} were found"
    unlisted = [f for f in lessons + exercises + [LECTURERS_PAGE] if f not in files]
    assert not unlisted, f"add these pages to myst.yml's toc: {unlisted}"

    part_of = {e["file"]: part for e, part in entries if "file" in e}
    wrong = [f for f in exercises if part_of[f] != "Exercises"] + [
        f for f in lessons if part_of[f] != "Lessons"
    ]
    assert not wrong, ("lesson notebooks belong in the 'Lessons' part and exercise notebooks (only they) "
                       f"in the 'Exercises' part: {wrong}")


def test_config_excludes_sources_and_keeps_the_real_theme():
    config = _config()
    exclude = config["project"].get("exclude", [])
    for pattern in ("notebooks/[0-9][0-9]_*.md", "notebooks/exercises/*.ipynb", ".venv/**", "runs/**",
                    "_build/**", "tests/**"):
        assert pattern in exclude, f"myst.yml project.exclude should contain {pattern!r}; it has {exclude}"
    assert "**/*.ipynb" not in exclude, "the lesson pages are .ipynb files: do not exclude every .ipynb"
    assert WIDGET_PLUGIN in config["project"].get("plugins", []), (
        f"myst.yml must load {WIDGET_PLUGIN}, or widgets show a placeholder instead of their figure"
    )
    assert (ROOT / WIDGET_PLUGIN).is_file()
    assert config["project"]["title"] == "gan-course: generative models you can run"
    # The stand-in theme is for the offline test only; the book itself uses the real one.
    assert config["site"]["template"] == "book-theme"


def test_book_builds_offline_without_warnings(site):
    hint = "".join(f"\n{advice}" for needle, advice in OFFLINE_HINTS.items() if needle in site.log)
    assert site.code == 0, f"`myst build --site --strict` failed (exit {site.code}):\n{site.log[-6000:]}{hint}"
    problems = _problems(site.log)
    assert not problems, "mystmd reported problems in the book:\n" + "\n".join(problems) + hint
    hidden = [m for m in _silenced_frontmatter_messages(site.log) if KNOWN_FRONTMATTER_NOTE not in m]
    assert not hidden, (
        "myst.yml silences the rule valid-page-frontmatter for jupytext's default_lexer key only, "
        "but it also hid these messages (fix them):\n" + "\n".join(hidden)
    )

    files = _toc_files(_config())
    assert sorted(site.pages) == sorted(files), (
        f"every toc entry should give exactly one page; toc: {files}, pages built: {sorted(site.pages)}"
    )
    not_notebooks = [f for f in files if re.match(r"notebooks/(exercises/)?\d\d_", f)
                     and site.pages[f]["kind"] != "Notebook"]
    assert not not_notebooks, (
        f"these lessons were read as plain articles, not notebooks (is their jupytext/kernelspec "
        f"front matter intact?): {not_notebooks}"
    )
    slugs = [p["slug"] for p in site.pages.values()]
    assert len(slugs) == len(set(slugs)), f"two pages share one URL: {sorted(slugs)}"


@pytest.mark.slow  # uses the site built by myst
def test_lesson_pages_show_every_output_of_their_notebook(site):
    """Figures, GIFs, printed numbers, quizzes and widget figures: page == notebook, output for output."""
    lessons, _ = _expected_pages(site.project)
    read = _page_reader(site.public)
    report, failures = [], []
    for lesson in lessons:
        page = site.pages.get(lesson)
        assert page is not None, f"{lesson} gave no page (is it in myst.yml's toc?)"
        outputs = _notebook_outputs(site.project / lesson)
        want = [_notebook_shows(o) for o in outputs]
        got = [_shown(node["jupyter_data"], read) for node in _nodes(page["mdast"], "output")]
        images_nb = sum(_has_image(o) for o in outputs)
        images_page = sum(form[0] == "image" for form in got)
        widgets = sum(WIDGET_VIEW in (o.get("data") or {}) and _has_image(o) for o in outputs)
        report.append(f"{lesson}: {len(got)} outputs, {images_page} figures (notebook: {images_nb}, "
                      f"{widgets} of them widgets' static figures)")
        if images_page != images_nb:
            failures.append(f"{lesson}: the page shows {images_page} figures, the notebook holds {images_nb}")
        placeholders = [i for i, form in enumerate(got) if form[0].startswith("placeholder")]
        if placeholders:
            failures.append(f"{lesson}: outputs {placeholders} show the theme's 'kernel required' placeholder "
                            f"instead of the widget's figure (is {WIDGET_PLUGIN} loaded?)")
        if got != want:
            at = next((i for i, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
            failures.append(
                f"{lesson}: the page's outputs differ from the notebook's from output {at} on "
                f"({len(got)} on the page, {len(want)} in the notebook):\n"
                f"    page:     {_brief(got[at]) if at < len(got) else '(none)'}\n"
                f"    notebook: {_brief(want[at]) if at < len(want) else '(none)'}"
            )
    assert not failures, "\n".join(failures) + "\n\nAll lessons:\n" + "\n".join(report)


@pytest.mark.slow  # uses the site built by myst
def test_quizzes_and_widget_figures_are_on_their_pages(site):
    """Every lesson page ends with its quiz, answers folded; lessons 01 and 07 show their widgets' figures."""
    lessons, _ = _expected_pages(site.project)
    read = _page_reader(site.public)
    for lesson in lessons:
        got = [_shown(node["jupyter_data"], read) for node in _nodes(site.pages[lesson]["mdast"], "output")]
        html = "".join(form[2] for form in got if form[0] == "rich" and form[1] == "text/html")
        questions = len(re.findall(r"<b>Question \d+\.</b>", html))
        answers = html.count("<summary>Show answer</summary>")
        assert "gan-course-quiz" in html and questions > 0, f"{lesson}: the page shows no quiz"
        assert answers == questions, f"{lesson}: {questions} quiz questions but {answers} folded answers"
    for lesson, at_least in (("notebooks/01_information_theory.ipynb", 1),
                             ("notebooks/07_training_pathologies.ipynb", 2)):
        outputs = _notebook_outputs(site.project / lesson)
        widget_figures = [_notebook_shows(o) for o in outputs if WIDGET_VIEW in (o.get("data") or {})
                          and _has_image(o)]
        got = [_shown(node["jupyter_data"], read) for node in _nodes(site.pages[lesson]["mdast"], "output")]
        assert len(widget_figures) >= at_least, f"{lesson}: expected {at_least} widget(s) with a static figure"
        missing = [f for f in widget_figures if f not in got]
        assert not missing, f"{lesson}: the page lacks the static figure of {len(missing)} widget(s)"


@pytest.mark.slow  # uses the site built by myst
def test_links_to_lessons_open_their_pages(site):
    """A link to a lesson's .md source would download code without outputs: link the .ipynb (the page)."""
    bad = []
    for source, page in site.pages.items():
        for node in _nodes(page["mdast"], "link"):
            target = node.get("urlSource") or node.get("url", "")
            if re.search(r"(^|/)\d\d_\w+\.md$", target) and "exercises/" not in target and node.get("static"):
                bad.append(f"{source}: [{target}] -> link to {Path(target).with_suffix('.ipynb').as_posix()}")
    assert not bad, ("these links point at a lesson's .md source, which is not a page of the book (the reader "
                     "would download its code, without outputs):\n" + "\n".join(sorted(set(bad))))


def test_offline_build_catches_broken_pages_and_a_missing_figure(tmp_path):
    """The checks above can fail: an unknown directive (exit code 0 under --strict) and a misspelt
    front-matter key (a message of the silenced rule) are caught, and without the widget plugin
    lesson 01's explorer shows the theme's placeholder, not its figure."""
    _require_node()
    project = _offline_copy(tmp_path / "book")
    page = project / "notebooks" / "exercises" / "01_information_theory.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n```{no-such-directive}\nx\n```\n", encoding="utf-8")
    page = project / LECTURERS_PAGE
    page.write_text(page.read_text(encoding="utf-8").replace("---\n", "---\nsubtitel: typo\n", 1), encoding="utf-8")
    config = yaml.safe_load((project / "myst.yml").read_text(encoding="utf-8"))
    config["project"]["plugins"] = []
    (project / "myst.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    broken = _build_site(project)
    assert broken.code != 0 or any("no-such-directive" in p for p in _problems(broken.log)), broken.log
    assert any("subtitel" in m for m in _silenced_frontmatter_messages(broken.log)), broken.log
    lesson = "notebooks/01_information_theory.ipynb"
    got = [_shown(n["jupyter_data"], _page_reader(broken.public))
           for n in _nodes(broken.pages[lesson]["mdast"], "output")]
    want = [_notebook_shows(o) for o in _notebook_outputs(project / lesson)]
    assert got != want and any(form[0].startswith("placeholder") for form in got)
