"""gan_course.checks.gan: each check passes the lesson's answer and names each common mistake.

Run for both twins: PyTorch answers with framework="torch", Keras answers with framework="keras".
The lesson's own answers (gan_course.gan_torch / gan_keras) must pass; each wrong answer must fail
with the hint meant for it (a bare pass or a generic message would let the mistake through).
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard before torch / TensorFlow)
from gan_course.checks import gan as checks_gan
from gan_course.checks import CheckFailed


def _hint(check, fn, framework):
    with pytest.raises(CheckFailed) as info:
        check(fn, framework=framework)
    return info.value.hint


# ---- PyTorch ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tm():
    pytest.importorskip("torch")
    from gan_course import gan_torch

    return gan_torch


def test_torch_answers_pass(tm, capsys):
    checks_gan.check_discriminator_loss(tm.discriminator_loss, framework="torch")
    checks_gan.check_generator_loss(tm.generator_loss, framework="torch")
    checks_gan.check_train_step(tm.train_step, framework="torch")
    out = capsys.readouterr().out
    assert out.count("✅") == 3 and "train_step" in out


def _torch_losses():
    import torch
    import torch.nn.functional as F

    bce, one, zero = F.binary_cross_entropy_with_logits, torch.ones_like, torch.zeros_like
    d = {"Labels swapped": lambda r, f: bce(r, zero(r)) + bce(f, one(f)),
         "inf or nan": lambda r, f: -torch.log(torch.sigmoid(r)).mean() - torch.log(1 - torch.sigmoid(f)).mean(),
         "expect probabilities": lambda r, f: F.binary_cross_entropy(r, one(r)) + F.binary_cross_entropy(f, zero(f)),
         "no gradient flows": lambda r, f: float(bce(r, one(r)) + bce(f, zero(f))),
         "Half the expected": lambda r, f: (bce(r, one(r)) + bce(f, zero(f))) / 2,
         "Wrong sign": lambda r, f: -(bce(r, one(r)) + bce(f, zero(f))),
         "Only the real": lambda r, f: bce(r, one(r)),
         "applied a sigmoid": lambda r, f: bce(torch.sigmoid(r), one(r)) + bce(torch.sigmoid(f), zero(f)),
         "returned an array of shape": lambda r, f: bce(r, one(r), reduction="none") + bce(f, zero(f), reduction="none")}
    g = {"*saturating*": lambda f: torch.log(1 - torch.sigmoid(f)).mean(),
         "inf or nan": lambda f: -torch.log(torch.sigmoid(f)).mean(),
         "Label 0 is D's target": lambda f: bce(f, zero(f)),
         "Wrong sign": lambda f: -bce(f, one(f)),
         "applied a sigmoid": lambda f: bce(torch.sigmoid(f), one(f))}
    return d, g


@pytest.mark.parametrize("which", ["d", "g"])
def test_torch_loss_mistakes_are_named(tm, which):
    d, g = _torch_losses()
    check = checks_gan.check_discriminator_loss if which == "d" else checks_gan.check_generator_loss
    for expected, wrong in (d if which == "d" else g).items():
        assert expected in _hint(check, wrong, "torch"), expected


def _torch_step(detach=True, zero_d=True, fresh_fake=False, zero_g_first=False, g_loss_fn=None):
    """The lesson's train_step with one mistake switched on."""
    import torch

    from gan_course.gan_torch import discriminator_loss, generator_loss

    def step(real, z, G, D, opt_G, opt_D):
        if zero_g_first:
            opt_G.zero_grad(set_to_none=True)
        fake = G(z)
        real_logits, fake_logits = D(real), D(fake.detach() if detach else fake)
        d_loss = discriminator_loss(real_logits, fake_logits)
        if zero_d:
            opt_D.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_D.step()
        logits = D(G(z) if fresh_fake else fake)
        g_loss = (g_loss_fn or generator_loss)(logits)
        if not zero_g_first:
            opt_G.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_G.step()
        return d_loss, g_loss, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()

    return step


@pytest.mark.parametrize("kwargs, expected", [
    (dict(detach=False), "fake.detach()"),                                      # reused graph: backward twice
    (dict(detach=False, fresh_fake=True), "G received gradients from D's loss"),  # harmless but wasteful
    (dict(detach=False, fresh_fake=True, zero_g_first=True), "contains the gradient of D's loss"),
    (dict(zero_d=False), "D's gradients are never reset"),
    (dict(g_loss="sat"), "saturating"),
    (dict(g_loss="label0"), "label 1"),
])
def test_torch_step_mistakes_are_named(tm, kwargs, expected):
    import torch
    import torch.nn.functional as F

    losses = {"sat": lambda f: -F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)),
              "label0": lambda f: F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))}
    if "g_loss" in kwargs:
        kwargs = {"g_loss_fn": losses[kwargs["g_loss"]]}
    assert expected in _hint(checks_gan.check_train_step, _torch_step(**kwargs), "torch")


def test_torch_swapped_labels_in_the_step(tm):
    import torch

    def swapped(r, f):
        return tm.discriminator_loss(f, r)  # real scored as fake and fake as real

    def step(real, z, G, D, opt_G, opt_D):
        fake = G(z)
        real_logits, fake_logits = D(real), D(fake.detach())
        d_loss = swapped(real_logits, fake_logits)
        opt_D.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_D.step()
        g_loss = tm.generator_loss(D(fake))
        opt_G.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_G.step()
        return d_loss, g_loss, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()

    assert "swapped labels" in _hint(checks_gan.check_train_step, step, "torch")


