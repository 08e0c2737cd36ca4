"""Generate the student exercise notebooks from the lessons' solution regions.

Usage: ``python -m gan_course.tools.exercises [LESSON ...] [--force] [--check]``

Reads every lesson source ``notebooks/NN_topic.md`` that has solution regions
and writes ``notebooks/exercises/NN_topic.md`` plus its paired ``.ipynb``:

* in code cells, each ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` region becomes,
  at the marker's indentation, ``# YOUR CODE HERE`` and a ``raise NotImplementedError``
  (the instruction is the ordinary comment just above the region, kept);
* ``# BEGIN HIDDEN TESTS`` ... ``# END HIDDEN TESTS`` regions are deleted;
* in markdown cells, ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->``
  becomes "_Write your answer here._";
* outputs are cleared, and a banner cell on top says where the file came from.

Student work is never lost: the banner cell stores a sha256 of the generated
cells (``metadata.gan_course.generated_sha256``, kept in both the .md and the
.ipynb); a file whose cells no longer match it was edited, and is not
overwritten without ``--force``. ``--check`` writes nothing and exits 1 with a
short diff when the files on disk differ from a fresh generation (CI).

What it is not: nbgrader. No grading, no student records; checks live in
``gan_course.checks``.
"""
from __future__ import annotations

import argparse
import ast
import copy
import difflib
import hashlib
import json
import re
import sys
from pathlib import Path

from . import notebooks_dir

__all__ = ["blank_code", "blank_markdown", "exercise_notebook", "render", "generate", "main"]

PLACEHOLDER = ('raise NotImplementedError("Blank: write this part yourself (see the comment above), '
               'then run the check below.")')
