"""Convolution arithmetic in plain numpy: output sizes, and the transposed convolution built by hand.

Lesson 06 checks every function here against ``nn.Conv2d`` / ``nn.ConvTranspose2d`` and
``keras.layers.Conv2D`` / ``Conv2DTranspose``. Sizes are one spatial side (square images).

* ``conv_output_size(n, k, s, p, d)`` = floor((n + 2p - d(k-1) - 1) / s) + 1
  (with d = 1: floor((n + 2p - k) / s) + 1, the seed's formula). ``padding`` may be an int
  (PyTorch) or ``"valid"`` (p = 0) / ``"same"`` (output ceil(n / s), Keras).
* ``conv_transpose_output_size(n, k, s, p, op, d)`` = (n - 1)s - 2p + d(k-1) + op + 1
  (with d = 1: (n - 1)s - 2p + k + op). Keras: ``"valid"`` -> (n - 1)s + k (when k >= s;
  max(k, s) in general), ``"same"`` -> n s.
* ``conv2d_numpy`` is a plain cross-correlation (what every framework calls "convolution").
* ``conv_transpose2d_by_hand`` is the four-step recipe: insert s - 1 zeros between pixels,
  pad k - 1 - p zeros on each side (+ output_padding at the bottom/right), then a stride-1
  cross-correlation with the kernel flipped in space and its in/out axes swapped.

Layouts: x is (C_in, H, W) (one image, channels first). ``conv2d_numpy`` takes w as
(C_out, C_in, k, k) (PyTorch ``Conv2d.weight``); ``conv_transpose2d_by_hand`` takes w as
(C_in, C_out, k, k) (PyTorch ``ConvTranspose2d.weight``). A Keras ``Conv2D`` kernel is
(k, k, C_in, C_out): ``w.transpose(3, 2, 0, 1)``; a Keras ``Conv2DTranspose`` kernel is
(k, k, C_out, C_in): ``w.transpose(3, 2, 0, 1)`` too gives (C_in, C_out, k, k).
"""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["conv_output_size", "conv_transpose_output_size", "conv2d_numpy", "zero_insert",
           "conv_transpose2d_by_hand"]


def _positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _padding(padding):
    if isinstance(padding, str):
        if padding.lower() not in ("valid", "same"):
            raise ValueError(f'padding must be an int, "valid" or "same"; got {padding!r}.')
        return padding.lower()
    return _positive_int("padding", padding, minimum=0)


def conv_output_size(n, kernel, stride=1, padding=0, dilation=1) -> int:
    """Side of a convolution's output: floor((n + 2p - dilation*(kernel-1) - 1) / stride) + 1.

    ``padding``: int (zeros on each side, PyTorch) or "valid" / "same" (Keras).
    Example: ``conv_output_size(32, 4, stride=2, padding=1)`` -> ``16``.
    """
    n, k = _positive_int("n (input size)", n), _positive_int("kernel", kernel)
    s, d = _positive_int("stride", stride), _positive_int("dilation", dilation)
    p = _padding(padding)
    if p == "same":
        return -(-n // s)  # ceil(n / s): Keras pads as much as needed
    if p == "valid":
        p = 0
    span = d * (k - 1) + 1
    out = (n + 2 * p - span) // s + 1
    if n + 2 * p < span or out < 1:
        raise ValueError(f"The kernel (span {span}) is larger than the padded input ({n} + 2*{p}): "
                         "the output would be empty.")
    return int(out)


def conv_transpose_output_size(n, kernel, stride=1, padding=0, output_padding=0, dilation=1) -> int:
    """Side of a transposed convolution's output: (n-1)*stride - 2p + dilation*(kernel-1) + output_padding + 1.

    ``padding``: int (PyTorch) or "valid" ((n-1)*s + k when k >= s) / "same" (n*s) (Keras).
    Example: ``conv_transpose_output_size(16, 4, stride=2, padding=1)`` -> ``32``.
    """
    n, k = _positive_int("n (input size)", n), _positive_int("kernel", kernel)
    s, d = _positive_int("stride", stride), _positive_int("dilation", dilation)
    op = _positive_int("output_padding", output_padding, minimum=0)
    p = _padding(padding)
    if p == "same":
        return n * s
    if p == "valid":
        return (n - 1) * s + max(d * (k - 1) + 1, s) + op
    if op >= max(s, d):
        raise ValueError(f"output_padding ({op}) must be smaller than stride or dilation "
                         f"(PyTorch's rule); got stride {s}, dilation {d}.")
    out = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if out < 1:
        raise ValueError(f"padding {p} is too large: the output side would be {out}.")
    return int(out)


def _check_image_and_kernel(x, w, name):
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"x must be one image shaped (C_in, H, W); got shape {x.shape}. "
                         "For a batch, call the function once per image.")
    if w.ndim != 4 or w.shape[2] != w.shape[3]:
        raise ValueError(f"w must be shaped {name} with a square kernel; got shape {w.shape}.")
    return x, w


