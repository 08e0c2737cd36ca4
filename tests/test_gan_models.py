"""Lesson 04's exported GAN code (gan_course.gan_torch / gan_course.gan_keras) against outside references.

* shapes, ranges and weight counts of the generator and discriminator (seed 000's and seed 003's sizes);
* the losses against torch.nn.functional / Keras' own BCE and against the closed form softplus;
* the twins agree: the same weights give the same images, logits and, after one SGD training step,
  the same new weights in PyTorch and in Keras (the Keras step also runs inside tf.function).
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard before torch / TensorFlow)

G_WEIGHTS = (20 * 100 + 100) + (100 * 784 + 784)  # seed 000's model summary: 81,184 (+100 hidden biases)
D_WEIGHTS = (784 * 100 + 100) + (100 + 1)          # seed 000's model summary: 78,601
G_003 = (100 * 256 + 256) + (256 * 512 + 512) + (512 * 1024 + 1024) + (1024 * 784 + 784)  # seed 003's sizes
D_003 = (784 * 1024 + 1024) + (1024 * 512 + 512) + (512 * 256 + 256) + (256 + 1)
SMALL = dict(z_dim=8, hidden=(16, 32))


def _softplus(x):
    return np.logaddexp(0, x)


@pytest.fixture(scope="module")
def tm():
    pytest.importorskip("torch")
    from gan_course import gan_torch

    return gan_torch


@pytest.fixture(scope="module")
def km():
    pytest.importorskip("tensorflow")
    from gan_course import gan_keras

    return gan_keras


def test_torch_shapes_ranges_and_sizes(tm):
    import torch

    G, D = tm.make_generator(), tm.make_discriminator()
    images = G(tm.sample_noise(5, 20) * 50)  # large inputs: tanh must still bound the pixels
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    assert D(images).shape == (5, 1)
    assert sum(p.numel() for p in G.parameters()) == G_WEIGHTS
    assert sum(p.numel() for p in D.parameters()) == D_WEIGHTS
    assert [m.p for m in D if isinstance(m, torch.nn.Dropout)] == [0.5]
    G, D = tm.make_generator(100, (256, 512, 1024)), tm.make_discriminator((1024, 512, 256), 0.3)
    assert sum(p.numel() for p in G.parameters()) == G_003 and sum(p.numel() for p in D.parameters()) == D_003
    assert [m.p for m in D if isinstance(m, torch.nn.Dropout)] == [0.3] * 3


def test_torch_noise(tm):
    u, n = tm.sample_noise(20_000, 3), tm.sample_noise(20_000, 3, "normal")
    assert u.shape == (20_000, 3) and u.min() >= -1 and u.max() < 1 and abs(u.var().item() - 1 / 3) < 0.01
    assert abs(n.mean().item()) < 0.02 and abs(n.std().item() - 1) < 0.02
    with pytest.raises(ValueError, match="'uniform' or 'normal'"):
        tm.sample_noise(2, 3, "gaussian")


def test_torch_losses_match_references(tm):
    import torch
    import torch.nn.functional as F

    r, f = torch.randn(16, 1) * 3, torch.randn(16, 1) * 3
    want_d = F.binary_cross_entropy(torch.sigmoid(r), torch.ones_like(r)) + F.binary_cross_entropy(
        torch.sigmoid(f), torch.zeros_like(f))
    torch.testing.assert_close(tm.discriminator_loss(r, f), want_d, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tm.generator_loss(f).item(), np.mean(_softplus(-f.numpy())), rtol=1e-5)
    assert np.isfinite(tm.discriminator_loss(torch.tensor([[100.0]]), torch.tensor([[100.0]])).item())


def test_keras_shapes_ranges_and_sizes(km):
    import keras

    G, D = km.make_generator(), km.make_discriminator()
    images = G(km.sample_noise(5, 20) * 50)
    assert tuple(images.shape) == (5, 28, 28, 1) and float(keras.ops.max(keras.ops.abs(images))) <= 1
    assert tuple(D(images).shape) == (5, 1)
    assert G.count_params() == G_WEIGHTS and D.count_params() == D_WEIGHTS
    assert [layer.rate for layer in D.layers if isinstance(layer, keras.layers.Dropout)] == [0.5]
    G, D = km.make_generator(100, (256, 512, 1024)), km.make_discriminator((1024, 512, 256), 0.3)
    assert G.count_params() == G_003 and D.count_params() == D_003


def test_keras_noise_and_losses(km):
    import keras

    u, n = np.asarray(km.sample_noise(20_000, 3)), np.asarray(km.sample_noise(20_000, 3, "normal"))
    assert u.min() >= -1 and u.max() < 1 and abs(u.var() - 1 / 3) < 0.01 and abs(n.std() - 1) < 0.02
    with pytest.raises(ValueError, match="'uniform' or 'normal'"):
        km.sample_noise(2, 3, "gaussian")
    rng = np.random.default_rng(0)
    r, f = (rng.normal(0, 3, (16, 1)).astype(np.float32) for _ in range(2))
    want = np.mean(_softplus(-r)) + np.mean(_softplus(f))
    np.testing.assert_allclose(float(km.discriminator_loss(r, f)), want, rtol=1e-5)
    np.testing.assert_allclose(float(km.generator_loss(f)), np.mean(_softplus(-f)), rtol=1e-5)
    probs = keras.losses.binary_crossentropy(np.ones_like(f), keras.ops.sigmoid(f))  # Keras' BCE on probabilities
    np.testing.assert_allclose(float(km.generator_loss(f)), float(keras.ops.mean(probs)), rtol=1e-4)


def _copy_torch_to_keras(torch_net, keras_net):
    """Copy the Linear layers' weights of a torch Sequential into the Dense layers of a Keras one."""
    import keras
    import torch

    linears = [m for m in torch_net if isinstance(m, torch.nn.Linear)]
    denses = [layer for layer in keras_net.layers if isinstance(layer, keras.layers.Dense)]
    assert len(linears) == len(denses)
    for lin, dense in zip(linears, denses):
        dense.set_weights([lin.weight.detach().numpy().T, lin.bias.detach().numpy()])