def test_blanks_say_not_filled_in(tm):
    def blank(*args):
        raise NotImplementedError("Blank")

    for check in (checks_gan.check_discriminator_loss, checks_gan.check_generator_loss, checks_gan.check_train_step):
        assert "not filled in yet" in _hint(check, blank, "torch")
    assert "without calling it" in _hint(checks_gan.check_generator_loss, 0.7, "torch")
    with pytest.raises(ValueError, match="framework must be"):
        checks_gan.check_generator_loss(tm.generator_loss, framework="jax")


def test_simulator_matches_torch_autograd(tm):
    """The numpy reference of the step is itself checked against PyTorch's autograd (float64)."""
    import torch

    params, batches = checks_gan._problem()
    G = torch.nn.Sequential(torch.nn.Linear(4, 784), torch.nn.Tanh(), torch.nn.Unflatten(1, (1, 28, 28))).double()
    D = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 1)).double()
    with torch.no_grad():
        for p, v in zip([G[0].weight, G[0].bias, D[1].weight, D[1].bias], [params[0].T, params[1], params[2].T, params[3]]):
            p.copy_(torch.from_numpy(np.array(v)))
    opt_G = torch.optim.SGD(G.parameters(), lr=checks_gan._LR_G)
    opt_D = torch.optim.SGD(D.parameters(), lr=checks_gan._LR_D)
    for x, z in batches:
        tm.train_step(torch.from_numpy(x).reshape(-1, 1, 28, 28), torch.from_numpy(z), G, D, opt_G, opt_D)
    want, _ = checks_gan.simulate(params, batches)
    got = [G[0].weight.detach().numpy().T, G[0].bias.detach().numpy(), D[1].weight.detach().numpy().T,
           D[1].bias.detach().numpy()]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)


# ---- Keras ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def km():
    pytest.importorskip("tensorflow")
    from gan_course import gan_keras

    return gan_keras


def test_keras_answers_pass(km, capsys):
    checks_gan.check_discriminator_loss(km.discriminator_loss, framework="keras")
    checks_gan.check_generator_loss(km.generator_loss, framework="keras")
    checks_gan.check_train_step(km.train_step, framework="keras")
    checks_gan.check_train_step(km.train_step, framework="keras")  # re-running a check cell must work too
    assert capsys.readouterr().out.count("✅") == 4


def test_keras_loss_mistakes_are_named(km):
    import keras
    import tensorflow as tf

    logits, probs = keras.losses.BinaryCrossentropy(from_logits=True), keras.losses.BinaryCrossentropy()
    one, zero = keras.ops.ones_like, keras.ops.zeros_like
    d = {"Labels swapped": lambda r, f: logits(zero(r), r) + logits(one(f), f),
         "from_logits=True": lambda r, f: probs(one(r), r) + probs(zero(f), f),
         "no gradient flows": lambda r, f: float(logits(one(r), r) + logits(zero(f), f)),
         "applied a sigmoid": lambda r, f: logits(one(r), tf.sigmoid(r)) + logits(zero(f), tf.sigmoid(f))}
    g = {"*saturating*": lambda f: -logits(zero(f), f),
         "Label 0 is D's target": lambda f: logits(zero(f), f),
         "from_logits=True": lambda f: probs(one(f), f)}
    for expected, wrong in d.items():
        assert expected in _hint(checks_gan.check_discriminator_loss, wrong, "keras"), expected
    for expected, wrong in g.items():
        assert expected in _hint(checks_gan.check_generator_loss, wrong, "keras"), expected


def test_keras_step_mistakes_are_named(km):
    import tensorflow as tf

    def make(mistake):
        @tf.function
        def step(real, z, G, D, opt_G, opt_D):
            with tf.GradientTape() as tape:
                fake = G(z, training=True)
                real_logits, fake_logits = D(real, training=True), D(fake, training=True)
                d_loss = (km.discriminator_loss(fake_logits, real_logits) if mistake == "swap"
                          else km.discriminator_loss(real_logits, fake_logits))
            d_vars = D.trainable_variables + (G.trainable_variables if mistake == "d_to_g" else [])
            opt_D.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
            with tf.GradientTape() as tape:
                logits = D(G(z, training=True), training=True)
                if mistake == "sat":  # mean log(1 - sigmoid(l)), the saturating loss, written stably
                    g_loss = -tf.reduce_mean(tf.nn.softplus(logits))
                else:
                    g_loss = km.generator_loss(logits)
            g_vars = G.trainable_variables + (D.trainable_variables if mistake == "g_to_d" else [])
            opt_G.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
            return d_loss, g_loss, tf.reduce_mean(tf.sigmoid(real_logits)), tf.reduce_mean(tf.sigmoid(fake_logits))
        return step

    for mistake, expected in [("swap", "swapped labels"), ("sat", "saturating"),
                              ("d_to_g", "another network's variables"), ("g_to_d", "another network's variables")]:
        assert expected in _hint(checks_gan.check_train_step, make(mistake), "keras"), mistake