def conv2d_numpy(x, w, stride=1, padding=0) -> np.ndarray:
    """Cross-correlation (a framework's "convolution", no bias): x (C_in,H,W), w (C_out,C_in,k,k).

    Example: ``conv2d_numpy(np.ones((1, 4, 4)), np.ones((1, 1, 3, 3))).shape`` -> ``(1, 2, 2)``.
    """
    x, w = _check_image_and_kernel(x, w, "(C_out, C_in, k, k)")
    if w.shape[1] != x.shape[0]:
        raise ValueError(f"x has {x.shape[0]} channels but w expects C_in = {w.shape[1]} (w shape {w.shape}).")
    s, p, k = _positive_int("stride", stride), _positive_int("padding", padding, 0), w.shape[2]
    ho = conv_output_size(x.shape[1], k, s, p)
    wo = conv_output_size(x.shape[2], k, s, p)
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    out = np.zeros((w.shape[0], ho, wo))
    for i in range(k):
        for j in range(k):
            patch = xp[:, i:i + s * (ho - 1) + 1:s, j:j + s * (wo - 1) + 1:s]  # (C_in, ho, wo)
            out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
    return out


def zero_insert(x, stride) -> np.ndarray:
    """Put ``stride - 1`` zeros between neighbouring pixels (rows and columns) of x (C, H, W) or (H, W).

    Example: ``zero_insert(np.ones((1, 2, 2)), 2)[0]`` -> ``[[1, 0, 1], [0, 0, 0], [1, 0, 1]]``.
    """
    x = np.asarray(x)
    s = _positive_int("stride", stride)
    if x.ndim not in (2, 3):
        raise ValueError(f"x must be (C, H, W) or (H, W); got shape {x.shape}.")
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + ((h - 1) * s + 1, (w - 1) * s + 1), dtype=x.dtype)
    out[..., ::s, ::s] = x
    return out


def conv_transpose2d_by_hand(x, w, stride=1, padding=0, output_padding=0) -> np.ndarray:
    """Transposed convolution as zero-insertion + padding k-1-p + stride-1 conv with the flipped kernel.

    x (C_in, H, W); w in PyTorch ``ConvTranspose2d.weight`` layout (C_in, C_out, k, k).
    A Keras ``Conv2DTranspose`` kernel (k, k, C_out, C_in) becomes this layout with
    ``w.transpose(3, 2, 0, 1)``. Requires padding <= k - 1 (as the recipe does).
    Example: ``conv_transpose2d_by_hand(np.ones((1, 16, 16)), np.ones((1, 3, 4, 4)), 2, 1).shape``
    -> ``(3, 32, 32)``.
    """
    x, w = _check_image_and_kernel(x, w, "(C_in, C_out, k, k) (PyTorch ConvTranspose2d layout)")
    if w.shape[0] != x.shape[0]:
        raise ValueError(f"x has {x.shape[0]} channels but w expects C_in = {w.shape[0]} as its FIRST axis "
                         f"(ConvTranspose2d layout (C_in, C_out, k, k)); w shape {w.shape}.")
    s, k = _positive_int("stride", stride), w.shape[2]
    p, op = _positive_int("padding", padding, 0), _positive_int("output_padding", output_padding, 0)
    if p > k - 1:
        raise ValueError(f"padding ({p}) must be at most kernel - 1 ({k - 1}) for the zero-insertion recipe.")
    conv_transpose_output_size(x.shape[1], k, s, p, op)  # validates output_padding < stride
    z = zero_insert(x, s)                                      # 1. s - 1 zeros between pixels
    q = k - 1 - p                                              # 2. pad k - 1 - p on each side
    z = np.pad(z, ((0, 0), (q, q + op), (q, q + op)))          #    (+ output_padding bottom/right)
    w_conv = np.flip(w, axis=(2, 3)).transpose(1, 0, 2, 3)     # 3. flip in space, swap in/out
    return conv2d_numpy(z, w_conv, stride=1, padding=0)        # 4. stride-1 cross-correlation
