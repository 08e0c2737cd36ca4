"""gan_course.checks.latent with framework="keras": lesson 09's Keras inversion step passes and each classic
mistake gets its hint; gan_course.latent_keras's inversion recovers a generated image."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow import order)
from gan_course.checks import CheckFailed
from gan_course.checks.latent import check_inversion_step

keras = pytest.importorskip("keras")
from gan_course import latent_keras as L  # noqa: E402

tf = L.tf


def _hint(fn):
    with pytest.raises(CheckFailed) as info:
        check_inversion_step(fn, framework="keras")
    return info.value.hint


def test_answer_passes(capsys):
    check_inversion_step(L.invert_step, framework="keras")
    assert "✅" in capsys.readouterr().out


def step_training_true(G, z, target, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((G(z, training=True) - target) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, [z]), [z]))
    return loss


def step_uphill(G, z, target, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((G(z, training=False) - target) ** 2)
        uphill = -loss                                   # the sign slip: minimising -loss climbs
    opt.apply_gradients(zip(tape.gradient(uphill, [z]), [z]))
    return loss


def step_no_apply(G, z, target, opt):
    return tf.reduce_mean((G(z, training=False) - target) ** 2)


def step_moves_G(G, z, target, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean((G(z, training=False) - target) ** 2)
    grads = tape.gradient(loss, G.trainable_variables)
    for v, g in zip(G.trainable_variables, grads):
        v.assign_sub(0.05 * g)
    return loss


def step_sum(G, z, target, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum((G(z, training=False) - target) ** 2)
    opt.apply_gradients(zip(tape.gradient(loss, [z]), [z]))
    return loss


@pytest.mark.parametrize("wrong,words", [
    (step_training_true, "training=False"),
    (step_uphill, "climbed"),
    (step_no_apply, "did not move"),
    (step_moves_G, "generator's weights"),
    (step_sum, "mean"),
])
def test_inversion_step_mistakes(wrong, words):
    assert words in _hint(wrong)


def test_invert_finds_a_generated_image():
    from gan_course.dcgan_keras import make_generator

    keras.utils.set_random_seed(0)
    G = make_generator(z_dim=8, image_size=32, base=4, channels=1)
    G.set_weights([w * 30 if w.ndim > 1 else w for w in G.get_weights()])   # kernels far from N(0, 0.02): images differ
    for _ in range(10):
        G(np.random.default_rng(2).standard_normal((64, 8)).astype(np.float32), training=True)  # BatchNorm statistics
    z_true = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
    x = L.decode(G, z_true)
    assert x.shape == (2, 28, 28) and 0 <= x.min() and x.max() <= 1
    out = L.invert(G, x, 8, restarts=3, steps=150, lr=0.1)
    assert out["z"].shape == (2, 8) and out["curves"].shape == (16, 2, 3)
    assert np.all(out["error"] <= out["curves"][0].min(1))
    assert np.all(out["error"] < 0.6 * out["curves"][0].mean(1))
    assert L.pad_digits(np.zeros((3, 28, 28))).shape == (3, 32, 32, 1)


def test_twins_share_the_numpy_functions():
    from gan_course.checks.latent import check_attribute_vector, check_latent_path, check_slerp

    check_slerp(L.slerp)
    check_latent_path(L.latent_path)
    check_attribute_vector(L.attribute_vector)
