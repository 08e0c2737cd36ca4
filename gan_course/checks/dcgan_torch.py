"""Checks for lesson 06 (DCGAN), PyTorch twin, named after the module they check: ``gan_course.dcgan_torch``.

The same public names as the Keras twin's ``gan_course.checks.dcgan_keras``; the output-size
functions and the transposed convolution by hand are framework-free, in ``gan_course.checks.convarith``.

* ``check_generator_block(fn)`` / ``check_discriminator_block(fn)``: ``fn(c_in, c_out)`` returns a
  module; checked by its layers and by what it computes: kernel 4 / stride 2 / padding 1, no bias
  before BatchNorm, the order conv -> BatchNorm -> activation, ReLU in G, LeakyReLU(0.2) in D, no pooling.
* ``check_generator(G, z_dim, image_size)``: output shape, a tanh output, BatchNorm inside, no Linear layer.

What it is not: a grader. torch is imported only when a check runs.
"""
from __future__ import annotations

from .. import _imports
from ._kit import call_student, need_callable
from .core import CheckFailed

__all__ = ["check_generator_block", "check_discriminator_block", "check_generator"]


def _layers(module):
    nn = _imports.torch().nn
    return [m for m in module.modules() if not isinstance(m, (nn.Sequential, nn.ModuleList)) and m is not module] \
        or [module]


def _block(name, fn, c_in, c_out, transposed):
    torch = _imports.torch()
    nn = torch.nn
    need_callable(name, fn, check="check_generator_block" if transposed else "check_discriminator_block")
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
