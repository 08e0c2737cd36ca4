"""Re-sync and re-execute lesson notebooks (a lecturer's tool, not used by lessons).

``python -m gan_course.notebooks [--quick] [NAME ...]`` for each lesson
``notebooks/NN_topic.md`` (all of them, or those whose file name contains a NAME):

1. writes the paired ``.ipynb`` from the ``.md`` source (jupytext, sources only);
2. executes it in place, in full mode unless ``--quick``, with no per-cell
   timing and no saved widget state, so re-running changes only real outputs.

Exercise notebooks are not executed (they fail on purpose): regenerate those
with ``python -m gan_course.exercises``.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


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
    env_quick = os.environ.get("GAN_COURSE_QUICK")
    os.environ["GAN_COURSE_QUICK"] = "1" if quick else "0"
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       store_widget_state=False, resources={"metadata": {"path": str(md.parent)}}).execute()
    finally:
        if env_quick is None:
            os.environ.pop("GAN_COURSE_QUICK")
        else:
            os.environ["GAN_COURSE_QUICK"] = env_quick
    nbformat.write(nb, md.with_suffix(".ipynb"))
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
