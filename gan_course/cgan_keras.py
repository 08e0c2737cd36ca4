"""The conditional GAN of lesson 05 (Keras twin): labels as one-hot vectors concatenated to the noise
and to the image (seed 001), an embedding variant, the conditional discriminator loss, one training
step, sampling a chosen digit, and the small CNN "judge" that classifies the generated digits.

Each function and class below is copied verbatim from a ``#@save gan_course.cgan_keras`` cell of
``notebooks/05_conditional_gan_keras.md`` (``tests/test_saved_code.py`` fails if they drift).
The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.

What it is not: a training framework. The loop (``cgan_train_step`` compiled with ``tf.function``),
checkpoints and plots stay in the lesson. Images are (B, 28, 28, 1) in [-1, 1]; labels are integer
digits (B,); the networks are called on ``[inputs, labels]``; D returns logits (B, 1).
Import ``gan_course`` before this module (it makes the TensorFlow / PyTorch import order safe).
"""
import numpy as np

from . import _imports

tf = _imports.tensorflow()
import keras  # noqa: E402  (after TensorFlow, which gan_course._imports loads safely)

from .gan_keras import generator_loss, sample_noise  # noqa: E402

__all__ = ["condition", "ConditionalGenerator", "ConditionalDiscriminator", "cgan_discriminator_loss",
           "cgan_train_step", "sample_digit", "make_judge", "train_judge", "judge_probabilities",
           "sample_noise"]


def condition(x, labels, num_classes=10):
    """Seed 001's conditioning: flatten x to (B, d) and append the one-hot labels -> (B, d + num_classes).

    Lesson 05, exercise 1. Example: ``condition(tf.zeros((4, 64)), tf.constant([0, 1, 2, 3])).shape`` -> (4, 74).
    """
    # One-hot the integer labels (keras.ops.one_hot), flatten x to (B, d), and concatenate the two along
    # the feature axis (axis=1), x first.
    # BEGIN SOLUTION
    one_hot = keras.ops.one_hot(labels, num_classes, dtype=x.dtype)         # (B, num_classes)
    flat = keras.ops.reshape(x, (-1, int(np.prod(x.shape[1:]))))             # (B, d)
    return keras.ops.concatenate([flat, one_hot], axis=1)                   # (B, d + num_classes)
    # END SOLUTION


def _mlp(hidden, dropout=0.0, batchnorm=False):
    """Dense (+ BatchNorm) + LeakyReLU(0.2) (+ Dropout) per hidden width, as a list of layers."""
    layers = []
    for h in hidden:
        layers += ([keras.layers.Dense(h)]
                   + ([keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)] if batchnorm else [])
                   + [keras.layers.LeakyReLU(negative_slope=0.2)]
                   + ([keras.layers.Dropout(dropout)] if dropout else []))
    return layers


class ConditionalGenerator(keras.Model):
    """MLP generator G([z, y]): noise (B, z_dim) and digits (B,) -> images (B, 28, 28, 1) in [-1, 1].

    ``conditioning="onehot"``: input [z, one_hot(y)] (seed 001); ``"embedding"``: [z, E[y]], a learned
    vector of ``embed_dim`` numbers per class. Hidden layers: Dense, BatchNorm, LeakyReLU. Lesson 05, section 3.
    Example: ``ConditionalGenerator(64)([tf.zeros((8, 64)), tf.range(8)]).shape`` -> (8, 28, 28, 1).
    """

    def __init__(self, z_dim=64, hidden=(256, 512), num_classes=10, conditioning="onehot", embed_dim=10, **kwargs):
        super().__init__(**kwargs)
        if conditioning not in ("onehot", "embedding"):
            raise ValueError(f"conditioning must be 'onehot' or 'embedding'; got {conditioning!r}.")
        self.num_classes, self.conditioning = num_classes, conditioning
        self.embed = None if conditioning == "onehot" else keras.layers.Embedding(  # starts from N(0, 1)
            num_classes, embed_dim, embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))
        width = z_dim + (embed_dim if self.embed else num_classes)
        self.net = keras.Sequential([keras.Input((width,)), *_mlp(hidden, batchnorm=True),
                                     keras.layers.Dense(28 * 28, activation="tanh"),  # (B, 784) in [-1, 1]
                                     keras.layers.Reshape((28, 28, 1))])              # (B, 28, 28, 1)

    def call(self, inputs, training=False):
        z, labels = inputs
        if self.embed is None:
            return self.net(condition(z, labels, self.num_classes), training=training)       # [z, one-hot]
        return self.net(keras.ops.concatenate([z, self.embed(labels)], axis=1), training=training)  # [z, embedding]


