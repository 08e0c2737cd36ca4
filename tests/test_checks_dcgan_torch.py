"""gan_course.checks.convarith and gan_course.checks.dcgan_torch: each check passes on the solution and names each classic mistake."""
import numpy as np
import pytest
import torch
from torch import nn

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course.checks import CheckFailed
from gan_course.checks import convarith as A
from gan_course.checks import dcgan_torch as C
from gan_course.checks.convarith import _variant
from gan_course.dcgan_torch import d_block, g_block, make_generator


def _fails(check, fn, *match):
    with pytest.raises(CheckFailed) as err:
        check(fn)
    for m in match:
        assert m in err.value.hint, err.value.hint
    return err.value.hint


def test_conv_output_size():
    A.check_conv_output_size(lambda n, k, s, p: (n + 2 * p - k) // s + 1)
    _fails(A.check_conv_output_size, lambda n, k, s, p: (n + 2 * p - k) // s, "forgot the + 1")
    _fails(A.check_conv_output_size, lambda n, k, s, p: (n + p - k) // s + 1, "BOTH sides")
    _fails(A.check_conv_output_size, lambda n, k, s, p: (n + 2 * p - k) / s + 1, "floor division")
    _fails(A.check_conv_output_size, lambda n, k, s, p: -(-(n + 2 * p - k) // s) + 1, "Round DOWN")
    _fails(A.check_conv_output_size, lambda n, k, s, p: (n - 1) * s - 2 * p + k, "transposed convolution's")
    _fails(A.check_conv_output_size, lambda n, k, s, p: None, "return")


def test_conv_transpose_output_size():
    A.check_conv_transpose_output_size(lambda n, k, s, p: (n - 1) * s - 2 * p + k)
    _fails(A.check_conv_transpose_output_size, lambda n, k, s, p: n * s - 2 * p + k, "(n - 1) * s")
    _fails(A.check_conv_transpose_output_size, lambda n, k, s, p: (n - 1) * s - p + k, "BOTH sides")
    _fails(A.check_conv_transpose_output_size, lambda n, k, s, p: (n - 1) * s + 2 * p + k, "REMOVES")
    _fails(A.check_conv_transpose_output_size, lambda n, k, s, p: (n + 2 * p - k) // s + 1, "convolution's formula")


def test_blank_is_named():
    def blank(n, k, s, p):
        raise NotImplementedError
    _fails(A.check_conv_output_size, blank, "not filled in")


def _good(x, w, s, p):
    return _variant(x, w, s, p)


def test_transposed_conv():
    A.check_transposed_conv(_good)
    _fails(A.check_transposed_conv, lambda x, w, s, p: _variant(x, w, s, p, flip=False), "not flipped")
    _fails(A.check_transposed_conv, lambda x, w, s, p: _variant(x, w, s, p, swap=False), "Swap")
    _fails(A.check_transposed_conv, lambda x, w, s, p: _variant(x, w, s, p, pad=p), "k - 1 - p zeros on each side")
    _fails(A.check_transposed_conv, lambda x, w, s, p: _variant(x, w, s, p, pad=w.shape[-1] - 1), "REMOVES")
    _fails(A.check_transposed_conv, lambda x, w, s, p: _variant(x, w, s, p, zeros=s + 1), "s - 1 zeros")


def test_generator_block():
    C.check_generator_block(g_block)
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1), nn.BatchNorm2d(o),
                                                                nn.ReLU()), "bias=False")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False),
                                                                nn.ReLU(), nn.BatchNorm2d(o)), "Order")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False),
                                                                nn.BatchNorm2d(o), nn.LeakyReLU(0.2)), "nn.ReLU()")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 0, bias=False),
                                                                nn.BatchNorm2d(o), nn.ReLU()), "padding 1")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False),
                                                                nn.ReLU()), "BatchNorm2d")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(i, o, 3, 1, 1),
                                                                nn.BatchNorm2d(o), nn.ReLU()), "No pooling")
    _fails(C.check_generator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(o, i, 4, 2, 1, bias=False),
                                                                nn.BatchNorm2d(i), nn.ReLU()), "16 -> 8")
    _fails(C.check_generator_block, lambda i, o: None, "returned NoneType")


class _Reordered(nn.Module):  # right layers, wrong forward order
    def __init__(self, i, o):
        super().__init__()
        self.conv, self.bn, self.act = nn.Conv2d(i, o, 4, 2, 1, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.2)

    def forward(self, x):
        return self.bn(self.act(self.conv(x)))


def test_discriminator_block():
    C.check_discriminator_block(d_block)
    _fails(C.check_discriminator_block, lambda i, o: nn.Sequential(nn.Conv2d(i, o, 3, 1, 1, bias=False),
                                                                    nn.BatchNorm2d(o), nn.LeakyReLU(0.2),
                                                                    nn.MaxPool2d(2)), "No pooling")
    _fails(C.check_discriminator_block, lambda i, o: nn.Sequential(nn.Conv2d(i, o, 4, 2, 1, bias=False),
                                                                    nn.BatchNorm2d(o), nn.ReLU()), "LeakyReLU(0.2)")
    _fails(C.check_discriminator_block, lambda i, o: nn.Sequential(nn.Conv2d(i, o, 4, 2, 1, bias=False),
                                                                    nn.BatchNorm2d(o), nn.LeakyReLU()), "slope 0.2")
    _fails(C.check_discriminator_block, lambda i, o: nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=False),
                                                                    nn.BatchNorm2d(o), nn.LeakyReLU(0.2)), "nn.Conv2d")
    _fails(C.check_discriminator_block, _Reordered, "forward pass")


def test_generator():
    C.check_generator(make_generator(100, 32, 8), 100, 32)
    C.check_generator(make_generator(16, 64, 4), 16, 64)
    C.check_generator(make_generator(100, 32, 8, upsample="resize"), 100, 32)   # lesson 06's generator passes too
    no_tanh = nn.Sequential(*list(make_generator(100, 32, 8))[:-1])
    _fails(lambda G: C.check_generator(G, 100, 32), no_tanh, "nn.Tanh()")
    sig = nn.Sequential(*list(make_generator(100, 32, 8))[:-1], nn.Sigmoid())
    _fails(lambda G: C.check_generator(G, 100, 32), sig, "sigmoid")
    _fails(lambda G: C.check_generator(G, 100, 64), make_generator(100, 32, 8), "(8, 3, 64, 64)")
    no_bn = nn.Sequential(*[nn.Identity() if isinstance(m, nn.BatchNorm2d) else m
                            for m in make_generator(100, 32, 8).modules() if not isinstance(m, nn.Sequential)])
    _fails(lambda G: C.check_generator(G, 100, 32), no_bn, "BatchNorm")
