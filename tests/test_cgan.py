"""gan_course.cgan_torch / cgan_keras / judge: the conditional GAN pieces of lesson 05.

Shapes and ranges of both twins' networks (one-hot and embedding conditioning), the one-hot input
being the seed-001 concatenation, a training step moving both networks, sampling a chosen digit,
the judge's shapes, judge_summary's numbers and error messages, the moving average of G's weights
(checked against the formula, and twin against twin), and the style traits (slant and ink) with their
variance split.
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard before torch / TensorFlow)
from gan_course.judge import (judge_summary, plot_class_accuracy, plot_confidence, style_traits,
                              variance_explained)


# ---- judge (framework-free) --------------------------------------------------------------------

def test_judge_summary_counts_per_class():
    probs = np.eye(10)[[3, 1, 2, 2, 9]] * 0.9 + 0.01
    report = judge_summary(probs, np.array([3, 2, 2, 2, 9]))
    assert report["accuracy"] == pytest.approx(0.8)
    assert report["per_class"][2] == pytest.approx(2 / 3) and report["per_class"][3] == 1.0
    assert np.isnan(report["per_class"][0])  # no image asked for 0
    assert report["worst_class"] == 2 and report["worst_accuracy"] == pytest.approx(2 / 3)
    assert np.allclose(report["confidence"], 0.91) and list(report["judged"]) == [3, 1, 2, 2, 9]


@pytest.mark.parametrize("probs,asked,message", [
    (np.ones((3, 10)), np.array([0, 1, 2]), "softmax"),
    (np.full((3, 4), 0.25), np.array([0, 1, 2]), "num_classes"),
    (np.full((3, 10), 0.1), np.array([0, 1]), "one integer digit per image"),
    (np.full((2, 10), 0.1), np.array([0.0, 1.0]), "one integer digit per image"),
    (np.full((2, 10), 0.1), np.array([0, 10]), "0..9"),
])
def test_judge_summary_rejects_bad_inputs(probs, asked, message):
    with pytest.raises(ValueError, match=message):
        judge_summary(probs, asked)


def test_judge_plots_have_labels():
    import matplotlib

    matplotlib.use("Agg")
    ax = plot_confidence(np.linspace(0.5, 1, 20), np.linspace(0.2, 1, 30))
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    ax = plot_class_accuracy(np.linspace(0.8, 1, 10))
    assert ax.get_xlabel() and ax.get_ylabel() and len(ax.patches) == 10


def _bar(lean, n=28):
    """A vertical white bar whose column moves `lean` pixels right per pixel of height (top to the right)."""
    img = np.zeros((n, n))
    for r in range(4, 24):
        img[r, int(round(14 + lean * (23 - r)))] = 1.0
    return img


def test_style_traits_slant_and_ink():
    x = np.stack([_bar(0.0), _bar(0.25), _bar(-0.25), np.fliplr(_bar(0.25))])
    t = style_traits(x)
    assert t["slant"].shape == (4,) and t["ink"].shape == (4,)
    assert abs(t["slant"][0]) < 1e-9 and t["slant"][1] == pytest.approx(0.25, abs=0.03)
    assert t["slant"][2] == pytest.approx(-0.25, abs=0.03) and t["slant"][3] == pytest.approx(-t["slant"][1])
    assert t["ink"][0] == pytest.approx(20 / 784)
    assert np.all(np.isfinite(style_traits(np.zeros((2, 28, 28)))["slant"]))  # a blank image does not divide by 0
    with pytest.raises(ValueError, match="N, H, W"):
        style_traits(np.zeros((28, 28)))


def test_variance_explained_is_a_two_way_split():
    rows, cols = np.arange(4.0)[:, None], np.array([0.0, 2.0, 4.0])[None, :]
    assert variance_explained(rows + 0 * cols) == pytest.approx((1.0, 0.0))
    assert variance_explained(0 * rows + cols) == pytest.approx((0.0, 1.0))
    rng = np.random.default_rng(0)
    v = rows + cols + rng.normal(size=(4, 3))
    by_rows, by_cols = variance_explained(v)
    resid = v - v.mean(1, keepdims=True) - v.mean(0, keepdims=True) + v.mean()
    assert by_rows + by_cols + (resid ** 2).sum() / ((v - v.mean()) ** 2).sum() == pytest.approx(1.0)
    assert variance_explained(np.ones((3, 3))) == (0.0, 0.0)
    with pytest.raises(ValueError, match="n_z, n_labels"):
        variance_explained(np.ones(5))


# ---- PyTorch -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tm():
    pytest.importorskip("torch")
    from gan_course import cgan_torch

    return cgan_torch


def test_torch_condition_is_seed_001_concatenation(tm):
    import torch

    z, y = torch.randn(4, 8), torch.tensor([3, 0, 9, 1])
    out = tm.condition(z, y)
    assert out.shape == (4, 18) and torch.equal(out[:, :8], z)
    assert torch.equal(out[:, 8:], torch.eye(10)[y])
    assert tm.condition(torch.zeros(2, 1, 28, 28), torch.tensor([1, 2])).shape == (2, 794)


@pytest.mark.parametrize("kind", ["onehot", "embedding"])
def test_torch_networks_shapes_and_range(tm, kind):
    import torch

    G = tm.ConditionalGenerator(16, (32,), conditioning=kind)
    D = tm.ConditionalDiscriminator((32,), conditioning=kind)
    images = G(torch.randn(6, 16), torch.arange(6))
    assert images.shape == (6, 1, 28, 28) and images.abs().max() <= 1
    assert D(images, torch.arange(6)).shape == (6, 1)


def test_torch_bad_conditioning_is_a_clear_error(tm):
    with pytest.raises(ValueError, match="conditioning must be"):
        tm.ConditionalGenerator(conditioning="one-hot")
    with pytest.raises(ValueError, match="conditioning must be"):
        tm.ConditionalDiscriminator(conditioning="film")


def test_torch_label_changes_the_image(tm):
    import torch

    torch.manual_seed(0)
    G = tm.ConditionalGenerator(16, (32,)).eval()
    z = torch.randn(1, 16).repeat(2, 1)
    a, b = G(z, torch.tensor([1, 7]))
    assert not torch.allclose(a, b)


def test_torch_train_step_moves_both_networks(tm):
    import torch

    torch.manual_seed(0)
    G, D = tm.ConditionalGenerator(16, (32,)), tm.ConditionalDiscriminator((32,))
    opt_G, opt_D = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    g0, d0 = [p.clone() for p in G.parameters()], [p.clone() for p in D.parameters()]
    out = tm.cgan_train_step(torch.rand(8, 1, 28, 28) * 2 - 1, torch.arange(8), torch.randn(8, 16), G, D, opt_G, opt_D)
    assert out.shape == (3,) and torch.isfinite(out).all() and 0 < out[2] < 1
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters()))


def test_torch_mismatch_zero_is_lesson_04_loss(tm):
    import torch

    from gan_course.gan_torch import discriminator_loss

    D = tm.ConditionalDiscriminator((32,), dropout=0.0)
    real, fake, y = torch.rand(5, 1, 28, 28), torch.rand(5, 1, 28, 28), torch.arange(5)
    ours = tm.cgan_discriminator_loss(D, real, fake, y, (y + 1) % 10, mismatch=0.0)
    assert torch.allclose(ours, discriminator_loss(D(real, y), D(fake, y)))


def test_torch_ema_update_follows_the_formula(tm):
    import copy

    import torch

    G = tm.ConditionalGenerator(8, (16,))
    G_avg = copy.deepcopy(G)
    with torch.no_grad():
        for w in G.parameters():
            w.add_(1.0)
        G.net[1].running_mean.fill_(3.0)                     # BatchNorm statistics: copied, not averaged
    before = [w.detach().clone() for w in G_avg.parameters()]
    tm.ema_update(G_avg, G, 0.9)
    for b, w_avg, w in zip(before, G_avg.parameters(), G.parameters()):
        assert torch.allclose(w_avg, 0.9 * b + 0.1 * w, atol=1e-6)
    assert torch.equal(G_avg.net[1].running_mean, G.net[1].running_mean)
    tm.ema_update(G_avg, G, 0.0)                             # decay 0 copies G
    assert all(torch.equal(a, b) for a, b in zip(G_avg.state_dict().values(), G.state_dict().values()))


def test_torch_sample_digit_and_judge(tm):
    import torch

    G = tm.ConditionalGenerator(16, (32,))
    images = tm.sample_digit(G, 4, 5, 16)
    assert images.shape == (5, 28, 28) and 0 <= images.min() and images.max() <= 1
    J = tm.make_judge()
    assert J(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    probs = tm.judge_probabilities(J, images.numpy())
    assert probs.shape == (5, 10) and np.allclose(probs.sum(1), 1, atol=1e-5)
    tm.train_judge(J, np.random.rand(20, 1, 28, 28).astype(np.float32), np.arange(20) % 10, epochs=1, batch_size=10)
    assert not J.training


# ---- Keras -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def km():
    pytest.importorskip("tensorflow")
    from gan_course import cgan_keras

    return cgan_keras


def test_keras_condition_is_seed_001_concatenation(km):
    tf = km.tf
    z, y = tf.random.normal((4, 8)), tf.constant([3, 0, 9, 1])
    out = km.condition(z, y).numpy()
    assert out.shape == (4, 18) and np.allclose(out[:, :8], z.numpy())
    assert np.array_equal(out[:, 8:], np.eye(10)[[3, 0, 9, 1]])
    assert km.condition(tf.zeros((2, 28, 28, 1)), tf.constant([1, 2])).shape == (2, 794)


@pytest.mark.parametrize("kind", ["onehot", "embedding"])
def test_keras_networks_shapes_and_range(km, kind):
    tf = km.tf
    G = km.ConditionalGenerator(16, (32,), conditioning=kind)
    D = km.ConditionalDiscriminator((32,), conditioning=kind)
    images = G([tf.random.normal((6, 16)), tf.range(6)])
    assert images.shape == (6, 28, 28, 1) and float(tf.reduce_max(tf.abs(images))) <= 1
    assert D([images, tf.range(6)]).shape == (6, 1)
    with pytest.raises(ValueError, match="conditioning must be"):
        km.ConditionalGenerator(conditioning="one-hot")


def test_keras_train_step_moves_both_networks(km):
    import keras

    tf = km.tf
    G, D = km.ConditionalGenerator(16, (32,)), km.ConditionalDiscriminator((32,))
    y = tf.range(8)
    G([tf.zeros((2, 16)), y[:2]])
    D([tf.zeros((2, 28, 28, 1)), y[:2]])
    opt_G, opt_D = keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3)
    g0, d0 = [w.numpy().copy() for w in G.trainable_weights], [w.numpy().copy() for w in D.trainable_weights]
    out = km.cgan_train_step(tf.random.uniform((8, 28, 28, 1), -1, 1), y, tf.random.normal((8, 16)), G, D, opt_G, opt_D)
    assert out.shape == (3,) and np.all(np.isfinite(out.numpy()))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(g0, G.trainable_weights))
    assert any(not np.array_equal(a, b.numpy()) for a, b in zip(d0, D.trainable_weights))


def test_keras_sample_digit_and_judge(km):
    G = km.ConditionalGenerator(16, (32,))
    images = np.asarray(km.sample_digit(G, 4, 5, 16))
    assert images.shape == (5, 28, 28) and 0 <= images.min() and images.max() <= 1
    J = km.make_judge()
    probs = km.judge_probabilities(J, images)
    assert probs.shape == (5, 10) and np.allclose(probs.sum(1), 1, atol=1e-5)


def test_keras_ema_update_follows_the_formula_and_the_torch_twin(km):
    tf = km.tf
    G, G_avg = km.ConditionalGenerator(8, (16,)), km.ConditionalGenerator(8, (16,))
    for net in (G, G_avg):
        net([tf.zeros((2, 8)), tf.range(2)])
    before = [w.numpy().copy() for w in G_avg.weights]
    for w in G.weights:
        w.assign(w + 1.0)
    km.ema_update(G_avg, G, 0.9)
    for b, w_avg, w in zip(before, G_avg.weights, G.weights):
        expected = w.numpy() if not w.trainable else 0.9 * b + 0.1 * w.numpy()
        assert np.allclose(w_avg.numpy(), expected, atol=1e-6), w.path
    tf.function(lambda: km.ema_update(G_avg, G, 0.0))()    # decay 0 copies G, also compiled
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(G_avg.weights, G.weights))
