"""The vanilla GAN of lesson 04 (Keras twin): latent noise, the MLP generator and discriminator,
the two losses and one training step, exactly as the lesson defines them.

Each function below is copied verbatim from a ``#@save gan_course.gan_keras`` cell of
``notebooks/04_vanilla_gan_keras.md`` (``tests/test_saved_code.py`` fails if they drift), so later
lessons (05 conditional GAN, 08 WGAN) and ``benchmarks/train_speed.py`` import the code the reader saw.
The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.

What it is not: a training framework. The training loop (``train_step`` compiled with
``tf.function``, never ``fit()`` or ``train_on_batch``), checkpoints and plots stay in the lesson.
Compile the step with the networks bound, and build the optimizers first::

    opt_G.build(G.trainable_variables); opt_D.build(D.trainable_variables)
    step = tf.function(lambda real: train_step(real, sample_noise(64, 20), G, D, opt_G, opt_D))  # batches of 64

Images are (B, 28, 28, 1) in [-1, 1]; the discriminator returns logits (B, 1), no sigmoid.
Import ``gan_course`` before this module (it makes the TensorFlow / PyTorch import order safe).
"""
from . import _imports

tf = _imports.tensorflow()
import keras  # noqa: E402  (after TensorFlow, which gan_course._imports loads safely)

__all__ = ["sample_noise", "make_generator", "make_discriminator", "discriminator_loss", "generator_loss",
           "train_step"]


def sample_noise(n, z_dim, kind="uniform"):
    """n latent vectors, (n, z_dim): uniform on [-1, 1) (seed 000's default) or standard normal.

    Lesson 04, section 2. Example: ``sample_noise(64, 100, "normal").shape`` -> ``(64, 100)``.
    """
    if kind == "uniform":
        return tf.random.uniform((n, z_dim), minval=-1.0, maxval=1.0)
    if kind == "normal":
        return tf.random.normal((n, z_dim))
    raise ValueError(f"noise kind must be 'uniform' or 'normal'; got {kind!r}.")


def make_generator(z_dim=20, hidden=(100,)):
    """MLP generator: z (B, z_dim) -> images (B, 28, 28, 1) in [-1, 1] (tanh output).

    Lesson 04, section 3 (seed 000's sizes). Example: ``make_generator()(np.zeros((8, 20))).shape``.
    """
    layers = [keras.Input((z_dim,))]
    for h in hidden:
        layers += [keras.layers.Dense(h), keras.layers.LeakyReLU(negative_slope=0.2)]   # (B, h)
    layers += [keras.layers.Dense(28 * 28, activation="tanh"),  # (B, 784) in [-1, 1]
               keras.layers.Reshape((28, 28, 1))]                # (B, 28, 28, 1)
    return keras.Sequential(layers, name="generator")


def make_discriminator(hidden=(100,), dropout=0.5):
    """MLP discriminator: images (B, 28, 28, 1) -> one logit per image (B, 1); sigmoid(logit) = D(x).

    Lesson 04, section 3 (seed 000's sizes). Example: ``make_discriminator()(np.zeros((8, 28, 28, 1))).shape``.
    """
    layers = [keras.Input((28, 28, 1)), keras.layers.Flatten()]  # (B, 784)
    for h in hidden:
        layers += [keras.layers.Dense(h), keras.layers.LeakyReLU(negative_slope=0.2),
                   keras.layers.Dropout(dropout)]                # (B, h)
    layers.append(keras.layers.Dense(1))                         # (B, 1): a logit, no sigmoid
    return keras.Sequential(layers, name="discriminator")


def discriminator_loss(real_logits, fake_logits):
    """BCE on logits: real images labelled 1, generated images 0; the sum of the two batch means.

    Lesson 04, exercise 1. Example: ``discriminator_loss(D(real), D(fake))``.
    """
    # BCE with logits (from_logits=True): real_logits against ones, fake_logits against zeros; return the sum.
    # BEGIN SOLUTION
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(keras.ops.ones_like(real_logits), real_logits) + bce(keras.ops.zeros_like(fake_logits), fake_logits)
    # END SOLUTION


def generator_loss(fake_logits):
    """The non-saturating generator loss -log D(G(z)): BCE on logits with the label 1 ('real').

    Lesson 04, exercise 2. Example: ``generator_loss(D(G(z)))``.
    """
    # BCE with logits (from_logits=True) of fake_logits against ones: G wants D to call its images real.
    # BEGIN SOLUTION
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(keras.ops.ones_like(fake_logits), fake_logits)
    # END SOLUTION


def train_step(real, z, G, D, opt_G, opt_D):
    """One discriminator step, then one generator step, on real images (B, 28, 28, 1) and noise z (B, z_dim).

    Returns a tensor (4,): d_loss, g_loss, mean D(x), mean D(G(z)) (D's view before its step).
    Lesson 04, exercise 3. Example: ``d_loss, g_loss, d_real, d_fake = train_step(real, z, G, D, opt_G, opt_D)``.
    """
    fake = G(z, training=True)                               # (B, 28, 28, 1), made outside any tape
    # D step: in a GradientTape score `real` and `fake`, d_loss = discriminator_loss(...); apply its gradients
    # w.r.t. D.trainable_variables with opt_D. G step: in a new tape score G(z) with the updated D, g_loss =
    # generator_loss(...); apply its gradients w.r.t. G.trainable_variables with opt_G.
    # BEGIN SOLUTION
    with tf.GradientTape() as tape:
        real_logits = D(real, training=True)                 # (B, 1)
        fake_logits = D(fake, training=True)                 # (B, 1); fake came from outside the tape
        d_loss = discriminator_loss(real_logits, fake_logits)
    grads = tape.gradient(d_loss, D.trainable_variables)
    opt_D.apply_gradients(zip(grads, D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = generator_loss(D(G(z, training=True), training=True))  # through D into G
    grads = tape.gradient(g_loss, G.trainable_variables)
    opt_G.apply_gradients(zip(grads, G.trainable_variables))
    # END SOLUTION
    return tf.stack([d_loss, g_loss, tf.reduce_mean(tf.sigmoid(real_logits)),  # (4,): D loss, G loss,
                     tf.reduce_mean(tf.sigmoid(fake_logits))])                    # mean D(x), mean D(G(z))
