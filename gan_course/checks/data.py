"""Checks for lesson 00 (welcome), named after the module they check: ``gan_course.data``.

``check_to_tanh_range``, ``check_channels_first`` and ``check_one_hot`` check the three data
conventions every later lesson relies on (pixels in [-1, 1], channels first for PyTorch, one-hot
labels) and name the usual slip: a missing shift, ``reshape`` instead of ``transpose``, a label
one column off. Framework-free (numpy). What it is not: a grader.
"""
from __future__ import annotations

import numpy as np

from .core import Diagnosis, run_checks

__all__ = ["check_to_tanh_range", "check_channels_first", "check_one_hot"]


def check_to_tanh_range(fn) -> None:
    """Check ``to_tanh_range(x)``: pixels in [0, 1] -> [-1, 1] by 2x - 1, shape kept.

    Example: ``check_to_tanh_range(to_tanh_range)`` prints ``✅ to_tanh_range: 3/3 checks passed.``
    """
    cases = [(np.array([0.0, 0.25, 0.5, 1.0], np.float32),),
             (np.linspace(0, 1, 32, dtype=np.float32).reshape(2, 4, 4),),
             (np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 2, 2, 1),)]
    diagnoses = [Diagnosis("You scaled but did not shift: 2x maps [0, 1] to [0, 2]; subtract 1.",
                           wrong=lambda x: 2 * x),
                 Diagnosis("x - 1 maps [0, 1] to [-1, 0]: multiply by 2 first (2x - 1).", wrong=lambda x: x - 1),
                 Diagnosis("x - 0.5 maps [0, 1] to [-0.5, 0.5]: scale by 2 too (2x - 1).", wrong=lambda x: x - 0.5),
                 Diagnosis("Brackets: 2 * (x - 1) maps [0, 1] to [-2, 0]; you want 2 * x - 1.",
                           wrong=lambda x: 2 * (x - 1)),
                 Diagnosis("Flipped: 0 must go to -1 and 1 to +1, so 2x - 1, not 1 - 2x.", wrong=lambda x: 1 - 2 * x),
                 Diagnosis("That is the inverse map, from [-1, 1] back to [0, 1].", wrong=lambda x: (x + 1) / 2),
                 Diagnosis("Your values do not run from -1 to 1: pixel 0 must map to -1 and pixel 1 to +1.",
                           test=lambda got, exp, x: not np.allclose([got.min(), got.max()], [-1, 1]))]
    run_checks("to_tanh_range", fn, cases, lambda x: 2 * x - 1, diagnoses, argnames=["x"])


def check_channels_first(fn) -> None:
    """Check ``channels_first(x)``: (N, H, W, C) -> (N, C, H, W).

    Example: ``check_channels_first(channels_first)`` prints ``✅ channels_first: 3/3 checks passed.``
    """
    cases = [(np.arange(n, dtype=np.float32).reshape(shape),) for n, shape in
             [(96, (2, 4, 4, 3)), (15, (1, 5, 3, 1)), (90, (2, 3, 5, 3))]]
    diagnoses = [Diagnosis("W comes before H in your result: the order is (N, C, H, W), i.e. axes (0, 3, 1, 2).",
                           wrong=lambda x: np.transpose(x, (0, 3, 2, 1))),
                 Diagnosis("reshape keeps the memory order and scrambles the pixels: move the axis instead, "
                           "with np.transpose(x, (0, 3, 1, 2)) or np.moveaxis(x, -1, 1).",
                           wrong=lambda x: x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2])),
                 Diagnosis("That moves the channels the other way (to the end). The channel axis, now last "
                           "(axis 3), must become axis 1.", wrong=lambda x: np.transpose(x, (0, 2, 3, 1)))]
    run_checks("channels_first", fn, cases, lambda x: np.transpose(x, (0, 3, 1, 2)), diagnoses, argnames=["x"])


def check_one_hot(fn) -> None:
    """Check ``one_hot(labels, num_classes=10)``: integer labels (N,) -> (N, num_classes) rows of 0/1.

    Example: ``check_one_hot(one_hot)`` prints ``✅ one_hot: 3/3 checks passed.``
    """
    def ref(labels, num_classes=10):
        return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]

    diagnoses = [Diagnosis("Use the num_classes argument for the number of columns, not a fixed 10.",
                           wrong=lambda labels, k=10: ref(labels, 10)),
                 Diagnosis("One row per example: the shape is (N, num_classes), not (num_classes, N).",
                           wrong=lambda labels, k=10: ref(labels, k).T),
                 Diagnosis("The 1 is one column off: label j sets column j (labels start at 0).",
                           wrong=lambda labels, k=10: ref(np.asarray(labels) - 1, k))]
    cases = [(np.array([3, 0, 9]),), (np.array([1, 0, 2, 1]), 3), ([2, 3], 4)]
    run_checks("one_hot", fn, cases, ref, diagnoses, argnames=["labels", "num_classes"])