def _keras_weights(net):
    return [w for layer in net.layers for w in layer.get_weights()]


def test_twins_compute_the_same_networks_and_step(tm, km):
    import keras
    import torch

    torch.manual_seed(0)
    Gt, Dt = tm.make_generator(**SMALL), tm.make_discriminator(hidden=(32, 16), dropout=0.0)
    Gk, Dk = km.make_generator(**SMALL), km.make_discriminator(hidden=(32, 16), dropout=0.0)
    _copy_torch_to_keras(Gt, Gk)
    _copy_torch_to_keras(Dt, Dk)
    rng = np.random.default_rng(1)
    z = rng.uniform(-1, 1, (6, 8)).astype(np.float32)
    real = rng.uniform(-1, 1, (6, 28, 28)).astype(np.float32)
    images_t = Gt(torch.from_numpy(z))
    np.testing.assert_allclose(images_t.detach().numpy()[:, 0], np.asarray(Gk(z))[..., 0], atol=1e-5)
    np.testing.assert_allclose(Dt(images_t).detach().numpy(), np.asarray(Dk(Gk(z))), atol=1e-5)

    opt_Gt, opt_Dt = torch.optim.SGD(Gt.parameters(), lr=0.1), torch.optim.SGD(Dt.parameters(), lr=0.1)
    opt_Gk, opt_Dk = keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)
    opt_Gk.build(Gk.trainable_variables)
    opt_Dk.build(Dk.trainable_variables)
    out_t = tm.train_step(torch.from_numpy(real[:, None]), torch.from_numpy(z), Gt, Dt, opt_Gt, opt_Dt)
    out_k = km.train_step(real[..., None], z, Gk, Dk, opt_Gk, opt_Dk)
    np.testing.assert_allclose([float(v) for v in out_t], [float(v) for v in out_k], rtol=1e-4)
    _copy_torch_to_keras(Gt, Gk_after := km.make_generator(**SMALL))
    for a, b in zip(_keras_weights(Gk_after), _keras_weights(Gk)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    _copy_torch_to_keras(Dt, Dk_after := km.make_discriminator(hidden=(32, 16), dropout=0.0))
    for a, b in zip(_keras_weights(Dk_after), _keras_weights(Dk)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_twins_batch_norm_generators_agree(tm, km):
    """The final model's generator (batch_norm=True): same weights, same images in both frameworks, with
    BatchNorm normalising over the batch (training) and with copied running statistics (inference)."""
    import keras
    import torch

    torch.manual_seed(0)
    Gt, Gk = tm.make_generator(8, (16, 32), batch_norm=True), km.make_generator(8, (16, 32), batch_norm=True)
    bns = [m for m in Gt if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(bns) == 2 and sum(isinstance(layer, keras.layers.BatchNormalization) for layer in Gk.layers) == 2
    with torch.no_grad():
        for bn in bns:  # non-trivial affine parameters and running statistics
            bn.weight.uniform_(0.5, 1.5), bn.bias.uniform_(-0.5, 0.5)
            bn.running_mean.uniform_(-0.2, 0.2), bn.running_var.uniform_(0.5, 2.0)
    _copy_torch_to_keras(Gt, Gk)
    for bn, layer in zip(bns, [layer for layer in Gk.layers if isinstance(layer, keras.layers.BatchNormalization)]):
        layer.set_weights([t.detach().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var)])
    z = np.random.default_rng(2).uniform(-1, 1, (16, 8)).astype(np.float32)
    Gt.eval()
    np.testing.assert_allclose(Gt(torch.from_numpy(z)).detach().numpy()[:, 0], np.asarray(Gk(z, training=False))[..., 0],
                               atol=1e-5)
    Gt.train()
    np.testing.assert_allclose(Gt(torch.from_numpy(z)).detach().numpy()[:, 0], np.asarray(Gk(z, training=True))[..., 0],
                               atol=1e-4)


def test_twins_step_with_a_code_agree_and_add_the_cross_entropy(tm, km):
    """train_step_info (InfoGAN's code; lesson 04, section 11, and lesson 06): the same weights give the same four
    numbers and the same new weights in both frameworks, and its D loss is train_step's D loss on D's first output
    plus weight x the cross-entropy of D's other outputs (its guess of the code) on the generated images."""
    import copy

    import keras
    import torch
    import torch.nn.functional as F

    codes, weight = 3, 0.7
    torch.manual_seed(0)
    Gt, Dt = tm.make_generator(z_dim=8 + codes, hidden=(16, 32)), tm.make_discriminator(hidden=(32, 16), dropout=0.0)
    Dt[-1] = torch.nn.Linear(16, 1 + codes)                     # the logit, then the guess of the code
    Gk = km.make_generator(z_dim=8 + codes, hidden=(16, 32))
    Dk_plain = km.make_discriminator(hidden=(32, 16), dropout=0.0)
    Dk = keras.Sequential([keras.Input((28, 28, 1)), *Dk_plain.layers[:-1], keras.layers.Dense(1 + codes)])
    _copy_torch_to_keras(Gt, Gk)
    _copy_torch_to_keras(Dt, Dk)
    rng = np.random.default_rng(2)
    code = rng.integers(0, codes, 6)
    z = np.concatenate([rng.uniform(-1, 1, (6, 8)), np.eye(codes)[code]], axis=1).astype(np.float32)
    real = rng.uniform(-1, 1, (6, 28, 28)).astype(np.float32)
    with torch.no_grad():                                       # the D loss by hand, before the step
        fake_out, real_out = Dt(Gt(torch.from_numpy(z))), Dt(torch.from_numpy(real[:, None]))
        expected = (tm.discriminator_loss(real_out[:, :1], fake_out[:, :1])
                    + weight * F.cross_entropy(fake_out[:, 1:], torch.from_numpy(code)))
    G_before = copy.deepcopy(Gt)
    opt_Gt, opt_Dt = torch.optim.SGD(Gt.parameters(), lr=0.1), torch.optim.SGD(Dt.parameters(), lr=0.1)
    opt_Gk, opt_Dk = keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)
    opt_Gk.build(Gk.trainable_variables)
    opt_Dk.build(Dk.trainable_variables)
    out_t = tm.train_step_info(torch.from_numpy(real[:, None]), torch.from_numpy(z), torch.from_numpy(code),
                               Gt, Dt, opt_Gt, opt_Dt, weight)
    out_k = km.train_step_info(real[..., None], z, code.astype(np.int32), Gk, Dk, opt_Gk, opt_Dk, weight)
    assert float(out_t[0]) == pytest.approx(float(expected), rel=1e-5)
    np.testing.assert_allclose([float(v) for v in out_t], [float(v) for v in out_k], rtol=1e-4)
    assert any(not torch.equal(a, b) for a, b in zip(Gt.parameters(), G_before.parameters()))  # G took a step
    _copy_torch_to_keras(Gt, Gk_after := km.make_generator(z_dim=8 + codes, hidden=(16, 32)))
    for a, b in zip(_keras_weights(Gk_after), _keras_weights(Gk)):
        np.testing.assert_allclose(a, b, atol=1e-5)
