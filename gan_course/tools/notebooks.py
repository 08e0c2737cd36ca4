"""Re-sync and re-execute lesson notebooks (a lecturer's tool, not used by lessons).

``python -m gan_course.tools.notebooks [--quick] [NAME ...]`` for each lesson
``notebooks/NN_topic.md`` (all of them, or those whose file name contains a NAME):

1. writes the paired ``.ipynb`` from the ``.md`` source (jupytext, sources only);
2. executes it in place, in full mode unless ``--quick``, with no per-cell
   timing and no saved widget state, so re-running changes only real outputs.

Exercise notebooks are not executed (they fail on purpose): regenerate those
with ``python -m gan_course.tools.exercises``.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

__all__ = ["lessons", "sync_and_execute", "keep_cell_ids", "coalesce_streams", "final_lines", "main"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
COMMAND = "python -m gan_course.tools.notebooks"


def lessons(names=()):
    """The lesson sources to process. Example: ``lessons(["01"])``."""
    found = sorted((ROOT / "notebooks").glob("[0-9]*.md"))
    return [p for p in found if not names or any(n in p.name for n in names)]


def sync_and_execute(md: pathlib.Path, quick: bool = False, timeout: int = 1800) -> float:
    """Write ``md``'s paired .ipynb and execute it in place; return the seconds it took.

    Example: ``sync_and_execute(ROOT / "notebooks/01_information_theory.md")``.
    """
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    nb = jupytext.read(md)
    nb.metadata.setdefault("jupytext", {})["formats"] = "ipynb,md:myst"
    if md.with_suffix(".ipynb").exists():
        keep_cell_ids(nb, nbformat.read(md.with_suffix(".ipynb"), as_version=4))
    env = {"GAN_COURSE_QUICK": "1" if quick else "0", "GAN_COURSE_TEXT_PROGRESS": "1",
           "TQDM_MININTERVAL": "5"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       store_widget_state=False, resources={"metadata": {"path": str(md.parent)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k)
            else:
                os.environ[k] = v
    for cell in nb.cells:
        if "outputs" in cell:
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, md.with_suffix(".ipynb"))
    return time.perf_counter() - start


def keep_cell_ids(nb, old) -> None:
    """Give ``nb``'s cells the ids of ``old``'s cells with the same type and source, in order.

    jupytext makes new random ids on every read; keeping the old ones keeps diffs of a
    re-executed notebook down to the outputs that really changed.
    Example: ``keep_cell_ids(jupytext.read(md), nbformat.read(ipynb, 4))``.
    """
    pool = {}
    for cell in old.cells:
        if "id" in cell:
            pool.setdefault((cell.cell_type, cell.source), []).append(cell.id)
    for cell in nb.cells:
        ids = pool.get((cell.cell_type, cell.source))
        if ids and "id" in cell:
            cell.id = ids.pop(0)


def coalesce_streams(outputs: list) -> list:
    """Merge consecutive outputs of one stream and keep what a terminal would show.

    Example: two stderr outputs ``"0%"`` and ``"\\r100%"`` become one, ``"100%"``.
    """
    merged = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged and merged[-1].get("output_type") == "stream"
                and merged[-1]["name"] == out["name"]):
            merged[-1]["text"] += out["text"]
        else:
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream":
            out["text"] = final_lines(out["text"])
    return [o for o in merged if o.get("output_type") != "stream" or o["text"].strip()]


def final_lines(text: str) -> str:
    """What a terminal would show of ``text``: each line's last carriage-return segment.

    Text progress bars redraw their line with ``\\r``; only the final state is kept.
    Example: ``final_lines("10%\\r100%\\n") == "100%\\n"``.
    """
    lines = []
    for line in text.split("\n"):
        parts = [p for p in line.split("\r") if p.strip()]
        if parts or not line:
            lines.append(parts[-1] if parts else "")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="part of a lesson file name, e.g. 01")
    parser.add_argument("--quick", action="store_true", help="execute with GAN_COURSE_QUICK=1")
    args = parser.parse_args(argv)
    todo = lessons(args.names)
    if not todo:
        print(f"no lesson matches {args.names}", file=sys.stderr)
        return 1
    for md in todo:
        seconds = sync_and_execute(md, quick=args.quick)
        print(f"{md.relative_to(ROOT)}: executed in {seconds:.1f} s ({'quick' if args.quick else 'full'} mode)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
