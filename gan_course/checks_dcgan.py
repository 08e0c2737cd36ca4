"""Exercise checks for lesson 06 (DCGAN): output sizes, the transposed convolution by hand, the
generator and discriminator blocks, and a whole generator.

* ``check_conv_output_size(fn)`` / ``check_conv_transpose_output_size(fn)`` (framework-free):
  ``fn(n, k, s, p)`` against ``gan_course.convarith`` over a table; hints for a forgotten +1, a
  true division, ceil instead of floor, padding counted once instead of twice, a wrong sign.
* ``check_transposed_conv(fn)`` (numpy): ``fn(x, w, stride, padding)`` with x (C_in, H, W) and w in
  PyTorch's (C_in, C_out, k, k) layout, against ``convarith.conv_transpose2d_by_hand``; hints for a
  kernel not flipped, in/out axes not swapped, padding p instead of k - 1 - p, s zeros instead of s - 1.
* ``check_generator_block(fn)`` / ``check_discriminator_block(fn)`` (PyTorch): ``fn(c_in, c_out)``
  returns a module; checked by its layers and by what it computes: kernel 4 / stride 2 / padding 1,
  no bias before BatchNorm, the order conv -> BatchNorm -> activation, ReLU in G, LeakyReLU(0.2)
  in D, no pooling.
* ``check_generator(G, z_dim, image_size)`` (PyTorch): output shape, a tanh output, BatchNorm inside.

Keras versions of the block checks live in ``gan_course.checks_dcgan_keras``.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from . import _imports
from .checks import CheckFailed, Diagnosis, call_student, run_checks
from .convarith import conv2d_numpy, conv_output_size, conv_transpose2d_by_hand, conv_transpose_output_size, \
    zero_insert

__all__ = ["check_conv_output_size", "check_conv_transpose_output_size", "check_output_sizes",
           "check_transposed_conv", "check_generator_block", "check_discriminator_block", "check_generator"]

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


# ---- PyTorch blocks ------------------------------------------------------------------------------

def _layers(module):
    nn = _imports.torch().nn
    return [m for m in module.modules() if not isinstance(m, (nn.Sequential, nn.ModuleList)) and m is not module] \
        or [module]


def _block(name, fn, c_in, c_out, transposed):
    torch = _imports.torch()
    nn = torch.nn
    block = call_student(name, fn, c_in, c_out)
    if not isinstance(block, nn.Module):
        raise CheckFailed(name, f"Your `{name}` returned {type(block).__name__}; return a module, "
                                "e.g. nn.Sequential(conv, batchnorm, activation).")
    layers = _layers(block)
    kinds = [type(m).__name__ for m in layers]
    conv_type = nn.ConvTranspose2d if transposed else nn.Conv2d
    if any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Upsample)) for m in layers):
        raise CheckFailed(name, "No pooling or Upsample in a DCGAN: the strided (transposed) convolution itself "
                                "changes the size, and the network learns how.")
    convs = [m for m in layers if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    if len(convs) != 1 or not isinstance(convs[0], conv_type):
        raise CheckFailed(name, f"Use exactly one nn.{conv_type.__name__}; your block has {kinds}.")
    conv = convs[0]
    if (conv.in_channels, conv.out_channels) != (c_in, c_out):
        raise CheckFailed(name, f"The convolution should map {c_in} -> {c_out} channels; yours maps "
                                f"{conv.in_channels} -> {conv.out_channels}.")
    if conv.kernel_size != (4, 4) or conv.stride != (2, 2) or conv.padding != (1, 1):
        raise CheckFailed(name, f"Use kernel 4, stride 2, padding 1 (it {'doubles' if transposed else 'halves'} the "
                                f"side exactly); yours has kernel {conv.kernel_size[0]}, stride {conv.stride[0]}, "
                                f"padding {conv.padding[0]}.")
    bns = [m for m in layers if isinstance(m, nn.BatchNorm2d)]
    if len(bns) != 1:
        raise CheckFailed(name, "Put one nn.BatchNorm2d(c_out) after the convolution (DCGAN rule: BatchNorm in both "
                                f"networks); your block has {kinds}.")
    if conv.bias is not None:
        raise CheckFailed(name, "Give the convolution bias=False: BatchNorm subtracts the mean right after it, so a "
                                "bias would be cancelled (BatchNorm's beta plays its role).")
    idx = {id(m): i for i, m in enumerate(layers)}
    act_type = nn.ReLU if transposed else nn.LeakyReLU
    acts = [m for m in layers if isinstance(m, (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid, nn.ELU, nn.GELU))]
    if len(acts) != 1 or type(acts[0]) is not act_type:
        want = "nn.ReLU() (DCGAN: ReLU in the generator; tanh only on the output layer)" if transposed else \
            "nn.LeakyReLU(0.2) (DCGAN: LeakyReLU in the discriminator, so gradients flow for negative inputs too)"
        raise CheckFailed(name, f"Use one activation, {want}; your block has {kinds}.")
    if not transposed and abs(acts[0].negative_slope - 0.2) > 1e-9:
        raise CheckFailed(name, f"Use LeakyReLU with slope 0.2 (DCGAN's value); yours has {acts[0].negative_slope}.")
    if not idx[id(conv)] < idx[id(bns[0])] < idx[id(acts[0])]:
        raise CheckFailed(name, f"Order: convolution -> BatchNorm -> activation; your block has {kinds}. "
                                "BatchNorm normalises the convolution's output; the activation comes last.")
    side = 4 if transposed else 8
    torch.manual_seed(0)
    x = torch.randn(4, c_in, side, side)
    block.train()
    try:
        with torch.no_grad():
            y = block(x)
            want = acts[0](bns[0](conv(x)))
    except Exception as err:  # noqa: BLE001
        raise CheckFailed(name, f"Your block raised {type(err).__name__} on a batch (4, {c_in}, {side}, {side}): "
                                f"{err}") from None
    new = side * 2 if transposed else side // 2
    if tuple(y.shape) != (4, c_out, new, new):
        raise CheckFailed(name, f"On a batch (4, {c_in}, {side}, {side}) the block should return "
                                f"(4, {c_out}, {new}, {new}); yours returns {tuple(y.shape)}.")
    if not torch.allclose(y, want, atol=1e-5):
        raise CheckFailed(name, "Your block's layers are right but its forward pass does not apply them in the order "
                                "convolution -> BatchNorm -> activation.")
    print(f"✅ {name}: {kinds} maps (B, {c_in}, {side}, {side}) -> (B, {c_out}, {new}, {new}).")


def check_generator_block(fn) -> None:
    """Check ``fn(c_in, c_out)`` -> ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), BatchNorm2d, ReLU.

    Example: ``check_generator_block(g_block)`` prints one pass line.
    """
    _block("g_block", fn, 16, 8, transposed=True)


def check_discriminator_block(fn) -> None:
    """Check ``fn(c_in, c_out)`` -> Conv2d(c_in, c_out, 4, 2, 1, bias=False), BatchNorm2d, LeakyReLU(0.2).

    Example: ``check_discriminator_block(d_block)`` prints one pass line.
    """
    _block("d_block", fn, 8, 16, transposed=False)


def check_generator(G, z_dim=100, image_size=32, channels=3) -> None:
    """Check a whole generator: (B, z_dim) -> (B, channels, S, S), tanh output, BatchNorm, no Linear hidden layer.

    Example: ``check_generator(make_generator(image_size=32), 100, 32)``.
    """
    torch = _imports.torch()
    nn = torch.nn
    name = "generator"
    if not isinstance(G, nn.Module):
        raise CheckFailed(name, f"Pass the network (a module), not {type(G).__name__}.")
    layers = _layers(G)
    G.eval()
    with torch.no_grad():
        y = call_student(name, G, 4 * torch.randn(8, z_dim))
    G.train()
    want = (8, channels, image_size, image_size)
    if tuple(y.shape) != want:
        raise CheckFailed(name, f"The generator should return {want} for z of shape (8, {z_dim}); "
                                f"it returns {tuple(y.shape)}.")
    last = [m for m in layers if not isinstance(m, (nn.Flatten, nn.Unflatten, nn.Identity, nn.Dropout))][-1]
    if isinstance(last, nn.Sigmoid):
        raise CheckFailed(name, "The output layer is a sigmoid ([0, 1]); DCGAN's generator ends with tanh, matching "
                                "data scaled to [-1, 1].")
    if not isinstance(last, nn.Tanh) or y.abs().max() > 1:
        raise CheckFailed(name, "The generator must end with nn.Tanh(): the data are in [-1, 1], and an unbounded "
                                f"output (here up to {float(y.abs().max()):.2f}) lets G make pixels no image has.")
    if not any(isinstance(m, nn.BatchNorm2d) for m in layers):
        raise CheckFailed(name, "DCGAN uses BatchNorm in the generator (every layer but the output).")
    if any(isinstance(m, nn.Linear) for m in layers):
        raise CheckFailed(name, "No fully connected hidden layer: project z with a transposed convolution.")
    print(f"✅ generator: z (B, {z_dim}) -> images {want[1:]} in [-1, 1], tanh output, BatchNorm inside.")
