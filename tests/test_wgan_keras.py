"""gan_course.wgan_keras: the critic, the Wasserstein losses, clipping, the gradient penalty (per-sample
gradient norms, alpha ~ U(0, 1) per sample), the Lipschitz check and the two training steps."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow import order)
from gan_course import wgan_keras as W

tf = W.tf
keras = pytest.importorskip("keras")


class Recording:
    """f(x) = 0.5 ||x||^2 per sample (grad_x f = x); remembers the points it scored."""

    def __init__(self):
        self.seen = []
        self.trainable_variables = []

    def __call__(self, x, training=None):
        self.seen.append(x.numpy())
        return 0.5 * tf.reduce_sum(tf.reshape(x, [x.shape[0], -1]) ** 2, axis=1, keepdims=True)


def test_networks_shapes_and_no_sigmoid():
    G = W.make_generator(2, (2,))
    assert G(np.zeros((8, 2), np.float32)).shape == (8, 2)
    G_img = W.make_generator(16, (28, 28, 1), (32,), activation="tanh")
    x = G_img(np.random.default_rng(0).normal(0, 10, (4, 16)).astype(np.float32)).numpy()
    assert x.shape == (4, 28, 28, 1) and np.abs(x).max() <= 1
    critic = W.make_critic((28, 28, 1), (16,))
    assert critic(x).shape == (4, 1)
    assert critic.layers[-1].activation.__name__ == "linear"  # a score, not a probability
    with pytest.raises(ValueError, match="activation"):
        W.make_generator(activation="sigmoid")


def test_losses():
    r, f = tf.constant([[1.0], [3.0]]), tf.constant([[-1.0], [0.0], [0.5]])
    assert float(W.critic_loss(r, f)) == pytest.approx(np.mean([-1, 0, 0.5]) - 2.0)
    assert float(W.generator_loss(f)) == pytest.approx(1 / 6)


def test_clip_weights_in_place_and_bad_c():
    critic = W.make_critic((2,), (8,))
    critic.set_weights([w + 1.0 for w in critic.get_weights()])
    variables = list(critic.trainable_variables)
    W.clip_weights(critic, 0.05)
    assert all(v is w for v, w in zip(variables, critic.trainable_variables))
    assert max(np.abs(w).max() for w in critic.get_weights()) == pytest.approx(0.05)
    for bad in (0, -0.1):
        with pytest.raises(ValueError, match="positive"):
            W.clip_weights(critic, bad)


def test_gradient_penalty_uses_per_sample_gradient_norms():
    # real == fake, so x_hat = real whatever alpha is: gradients x_i = (3, 0) and (-3, 0).
    x = tf.constant([[3.0, 0.0], [-3.0, 0.0]])
    gp = float(W.gradient_penalty(Recording(), x, x, weight=10.0))
    per_sample = 10.0 * np.mean((np.array([3.0, 3.0]) - 1) ** 2)          # 40
    batch_mean_gradient = 10.0 * (np.linalg.norm([0.0, 0.0]) - 1) ** 2    # 10: the classic bug
    assert gp == pytest.approx(per_sample, rel=1e-5)
    assert gp != pytest.approx(batch_mean_gradient)
    # images: one norm over all of a sample's pixels
    img = tf.constant(np.stack([np.full((2, 2, 1), 0.5), np.full((2, 2, 1), 2.0)]), tf.float32)
    want = 10.0 * np.mean((np.array([1.0, 4.0]) - 1) ** 2)
    assert float(W.gradient_penalty(Recording(), img, img)) == pytest.approx(want, rel=1e-5)


def test_gradient_penalty_alpha_is_uniform_per_sample():
    critic = Recording()
    real, fake = tf.ones((4000, 3, 2, 1)), tf.zeros((4000, 3, 2, 1))
    W.gradient_penalty(critic, real, fake)
    alpha = critic.seen[0]                                     # x_hat = alpha * 1 + (1 - alpha) * 0
    assert alpha.shape == (4000, 3, 2, 1)
    flat = alpha.reshape(4000, -1)
    assert np.ptp(flat, axis=1).max() == 0                     # one alpha per sample (shape (B, 1, 1, 1))
    assert 0 <= flat.min() and flat.max() <= 1                 # not a normal
    assert np.unique(flat[:, 0]).size > 3900                   # not shared across the batch
    assert flat[:, 0].mean() == pytest.approx(0.5, abs=0.02) and flat[:, 0].std() == pytest.approx(12 ** -0.5, abs=0.02)


def test_gradient_penalty_is_zero_for_unit_slope_and_reaches_the_weights():
    critic = W.make_critic((2,), ())                          # f(x) = w.x + b
    critic.set_weights([np.array([[0.6], [0.8]], np.float32), np.zeros(1, np.float32)])  # ||w|| = 1
    real, fake = tf.random.normal((64, 2)), tf.random.normal((64, 2))
    assert float(W.gradient_penalty(critic, real, fake)) == pytest.approx(0.0, abs=1e-6)
    critic.set_weights([np.array([[3.0], [4.0]], np.float32), np.zeros(1, np.float32)])  # ||w|| = 5
    with tf.GradientTape() as tape:
        gp = W.gradient_penalty(critic, real, fake, weight=2.0)
    kernel_grad = tape.gradient(gp, critic.trainable_variables[0]).numpy()
    assert float(gp) == pytest.approx(2.0 * 16, rel=1e-5)
    np.testing.assert_allclose(kernel_grad[:, 0], 2.0 * 2 * 4 * np.array([3.0, 4.0]) / 5, rtol=1e-4)


def test_critic_grad_norms_and_errors():
    critic = W.make_critic((2,), ())
    critic.set_weights([np.array([[3.0], [4.0]], np.float32), np.zeros(1, np.float32)])
    x = np.random.default_rng(0).normal(size=(10, 2))
    np.testing.assert_allclose(W.critic_grad_norms(critic, x), 5.0, rtol=1e-6)
    assert W.critic_max_grad_norm(critic, x) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="non-empty batch"):
        W.critic_grad_norms(critic, np.zeros((0, 2)))


@pytest.mark.parametrize("kind", ["clip", "gp"])
def test_compiled_train_steps(kind):
    keras.utils.set_random_seed(0)
    G, critic = W.make_generator(2, (2,), (16,)), W.make_critic((2,), (16,))
    opt_G, opt_C = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    opt_G.build(G.trainable_variables)
    opt_C.build(critic.trainable_variables)
    g_before = [w.copy() for w in G.get_weights()]
    if kind == "clip":
        step = tf.function(lambda reals: W.train_step_clip(reals, G, critic, opt_G, opt_C, c=0.02))
    else:
        step = tf.function(lambda reals: W.train_step_gp(reals, G, critic, opt_G, opt_C))
    for _ in range(3):
        out = step(tf.random.normal((5, 32, 2)))
    assert out.shape == ((2,) if kind == "clip" else (3,)) and np.all(np.isfinite(out.numpy()))
    assert any(not np.allclose(a, b) for a, b in zip(g_before, G.get_weights()))
    if kind == "clip":
        assert max(np.abs(w).max() for w in critic.get_weights()) <= 0.02 + 1e-7
    else:
        assert out.numpy()[1] >= 0


def test_conv_networks_of_the_paper():
    """The WGAN-GP paper's MNIST networks: shapes, tanh range, no BatchNorm, a per-sample critic."""
    G, C = W.make_conv_generator(128, 8), W.make_conv_critic(8)
    x = G(np.random.default_rng(0).normal(0, 10, (3, 128)).astype(np.float32)).numpy()
    assert x.shape == (3, 28, 28, 1) and np.abs(x).max() <= 1
    assert C(x).shape == (3, 1)
    assert not any("batch_normalization" in layer.name for layer in G.layers + C.layers)
    assert [tuple(layer.output.shape[1:]) for layer in G.layers if "transpose" in layer.name] == \
        [(8, 8, 16), (14, 14, 8), (28, 28, 1)]
    assert np.allclose(C(x)[:1], C(x[:1]), atol=1e-5)       # one sample's score does not depend on the others
    reals = tf.constant(np.random.default_rng(1).uniform(-1, 1, (2, 4, 28, 28, 1)).astype(np.float32))
    opt_G, opt_C = keras.optimizers.Adam(), keras.optimizers.Adam()
    opt_G.build(G.trainable_variables)
    opt_C.build(C.trainable_variables)
    assert np.isfinite(W.train_step_gp(reals, G, C, opt_G, opt_C).numpy()).all()


