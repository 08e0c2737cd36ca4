"""Lesson 02's Keras 3 models and losses: the autoencoder, the VAE, and the VAE's three pieces.

Every definition below is copied from ``notebooks/02_autoencoders_vae_keras.md``, from the
cells whose first line is ``#@save gan_course.vae_keras``; ``tests/test_saved_code.py`` fails
if the two ever differ. Later lessons import them (after ``import gan_course``)::

    from gan_course.vae_keras import VAE, Decoder, vae_loss

Conventions: images are (B, 28, 28, 1) with pixels in [0, 1] (channels last, Keras' layout);
decoders return *logits* (``keras.ops.sigmoid`` gives the pixel means). Random draws use Keras'
global seed generator (seeded by ``keras.utils.set_random_seed``), which stays random inside
``tf.function``. The exercise functions keep the lesson's ``# BEGIN SOLUTION`` markers: they are
the exercises' solutions.

What it is not: a training loop (that stays in the lesson, written out) or a general VAE library.
The PyTorch twin is ``gan_course.vae_torch``.
"""
from . import _imports

_imports.tensorflow()  # loads triton before TensorFlow (see gan_course._imports)

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

__all__ = ["Decoder", "Autoencoder", "Encoder", "reparameterize", "kl_to_standard_normal", "vae_loss", "VAE"]


class Decoder(keras.Model):
    """Code z (B, latent_dim) -> pixel logits (B, 28, 28, 1); keras.ops.sigmoid gives the pixel means.

    Lesson 02, section 1. Example: ``Decoder(16)(keras.random.normal((8, 16))).shape`` -> ``(8, 28, 28, 1)``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256), **kwargs):
        super().__init__(**kwargs)
        self.net = keras.Sequential([
            keras.Input((latent_dim,)),                   # (B, latent_dim)
            layers.Dense(hidden[1], activation="relu"),   # (B, 256)
            layers.Dense(hidden[0], activation="relu"),   # (B, 512)
            layers.Dense(28 * 28),                        # (B, 784) logits
            layers.Reshape((28, 28, 1)),                  # (B, 28, 28, 1)
        ])

    def call(self, z):
        return self.net(z)


class Autoencoder(keras.Model):
    """Image (B, 28, 28, 1) -> code (B, latent_dim) -> pixel logits (B, 28, 28, 1).

    Lesson 02, section 1. Example: ``Autoencoder(16)(keras.random.uniform((8, 28, 28, 1))).shape`` -> (8, 28, 28, 1).
    """

    def __init__(self, latent_dim=16, hidden=(512, 256), **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.encoder = keras.Sequential([
            keras.Input((28, 28, 1)),                     # (B, 28, 28, 1)
            layers.Flatten(),                             # (B, 784)
            layers.Dense(hidden[0], activation="relu"),   # (B, 512)
            layers.Dense(hidden[1], activation="relu"),   # (B, 256)
            layers.Dense(latent_dim),                     # (B, latent_dim): the code
        ])
        self.decoder = Decoder(latent_dim, hidden)

    def call(self, x):
        return self.decoder(self.encoder(x))


class Encoder(keras.Model):
    """Image (B, 28, 28, 1) -> (mu, logvar), each (B, latent_dim): the Gaussian q(z | x).

    Lesson 02, section 3. Example: ``mu, logvar = Encoder(16)(keras.random.uniform((8, 28, 28, 1)))``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256), **kwargs):
        super().__init__(**kwargs)
        self.body = keras.Sequential([
            keras.Input((28, 28, 1)),                     # (B, 28, 28, 1)
            layers.Flatten(),                             # (B, 784)
            layers.Dense(hidden[0], activation="relu"),   # (B, 512)
            layers.Dense(hidden[1], activation="relu"),   # (B, 256)
        ])
        self.mu = layers.Dense(latent_dim)                # (B, latent_dim)
        self.logvar = layers.Dense(latent_dim)            # (B, latent_dim): log sigma², any real number

    def call(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)


def reparameterize(mu, logvar):
    """z = mu + sigma * eps with eps ~ N(0, I) and sigma = exp(logvar / 2); the shape of mu.

    Lesson 02, exercise 1. Example: ``z = reparameterize(ops.zeros((4, 2)), ops.zeros((4, 2)))``.
    """
    # Turn the log-variance into the standard deviation sigma, draw eps with mu's shape, return mu + sigma * eps.
    # BEGIN SOLUTION
    sigma = ops.exp(0.5 * logvar)
    eps = keras.random.normal(ops.shape(mu))
    return mu + sigma * eps
    # END SOLUTION


def kl_to_standard_normal(mu, logvar):
    """KL(N(mu, sigma²) || N(0, I)) in nats: (B, latent_dim) inputs -> one value per example, (B,).

    Lesson 02, exercise 2. Example: ``kl_to_standard_normal(ops.zeros((4, 2)), ops.zeros((4, 2)))`` -> zeros (4,).
    """
    # Compute 1/2 (mu² + sigma² - 1 - log sigma²) for every latent dimension, then sum over axis 1.
    # BEGIN SOLUTION
    return 0.5 * ops.sum(ops.square(mu) + ops.exp(logvar) - 1 - logvar, axis=1)
    # END SOLUTION


def vae_loss(x, logits, mu, logvar):
    """(loss, recon, kl), each averaged over the batch, in nats per image; loss = recon + kl = -ELBO.

    recon = -log p(x | z), a Bernoulli per pixel: binary cross-entropy summed over the 784 pixels.
    Lesson 02, exercise 3. Example: ``loss, recon, kl = vae_loss(x, *model(x))``.
    """
    # recon: binary cross-entropy of the logits against x, summed over axes (1, 2, 3), averaged over the batch;
    # kl: kl_to_standard_normal averaged over the batch; return recon + kl, recon, kl.
    # BEGIN SOLUTION
    recon = ops.mean(ops.sum(ops.binary_crossentropy(x, logits, from_logits=True), axis=(1, 2, 3)))
    kl = ops.mean(kl_to_standard_normal(mu, logvar))
    return recon + kl, recon, kl
    # END SOLUTION


class VAE(keras.Model):
    """Encoder -> reparameterize -> Decoder; call(x) returns (logits, mu, logvar).

    Lesson 02, section 6. Example: ``logits, mu, logvar = VAE(16)(keras.random.uniform((8, 28, 28, 1)))``.
    """

    def __init__(self, latent_dim=16, hidden=(512, 256), **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.encoder = Encoder(latent_dim, hidden)
        self.decoder = Decoder(latent_dim, hidden)

    def call(self, x):                          # x (B, 28, 28, 1)
        mu, logvar = self.encoder(x)            # (B, latent_dim) each
        z = reparameterize(mu, logvar)          # (B, latent_dim)
        return self.decoder(z), mu, logvar      # logits (B, 28, 28, 1)
