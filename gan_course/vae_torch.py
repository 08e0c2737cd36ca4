"""Lesson 02's PyTorch models and losses: the autoencoder, the VAE, and the VAE's three pieces.

Every definition below is copied from ``notebooks/02_autoencoders_vae_pytorch.md``, from the
cells whose first line is ``#@save gan_course.vae_torch``; ``tests/test_saved_code.py`` fails
if the two ever differ. Later lessons import them::

    from gan_course.vae_torch import VAE, Decoder, vae_loss

Conventions: images are (B, 1, 28, 28) with pixels in [0, 1]; decoders return *logits*
(``torch.sigmoid`` gives the pixel means). The exercise functions keep the lesson's
``# BEGIN SOLUTION`` markers: they are the solutions of the lesson's exercises.

What it is not: a training loop (that stays in the lesson, written out) or a general VAE library.
The Keras twin is ``gan_course.vae_keras``.
"""
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Decoder", "Autoencoder", "Encoder", "reparameterize", "kl_to_standard_normal", "vae_loss", "VAE"]


class Decoder(nn.Module):
    """Code z (B, latent_dim) -> pixel logits (B, 1, 28, 28); torch.sigmoid gives the pixel means.

    Lesson 02, section 1. Example: ``Decoder(16)(torch.randn(8, 16)).shape`` -> ``(8, 1, 28, 28)``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256)):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden[1]), nn.ReLU(),  # (B, 256)
            nn.Linear(hidden[1], hidden[0]), nn.ReLU(),   # (B, 512)
            nn.Linear(hidden[0], 28 * 28),                # (B, 784) logits
            nn.Unflatten(1, (1, 28, 28)),                 # (B, 1, 28, 28)
        )

    def forward(self, z):
        return self.net(z)


class Autoencoder(nn.Module):
    """Image (B, 1, 28, 28) -> code (B, latent_dim) -> pixel logits (B, 1, 28, 28).

    Lesson 02, section 1. Example: ``Autoencoder(16)(torch.rand(8, 1, 28, 28)).shape`` -> ``(8, 1, 28, 28)``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256)):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Flatten(),                                 # (B, 784)
            nn.Linear(28 * 28, hidden[0]), nn.ReLU(),     # (B, 512)
            nn.Linear(hidden[0], hidden[1]), nn.ReLU(),   # (B, 256)
            nn.Linear(hidden[1], latent_dim),             # (B, latent_dim): the code
        )
        self.decoder = Decoder(latent_dim, hidden)

    def forward(self, x):
        return self.decoder(self.encoder(x))


class Encoder(nn.Module):
    """Image (B, 1, 28, 28) -> (mu, logvar), each (B, latent_dim): the Gaussian q(z | x).

    Lesson 02, section 3. Example: ``mu, logvar = Encoder(16)(torch.rand(8, 1, 28, 28))``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256)):
        super().__init__()
        self.body = nn.Sequential(
            nn.Flatten(),                                 # (B, 784)
            nn.Linear(28 * 28, hidden[0]), nn.ReLU(),     # (B, 512)
            nn.Linear(hidden[0], hidden[1]), nn.ReLU(),   # (B, 256)
        )
        self.mu = nn.Linear(hidden[1], latent_dim)        # (B, latent_dim)
        self.logvar = nn.Linear(hidden[1], latent_dim)    # (B, latent_dim): log sigma², any real number

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)


def reparameterize(mu, logvar):
    """z = mu + sigma * eps with eps ~ N(0, I) and sigma = exp(logvar / 2); the shape of mu.

    Lesson 02, exercise 1. Example: ``z = reparameterize(torch.zeros(4, 2), torch.zeros(4, 2))``.
    """
    # Turn the log-variance into the standard deviation sigma, draw eps with mu's shape, return mu + sigma * eps.
    # BEGIN SOLUTION
    sigma = torch.exp(0.5 * logvar)
    eps = torch.randn_like(mu)
    return mu + sigma * eps
    # END SOLUTION


def kl_to_standard_normal(mu, logvar):
    """KL(N(mu, sigma²) || N(0, I)) in nats: (B, latent_dim) inputs -> one value per example, (B,).

    Lesson 02, exercise 2. Example: ``kl_to_standard_normal(torch.zeros(4, 2), torch.zeros(4, 2))`` -> zeros (4,).
    """
    # Compute 1/2 (mu² + sigma² - 1 - log sigma²) for every latent dimension, then sum over dim 1.
    # BEGIN SOLUTION
    return 0.5 * torch.sum(mu**2 + torch.exp(logvar) - 1 - logvar, dim=1)
    # END SOLUTION


def vae_loss(x, logits, mu, logvar):
    """(loss, recon, kl), each averaged over the batch, in nats per image; loss = recon + kl = -ELBO.

    recon = -log p(x | z), a Bernoulli per pixel: binary cross-entropy summed over the 784 pixels.
    Lesson 02, exercise 3. Example: ``loss, recon, kl = vae_loss(x, *model(x))``.
    """
    # recon: binary cross-entropy of the logits against x, summed over dims (1, 2, 3), averaged over the batch;
    # kl: kl_to_standard_normal averaged over the batch; return recon + kl, recon, kl.
    # BEGIN SOLUTION
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3)).mean()
    kl = kl_to_standard_normal(mu, logvar).mean()
    return recon + kl, recon, kl
    # END SOLUTION


class VAE(nn.Module):
    """Encoder -> reparameterize -> Decoder; forward(x) returns (logits, mu, logvar).

    Lesson 02, section 6. Example: ``logits, mu, logvar = VAE(16)(torch.rand(8, 1, 28, 28))``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256)):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = Encoder(latent_dim, hidden)
        self.decoder = Decoder(latent_dim, hidden)

    def forward(self, x):                       # x (B, 1, 28, 28)
        mu, logvar = self.encoder(x)            # (B, latent_dim) each
        z = reparameterize(mu, logvar)          # (B, latent_dim)
        return self.decoder(z), mu, logvar      # logits (B, 1, 28, 28)
