"""The ring set-up of lessons 07 and 08 in PyTorch: S seeds' networks stacked into one, and the plain-GAN step.

``gan_course.ring`` holds the set-up (data, widths, step counts, optimisers); this module builds its
networks and holds lesson 07's GAN step, which lesson 08 reuses as its baseline:

* ``SeedLinear(seeds, d_in, d_out)``: S independent linear layers in one module, weight (S, d_in, d_out).
  It takes the S seeds' batches one after the other, x (S * B, d_in) with rows s * B ... (s + 1) * B
  belonging to seed s, and returns (S * B, d_out). Everything per sample (a loss's mean, a gradient
  penalty's per-sample norms, PacGAN's packs of consecutive rows) works unchanged on such a batch, and
  no seed's output depends on another seed's weights or samples;
* ``make_generator(seeds)`` / ``make_discriminator(seeds, pack=1)``: the ring's MLPs, S seeds wide
  (a critic is the same network, its output read as a score);
* ``unstack(model, s)``: seed s's network as an ordinary ``nn.Sequential`` of ``nn.Linear`` layers;
* ``sample(G, z)``: each seed's points in data units, (S, n, 2).

A loss averaged over all S * B rows gives each seed 1/S of the gradient it would get alone; Adam and
RMSProp divide that factor out (up to their epsilon), so a stacked run is S ordinary runs.
What it is not: a training loop (the lessons write theirs). ``gan_course.ring_keras`` is the Keras twin.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from . import gan_torch
from .ring import SETUP
from .wgan_torch import Generator

__all__ = ["SeedLinear", "make_generator", "make_discriminator", "unstack", "seeds_of", "sample", "train_step_gan"]


class SeedLinear(nn.Module):
    """S independent linear layers: x (S * B, d_in) -> (S * B, d_out), seed s on rows s * B ... (s + 1) * B.

    Each seed's weights start like ``nn.Linear``'s, uniform in ±1/sqrt(d_in).
    Example: ``SeedLinear(5, 2, 128)(torch.zeros(5 * 256, 2)).shape`` -> ``(1280, 128)``.
    """

    def __init__(self, seeds: int, d_in: int, d_out: int):
        super().__init__()
        bound = 1 / math.sqrt(d_in)
        self.seeds = int(seeds)
        self.weight = nn.Parameter(torch.empty(seeds, d_in, d_out).uniform_(-bound, bound))  # (S, d_in, d_out)
        self.bias = nn.Parameter(torch.empty(seeds, 1, d_out).uniform_(-bound, bound))       # (S, 1, d_out)

    def forward(self, x):
        if x.shape[0] % self.seeds:
            raise ValueError(f"SeedLinear for {self.seeds} seeds needs a batch of S * B rows; got {x.shape[0]} rows.")
        y = torch.baddbmm(self.bias, x.reshape(self.seeds, -1, x.shape[-1]), self.weight)    # (S, B, d_out)
        return y.reshape(-1, y.shape[-1])                                                     # (S * B, d_out)

    def extra_repr(self):
        return f"seeds={self.seeds}, d_in={self.weight.shape[1]}, d_out={self.weight.shape[2]}"


def _mlp(seeds, d_in, hidden, d_out):
    layers, width = [], d_in
    for h in hidden:
        layers += [SeedLinear(seeds, width, h), nn.ReLU()]
        width = h
    return layers + [SeedLinear(seeds, width, d_out)]


def make_generator(seeds: int = 1, hidden=SETUP["hidden"]) -> Generator:
    """The ring's generator for S seeds: z (S * B, 2) -> x (S * B, 2), standard normal z, no output activation.

    Example: ``make_generator(5)(torch.randn(5 * 8, 2)).shape`` -> ``(40, 2)``.
    """
    return Generator(2, *_mlp(seeds, 2, hidden, 2))


def make_discriminator(seeds: int = 1, pack: int = 1, hidden=SETUP["hidden"]) -> nn.Sequential:
    """The ring's discriminator (a logit) or critic (a score) for S seeds: packs (S * B, 2 * pack) -> (S * B, 1).

    Example: ``make_discriminator(5, pack=4)(torch.zeros(5 * 8, 8)).shape`` -> ``(40, 1)``.
    """
    return nn.Sequential(*_mlp(seeds, 2 * pack, hidden, 1))


def seeds_of(model) -> int:
    """How many seeds a stacked model holds. Example: ``seeds_of(make_generator(5))`` -> ``5``."""
    for layer in model.modules():
        if isinstance(layer, SeedLinear):
            return layer.seeds
    raise ValueError("this model holds no SeedLinear layer: build it with ring_torch.make_generator/make_discriminator.")


def unstack(model, s: int):
    """Seed s's network out of a stacked one, as an ordinary ``nn.Sequential`` (a ``Generator`` for a generator).

    The weights are copied, so training one does not change the other.
    Example: ``critic_0 = unstack(critic, 0)``; ``critic_0(torch.zeros(3, 2)).shape`` -> ``(3, 1)``.
    """
    if not 0 <= s < seeds_of(model):
        raise ValueError(f"s must be a seed index in 0..{seeds_of(model) - 1}; got {s}.")
    layers = []
    for layer in model:
        if isinstance(layer, SeedLinear):
            lin = nn.Linear(layer.weight.shape[1], layer.weight.shape[2]).to(layer.weight.device)
            with torch.no_grad():
                lin.weight.copy_(layer.weight[s].T)
                lin.bias.copy_(layer.bias[s, 0])
            layers.append(lin)
        else:
            layers.append(layer)
    return Generator(model.z_dim, *layers) if hasattr(model, "z_dim") else nn.Sequential(*layers)


def sample(G, z) -> np.ndarray:
    """Each seed's samples in data units for the noise z (n, 2) (the same z for every seed): (S, n, 2).

    Example: ``sample(G, torch.randn(2500, 2)).shape`` -> ``(5, 2500, 2)``.
    """
    seeds = seeds_of(G)
    with torch.no_grad():
        x = G(z.repeat(seeds, 1))                                                  # (S * n, 2)
    return x.reshape(seeds, len(z), 2).cpu().numpy() * SETUP["scale"]


# ---- generated by `python -m gan_course.tools.export` from notebooks/07_training_pathologies.md: edit the lesson, not below ----


def train_step_gan(real, G, D, opt_G, opt_D, pack=1, noise_std=0.0):
    """Lesson 07's GAN step on 2-D points: one discriminator step, then one generator step (non-saturating).

    ``real`` holds B * pack points (B * pack, 2). D judges packs of ``pack`` consecutive points (PacGAN when
    pack > 1), each pack with instance noise of std ``noise_std`` on every coordinate. Lesson 04's losses.
    Returns a tensor (2,): D's loss and G's loss. Lesson 07, section 3.
    Example: ``train_step_gan(real, G, D, opt_G, opt_D, pack=4)``.
    """
    real = real.reshape(-1, 2 * pack)                                        # (B, 2 * pack): packs of real points
    fake = G(torch.randn(len(real) * pack, G.z_dim, device=real.device))    # (B * pack, 2)
    fake = fake.reshape(-1, 2 * pack)                                        # (B, 2 * pack): packs of generated
    if noise_std > 0:                                                        # instance noise on all D sees
        real = real + noise_std * torch.randn_like(real)
        fake = fake + noise_std * torch.randn_like(fake)
    d_loss = gan_torch.discriminator_loss(D(real), D(fake.detach()))
    opt_D.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_D.step()
    g_loss = gan_torch.generator_loss(D(fake))
    opt_G.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_G.step()
    return torch.stack([d_loss.detach(), g_loss.detach()])
