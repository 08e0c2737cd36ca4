"""gan_course.dcgan_torch: shapes for every image size, the DCGAN rules, the initialisation, one step."""
import math

import pytest
import torch
from torch import nn

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course.dcgan_torch import (d_block, g_block, g_block_resize, init_weights, make_discriminator,
                                    make_generator, train_step)


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_shapes_per_image_size(size):
    G, D = make_generator(16, size, base=4), make_discriminator(size, base=4)
    with torch.no_grad():
        x = G(torch.randn(3, 16))
        assert x.shape == (3, 3, size, size) and x.abs().max() <= 1
        assert D(x).shape == (3, 1)
    assert make_generator(8, size, base=4, channels=1)(torch.randn(2, 8)).shape == (2, 1, size, size)


def test_dcgan_rules():
    G, D = make_generator(100, 64, base=8), make_discriminator(64, base=8)
    g_layers, d_layers = list(G.modules()), list(D.modules())
    assert not any(isinstance(m, (nn.Linear, nn.MaxPool2d, nn.AvgPool2d, nn.Upsample)) for m in g_layers + d_layers)
    assert isinstance(list(G)[-1], nn.Tanh) and not any(isinstance(m, nn.Sigmoid) for m in d_layers)
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g_layers) == 4      # 4x4 projection + 3 blocks
    assert sum(isinstance(m, nn.BatchNorm2d) for m in d_layers) == 3      # not on the input layer
    assert all(m.negative_slope == 0.2 for m in d_layers if isinstance(m, nn.LeakyReLU))
    assert not any(isinstance(m, nn.LeakyReLU) for m in g_layers)
    # widths: base * S/8 at 4x4 (classic DCGAN 64x64: 8 * base)
    assert [m.out_channels for m in g_layers if isinstance(m, nn.ConvTranspose2d)] == [64, 32, 16, 8, 3]
    assert [m.out_channels for m in d_layers if isinstance(m, nn.Conv2d)] == [8, 16, 32, 64, 1]


def test_blocks():
    assert g_block(8, 4)(torch.zeros(2, 8, 4, 4)).shape == (2, 4, 8, 8)
    assert g_block_resize(8, 4)(torch.zeros(2, 8, 4, 4)).shape == (2, 4, 8, 8)
    assert d_block(4, 8)(torch.zeros(2, 4, 8, 8)).shape == (2, 8, 4, 4)


@pytest.mark.parametrize("size", [16, 32, 64, 128])
def test_resize_generator(size):
    G = make_generator(16, size, base=4, upsample="resize").apply(init_weights)
    with torch.no_grad():
        x = G(torch.randn(3, 16))
    assert x.shape == (3, 3, size, size) and x.abs().max() <= 1
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in G.modules()) == 1          # only the 4x4 projection
    assert sum(isinstance(m, nn.Upsample) for m in G.modules()) == int(math.log2(size)) - 2
    with pytest.raises(ValueError, match="upsample"):
        make_generator(16, size, base=4, upsample="bilinear")


def test_old_calls_and_checkpoints_still_fit():
    """make_generator(z_dim, image_size, base) keeps the paper's layers and their state-dict names (gan_course.scale
    and saved checkpoints rely on them)."""
    old, new = make_generator(100, 32, 8), make_generator(100, 32, 8, upsample="transposed")
    assert list(old.state_dict()) == list(new.state_dict())
    assert [type(m).__name__ for m in old] == ["Unflatten", "ConvTranspose2d", "BatchNorm2d", "ReLU", "Sequential",
                                               "Sequential", "ConvTranspose2d", "Tanh"]


def test_resize_convolution_keeps_a_flat_input_flat():
    """Section 2's claim: with random N(0, 0.02) weights a resize-convolution maps a flat input to a flat interior;
    a transposed convolution with k=4, s=2 (even overlap) does not: its four output phases use different taps."""
    torch.manual_seed(0)
    resize, transposed = g_block_resize(16, 16).apply(init_weights), g_block(16, 16).apply(init_weights)
    flat = torch.ones(1, 16, 8, 8)
    with torch.no_grad():
        r = resize[1](resize[0](flat))[0, :, 1:-1, 1:-1]
        t = transposed[0](flat)[0, :, 1:-1, 1:-1]
    assert (r.amax((1, 2)) - r.amin((1, 2))).max() < 1e-6
    assert (t.amax((1, 2)) - t.amin((1, 2))).max() > 1e-3


def test_bad_image_size():
    with pytest.raises(ValueError, match="power of two"):
        make_generator(image_size=48)
    with pytest.raises(ValueError, match="power of two"):
        make_discriminator(image_size=8)


def test_init_weights():
    torch.manual_seed(0)
    G = make_generator(100, 64, base=32).apply(init_weights)
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, nn.ConvTranspose2d)])
    assert abs(w.mean()) < 1e-3 and abs(w.std() - 0.02) < 1e-3
    gammas = torch.cat([m.weight for m in G.modules() if isinstance(m, nn.BatchNorm2d)])
    assert abs(gammas.mean() - 1) < 0.01 and gammas.std() < 0.03
    assert all((m.bias == 0).all() for m in G.modules() if isinstance(m, nn.BatchNorm2d))


def test_train_step_updates_both_and_reports():
    torch.manual_seed(0)
    G, D = make_generator(8, 16, base=4).apply(init_weights), make_discriminator(16, base=4).apply(init_weights)
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    g0, d0 = [p.clone() for p in G.parameters()], [p.clone() for p in D.parameters()]
    out = train_step(torch.rand(4, 3, 16, 16) * 2 - 1, torch.randn(4, 8), G, D, opt_G, opt_D)
    assert out.shape == (4,) and not out.requires_grad
    assert 0 < out[2] < 1 and 0 < out[3] < 1 and out[0] > 0 and out[1] > 0
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters()))


def test_discriminator_with_more_outputs():
    """outputs=1 + codes (lesson 06's InfoGAN code): the logit and the code's guess from the same last convolution."""
    D = make_discriminator(image_size=32, base=8, outputs=13)
    assert D(torch.zeros(4, 3, 32, 32)).shape == (4, 13)
    assert sum(p.numel() for p in D.parameters()) - sum(p.numel() for p in make_discriminator(32, 8).parameters()) \
        == 12 * (32 * 4 * 4 + 1)                               # 12 more 4x4 kernels over 32 channels, and biases
