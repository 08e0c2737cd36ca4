"""The Wasserstein GAN of lesson 08 (Keras twin): a critic without a sigmoid, the Wasserstein losses,
weight clipping, the gradient penalty, a Lipschitz check and the two training steps.

Each function below is copied verbatim from a ``#@save gan_course.wgan_keras`` cell of
``notebooks/08_wgan_keras.md`` (``tests/test_saved_code.py`` fails if they drift). The
``# BEGIN SOLUTION`` / ``# END SOLUTION`` comments mark the lesson's exercise blanks.
``gan_course.wgan_torch`` is the PyTorch twin.

What it is not: a training framework. The loops, checkpoints and plots stay in the lesson.
Build the optimizers before compiling a step, so ``tf.function`` never creates variables::

    opt_G.build(G.trainable_variables); opt_C.build(critic.trainable_variables)
    step = tf.function(lambda reals: train_step_gp(reals, G, critic, opt_G, opt_C))  # reals (n_critic, B, 2)

Points are (B, 2) (the 2-D toy data) or images (B, 28, 28, 1) in [-1, 1]; the critic returns
unbounded scores (B, 1). Import ``gan_course`` before this module (safe TensorFlow / PyTorch order).
"""
from . import _imports

tf = _imports.tensorflow()
import keras  # noqa: E402  (after TensorFlow, which gan_course._imports loads safely)

__all__ = ["make_generator", "make_critic", "critic_loss", "generator_loss", "clip_weights",
           "gradient_penalty", "critic_grad_norms", "critic_max_grad_norm", "train_step_clip", "train_step_gp"]


def make_generator(z_dim=2, output_shape=(2,), hidden=(128, 128), activation=None):
    """MLP generator: z (B, z_dim) -> x (B, *output_shape); ``activation="tanh"`` for images in [-1, 1].

    Lesson 08, section 4. Example: ``make_generator(2, (2,))(np.zeros((8, 2))).shape`` -> ``(8, 2)``.
    """
    if activation not in (None, "tanh"):
        raise ValueError(f"activation must be None (points) or 'tanh' (images in [-1, 1]); got {activation!r}.")
    size = 1
    for n in output_shape:
        size *= n
    layers = [keras.Input((z_dim,))]
    for h in hidden:
        layers += [keras.layers.Dense(h, activation="relu")]               # (B, h)
    layers += [keras.layers.Dense(size, activation=activation),            # (B, prod(output_shape))
               keras.layers.Reshape(tuple(output_shape))]                  # (B, *output_shape)
    return keras.Sequential(layers, name="generator")


def make_critic(input_shape=(2,), hidden=(128, 128)):
    """MLP critic: x (B, *input_shape) -> one unbounded score per sample (B, 1). No sigmoid.

    Lesson 08, section 4. Example: ``make_critic((28, 28, 1), (256,))(np.zeros((8, 28, 28, 1))).shape``.
    """
    layers = [keras.Input(tuple(input_shape)), keras.layers.Flatten()]     # (B, d)
    for h in hidden:
        layers += [keras.layers.Dense(h, activation="relu")]               # (B, h)
    layers.append(keras.layers.Dense(1))                                   # (B, 1): a score, no sigmoid
    return keras.Sequential(layers, name="critic")


def critic_loss(real_scores, fake_scores):
    """The critic's loss, to minimise: mean f(fake) - mean f(real), minus the critic's estimate of W.

    Lesson 08, exercise 1. Example: ``critic_loss(critic(real), critic(fake))``.
    """
    # The critic maximises mean(real_scores) - mean(fake_scores); return the negative, a loss to minimise.
    # BEGIN SOLUTION
    return keras.ops.mean(fake_scores) - keras.ops.mean(real_scores)
    # END SOLUTION


def generator_loss(fake_scores):
    """The generator's loss, to minimise: -mean f(G(z)) (it wants high scores for its samples).

    Lesson 08, section 3. Example: ``generator_loss(critic(G(z)))``.
    """
    return -keras.ops.mean(fake_scores)


def clip_weights(critic, c=0.01):
    """Clip every trainable weight of ``critic`` into [-c, c], in place (WGAN, Arjovsky et al. 2017).

    Lesson 08, exercise 2. Example: ``clip_weights(critic, 0.01)``.
    """
    if not c > 0:
        raise ValueError(f"the clipping bound c must be a positive number such as 0.01; got {c!r}.")
    for w in critic.trainable_variables:
        # Write the clipped values back into the variable w (w.assign(...); tf.clip_by_value clips).
        # BEGIN SOLUTION
        w.assign(tf.clip_by_value(w, -c, c))
        # END SOLUTION


