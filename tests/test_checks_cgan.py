"""gan_course.checks.cgan: each check passes the lesson's answer and names each classic mistake.

Run for both twins: PyTorch answers with framework="torch", Keras answers with framework="keras".
The lesson's own answers (gan_course.cgan_torch / cgan_keras) must pass; each wrong answer must fail
with the hint meant for it.
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard before torch / TensorFlow)
from gan_course.checks import cgan as checks_cgan
from gan_course.checks import CheckFailed


def _hint(check, fn, framework):
    with pytest.raises(CheckFailed) as info:
        check(fn, framework=framework)
    return info.value.hint


def test_unknown_framework_is_a_clear_error():
    with pytest.raises(ValueError, match="framework must be"):
        checks_cgan.check_condition(lambda *a: None, framework="jax")


# ---- PyTorch ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tm():
    pytest.importorskip("torch")
    from gan_course import cgan_torch

    return cgan_torch


def test_torch_answers_pass(tm, capsys):
    checks_cgan.check_condition(tm.condition, framework="torch")
    checks_cgan.check_cgan_discriminator_loss(tm.cgan_discriminator_loss, framework="torch")
    checks_cgan.check_sample_digit(tm.sample_digit, framework="torch")
    assert capsys.readouterr().out.count("✅") == 3


def _torch_conditions():
    import torch
    import torch.nn.functional as F

    oh = lambda y, k: F.one_hot(y.long(), k).float()  # noqa: E731
    return {
        "not as one-hot": lambda x, y, k: torch.cat([x.flatten(1), y[:, None].float()], 1),
        "not a fixed 10": lambda x, y, k: torch.cat([x.flatten(1), oh(y, 10)], 1),
        "wrong axis": lambda x, y, k: torch.cat([x.flatten(1), oh(y, k)], 0),
        "features x come first": lambda x, y, k: torch.cat([oh(y, k), x.flatten(1)], 1),
        "one column off": lambda x, y, k: torch.cat([x.flatten(1), oh((y - 1) % k, k)], 1),
        "not filled in": lambda x, y, k: (_ for _ in ()).throw(NotImplementedError()),
        "returned None": lambda x, y, k: None,
    }


@pytest.mark.parametrize("expected", list(_torch_conditions()))
def test_torch_condition_mistakes(tm, expected):
    assert expected in _hint(checks_cgan.check_condition, _torch_conditions()[expected], "torch")


def _torch_d_losses():
    import torch
    import torch.nn.functional as F

    bce = F.binary_cross_entropy_with_logits
    one, zero = torch.ones_like, torch.zeros_like

    def make(real_t=1.0, fake_t=0.0, wrong_t=0.0, wf=None, ww=None, act=None, fake_y="y", wrong_y="yw",
             forget=False, onehot=False):
        def loss(D, real, fake, y, yw, m):
            a = act or (lambda l, t: bce(l, torch.full_like(l, t)))
            if forget:
                return a(D(real), 1.0)
            lab = {"y": y, "yw": yw}
            if onehot:
                y = F.one_hot(y.long(), 10).float()
            return (a(D(real, y), real_t) + (1 - m if wf is None else wf) * a(D(fake, lab[fake_y]), fake_t)
                    + (m if ww is None else ww(m)) * a(D(real, lab[wrong_y]), wrong_t))
        return loss

    sig = lambda l, t: bce(torch.sigmoid(l), torch.full_like(l, t))  # noqa: E731
    probs = lambda l, t: F.binary_cross_entropy(l, torch.full_like(l, t))  # noqa: E731
    return {
        "without the labels": make(forget=True),
        "integer digits": make(onehot=True),
        "Targets swapped": make(0.0, 1.0, 1.0),
        "applied a sigmoid": make(act=sig),
        "as probabilities": make(act=probs),
        "mismatch term is missing": make(wf=1.0, ww=lambda m: 0.0),
        "not the other way round": lambda D, r, f, y, yw, m: (bce(D(r, y), one(D(r, y))) + m * bce(D(f, y), zero(D(f, y)))
                                                              + (1 - m) * bce(D(r, yw), zero(D(r, yw)))),
        "*wrong* labels": make(wrong_y="y"),
        "labels they were made for": make(fake_y="yw"),
    }


@pytest.mark.parametrize("expected", list(_torch_d_losses()))
def test_torch_d_loss_mistakes(tm, expected):
    assert expected in _hint(checks_cgan.check_cgan_discriminator_loss, _torch_d_losses()[expected], "torch")


def _torch_samplers():
    import torch

    def make(labels=None, rng=(0.5, 0.5), keep_channel=False, grad=False, same_z=False, n_off=0):
        def sample(G, digit, n, z_dim, device=None):
            y = labels(n, digit) if labels else torch.full((n,), digit, dtype=torch.long)
            z = torch.zeros(n + n_off, z_dim) if same_z else torch.randn(n + n_off, z_dim)
            y = torch.full((n + n_off,), digit, dtype=torch.long) if n_off else y
            images = G(z, y) if grad else G(z, y).detach()
            images = images * rng[0] + rng[1]
            return images if keep_channel else images[:, 0]
        return sample

    return {
        "ignoring the requested digit": make(labels=lambda n, d: torch.zeros(n, dtype=torch.long) + (d == 0)),
        "[0, 1] with (images + 1) / 2": make(rng=(1.0, 0.0)),
        "drop the channel axis": make(keep_channel=True),
        "torch.no_grad()": make(grad=True),
        "noise vectors are the same": make(same_z=True),
        "Make exactly n labels": make(n_off=1),
    }


@pytest.mark.parametrize("expected", list(_torch_samplers()))
def test_torch_sampler_mistakes(tm, expected):
    assert expected in _hint(checks_cgan.check_sample_digit, _torch_samplers()[expected], "torch")


def test_pass_the_function_not_its_result(tm):
    assert "Pass the function itself" in _hint(checks_cgan.check_sample_digit, np.zeros(3), "torch")


# ---- Keras ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def km():
    pytest.importorskip("tensorflow")
    from gan_course import cgan_keras

    return cgan_keras


def test_keras_answers_pass(km, capsys):
    checks_cgan.check_condition(km.condition, framework="keras")
    checks_cgan.check_cgan_discriminator_loss(km.cgan_discriminator_loss, framework="keras")
    checks_cgan.check_sample_digit(km.sample_digit, framework="keras")
    assert capsys.readouterr().out.count("✅") == 3


def _keras_conditions():
    import keras

    ops = keras.ops
    flat = lambda x: ops.reshape(x, (x.shape[0], -1))  # noqa: E731
    oh = lambda y, k: ops.one_hot(y, k)  # noqa: E731
    return {
        "not as one-hot": lambda x, y, k: ops.concatenate([flat(x), ops.cast(y[:, None], "float32")], axis=1),
        "not a fixed 10": lambda x, y, k: ops.concatenate([flat(x), oh(y, 10)], axis=1),
        "wrong axis": lambda x, y, k: ops.concatenate([flat(x), oh(y, k)], axis=0),
        "features x come first": lambda x, y, k: ops.concatenate([oh(y, k), flat(x)], axis=1),
        "one column off": lambda x, y, k: ops.concatenate([flat(x), oh((y - 1) % k, k)], axis=1),
    }


@pytest.mark.parametrize("expected", list(_keras_conditions()))
def test_keras_condition_mistakes(km, expected):
    assert expected in _hint(checks_cgan.check_condition, _keras_conditions()[expected], "keras")


def _keras_d_losses():
    import keras

    ops = keras.ops
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    probs = keras.losses.BinaryCrossentropy(from_logits=False)
    t = lambda l, v: ops.full_like(l, v)  # noqa: E731

    def make(real_t=1.0, fake_t=0.0, wrong_t=0.0, wf=None, ww=None, loss=bce, sig=False, fake_y="y", wrong_y="yw",
             forget=False, onehot=False):
        def fn(D, real, fake, y, yw, m):
            # Keras undoes a sigmoid *directly* before from_logits=True; "+ 0.0" hides it, as any later op would
            f = (lambda l, v: loss(t(l, v), ops.sigmoid(l) + 0.0)) if sig else (lambda l, v: loss(t(l, v), l))
            if forget:
                return f(D(real, training=True), 1.0)
            lab = {"y": y, "yw": yw}
            if onehot:
                y = ops.one_hot(y, 10)
            return (f(D([real, y], training=True), real_t)
                    + (1 - m if wf is None else wf) * f(D([fake, lab[fake_y]], training=True), fake_t)
                    + (m if ww is None else ww(m)) * f(D([real, lab[wrong_y]], training=True), wrong_t))
        return fn

    return {
        "without the labels": make(forget=True),
        "integer digits": make(onehot=True),
        "Targets swapped": make(0.0, 1.0, 1.0),
        "applied a sigmoid": make(sig=True),
        "as probabilities": make(loss=probs),
        "mismatch term is missing": make(wf=1.0, ww=lambda m: 0.0),
        "*wrong* labels": make(wrong_y="y"),
        "labels they were made for": make(fake_y="yw"),
    }


@pytest.mark.parametrize("expected", list(_keras_d_losses()))
def test_keras_d_loss_mistakes(km, expected):
    assert expected in _hint(checks_cgan.check_cgan_discriminator_loss, _keras_d_losses()[expected], "keras")


def _keras_samplers():
    tf = pytest.importorskip("tensorflow")

    def make(ignore=False, rng=(0.5, 0.5), keep_channel=False, same_z=False):
        def sample(G, digit, n, z_dim):
            y = tf.zeros([n], tf.int32) + int(digit == 0) if ignore else tf.fill([n], digit)
            z = tf.zeros((n, z_dim)) if same_z else tf.random.normal((n, z_dim))
            images = G([z, y], training=False) * rng[0] + rng[1]
            return images if keep_channel else images[..., 0]
        return sample

    return {
        "ignoring the requested digit": make(ignore=True),
        "[0, 1] with (images + 1) / 2": make(rng=(1.0, 0.0)),
        "drop the channel axis": make(keep_channel=True),
        "noise vectors are the same": make(same_z=True),
    }


@pytest.mark.parametrize("expected", list(_keras_samplers()))
def test_keras_sampler_mistakes(km, expected):
    assert expected in _hint(checks_cgan.check_sample_digit, _keras_samplers()[expected], "keras")