_MARK = re.compile(r"^(\s*)#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
_MD_REGION = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->.*?<!--\s*END SOLUTION\s*-->", re.S)
_LESSON = re.compile(r"^\d\d_\w+\.md$")
COMMAND = "python -m gan_course.tools.exercises"


def blank_code(source: str, where: str = "cell") -> str:
    """Replace solution regions by a blank and drop hidden-test regions in one code cell.

    Example: ``blank_code("# BEGIN SOLUTION\\nx = 1\\n# END SOLUTION")`` -> ``"# YOUR CODE HERE\\nraise ..."``.
    """
    out, open_ = [], None  # open_ = (kind, line number) of the region being skipped
    for n, line in enumerate(source.splitlines(), 1):
        m = _MARK.match(line)
        if not m:
            if open_ is None:
                out.append(line)
            continue
        indent, edge, kind = m.groups()
        if edge == "BEGIN":
            if open_:
                raise ValueError(f"{where}, line {n}: BEGIN {kind} inside the {open_[0]} region opened on "
                                 f"line {open_[1]}; close it with '# END {open_[0]}' first.")
            open_ = (kind, n)
            if kind == "SOLUTION":
                out += [f"{indent}# YOUR CODE HERE", f"{indent}{PLACEHOLDER}"]
        elif open_ is None or open_[0] != kind:
            raise ValueError(f"{where}, line {n}: '# END {kind}' without a matching '# BEGIN {kind}' above it.")
        else:
            open_ = None
    if open_:
        raise ValueError(f"{where}, line {open_[1]}: '# BEGIN {open_[0]}' is never closed by '# END {open_[0]}'.")
    return "\n".join(out)


def blank_markdown(source: str, where: str = "cell") -> str:
    """Replace ``<!-- BEGIN SOLUTION -->...<!-- END SOLUTION -->`` by a prompt in a markdown cell.

    Example: ``blank_markdown("<!-- BEGIN SOLUTION -->42<!-- END SOLUTION -->")`` -> ``"_Write your answer here._"``.
    """
    text = _MD_REGION.sub("_Write your answer here._", source)
    if re.search(r"<!--\s*(BEGIN|END) SOLUTION\s*-->", text):
        raise ValueError(f"{where}: unbalanced <!-- BEGIN SOLUTION --> / <!-- END SOLUTION --> markers.")
    return text


def _check_syntax(source: str, where: str) -> None:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        source = TransformerManager().transform_cell(source)  # %magics and !shell lines -> Python
    except ImportError:
        pass
    try:
        compile(source, where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as err:
        raise ValueError(f"{where}: after blanking, the cell is not valid Python ({err.msg}, line {err.lineno}). "
                         "Check where its BEGIN/END SOLUTION markers sit.") from None


def content_hash(cells) -> str:
    """sha256 of the cells' types and sources (whitespace-normalised; outputs and metadata ignored)."""
    norm = [[c.cell_type, "\n".join(line.rstrip() for line in c.source.strip().splitlines())] for c in cells]
    return hashlib.sha256(json.dumps(norm, ensure_ascii=False).encode()).hexdigest()


def _stamp(nb):
    cells = nb.cells
    return cells[0].metadata.get("gan_course", {}) if cells else {}


def exercise_notebook(lesson: Path, label: str | None = None):
    """The exercise version of one lesson source, as an nbformat notebook.

    Example: ``exercise_notebook(Path("notebooks/01_information_theory.md"))``.
    """
    import jupytext
    import nbformat

    lesson = Path(lesson)
    label = label or f"notebooks/{lesson.name}"
    nb = jupytext.read(lesson)
    cells, title = [], lesson.stem
    for i, cell in enumerate(nb.cells, 1):
        where = f"{label}, cell {i}"
        meta = {k: v for k, v in cell.metadata.items() if k not in ("execution", "collapsed", "scrolled")}
        if cell.cell_type == "code":
            source = blank_code(cell.source, where)
            if source != cell.source:
                _check_syntax(source, where)
            if source.strip() or not cell.source.strip():  # drop cells that held only hidden tests
                cells.append(nbformat.v4.new_code_cell(source, metadata=meta))
        elif cell.cell_type == "markdown":
            found = re.search(r"^# (.+)$", cell.source, re.M)
            title = found.group(1).strip() if found and title == lesson.stem else title
            text = blank_markdown(cell.source, where)
            # the lesson's "Open in Colab" badge (gan_course.tools.colab) opens this exercise instead
            text = text.replace(f"/blob/main/notebooks/{lesson.stem}.ipynb", f"/blob/main/notebooks/exercises/{lesson.stem}.ipynb")
            cells.append(nbformat.v4.new_markdown_cell(text, metadata=meta))
        else:
            cells.append(nbformat.v4.new_raw_cell(cell.source, metadata=meta))
    banner = (
        f"# Exercises: {title}\n\n"
        f"Exercise version of *{title}*, generated from `{label}` by `{COMMAND}`; do not edit this file itself.\n\n"
        f"**Work on a copy** (JupyterLab: *File → Save Notebook As…*, e.g. `{lesson.stem}_mine.ipynb`): "
        "regenerating the exercises never touches your copy. Each blank is a `# YOUR CODE HERE` line followed by "
        "`raise NotImplementedError(...)`; the comment above it says what to write. Replace those two lines with "
        "your code, run the cell, then run the check cell below it: it prints ✅ or a hint. *Run All* stops at "
        f"the first unfinished blank. Stuck? The lesson with its solutions is [{lesson.stem}](../{lesson.stem}.ipynb).")
    cells.insert(0, nbformat.v4.new_markdown_cell(banner))
    cells[0].metadata["gan_course"] = {"generated_from": label, "generated_sha256": content_hash(cells)}
    for i, cell in enumerate(cells):
        cell.id = f"ex-{i:03d}"  # stable ids: byte-identical output on every run
    lexer = nb.metadata.get("jupytext", {}).get("default_lexer", "ipython3")
    meta = {"jupytext": {"default_lexer": lexer, "formats": "ipynb,md:myst"},
            "kernelspec": nb.metadata.get("kernelspec") or {"display_name": "Python 3 (ipykernel)",
                                                            "language": "python", "name": "python3"},
            # the book (myst build --execute) shows exercise pages unexecuted: they fail at their blanks on purpose
            "execute": {"skip": True}}
    return nbformat.v4.new_notebook(cells=cells, metadata=meta)


def render(lesson: Path, exercises_dir: Path) -> dict[Path, str]:
    """The exact texts of a lesson's exercise .md and .ipynb, keyed by their paths.

    Example: ``render(Path("notebooks/01_information_theory.md"), Path("notebooks/exercises"))``.
    """
    import jupytext
    from jupytext.config import load_jupytext_config

    nb = exercise_notebook(lesson)
    config = load_jupytext_config(str(exercises_dir if exercises_dir.exists() else lesson.parent))
    texts = {}
    for ext, fmt in ((".md", "md:myst"), (".ipynb", "ipynb")):
        # jupytext.writes mutates nb's metadata: give it a copy; no config for the .ipynb, as jupytext --sync
        text = jupytext.writes(copy.deepcopy(nb), fmt=fmt, config=config if ext == ".md" else None)
        texts[exercises_dir / (lesson.stem + ext)] = text if text.endswith("\n") else text + "\n"
    return texts


def edited(path: Path) -> str | None:
    """Why ``path`` must not be overwritten (a student edited it), or None if it is as generated.

    Example: ``edited(Path("notebooks/exercises/01_information_theory.ipynb"))`` -> ``None``.
    """
    import jupytext

    try:
        nb = jupytext.read(path)
    except Exception as err:  # unreadable = somebody's half-saved work: keep it
        return f"cannot be read as a notebook ({type(err).__name__})"
    stored = _stamp(nb).get("generated_sha256")
    if not stored:
        return "has no generated_sha256 stamp in its first cell (not written by this generator)"
    return None if stored == content_hash(nb.cells) else "was edited after it was generated"


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _lessons(root: Path, names) -> list[Path]:
    every = sorted(p for p in root.glob("*.md") if _LESSON.match(p.name))
    if not names:
        return [p for p in every if "BEGIN SOLUTION" in p.read_text(encoding="utf-8")]
    chosen = []
    for name in names:
        hits = [Path(name)] if Path(name).is_file() else \
            [p for p in every if p.stem == name or p.name == name or p.stem.startswith(f"{name}_")]
        if len(hits) != 1:
            raise ValueError(f"lesson {name!r}: {'no' if not hits else len(hits)} match(es) among "
                             f"{[p.stem for p in every]}; give a number (01) or a name (01_information_theory).")
        if "BEGIN SOLUTION" not in hits[0].read_text(encoding="utf-8"):
            raise ValueError(f"{hits[0]} has no '# BEGIN SOLUTION' region, so it has no exercise version.")
        chosen.append(hits[0])
    return chosen


def generate(lessons=(), *, notebooks: str | Path | None = None, force: bool = False,
             check: bool = False, out=None) -> int:
    """Write (or with ``check=True`` compare) the exercise notebooks; return the exit code (0 or 1).

    Example: ``generate(["01"], check=True)`` -> ``0`` when notebooks/exercises is up to date.
    """
    out = out or sys.stdout
    root = Path(notebooks) if notebooks else notebooks_dir()
    exdir = root / "exercises"
    sources = _lessons(root, lessons)
    if not sources:
        print(f"No lessons with '# BEGIN SOLUTION' regions under {_show(root)}.", file=out)
        return 0
    status = 0
    for lesson in sources:
        texts = render(lesson, exdir)
        stale = {p: t for p, t in texts.items() if not p.exists() or p.read_text(encoding="utf-8") != t}
        if check:
            for path, text in stale.items():
                status = 1
                old = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
                diff = list(difflib.unified_diff(old, text.splitlines(), f"{_show(path)} (on disk)",
                                                 f"{_show(path)} (regenerated)", lineterm="", n=1))
                print(f"out of date: {_show(path)}" + ("" if path.exists() else " (missing)"), file=out)
                if old:
                    print("\n".join(diff[:20] + (["..."] if len(diff) > 20 else [])), file=out)
            continue
        refused = {p: why for p in stale if p.exists() and (why := edited(p))}
        if refused and not force:
            status = 1
            for path, why in refused.items():
                keep = _show(path.with_name(f"{path.stem}_mine{path.suffix}"))
                print(f"NOT overwritten: {_show(path)} {why}. Nothing of {lesson.stem} was written.\n"
                      f"  To keep that work, move it away (e.g. mv {_show(path)} {keep}) and run again;\n"
                      "  to discard it, run again with --force.", file=out)
            continue
        exdir.mkdir(parents=True, exist_ok=True)
        for path, text in stale.items():
            path.write_text(text, encoding="utf-8")
        print(f"{'wrote' if stale else 'up to date:'} {_show(exdir / lesson.stem)}.md + .ipynb", file=out)
    if check and not lessons:  # exercises left behind by a lesson that was renamed or lost its regions
        import jupytext

        made_from = {f"notebooks/{p.name}" for p in sources}
        for path in sorted(exdir.glob("*.md")):
            source = _stamp(jupytext.read(path)).get("generated_from")
            if source and source not in made_from:
                status = 1
                print(f"stale: {_show(path)} was generated from {source}, which has no solution regions now; "
                      "delete it (and its .ipynb) or restore the lesson.", file=out)
    if check and status:
        print(f"Exercises are out of date: run `{COMMAND}` and commit the result.", file=out)
    return status


def main(argv=None) -> int:
    """Command line entry point; see the module docstring. Example: ``main(["--check"])``."""
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write notebooks/exercises/ from the lessons' "
                                     "solution regions (student versions with blanks).")
    parser.add_argument("lessons", nargs="*", metavar="LESSON", help="lesson number or name (default: all)")
    parser.add_argument("--force", action="store_true", help="overwrite exercise files even if they were edited")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 with a diff if out of date")
    parser.add_argument("--notebooks", metavar="DIR", help="the lessons folder (default: ./notebooks)")
    args = parser.parse_args(argv)
    try:
        return generate(args.lessons, notebooks=args.notebooks, force=args.force, check=args.check)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