def gradient_penalty(critic, real, fake, weight=10.0):
    """WGAN-GP's penalty: weight * mean over samples of (||grad_x f(x_hat)|| - 1)^2 (Gulrajani et al. 2017).

    x_hat = alpha * real + (1 - alpha) * fake with one alpha ~ U(0, 1) per sample. Call it inside the
    critic's GradientTape, so the penalty's own gradient reaches the critic's weights.
    Lesson 08, exercise 3. Example: ``gp = gradient_penalty(critic, real, fake, weight=10.0)``.
    """
    shape = [tf.shape(real)[0]] + [1] * (len(real.shape) - 1)              # (B, 1) or (B, 1, 1, 1)
    # alpha ~ U(0, 1) with the shape above (one per sample); x_hat between real and fake; in a new
    # GradientTape (watch x_hat) score x_hat and take the gradient w.r.t. x_hat; one norm per sample
    # (flatten all but the batch axis); return weight * mean((norm - 1)^2).
    # BEGIN SOLUTION
    alpha = tf.random.uniform(shape, 0.0, 1.0, dtype=real.dtype)            # (B, 1, ...)
    x_hat = alpha * real + (1.0 - alpha) * fake                            # (B, ...)
    with tf.GradientTape() as tape:
        tape.watch(x_hat)
        scores = critic(x_hat, training=True)                              # (B, 1)
    grads = tape.gradient(scores, x_hat)                                   # (B, ...): one gradient per sample
    norms = tf.sqrt(tf.reduce_sum(tf.reshape(grads, [tf.shape(grads)[0], -1]) ** 2, axis=1) + 1e-12)  # (B,)
    return weight * tf.reduce_mean((norms - 1.0) ** 2)
    # END SOLUTION


def critic_grad_norms(critic, x):
    """||grad_x f(x)|| for each sample of x (B, ...), as a numpy array (B,).

    Lesson 08, section 7. Example: ``critic_grad_norms(critic, x_real[:512]).mean()``.
    """
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    if len(x.shape) < 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a non-empty batch of samples, shape (B, ...); got shape {tuple(x.shape)}.")
    with tf.GradientTape() as tape:
        tape.watch(x)
        scores = critic(x, training=False)                                 # (B, 1)
    grads = tf.reshape(tape.gradient(scores, x), [x.shape[0], -1])         # (B, d)
    return tf.norm(grads, axis=1).numpy()


def critic_max_grad_norm(critic, x):
    """The largest ||grad_x f(x)|| over the samples x: a lower bound on the critic's Lipschitz constant.

    Lesson 08, section 7. Example: ``critic_max_grad_norm(critic, np.concatenate([real, fake]))`` -> ``1.07``.
    """
    return float(critic_grad_norms(critic, x).max())


def train_step_clip(reals, G, critic, opt_G, opt_C, c=0.01):
    """WGAN: len(reals) critic steps (one real batch each, weights clipped after each), then one G step.

    ``reals`` is (n_critic, B, ...). Returns a tensor (2,): the last critic step's estimate
    mean f(real) - mean f(fake), and the generator's loss. Lesson 08, section 5.
    Example: ``w_est, g_loss = train_step_clip(reals, G, critic, opt_G, opt_C, c=0.01)``.
    """
    batch, z_dim = reals.shape[1], G.inputs[0].shape[-1]
    for i in range(reals.shape[0]):                                        # n_critic critic steps
        fake = G(tf.random.normal((batch, z_dim)), training=True)          # (B, ...), outside the tape
        with tf.GradientTape() as tape:
            c_loss = critic_loss(critic(reals[i], training=True), critic(fake, training=True))
        grads = tape.gradient(c_loss, critic.trainable_variables)
        opt_C.apply_gradients(zip(grads, critic.trainable_variables))
        clip_weights(critic, c)
    with tf.GradientTape() as tape:
        g_loss = generator_loss(critic(G(tf.random.normal((batch, z_dim)), training=True), training=True))
    grads = tape.gradient(g_loss, G.trainable_variables)
    opt_G.apply_gradients(zip(grads, G.trainable_variables))
    return tf.stack([-c_loss, g_loss])


def train_step_gp(reals, G, critic, opt_G, opt_C, gp_weight=10.0):
    """WGAN-GP: len(reals) critic steps with the gradient penalty, then one generator step.

    ``reals`` is (n_critic, B, ...). Returns a tensor (3,): the last critic step's estimate
    mean f(real) - mean f(fake), its penalty, and the generator's loss. Lesson 08, section 6.
    Example: ``w_est, gp, g_loss = train_step_gp(reals, G, critic, opt_G, opt_C)``.
    """
    batch, z_dim = reals.shape[1], G.inputs[0].shape[-1]
    for i in range(reals.shape[0]):                                        # n_critic critic steps
        fake = G(tf.random.normal((batch, z_dim)), training=True)          # (B, ...), outside the tape
        with tf.GradientTape() as tape:
            c_loss = critic_loss(critic(reals[i], training=True), critic(fake, training=True))
            gp = gradient_penalty(critic, reals[i], fake, gp_weight)       # differentiated through
            total = c_loss + gp                                            # inside the tape
        grads = tape.gradient(total, critic.trainable_variables)
        opt_C.apply_gradients(zip(grads, critic.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = generator_loss(critic(G(tf.random.normal((batch, z_dim)), training=True), training=True))
    grads = tape.gradient(g_loss, G.trainable_variables)
    opt_G.apply_gradients(zip(grads, G.trainable_variables))
    return tf.stack([-c_loss, gp, g_loss])
