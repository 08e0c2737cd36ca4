"""The vanilla GAN of lesson 04 (PyTorch twin): latent noise, the MLP generator and discriminator,
the two losses and one training step, exactly as the lesson defines them.

Each function below is copied verbatim from a ``#@save gan_course.gan_torch`` cell of
``notebooks/04_vanilla_gan_pytorch.md`` (``tests/test_saved_code.py`` fails if they drift), so later
lessons (05 conditional GAN, 08 WGAN) and ``benchmarks/train_speed.py`` import the code the reader saw.
The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.

What it is not: a training framework. The training loop, checkpoints and plots stay in the lesson.
Images are (B, 1, 28, 28) in [-1, 1]; the discriminator returns logits (B, 1), no sigmoid.
"""
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["sample_noise", "make_generator", "make_discriminator", "discriminator_loss", "generator_loss",
           "train_step"]


def sample_noise(n, z_dim, kind="uniform", device=None):
    """n latent vectors, (n, z_dim): uniform on [-1, 1) (seed 000's default) or standard normal.

    Lesson 04, section 2. Example: ``sample_noise(64, 100, "normal").shape`` -> ``(64, 100)``.
    """
    if kind == "uniform":
        return torch.rand(n, z_dim, device=device) * 2 - 1
    if kind == "normal":
        return torch.randn(n, z_dim, device=device)
    raise ValueError(f"noise kind must be 'uniform' or 'normal'; got {kind!r}.")


def make_generator(z_dim=20, hidden=(100,)):
    """MLP generator: z (B, z_dim) -> images (B, 1, 28, 28) in [-1, 1] (tanh output).

    Lesson 04, section 3 (seed 000's sizes). Example: ``make_generator()(torch.zeros(8, 20)).shape``.
    """
    layers, width = [], z_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]   # (B, h)
        width = h
    layers += [nn.Linear(width, 28 * 28), nn.Tanh(),          # (B, 784) in [-1, 1]
               nn.Unflatten(1, (1, 28, 28))]                  # (B, 1, 28, 28)
    return nn.Sequential(*layers)


def make_discriminator(hidden=(100,), dropout=0.5):
    """MLP discriminator: images (B, 1, 28, 28) -> one logit per image (B, 1); sigmoid(logit) = D(x).

    Lesson 04, section 3 (seed 000's sizes). Example: ``make_discriminator()(torch.zeros(8, 1, 28, 28)).shape``.
    """
    layers, width = [nn.Flatten()], 28 * 28                  # (B, 784)
    for h in hidden:
        layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), nn.Dropout(dropout)]  # (B, h)
        width = h
    layers.append(nn.Linear(width, 1))                        # (B, 1): a logit, no sigmoid
    return nn.Sequential(*layers)


def discriminator_loss(real_logits, fake_logits):
    """BCE on logits: real images labelled 1, generated images 0; the sum of the two batch means.

    Lesson 04, exercise 1. Example: ``discriminator_loss(D(real), D(fake.detach()))``.
    """
    # BCE with logits: real_logits against ones, fake_logits against zeros; return the sum of the two means.
    # BEGIN SOLUTION
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss
    # END SOLUTION


def generator_loss(fake_logits):
    """The non-saturating generator loss -log D(G(z)): BCE on logits with the label 1 ('real').

    Lesson 04, exercise 2. Example: ``generator_loss(D(G(z)))``.
    """
    # BCE with logits of fake_logits against ones: G wants D to call its images real.
    # BEGIN SOLUTION
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    # END SOLUTION


def train_step(real, z, G, D, opt_G, opt_D):
    """One discriminator step, then one generator step, on real images (B, 1, 28, 28) and noise z (B, z_dim).

    Returns a tensor (4,): d_loss, g_loss, mean D(x), mean D(G(z)) (D's view before its step).
    Lesson 04, exercise 3. Example: ``d_loss, g_loss, d_real, d_fake = train_step(real, z, G, D, opt_G, opt_D)``.
    """
    fake = G(z)                                              # (B, 1, 28, 28)
    # D step: score `real` and the detached fakes, d_loss = discriminator_loss(...); clear D's gradients,
    # backpropagate, step opt_D. G step: score the same fakes with the updated D (no detach this time),
    # g_loss = generator_loss(...); clear G's gradients, backpropagate, step opt_G.
    # BEGIN SOLUTION
    real_logits = D(real)                                    # (B, 1)
    fake_logits = D(fake.detach())                           # (B, 1); detach: D's loss stops at the images
    d_loss = discriminator_loss(real_logits, fake_logits)
    opt_D.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_D.step()
    g_loss = generator_loss(D(fake))                         # gradients flow through D into G
    opt_G.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_G.step()
    # END SOLUTION
    with torch.no_grad():  # (4,): D loss, G loss, mean D(x), mean D(G(z))
        return torch.stack([d_loss, g_loss, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()])