class ConditionalDiscriminator(keras.Model):
    """MLP discriminator D([x, y]): images (B, 28, 28, 1) and digits (B,) -> one logit per image (B, 1).

    The label is appended to the flattened image, as a one-hot vector or a learned embedding.
    Lesson 05, section 3. Example: ``ConditionalDiscriminator()([tf.zeros((8, 28, 28, 1)), tf.range(8)])``.
    """

    def __init__(self, hidden=(512, 256), dropout=0.3, num_classes=10, conditioning="onehot", embed_dim=10,
                 **kwargs):
        super().__init__(**kwargs)
        if conditioning not in ("onehot", "embedding"):
            raise ValueError(f"conditioning must be 'onehot' or 'embedding'; got {conditioning!r}.")
        self.num_classes, self.conditioning = num_classes, conditioning
        self.embed = None if conditioning == "onehot" else keras.layers.Embedding(  # starts from N(0, 1)
            num_classes, embed_dim, embeddings_initializer=keras.initializers.RandomNormal(stddev=1.0))
        width = 28 * 28 + (embed_dim if self.embed else num_classes)
        self.net = keras.Sequential([keras.Input((width,)), *_mlp(hidden, dropout),
                                     keras.layers.Dense(1)])  # (B, 1): a logit, no sigmoid

    def call(self, inputs, training=False):
        x, labels = inputs
        if self.embed is None:
            return self.net(condition(x, labels, self.num_classes), training=training)  # [image, one-hot]
        flat = keras.ops.reshape(x, (-1, 28 * 28))
        return self.net(keras.ops.concatenate([flat, self.embed(labels)], axis=1), training=training)


def cgan_discriminator_loss(D, real, fake, labels, wrong_labels, mismatch=0.5):
    """Conditional D loss on logits, ``fake`` computed outside D's tape:
    BCE(D(real, y), 1) + (1 - m) BCE(D(fake, y), 0) + m BCE(D(real, y_wrong), 0), m = ``mismatch``.

    m = 0 is seed 001's loss. Lesson 05, exercise 2.
    Example: ``cgan_discriminator_loss(D, real, G([z, y]), y, (y + 1) % 10)``.
    """
    # Score each batch *with its labels*: D([real, labels]), D([fake, labels]), D([real, wrong_labels]), with
    # training=True. BCE with from_logits=True: the first against ones, the other two against zeros; weight
    # them 1, 1 - mismatch, mismatch.
    # BEGIN SOLUTION
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    real_logits = D([real, labels], training=True)                # (B, 1): real image, right label
    fake_logits = D([fake, labels], training=True)                # (B, 1): generated image
    wrong_logits = D([real, wrong_labels], training=True)         # (B, 1): real image, wrong label
    return (bce(keras.ops.ones_like(real_logits), real_logits)
            + (1 - mismatch) * bce(keras.ops.zeros_like(fake_logits), fake_logits)
            + mismatch * bce(keras.ops.zeros_like(wrong_logits), wrong_logits))
    # END SOLUTION


