"""Lecturer tools: programs that build, check and re-execute the course, not
code a student imports.

Each is run as ``python -m gan_course.tools.<name>``:

- ``exercises`` -- writes ``notebooks/exercises/`` from the lessons' solution
  regions (``--check`` fails when the committed exercises are out of date).
- ``notebooks`` -- rewrites a lesson's ``.ipynb`` from its ``.md`` and
  executes it in place.
- ``export`` -- writes the ``#@save gan_course.<module>`` cells of the
  lessons into the package (``--check`` fails when a module has drifted).
- ``seeds`` -- reruns a lesson's training with several seeds and writes mean ± sd
  of its metrics to ``runs/<lesson>/seeds.json`` (a benchmark, not a test).
- ``grade`` -- runs submitted exercise notebooks (student code!) and writes grades.csv.
- ``reading_copy`` -- every executed lesson as standalone offline HTML with an index.

Nothing here is imported by a lesson: a student's install never needs these modules.
"""
from __future__ import annotations

from pathlib import Path


def notebooks_dir(*parts: str) -> Path:
    """The course's ``notebooks/`` folder (or a folder inside it): the one under the current directory when it
    exists there, else the one of this checkout. Example: ``notebooks_dir("exercises")``."""
    here = Path.cwd().joinpath("notebooks", *parts)
    return here if here.is_dir() else Path(__file__).resolve().parents[2].joinpath("notebooks", *parts)
