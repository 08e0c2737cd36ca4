"""The code a lesson shows is the code gan_course exports (d2l's #@save, checked).

A lesson code cell whose first line is ``#@save gan_course.<module>`` defines
functions / classes that later lessons import from that module. Every top-level
``def`` and ``class`` in such a cell must appear, character for character, in
the named module: the notebook's definition and the package's cannot drift.
"""
import ast
import importlib
import inspect
import pathlib
import re
import textwrap

import pytest

jupytext = pytest.importorskip("jupytext")

ROOT = pathlib.Path(__file__).resolve().parents[1]
MARK = re.compile(r"^#@save\s+(gan_course(?:\.\w+)+)\s*$")


def _saved_cells():
    for md in sorted((ROOT / "notebooks").glob("[0-9]*.md")):
        for i, cell in enumerate(jupytext.read(md).cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            first = cell.source.splitlines()[0].strip()
            if first.startswith("#@save"):
                match = MARK.match(first)
                assert match, f"{md.name} cell {i}: write '#@save gan_course.<module>', got {first!r}"
                yield pytest.param(md.name, i, match.group(1), cell.source, id=f"{md.stem}-cell{i}")


def _definitions(source: str) -> dict:
    tree = ast.parse(source)
    return {node.name: ast.get_source_segment(source, node)
            for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))}


CELLS = list(_saved_cells())


@pytest.mark.skipif(not CELLS, reason="no lesson has #@save cells yet")
@pytest.mark.parametrize("lesson,index,module,source", CELLS)
def test_saved_definitions_match_package(lesson, index, module, source):
    defs = _definitions(source)
    assert defs, f"{lesson} cell {index} is marked #@save but defines no function or class"
    mod = importlib.import_module(module)
    package_defs = _definitions(inspect.getsource(mod))
    for name, code in defs.items():
        assert name in package_defs, f"{lesson} defines {name} (#@save {module}) but {module} has no {name}"
        assert textwrap.dedent(package_defs[name]).strip() == textwrap.dedent(code).strip(), (
            f"{name} in {lesson} (cell {index}) and in {module} differ: copy the lesson's version into the module "
            "(or the other way round) so the code learners read is the code later lessons import.")