def cgan_train_step(real, labels, z, G, D, opt_G, opt_D, mismatch=0.5):
    """One D step, then one G step, on real images (B, 28, 28, 1), their digits (B,) and noise (B, z_dim).

    The fakes are drawn for the same digits as the real batch; each wrong label is another digit.
    Returns a tensor (3,): d_loss, g_loss and the mean D(G(z, y)) seen in G's step. Lesson 05, section 5.
    Example: ``d_loss, g_loss, d_fake = cgan_train_step(real, y, z, G, D, opt_G, opt_D)``.
    """
    shift = tf.random.uniform(tf.shape(labels), 1, G.num_classes, dtype=labels.dtype)
    wrong = (labels + shift) % G.num_classes                     # (B,), never = labels
    fake = G([z, labels], training=True)                         # (B, 28, 28, 1), made outside any tape
    with tf.GradientTape() as tape:
        d_loss = cgan_discriminator_loss(D, real, fake, labels, wrong, mismatch)
    grads = tape.gradient(d_loss, D.trainable_variables)
    opt_D.apply_gradients(zip(grads, D.trainable_variables))
    with tf.GradientTape() as tape:
        fake_logits = D([G([z, labels], training=True), labels], training=True)  # the updated D, into G
        g_loss = generator_loss(fake_logits)
    grads = tape.gradient(g_loss, G.trainable_variables)
    opt_G.apply_gradients(zip(grads, G.trainable_variables))
    return tf.stack([d_loss, g_loss, tf.reduce_mean(tf.sigmoid(fake_logits))])


def sample_digit(G, digit, n, z_dim):
    """n images of one chosen digit from a conditional generator: (n, 28, 28) floats in [0, 1].

    Lesson 05, exercise 3. Example: ``sample_digit(G, 7, 16, z_dim).shape`` -> ``(16, 28, 28)``.
    """
    # Make n labels all equal to `digit` (tf.fill) and n normal noise vectors; run G with training=False
    # (BatchNorm uses its running statistics); map tanh's [-1, 1] to [0, 1] and drop the channel axis.
    # BEGIN SOLUTION
    labels = tf.fill([n], digit)                                  # (n,)
    z = sample_noise(n, z_dim, "normal")                          # (n, z_dim)
    images = G([z, labels], training=False)                       # (n, 28, 28, 1) in [-1, 1]
    return ((images + 1) / 2)[..., 0]                             # (n, 28, 28) in [0, 1]
    # END SOLUTION


def make_judge(num_classes=10):
    """A small CNN digit classifier (the "judge"): images (B, 28, 28, 1) in [-1, 1] -> logits (B, 10).

    Lesson 05, section 6. Example: ``make_judge()(np.zeros((8, 28, 28, 1))).shape`` -> (8, 10).
    """
    layers = keras.layers
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 5, padding="same", activation="relu"), layers.MaxPooling2D(),  # (B, 14, 14, 16)
        layers.Conv2D(32, 5, padding="same", activation="relu"), layers.MaxPooling2D(),  # (B, 7, 7, 32)
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(128, activation="relu"),
        layers.Dense(num_classes)], name="judge")                                         # (B, 10) logits


def train_judge(J, images, labels, epochs=4, batch_size=64, lr=1e-3, seed=0):
    """Train the judge with Adam and cross-entropy on real images (N, 28, 28, 1) in [-1, 1], digits (N,).

    Each batch is shifted by up to 2 pixels (a cheap augmentation against overfitting 4,000 images).
    Lesson 05, section 6. Example: ``train_judge(make_judge(), x, y, epochs=4)``.
    """
    def shift(x, y):
        return tf.roll(x, shift=tf.random.uniform([2], -2, 3, dtype=tf.int32), axis=[1, 2]), y

    data = (tf.data.Dataset.from_tensor_slices((np.asarray(images, np.float32), np.asarray(labels)))
            .shuffle(len(images), seed=seed).batch(batch_size).map(shift).prefetch(tf.data.AUTOTUNE))
    J.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    J.fit(data, epochs=epochs, verbose=0, shuffle=False)  # `data` is shuffled already
    return J


def judge_probabilities(J, images, batch_size=500):
    """The judge's class probabilities (N, 10) for images (N, 28, 28) or (N, 28, 28, 1) in [0, 1] (numpy).

    Lesson 05, section 6. Example: ``judge_probabilities(J, samples).argmax(1)`` -> the judged digits.
    """
    x = np.asarray(images, np.float32).reshape(-1, 28, 28, 1) * 2 - 1     # the judge's [-1, 1]
    return np.concatenate([keras.ops.convert_to_numpy(keras.ops.softmax(J(x[i:i + batch_size], training=False)))
                           for i in range(0, len(x), batch_size)])
