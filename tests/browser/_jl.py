"""Helpers that operate JupyterLab in a Playwright page: open a notebook, run it, read what it shows.

Running cells goes through JupyterLab's own commands (``window.jupyterapp``, exposed by
``--LabApp.expose_app_in_browser``), the way its menus do; widgets are operated with the
mouse and keyboard. Errors are read from the notebook model JupyterLab holds, so a
warning on stderr is not mistaken for one.
"""
from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_MS = 240_000
_workspaces = itertools.count()

_READY = """(name) => {
  const panel = window.jupyterapp?.shell.currentWidget;
  const kernel = panel?.sessionContext?.session?.kernel;
  return Boolean(panel?.context?.path === name && panel.content?.widgets?.length && kernel?.status === 'idle');
}"""

_ALL_RUN = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code' && c.model.sharedModel.getSource().trim());
  const status = panel.sessionContext.session?.kernel?.status;
  if (status === 'dead') throw new Error('the kernel died');
  return status === 'idle' && cells.every(c => c.model.executionCount !== null
                                              && !c.node.querySelector('.jp-InputPrompt').textContent.includes('*'));
}"""

_ERRORS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const errors = [];
  panel.content.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.outputs.toJSON()) {
      if (out.output_type === 'error') errors.push(`cell ${i + 1}: ${out.ename}: ${out.evalue}`);
    }
  });
  return errors;
}"""


def open_notebook(page, lab, name: str) -> None:
    """Open ``name`` (in the server's root folder) in a fresh workspace; wait for its kernel to be idle."""
    workspace = re.sub(r"\W+", "-", Path(name).stem) + f"-{next(_workspaces)}"
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{name}?reset")
    page.wait_for_function(_READY, arg=name, timeout=120_000, polling=500)


def run_all(page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Clear every output, run all cells (Run > Run All Cells) and wait until each has run."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_function(_ALL_RUN, timeout=timeout_ms, polling=500)


def errors(page) -> list[str]:
    """Every error output in the open notebook, as 'cell N: Name: message'."""
    return page.evaluate(_ERRORS)


def run_probe(page, code: str, timeout_ms: int = 120_000) -> dict:
    """Append a cell with ``code`` (which prints one JSON line), run it, and return that JSON."""
    index = page.evaluate("""async (code) => {
      const app = window.jupyterapp, panel = app.shell.currentWidget, nb = panel.content;
      nb.activeCellIndex = nb.widgets.length - 1;
      await app.commands.execute('notebook:insert-cell-below');
      nb.activeCell.model.sharedModel.setSource(code);
      app.commands.execute('notebook:run-cell');
      return nb.activeCellIndex;
    }""", code)
    handle = page.wait_for_function("""(i) => {
      const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
      const outs = cell.model.outputs.toJSON();
      if (outs.some(o => o.output_type === 'error')) return {error: JSON.stringify(outs)};
      const text = outs.filter(o => o.output_type === 'stream').map(o => o.text).join('');
      return text.trim().endsWith('}') ? {text} : false;
    }""", arg=index, timeout=timeout_ms, polling=250)
    result = handle.json_value()
    assert "error" not in result, f"the probe cell failed: {result['error']}"
    return json.loads(result["text"].strip().splitlines()[-1])


def code_cell(page, text: str):
    """The code cell whose source contains ``text`` (a Playwright locator)."""
    cell = page.locator(".jp-Notebook .jp-CodeCell").filter(has=page.locator(".jp-InputArea", has_text=text))
    assert cell.count() == 1, f"expected one code cell containing {text!r}, found {cell.count()}"
    return cell.first


def image_sha256(image) -> str:
    """sha256 of the bytes an <img> shows (an ipywidgets Image shows a blob: URL of its PNG)."""
    data = image.evaluate("""async (img) => {
      const blob = await (await fetch(img.src)).blob();
      return await new Promise(done => {
        const reader = new FileReader();
        reader.onload = () => done(reader.result.split(',')[1]);
        reader.readAsDataURL(blob);
      });
    }""")
    return hashlib.sha256(base64.b64decode(data)).hexdigest()
