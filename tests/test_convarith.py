"""gan_course.convarith: output-size formulas and the transposed convolution by hand, against torch."""
import numpy as np
import pytest
import torch

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course.convarith import (conv2d_numpy, conv_output_size, conv_transpose2d_by_hand,
                                  conv_transpose_output_size, zero_insert)

CASES = [(n, k, s, p) for n in (1, 4, 5, 7, 16, 32) for k in (1, 2, 3, 4, 5) for s in (1, 2, 3) for p in range(k)]


@pytest.mark.parametrize("n,k,s,p", CASES)
def test_sizes_match_torch(n, k, s, p):
    x = torch.zeros(1, 1, n, n)
    if n + 2 * p >= k:
        assert conv_output_size(n, k, s, p) == torch.nn.Conv2d(1, 1, k, s, p)(x).shape[-1]
    else:
        with pytest.raises(ValueError, match="empty"):
            conv_output_size(n, k, s, p)
    for op in range(s):
        try:
            want = torch.nn.ConvTranspose2d(1, 1, k, s, p, op)(x).shape[-1]
        except RuntimeError:  # torch refuses (output size < 1)
            want = 0
        if want < 1:  # torch refuses or returns an empty image: we say why
            with pytest.raises(ValueError):
                conv_transpose_output_size(n, k, s, p, op)
            continue
        assert conv_transpose_output_size(n, k, s, p, op) == want


def test_dilation_and_keras_padding():
    assert conv_output_size(32, 3, 1, 2, dilation=2) == torch.nn.Conv2d(1, 1, 3, 1, 2, dilation=2)(
        torch.zeros(1, 1, 32, 32)).shape[-1]
    assert conv_transpose_output_size(8, 3, 2, 1, 1, dilation=2) == torch.nn.ConvTranspose2d(
        1, 1, 3, 2, 1, 1, dilation=2)(torch.zeros(1, 1, 8, 8)).shape[-1]
    assert conv_output_size(32, 4, 2, "same") == 16 and conv_output_size(33, 3, 2, "same") == 17
    assert conv_output_size(32, 4, 2, "valid") == 15
    assert conv_transpose_output_size(16, 4, 2, "same") == 32
    assert conv_transpose_output_size(16, 4, 2, "valid") == 34 and conv_transpose_output_size(4, 1, 2, "valid") == 8


@pytest.mark.parametrize("bad", [dict(n=0, kernel=3), dict(n=4, kernel=0), dict(n=4, kernel=3, stride=0),
                                 dict(n=4, kernel=3, padding=-1), dict(n=4, kernel=3, padding="full"),
                                 dict(n=2, kernel=5)])
def test_bad_inputs(bad):
    with pytest.raises(ValueError):
        conv_output_size(**bad)


def test_bad_types_and_transpose_errors():
    with pytest.raises(TypeError, match="integer"):
        conv_output_size(4.5, 3)
    with pytest.raises(ValueError, match="output_padding"):
        conv_transpose_output_size(4, 3, 2, 1, output_padding=2)
    with pytest.raises(ValueError, match="too large"):
        conv_transpose_output_size(1, 2, 1, 1)


def test_zero_insert():
    z = zero_insert(np.arange(1, 5).reshape(1, 2, 2), 3)
    assert z.shape == (1, 4, 4)
    assert z[0].tolist() == [[1, 0, 0, 2], [0, 0, 0, 0], [0, 0, 0, 0], [3, 0, 0, 4]]
    assert zero_insert(np.ones((3, 3)), 1).shape == (3, 3)


@pytest.mark.parametrize("n,k,s,p,op", [(5, 4, 2, 1, 0), (3, 3, 1, 0, 0), (4, 3, 2, 1, 1), (6, 5, 3, 2, 2),
                                        (1, 4, 1, 0, 0), (7, 2, 2, 0, 0)])
def test_transposed_by_hand_matches_torch(n, k, s, p, op):
    rng = np.random.default_rng(n + k)
    x, w = rng.normal(size=(2, n, n)), rng.normal(size=(2, 3, k, k))
    layer = torch.nn.ConvTranspose2d(2, 3, k, s, p, op, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        want = layer(torch.from_numpy(x)[None])[0].numpy()
    got = conv_transpose2d_by_hand(x, w, s, p, op)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_conv2d_numpy_matches_torch():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(3, 9, 9)), rng.normal(size=(4, 3, 4, 4))
    layer = torch.nn.Conv2d(3, 4, 4, 2, 1, bias=False).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(w))
        want = layer(torch.from_numpy(x)[None])[0].numpy()
    np.testing.assert_allclose(conv2d_numpy(x, w, 2, 1), want, atol=1e-10)


def test_layout_errors():
    with pytest.raises(ValueError, match="FIRST axis"):
        conv_transpose2d_by_hand(np.zeros((2, 4, 4)), np.zeros((3, 2, 3, 3)))
    with pytest.raises(ValueError, match="C_in, H, W"):
        conv2d_numpy(np.zeros((1, 2, 4, 4)), np.zeros((1, 2, 3, 3)))
    with pytest.raises(ValueError, match="at most kernel - 1"):
        conv_transpose2d_by_hand(np.zeros((1, 4, 4)), np.zeros((1, 1, 3, 3)), 1, 3)
