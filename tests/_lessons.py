"""Helpers shared by the tests: the lessons, which framework each needs (gan_course.tools.lessons), and
which framework the suite hides when it runs a lesson."""
import pathlib

from gan_course.tools.lessons import SHARED, needs  # noqa: F401  (the one table, in the package)

ROOT = pathlib.Path(__file__).resolve().parents[1]
# the front matter of a MyST notebook, for tests that write a small lesson of their own
MYST_HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""


def lesson_names() -> list:
    return sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md"))


def hide_for(name: str) -> str:
    """The framework to hide when the suite runs a lesson, so each install path is proven:
    PyTorch lessons run as a PyTorch-only learner's, Keras and framework-free lessons as a Keras-only
    learner's. Example: ``hide_for("04_vanilla_gan_pytorch")`` -> ``"keras"``."""
    need = needs(name)
    if need == {"torch"}:
        return "keras"
    if need <= {"keras"}:
        return "torch"
    return ""
