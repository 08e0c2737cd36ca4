"""Which framework each lesson needs: one table for the Colab cells, the install-path tests and the README.

A ``_pytorch`` lesson needs PyTorch (the ``torch`` extra), a ``_keras`` lesson Keras (``keras``); the
lessons without a twin are listed in ``SHARED``. Example: ``needs("04_vanilla_gan_keras")`` -> ``{"keras"}``.
"""
from __future__ import annotations

# lessons without a twin suffix -> the frameworks they import (empty: numpy only, runs with either install)
SHARED = {"00": set(), "01": set(), "03": {"torch"}, "07": {"torch"}, "10": set(), "11": {"torch"}}


def needs(name: str) -> set:
    """The extras a lesson needs: ``needs("07_training_pathologies")`` -> ``{"torch"}``."""
    if name.endswith("_pytorch"):
        return {"torch"}
    if name.endswith("_keras"):
        return {"keras"}
    return set(SHARED.get(name[:2], {"torch", "keras"}))


def extras(name: str) -> str:
    """The pip extras suffix for a lesson: ``extras("03_gan_theory")`` -> ``"[torch]"``; ``""`` for none."""
    need = sorted(needs(name))
    return f"[{','.join(need)}]" if need else ""
