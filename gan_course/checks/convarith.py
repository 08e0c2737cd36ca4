"""Checks for lesson 06's convolution arithmetic, named after the module they check: ``gan_course.convarith``.

Framework-free (numpy), so both DCGAN twins call the same checks:

* ``check_conv_output_size(fn)`` / ``check_conv_transpose_output_size(fn)``: ``fn(n, k, s, p)``
  against ``gan_course.convarith`` over a table; hints for a forgotten +1, a true division, ceil
  instead of floor, padding counted once instead of twice, a wrong sign. ``check_output_sizes``
  runs both.
* ``check_transposed_conv(fn)``: ``fn(x, w, stride, padding)`` with x (C_in, H, W) and w in
  PyTorch's (C_in, C_out, k, k) layout, against ``convarith.conv_transpose2d_by_hand``; hints for a
  kernel not flipped, in/out axes not swapped, padding p instead of k - 1 - p, s zeros instead of s - 1.

The network checks of lesson 06 are in ``gan_course.checks.dcgan_torch`` / ``dcgan_keras``.
What it is not: a grader.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from ..convarith import conv2d_numpy, conv_output_size, conv_transpose2d_by_hand, conv_transpose_output_size, \
    zero_insert
from .core import Diagnosis, run_checks

__all__ = ["check_conv_output_size", "check_conv_transpose_output_size", "check_output_sizes",
           "check_transposed_conv"]

_SIZE_CASES = [(32, 4, 2, 1), (5, 3, 2, 0), (7, 3, 2, 1), (28, 5, 1, 2), (6, 4, 3, 0), (64, 4, 2, 1), (10, 3, 3, 1)]
_T_CASES = [(16, 4, 2, 1), (1, 4, 1, 0), (3, 3, 2, 0), (5, 3, 2, 1), (4, 5, 3, 2), (8, 4, 2, 1)]


def check_conv_output_size(fn) -> None:
    """Check ``fn(n, k, s, p)`` = floor((n + 2p - k) / s) + 1, a convolution's output side.

    Example: ``check_conv_output_size(conv_out)`` prints ``✅ conv_out: 7/7 checks passed.``
    """
    diagnoses = [
        Diagnosis("You forgot the + 1: a kernel that fits once already gives one output pixel.",
                  wrong=lambda n, k, s, p: (n + 2 * p - k) // s),
        Diagnosis("Padding goes on BOTH sides: n + 2p, not n + p.", wrong=lambda n, k, s, p: (n + p - k) // s + 1),
        Diagnosis("Use floor division //: a stride that does not divide evenly drops the last partial step "
                  "(and the result must be a whole number).", wrong=lambda n, k, s, p: (n + 2 * p - k) / s + 1),
        Diagnosis("Round DOWN (floor), not up: the kernel must fit entirely inside the padded input.",
                  wrong=lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1),
        Diagnosis("Padding makes the input larger: + 2p, not - 2p.", wrong=lambda n, k, s, p: (n - 2 * p - k) // s + 1),
        Diagnosis("That is the transposed convolution's formula; a convolution shrinks: (n + 2p - k) // s + 1.",
                  wrong=lambda n, k, s, p: (n - 1) * s - 2 * p + k)]
    run_checks("conv_out", fn, _SIZE_CASES, conv_output_size, diagnoses, argnames=["n", "k", "s", "p"])


def check_conv_transpose_output_size(fn) -> None:
    """Check ``fn(n, k, s, p)`` = (n - 1) s - 2p + k, a transposed convolution's output side.

    Example: ``check_conv_transpose_output_size(conv_t_out)`` prints ``✅ conv_t_out: 6/6 checks passed.``
    """
    diagnoses = [
        Diagnosis("It is (n - 1) * s: n pixels have n - 1 gaps, each widened to s.",
                  wrong=lambda n, k, s, p: n * s - 2 * p + k),
        Diagnosis("Padding is removed from BOTH sides: - 2p, not - p.", wrong=lambda n, k, s, p: (n - 1) * s - p + k),
        Diagnosis("A transposed convolution REMOVES its padding from the output: - 2p, not + 2p.",
                  wrong=lambda n, k, s, p: (n - 1) * s + 2 * p + k),
        Diagnosis("That is the convolution's formula: the transposed one inverts it, (n - 1) s - 2p + k.",
                  wrong=lambda n, k, s, p: (n + 2 * p - k) // s + 1),
        Diagnosis("Brackets: (n - 1) * s, not n - 1 * s.", wrong=lambda n, k, s, p: n - s - 2 * p + k),
        Diagnosis("There is no + 1 here: (n - 1) s - 2p + k.", wrong=lambda n, k, s, p: (n - 1) * s - 2 * p + k + 1)]
    run_checks("conv_t_out", fn, _T_CASES, lambda n, k, s, p: conv_transpose_output_size(n, k, s, p), diagnoses,
               argnames=["n", "k", "s", "p"])


def check_output_sizes(conv_out, conv_t_out) -> None:
    """Both size checks at once. Example: ``check_output_sizes(conv_out, conv_t_out)``."""
    check_conv_output_size(conv_out)
    check_conv_transpose_output_size(conv_t_out)


def _variant(x, w, s, p, flip=True, swap=True, pad=None, zeros=None):
    """The by-hand recipe with one step changed (for the diagnoses)."""
    k = w.shape[-1]
    z = zero_insert(x, s if zeros is None else zeros)
    q = k - 1 - p if pad is None else pad
    z = np.pad(z, ((0, 0), (q, q), (q, q)))
    wc = np.flip(w, axis=(2, 3)) if flip else w
    wc = wc.transpose(1, 0, 2, 3) if swap else wc
    return conv2d_numpy(z, wc)


def check_transposed_conv(fn) -> None:
    """Check ``fn(x, w, stride, padding)``: x (C_in, H, W), w (C_in, C_out, k, k) -> (C_out, H', W').

    Example: ``check_transposed_conv(transposed_conv_by_hand)`` prints ``✅ ... 4/4 checks passed.``
    """
    rng = np.random.default_rng(6)
    cases = [(rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 2, 3, 3)), 2, 1),  # C_in == C_out first
             (rng.normal(size=(2, 4, 4)), rng.normal(size=(2, 3, 4, 4)), 2, 1),
             (rng.normal(size=(1, 3, 3)), rng.normal(size=(1, 2, 3, 3)), 1, 0),
             (rng.normal(size=(3, 2, 2)), rng.normal(size=(3, 1, 4, 4)), 3, 2)]
    diagnoses = [
        Diagnosis("The kernel is not flipped: a transposed convolution is a convolution with the kernel rotated "
                  "by 180 degrees (np.flip(w, axis=(2, 3))).", wrong=lambda x, w, s, p: _variant(x, w, s, p, flip=False)),
        Diagnosis("Swap the kernel's first two axes: w is (C_in, C_out, k, k) but conv2d_numpy wants "
                  "(C_out, C_in, k, k) (w.transpose(1, 0, 2, 3)).",
                  wrong=lambda x, w, s, p: _variant(x, w, s, p, swap=False)),
        Diagnosis("Pad with k - 1 - p zeros on each side, not p.", wrong=lambda x, w, s, p: _variant(x, w, s, p, pad=p)),
        Diagnosis("Pad with k - 1 - p zeros, not k - 1: the padding p of the layer REMOVES border pixels.",
                  wrong=lambda x, w, s, p: _variant(x, w, s, p, pad=w.shape[-1] - 1)),
        Diagnosis("Insert s - 1 zeros between pixels: zero_insert(x, stride) already does that; "
                  "do not add one to the stride.", wrong=lambda x, w, s, p: _variant(x, w, s, p, zeros=s + 1)),
        Diagnosis("Insert the zeros first (zero_insert(x, stride)), then pad, then convolve with stride 1.",
                  wrong=lambda x, w, s, p: _variant(x, w, s, p, zeros=1))]
    for some in (cases[:1], cases):  # first C_in == C_out, where unswapped axes still run, to name that mistake
        with contextlib.redirect_stdout(io.StringIO()) if len(some) < len(cases) else contextlib.nullcontext():
            run_checks("transposed_conv_by_hand", fn, some, conv_transpose2d_by_hand, diagnoses,
                       argnames=["x", "w", "stride", "padding"], atol=1e-6)
