"""The DCGAN of lesson 06 (Keras twin): the convolutional generator and discriminator, their N(0, 0.02)
initialisation, exactly as the lesson defines them. The training step is lesson 04's
``gan_course.gan_keras.train_step``, re-exported here: nothing in it depends on the networks.

Each function below is copied verbatim from a ``#@save gan_course.dcgan_keras`` cell of
``notebooks/06_dcgan_keras.md`` (``tests/test_saved_code.py`` fails if they drift), so later lessons and
``benchmarks/dcgan_speed.py`` import the code the reader saw. The PyTorch twin is ``gan_course.dcgan_torch``;
the names and the architecture are the same, the layout differs: Keras images are channels-last. The
``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks; the losses are lesson 04's
(``gan_course.gan_keras``).

What it is not: a training framework. The loop (``train_step`` compiled with ``tf.function``), checkpoints
and plots stay in the lesson. Build the optimizers before compiling the step::

    G, D = make_generator(100, 32, 32), make_discriminator(32, 32)
    opt_G.build(G.trainable_variables); opt_D.build(D.trainable_variables)
    step = tf.function(lambda real: train_step(real, tf.random.normal((64, 100)), G, D, opt_G, opt_D))

Images are (B, S, S, channels) (S = image_size: 32, 64 or 128) in [-1, 1]; the discriminator returns logits (B, 1).
Import ``gan_course`` before this module (it makes the TensorFlow / PyTorch import order safe).
"""
from . import _imports

tf = _imports.tensorflow()
import keras  # noqa: E402  (after TensorFlow, which gan_course._imports loads safely)

from .gan_keras import train_step  # noqa: E402,F401  (lesson 04's step, unchanged: re-exported)

__all__ = ["dcgan_init", "batch_norm", "g_block", "d_block", "make_generator", "make_discriminator", "train_step"]


def dcgan_init(seed=None):
    """The DCGAN paper's weight initialiser: every weight drawn from N(0, 0.02).

    Lesson 06, section 5. Example: ``keras.layers.Conv2D(8, 4, kernel_initializer=dcgan_init())``.
    """
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=seed)


def batch_norm():
    """BatchNormalization as PyTorch's BatchNorm2d does it (momentum 0.9 = PyTorch's 0.1, epsilon 1e-5), gamma ~ N(1, 0.02).

    Keras' own defaults (momentum 0.99, epsilon 1e-3) would also train; these make the twins compute the same
    function from the same weights. Lesson 06, section 5. Example: ``keras.Sequential([conv, batch_norm(), relu])``.
    """
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5,
                                           gamma_initializer=keras.initializers.RandomNormal(mean=1.0, stddev=0.02))


def _levels(image_size):
    if isinstance(image_size, bool) or image_size not in (16, 32, 64, 128, 256):
        raise ValueError(f"image_size must be a power of two from 16 to 256 (32, 64 or 128 here); got {image_size!r}.")
    return int(image_size).bit_length() - 4  # blocks between the 4x4 projection and the last layer


def g_block(filters):
    """Generator block: doubles the side. Conv2DTranspose(4, stride 2, "same", no bias) -> BatchNorm -> ReLU.

    (B, H, W, C) -> (B, 2H, 2W, filters). Lesson 06, exercise 3.
    Example: ``g_block(128)(tf.zeros((2, 4, 4, 256))).shape`` -> ``(2, 8, 8, 128)``.
    """
    # Return keras.Sequential of: Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
    # kernel_initializer=dcgan_init()) (BatchNorm's beta replaces the bias), batch_norm(), ReLU.
    # BEGIN SOLUTION
    return keras.Sequential([
        keras.layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=False,
                                     kernel_initializer=dcgan_init()),   # (B, 2H, 2W, filters)
        batch_norm(),
        keras.layers.ReLU(),
    ])
    # END SOLUTION


def d_block(filters):
    """Discriminator block: halves the side. Conv2D(4, stride 2, "same", no bias) -> BatchNorm -> LeakyReLU(0.2).

    (B, H, W, C) -> (B, H/2, W/2, filters). Lesson 06, exercise 4.
    Example: ``d_block(128)(tf.zeros((2, 16, 16, 64))).shape`` -> ``(2, 8, 8, 128)``.
    """
    # Return keras.Sequential of: Conv2D(filters, 4, strides=2, padding="same", use_bias=False,
    # kernel_initializer=dcgan_init()), batch_norm(), LeakyReLU with negative_slope 0.2. No pooling.
    # BEGIN SOLUTION
    return keras.Sequential([
        keras.layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False,
                            kernel_initializer=dcgan_init()),            # (B, H/2, W/2, filters)
        batch_norm(),
        keras.layers.LeakyReLU(negative_slope=0.2),
    ])
    # END SOLUTION


def make_generator(z_dim=100, image_size=32, base=64, channels=3):
    """DCGAN generator: z (B, z_dim) -> images (B, S, S, channels) in [-1, 1]; no fully connected layer.

    4x4 projection by a 'valid' transposed convolution of z read as a 1 x 1 image, then g_blocks (halving
    channels, doubling the side) and a last transposed convolution to ``channels`` with tanh.
    Widths: base * S/8 at 4x4 ... base. Lesson 06, section 5.
    Example: ``make_generator(image_size=64)(tf.random.normal((8, 100))).shape`` -> ``(8, 64, 64, 3)``.
    """
    n = _levels(image_size)
    c = base * 2 ** n                                                        # channels at 4x4
    layers = [keras.Input((z_dim,)), keras.layers.Reshape((1, 1, z_dim)),   # (B, 1, 1, z_dim)
              keras.layers.Conv2DTranspose(c, 4, padding="valid", use_bias=False, kernel_initializer=dcgan_init()),
              batch_norm(), keras.layers.ReLU()]  # (B, 4, 4, c)
    for _ in range(n):
        c //= 2
        layers.append(g_block(c))                                            # side x2, channels /2
    layers += [keras.layers.Conv2DTranspose(channels, 4, strides=2, padding="same",
                                            kernel_initializer=dcgan_init()),  # (B, S, S, channels)
               keras.layers.Activation("tanh")]                              # in [-1, 1]
    return keras.Sequential(layers, name="generator")


def make_discriminator(image_size=32, base=64, channels=3):
    """DCGAN discriminator: images (B, S, S, channels) -> one logit per image (B, 1); no pooling, no sigmoid.

    A first strided convolution without BatchNorm, then d_blocks down to 4x4, then a 4x4 'valid' convolution to 1.
    Lesson 06, section 5.
    Example: ``make_discriminator(image_size=64)(tf.zeros((8, 64, 64, 3))).shape`` -> ``(8, 1)``.
    """
    n = _levels(image_size)
    c = base
    layers = [keras.Input((image_size, image_size, channels)),
              keras.layers.Conv2D(c, 4, strides=2, padding="same", kernel_initializer=dcgan_init()),  # (B, S/2, S/2, c)
              keras.layers.LeakyReLU(negative_slope=0.2)]                    # no BatchNorm on the input layer
    for _ in range(n):
        c *= 2
        layers.append(d_block(c))                                            # side /2, channels x2
    layers += [keras.layers.Conv2D(1, 4, padding="valid", kernel_initializer=dcgan_init()),  # (B, 1, 1, 1)
               keras.layers.Flatten()]                                       # (B, 1): a logit
    return keras.Sequential(layers, name="discriminator")