@pytest.mark.parametrize("grad", [1e-6, 1e-4, 1e-2])
def test_keras_rmsprop_epsilon_1e16_matches_pytorchs_1e8(grad):
    """Lesson 08's Keras twin gives RMSprop epsilon = 1e-16: Keras divides by sqrt(v + eps), PyTorch by sqrt(v) + eps.

    With 1e-16 the denominator has PyTorch's floor, 1e-8: sqrt(v + 1e-16) lies between (sqrt(v) + 1e-8) / sqrt(2)
    and sqrt(v) + 1e-8, so one Keras step is PyTorch's within a factor sqrt(2) (equal once sqrt(v) >> 1e-8). With
    1e-8 it is far smaller for the tiny gradients a clipped critic passes on (the reason the lesson sets it).
    """
    lr, rho = 5e-5, 0.99
    v = (1 - rho) * grad ** 2                                   # the running mean after one step from 0
    torch_step = lr * grad / (np.sqrt(v) + 1e-8)                # torch.optim.RMSprop(alpha=0.99, eps=1e-8)

    def keras_step(eps):
        w = tf.Variable([0.0], dtype=tf.float64)
        opt = keras.optimizers.RMSprop(lr, rho=rho, epsilon=eps)
        opt.apply_gradients([(tf.constant([grad], tf.float64), w)])
        return -float(w.numpy()[0])

    assert torch_step * (1 - 1e-9) <= keras_step(1e-16) <= torch_step * np.sqrt(2)
    if grad >= 1e-4:
        assert keras_step(1e-16) == pytest.approx(torch_step, rel=1e-3)
    if grad <= 1e-4:
        assert keras_step(1e-8) < 0.2 * torch_step
