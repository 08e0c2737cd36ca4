"""The ring set-up of lessons 07 and 08 in Keras: S seeds' networks stacked into one, and the plain-GAN step.

The Keras twin of ``gan_course.ring_torch`` (same names, same arguments, same initial weights'
distribution, so the twins train the same networks):

* ``SeedDense(seeds, units)``: S independent dense layers in one layer, kernel (S, d_in, units); it
  takes the seeds' batches one after the other, x (S * B, d_in), rows s * B ... (s + 1) * B for seed s;
* ``make_generator(seeds)`` / ``make_discriminator(seeds, pack=1)``: the ring's MLPs, S seeds wide;
* ``unstack(model, s)``: seed s's network as an ordinary ``keras.Sequential`` of ``Dense`` layers;
* ``sample(G, z)``: each seed's points in data units, (S, n, 2).

Lesson 07 is a PyTorch lesson; the Keras version of its GAN step (plain GAN, PacGAN, instance noise)
is written in lesson 08's Keras twin and exported here. Import ``gan_course`` before this module.
What it is not: a training loop.
"""
from __future__ import annotations

import math

import numpy as np

from . import _imports
from .ring import SETUP

tf = _imports.tensorflow()
import keras  # noqa: E402  (after TensorFlow, which gan_course._imports loads safely)

from . import gan_keras  # noqa: E402

__all__ = ["SeedDense", "make_generator", "make_discriminator", "unstack", "seeds_of", "sample", "train_step_gan"]


@keras.saving.register_keras_serializable(package="gan_course")
class SeedDense(keras.layers.Layer):
    """S independent dense layers: x (S * B, d_in) -> (S * B, units), seed s on rows s * B ... (s + 1) * B.

    Each seed's kernel and bias start uniform in ±1/sqrt(d_in), as PyTorch's ``nn.Linear`` (and
    ``ring_torch.SeedLinear``) do. Example: ``SeedDense(5, 128)(np.zeros((5 * 256, 2))).shape`` -> ``(1280, 128)``.
    """

    def __init__(self, seeds: int, units: int, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.seeds, self.units = int(seeds), int(units)
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        d_in = int(input_shape[-1])
        init = keras.initializers.RandomUniform(-1 / math.sqrt(d_in), 1 / math.sqrt(d_in))
        self.kernel = self.add_weight(shape=(self.seeds, d_in, self.units), initializer=init, name="kernel")
        self.bias = self.add_weight(shape=(self.seeds, 1, self.units), initializer=init, name="bias")

    def call(self, x):
        xs = keras.ops.reshape(x, (self.seeds, -1, x.shape[-1]))                  # (S, B, d_in)
        y = keras.ops.matmul(xs, self.kernel) + self.bias                          # (S, B, units)
        return self.activation(keras.ops.reshape(y, (-1, self.units)))            # (S * B, units)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        return {**super().get_config(), "seeds": self.seeds, "units": self.units,
                "activation": keras.activations.serialize(self.activation)}


def _mlp(seeds, d_in, hidden, d_out, name):
    layers = [keras.Input((d_in,))]
    layers += [SeedDense(seeds, h, activation="relu") for h in hidden]
    return keras.Sequential(layers + [SeedDense(seeds, d_out)], name=name)


def make_generator(seeds: int = 1, hidden=SETUP["hidden"]):
    """The ring's generator for S seeds: z (S * B, 2) -> x (S * B, 2), standard normal z, no output activation.

    Example: ``make_generator(5)(np.zeros((40, 2))).shape`` -> ``(40, 2)``.
    """
    return _mlp(seeds, 2, hidden, 2, "generator")


def make_discriminator(seeds: int = 1, pack: int = 1, hidden=SETUP["hidden"]):
    """The ring's discriminator (a logit) or critic (a score) for S seeds: packs (S * B, 2 * pack) -> (S * B, 1).

    Example: ``make_discriminator(5, pack=4)(np.zeros((40, 8))).shape`` -> ``(40, 1)``.
    """
    return _mlp(seeds, 2 * pack, hidden, 1, "discriminator")


def seeds_of(model) -> int:
    """How many seeds a stacked model holds. Example: ``seeds_of(make_generator(5))`` -> ``5``."""
    for layer in model.layers:
        if isinstance(layer, SeedDense):
            return layer.seeds
    raise ValueError("this model holds no SeedDense layer: build it with ring_keras.make_generator/make_discriminator.")


def unstack(model, s: int):
    """Seed s's network out of a stacked one, as an ordinary ``keras.Sequential`` of ``Dense`` layers.

    The weights are copied. Example: ``critic_0 = unstack(critic, 0)``; ``critic_0(np.zeros((3, 2))).shape`` -> ``(3, 1)``.
    """
    if not 0 <= s < seeds_of(model):
        raise ValueError(f"s must be a seed index in 0..{seeds_of(model) - 1}; got {s}.")
    d_in = model.inputs[0].shape[-1]
    out = keras.Sequential([keras.Input((d_in,))] + [
        keras.layers.Dense(layer.units, activation=layer.activation) for layer in model.layers], name=model.name)
    for dense, layer in zip(out.layers, model.layers):
        dense.set_weights([layer.kernel.numpy()[s], layer.bias.numpy()[s, 0]])
    return out


def sample(G, z) -> np.ndarray:
    """Each seed's samples in data units for the noise z (n, 2) (the same z for every seed): (S, n, 2).

    Example: ``sample(G, np.random.randn(2500, 2)).shape`` -> ``(5, 2500, 2)``.
    """
    seeds = seeds_of(G)
    z = np.asarray(z, dtype=np.float32)
    x = G(np.tile(z, (seeds, 1)), training=False)                                  # (S * n, 2)
    return np.asarray(x).reshape(seeds, len(z), 2) * SETUP["scale"]


# ---- generated by `python -m gan_course.tools.export` from notebooks/08_wgan_keras.md: edit the lesson, not below ----


def train_step_gan(real, G, D, opt_G, opt_D, pack=1, noise_std=0.0):
    """Lesson 07's GAN step on 2-D points in Keras: one discriminator step, then one generator step (non-saturating).

    ``real`` holds B * pack points (B * pack, 2). D judges packs of ``pack`` consecutive points (PacGAN when
    pack > 1), each pack with instance noise of std ``noise_std`` (a float or a scalar tensor) on every
    coordinate. Lesson 04's losses. Returns a tensor (2,): D's loss and G's loss. Lesson 08, section 4.
    Example: ``train_step_gan(real, G, D, opt_G, opt_D, pack=4)``.
    """
    real = tf.reshape(real, (-1, 2 * pack))                                  # (B, 2 * pack): packs of real points
    z = tf.random.normal((tf.shape(real)[0] * pack, G.inputs[0].shape[-1]))  # (B * pack, 2)
    noise_real = noise_std * tf.random.normal(tf.shape(real))               # instance noise on all D sees
    noise_fake = noise_std * tf.random.normal(tf.shape(real))
    fake = tf.reshape(G(z, training=True), (-1, 2 * pack)) + noise_fake     # (B, 2 * pack), outside D's tape
    with tf.GradientTape() as tape:
        d_loss = gan_keras.discriminator_loss(D(real + noise_real, training=True), D(fake, training=True))
    opt_D.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
    with tf.GradientTape() as tape:
        fake = tf.reshape(G(z, training=True), (-1, 2 * pack)) + noise_fake
        g_loss = gan_keras.generator_loss(D(fake, training=True))
    opt_G.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))
    return tf.stack([d_loss, g_loss])
