"""The DCGAN of lesson 06 (PyTorch twin): generator and discriminator blocks, the two networks
parameterised by image size (32, 64 or 128) and the N(0, 0.02) initialisation. The training step
is lesson 04's ``gan_course.gan_torch.train_step``, re-exported here: nothing in it depends on the networks.

Each function below is copied verbatim from a ``#@save gan_course.dcgan_torch`` cell of
``notebooks/06_dcgan_pytorch.md`` (``tests/test_saved_code.py`` fails if they drift), so
``benchmarks/dcgan_speed.py`` and later lessons import the code the reader saw. The
``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.

Images are (B, C, S, S) in [-1, 1]; the discriminator returns logits (B, 1), no sigmoid; the
losses are lesson 04's (``gan_course.gan_torch``).
"""
import math

import torch
from torch import nn

from .gan_torch import train_step  # noqa: F401  (lesson 04's step, unchanged: re-exported)

__all__ = ["g_block", "d_block", "make_generator", "make_discriminator", "init_weights", "train_step"]


def g_block(c_in, c_out):
    """Generator block: doubles the side. ConvTranspose2d(4, stride 2, padding 1, no bias) -> BatchNorm -> ReLU.

    Lesson 06, exercise 3. Example: ``g_block(256, 128)(torch.zeros(2, 256, 4, 4)).shape`` -> ``(2, 128, 8, 8)``.
    """
    # Return nn.Sequential of: a transposed convolution c_in -> c_out (kernel 4, stride 2, padding 1,
    # bias=False: BatchNorm's beta replaces it), BatchNorm2d(c_out), ReLU.
    # BEGIN SOLUTION
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())
    # END SOLUTION


def d_block(c_in, c_out):
    """Discriminator block: halves the side. Conv2d(4, stride 2, padding 1, no bias) -> BatchNorm -> LeakyReLU(0.2).

    Lesson 06, exercise 4. Example: ``d_block(64, 128)(torch.zeros(2, 64, 16, 16)).shape`` -> ``(2, 128, 8, 8)``.
    """
    # Return nn.Sequential of: a strided convolution c_in -> c_out (kernel 4, stride 2, padding 1,
    # bias=False), BatchNorm2d(c_out), LeakyReLU with slope 0.2. No pooling.
    # BEGIN SOLUTION
    return nn.Sequential(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.LeakyReLU(0.2))
    # END SOLUTION


def _levels(image_size):
    if image_size not in (16, 32, 64, 128, 256):
        raise ValueError(f"image_size must be a power of two from 16 to 256 (32, 64 or 128 here); got {image_size!r}.")
    return int(math.log2(image_size)) - 3  # blocks between the 4x4 projection and the last layer


def make_generator(z_dim=100, image_size=32, base=64, channels=3):
    """DCGAN generator: z (B, z_dim) -> images (B, channels, S, S) in [-1, 1]; no fully connected layer.

    4x4 projection by a transposed convolution, then g_blocks (halving channels, doubling the side)
    and a last transposed convolution to ``channels`` with tanh. Widths: base * S/8 at 4x4 ... base.
    Example: ``make_generator(image_size=64)(torch.randn(8, 100)).shape`` -> ``(8, 3, 64, 64)``.
    """
    n = _levels(image_size)
    c = base * 2 ** n                                         # channels at 4x4
    layers = [nn.Unflatten(1, (z_dim, 1, 1)),                 # (B, z_dim, 1, 1)
              nn.ConvTranspose2d(z_dim, c, 4, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU()]  # (B, c, 4, 4)
    for _ in range(n):
        layers.append(g_block(c, c // 2))                     # side x2, channels /2
        c //= 2
    layers += [nn.ConvTranspose2d(c, channels, 4, 2, 1), nn.Tanh()]  # (B, channels, S, S) in [-1, 1]
    return nn.Sequential(*layers)


def make_discriminator(image_size=32, base=64, channels=3):
    """DCGAN discriminator: images (B, channels, S, S) -> one logit per image (B, 1); no pooling, no sigmoid.

    A first strided convolution without BatchNorm, then d_blocks down to 4x4, then a 4x4 convolution to 1.
    Example: ``make_discriminator(image_size=64)(torch.zeros(8, 3, 64, 64)).shape`` -> ``(8, 1)``.
    """
    n = _levels(image_size)
    c = base
    layers = [nn.Conv2d(channels, c, 4, 2, 1), nn.LeakyReLU(0.2)]  # (B, base, S/2, S/2); no BN on the input layer
    for _ in range(n):
        layers.append(d_block(c, 2 * c))                      # side /2, channels x2
        c *= 2
    layers += [nn.Conv2d(c, 1, 4, 1, 0), nn.Flatten()]       # (B, 1): a logit
    return nn.Sequential(*layers)


def init_weights(module):
    """DCGAN initialisation, for ``net.apply(init_weights)``: conv weights ~ N(0, 0.02), BatchNorm gamma ~ N(1, 0.02), biases 0.

    Lesson 06, section 5. Example: ``G = make_generator().apply(init_weights)``.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
