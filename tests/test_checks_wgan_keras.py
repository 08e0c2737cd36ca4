"""gan_course.checks.wgan (framework="keras") and gan_course.checks.wgan_keras: each check passes the lesson's solution and names each classic mistake."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow import order)
from gan_course import wgan_keras as W
from gan_course.checks import CheckFailed, wgan
from gan_course.checks.wgan_keras import check_clip_weights, check_critic, check_gradient_penalty

tf = W.tf
keras = pytest.importorskip("keras")
ops = keras.ops


def check_critic_loss(fn):
    wgan.check_critic_loss(fn, framework="keras")


def _fails(check, fn, *words):
    with pytest.raises(CheckFailed) as err:
        check(fn)
    for word in words:
        assert word.lower() in err.value.hint.lower(), err.value.hint
    return err.value.hint


# ---- solutions pass ---------------------------------------------------------------------------

def test_solutions_pass(capsys):
    check_critic_loss(W.critic_loss)
    check_clip_weights(W.clip_weights)
    check_gradient_penalty(W.gradient_penalty)
    check_critic(W.make_critic)
    check_critic(W.make_critic((28, 28, 1), (16,)))
    out = capsys.readouterr().out
    assert out.count("✅") == 5


def test_equivalent_solutions_pass(capsys):
    check_critic_loss(lambda r, f: tf.reduce_mean(f) - tf.reduce_mean(r))
    check_critic_loss(lambda r, f: -(ops.mean(r) - ops.mean(f)))

    def clip_loop(critic, c):
        for w in critic.weights:
            w.assign(ops.clip(w, -c, c))

    check_clip_weights(clip_loop)

    def gp_norm(critic, real, fake, weight=10.0):  # tf.norm over all but the batch axis, alpha reversed
        alpha = tf.random.uniform([real.shape[0]] + [1] * (len(real.shape) - 1))
        x_hat = alpha * fake + (1 - alpha) * real
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = critic(x_hat)
        g = tape.gradient(scores, x_hat)
        norms = tf.norm(tf.reshape(g, [real.shape[0], -1]), axis=1)
        return weight * tf.reduce_mean(tf.square(norms - 1))

    check_gradient_penalty(gp_norm)
    assert capsys.readouterr().out.count("✅") == 4


# ---- exercise 1: critic loss --------------------------------------------------------------------

@pytest.mark.parametrize("wrong,words", [
    (lambda r, f: ops.mean(r) - ops.mean(f), ["wrong sign"]),
    (lambda r, f: ops.mean(ops.sigmoid(f)) - ops.mean(ops.sigmoid(r)), ["sigmoid to the critic"]),
    (lambda r, f: ops.mean(ops.sigmoid(r)) - ops.mean(ops.sigmoid(f)), ["sigmoid", "sign"]),
    (lambda r, f: keras.losses.BinaryCrossentropy(from_logits=True)(ops.ones_like(r), r)
     + keras.losses.BinaryCrossentropy(from_logits=True)(ops.zeros_like(f), f), ["cross-entropy"]),
    (lambda r, f: ops.sum(f) - ops.sum(r), ["means, not sums"]),
    (lambda r, f: ops.mean(f), ["only the generated"]),
    (lambda r, f: ops.abs(ops.mean(f) - ops.mean(r)), ["absolute"]),
    (lambda r, f: float(np.mean(f.numpy()) - np.mean(r.numpy())), ["no gradient"]),
    (lambda r, f: None, ["return"]),
])
def test_critic_loss_mistakes(wrong, words):
    _fails(check_critic_loss, wrong, *words)


def test_critic_loss_blank_and_crash():
    def blank(r, f):
        raise NotImplementedError("Exercise 1")

    _fails(check_critic_loss, blank, "not filled in")
    _fails(check_critic_loss, lambda r, f: r.undefined, "raised AttributeError")
    _fails(check_critic_loss, W.critic_loss(tf.zeros((2, 1)), tf.zeros((2, 1))), "pass the function itself")


# ---- exercise 2: weight clipping ----------------------------------------------------------------

def _no_assign(critic, c):
    for w in critic.trainable_variables:
        w = tf.clip_by_value(w, -c, c)  # noqa: F841  (the classic: rebinding the name, not the variable)


@pytest.mark.parametrize("wrong,words", [
    (_no_assign, ["nothing changed", "assign"]),
    (lambda critic, c: [w.assign(tf.clip_by_value(w, 0.0, c)) for w in critic.trainable_variables], ["[0, c]"]),
    (lambda critic, c: [w.assign(tf.clip_by_value(w, -c, c)) for w in critic.trainable_variables
                        if len(w.shape) > 1], ["biases were not clipped"]),
    (lambda critic, c: [w.assign(tf.clip_by_norm(w, c)) for w in critic.trainable_variables], ["clip_by_norm"]),
    (lambda critic, c: [w.assign(tf.sign(w) * c) for w in critic.trainable_variables], ["+c or -c"]),
    (lambda critic, c: [w.assign(tf.clip_by_value(w, -0.01, 0.01)) for w in critic.trainable_variables],
     ["argument c"]),
    (lambda critic, c: [w.assign(w * 0.5) for w in critic.trainable_variables], ["not the clipped ones"]),
])
def test_clip_weights_mistakes(wrong, words):
    _fails(check_clip_weights, wrong, *words)


# ---- exercise 3: gradient penalty ---------------------------------------------------------------

def _gp(alpha_fn=None, grad_of_mean=False, norm=None, value=None):
    """The solution with one knob changed: how alpha is drawn, what is differentiated, how the norm is taken."""
    def gradient_penalty(critic, real, fake, weight=10.0):
        shape = [real.shape[0]] + [1] * (len(real.shape) - 1)
        alpha = alpha_fn(real, shape) if alpha_fn else tf.random.uniform(shape)
        x_hat = alpha * real + (1 - alpha) * fake
        with tf.GradientTape() as tape:
            tape.watch(x_hat)
            scores = critic(x_hat, training=True)
            target = tf.reduce_mean(scores) if grad_of_mean else scores
        g = tape.gradient(target, x_hat)
        n = norm(g) if norm else tf.sqrt(tf.reduce_sum(tf.reshape(g, [g.shape[0], -1]) ** 2, axis=1))
        return value(n, weight) if value else weight * tf.reduce_mean((n - 1) ** 2)
    return gradient_penalty


@pytest.mark.parametrize("wrong,words", [
    (_gp(alpha_fn=lambda real, shape: tf.random.normal(shape)), ["uniform distribution", "normal"]),
    (_gp(alpha_fn=lambda real, shape: tf.random.uniform([1] * len(shape))), ["the same for the whole batch"]),
    (_gp(alpha_fn=lambda real, shape: tf.random.uniform(tf.shape(real))), ["differs between the coordinates"]),
    (_gp(alpha_fn=lambda real, shape: tf.random.uniform(shape, 0.4, 0.6)), ["not uniform"]),
    (_gp(norm=lambda g: tf.norm(tf.reduce_mean(tf.reshape(g, [g.shape[0], -1]), axis=0))[None]),
     ["batch-mean gradient"]),
    (_gp(grad_of_mean=True), ["divided by the batch size"]),
    (_gp(norm=lambda g: tf.norm(g)[None]), ["whole batch"]),
    (_gp(norm=lambda g: tf.reduce_sum(tf.reshape(g, [g.shape[0], -1]) ** 2, axis=1)), ["squared norm"]),
    (_gp(value=lambda n, w: -w * tf.reduce_mean((n - 1) ** 2)), ["wrong sign"]),
    (_gp(value=lambda n, w: w * tf.reduce_mean(n ** 2)), ["not quite"]),
    (_gp(value=lambda n, w: tf.reduce_mean((n - 1) ** 2)), ["weight is missing"]),
    (_gp(value=lambda n, w: w * tf.reduce_mean(tf.abs(n - 1))), ["square the deviation"]),
    (_gp(value=lambda n, w: w * tf.reduce_sum((n - 1) ** 2)), ["not a sum"]),
    (_gp(value=lambda n, w: w * (n - 1) ** 2), ["one number"]),
    (_gp(value=lambda n, w: float(w * np.mean((n.numpy() - 1) ** 2))), ["no (or the wrong) gradient"]),
])
def test_gradient_penalty_mistakes(wrong, words):
    _fails(check_gradient_penalty, wrong, *words)


def test_gradient_penalty_wrong_axis_and_points():
    def axis0(critic, real, fake, weight=10.0):
        return _gp(norm=lambda g: tf.norm(tf.reshape(g, [g.shape[0], -1]), axis=0))(critic, real, fake, weight)

    _fails(check_gradient_penalty, axis0, "batch axis")

    def on_real(critic, real, fake, weight=10.0):
        with tf.GradientTape() as tape:
            tape.watch(real)
            s = critic(real)
        return weight * tf.reduce_mean((tf.norm(tape.gradient(s, real), axis=1) - 1) ** 2)

    _fails(check_gradient_penalty, on_real, "only on the real")

    def blank(critic, real, fake, weight=10.0):
        raise NotImplementedError("Exercise 3")

    _fails(check_gradient_penalty, blank, "not filled in")


# ---- a critic, not a classifier -----------------------------------------------------------------

def test_check_critic_catches_a_sigmoid():
    def with_sigmoid():
        return keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dense(1, activation="sigmoid")])

    _fails(check_critic, with_sigmoid, "sigmoid to the critic")
    _fails(check_critic, with_sigmoid(), "sigmoid to the critic")
    _fails(check_critic, lambda: 3, "keras model")
