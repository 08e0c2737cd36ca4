"""Which framework each lesson needs: the one table that the install-path tests and the README follow.

A `_pytorch` lesson needs PyTorch, a `_keras` lesson Keras (TensorFlow); the rest are listed here.
"""
import pathlib

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
# lessons without a twin suffix: the frameworks they import (empty: numpy only, runs with either install)
SHARED = {"00": set(), "01": set(), "03": {"torch"}, "07": {"torch"}, "10": set(), "11": {"torch", "keras"}}


def lesson_names() -> list:
    return sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md"))


def needs(name: str) -> set:
    """Frameworks a lesson needs: ``needs("04_vanilla_gan_keras")`` -> ``{"keras"}``."""
    if name.endswith("_pytorch"):
        return {"torch"}
    if name.endswith("_keras"):
        return {"keras"}
    return set(SHARED.get(name[:2], {"torch", "keras"}))


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
