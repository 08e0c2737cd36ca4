"""gan_course.dcgan_keras: shapes, the DCGAN initialisation, the training step, and the same function as the
PyTorch twin (gan_course.dcgan_torch) when given the same weights."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow / torch import order)
from gan_course import _imports

tf = _imports.tensorflow()
import keras  # noqa: E402

from gan_course import dcgan_keras as dk  # noqa: E402


@pytest.mark.parametrize("size", [16, 32, 64])
def test_shapes_and_ranges(size):
    G, D = dk.make_generator(20, size, 8), dk.make_discriminator(size, 8)
    x = G(tf.random.normal((3, 20)), training=False)
    assert x.shape == (3, size, size, 3)
    assert float(tf.reduce_max(tf.abs(x))) <= 1.0
    assert D(x, training=False).shape == (3, 1)


def test_blocks_double_and_halve():
    assert dk.g_block(8)(tf.zeros((2, 4, 4, 16))).shape == (2, 8, 8, 8)
    assert dk.g_block_resize(8)(tf.zeros((2, 4, 4, 16))).shape == (2, 8, 8, 8)
    assert dk.d_block(16)(tf.zeros((2, 16, 16, 8))).shape == (2, 8, 8, 16)


@pytest.mark.parametrize("size", [16, 32, 64])
def test_resize_generator(size):
    G = dk.make_generator(20, size, 8, upsample="resize")
    x = G(tf.random.normal((3, 20)), training=False)
    assert x.shape == (3, size, size, 3) and float(tf.reduce_max(tf.abs(x))) <= 1.0
    kinds = [type(ly).__name__ for ly in _leaves(G)]
    assert "Conv2DTranspose" in kinds[:2] and kinds.count("Conv2DTranspose") == 1  # only the 4x4 projection
    assert kinds.count("UpSampling2D") == int(np.log2(size)) - 2
    # the old positional call still builds the paper's transposed generator
    assert [type(ly).__name__ for ly in _leaves(dk.make_generator(20, size, 8))].count("Conv2DTranspose") == \
        int(np.log2(size)) - 1
    with pytest.raises(ValueError, match="upsample"):
        dk.make_generator(20, size, 8, upsample="bilinear")


def test_resize_convolution_keeps_a_flat_input_flat():
    """Section 2's claim: a randomly initialised resize-convolution maps a flat input to a flat interior; a
    transposed convolution with k=4, s=2 does not (its four output phases use different taps)."""
    flat = tf.ones((1, 8, 8, 16))
    resized = dk.g_block_resize(16).layers[1](dk.g_block_resize(16).layers[0](flat))[0, 1:-1, 1:-1].numpy()
    assert np.ptp(resized, axis=(0, 1)).max() < 1e-6
    transposed = dk.g_block(16).layers[0](flat)[0, 1:-1, 1:-1].numpy()
    assert np.ptp(transposed, axis=(0, 1)).max() > 1e-3


@pytest.mark.parametrize("bad", [48, 8, 0, True, "32"])
def test_bad_image_size(bad):
    with pytest.raises(ValueError, match="image_size"):
        dk.make_generator(10, bad, 8)
    with pytest.raises(ValueError, match="image_size"):
        dk.make_discriminator(bad, 8)


def test_dcgan_initialisation():
    G = dk.make_generator(100, 32, 32)
    kernels = np.concatenate([np.ravel(v) for v in G.trainable_variables if "kernel" in v.path])
    gammas = np.concatenate([np.ravel(v) for v in G.trainable_variables if "gamma" in v.path])
    assert abs(kernels.std() - 0.02) < 0.001 and abs(kernels.mean()) < 0.001
    assert abs(gammas.mean() - 1) < 0.01 and 0.01 < gammas.std() < 0.03
    bn = [ly for ly in G.layers if isinstance(ly, keras.layers.BatchNormalization)][0]
    assert bn.momentum == 0.9 and bn.epsilon == 1e-5  # PyTorch's BatchNorm2d


def test_train_step_updates_both_networks():
    G, D = dk.make_generator(16, 16, 4), dk.make_discriminator(16, 4)
    opt_G, opt_D = keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5)
    opt_G.build(G.trainable_variables)
    opt_D.build(D.trainable_variables)
    g0, d0 = [v.numpy().copy() for v in G.trainable_variables], [v.numpy().copy() for v in D.trainable_variables]
    step = tf.function(lambda real: dk.train_step(real, tf.random.normal((8, 16)), G, D, opt_G, opt_D))
    out = step(tf.random.uniform((8, 16, 16, 3), -1, 1)).numpy()
    assert out.shape == (4,) and np.all(np.isfinite(out))
    assert 0 < out[2] < 1 and 0 < out[3] < 1
    assert all(not np.allclose(a, v.numpy()) for a, v in zip(g0, G.trainable_variables) if a.size > 8)
    assert all(not np.allclose(a, v.numpy()) for a, v in zip(d0, D.trainable_variables) if a.size > 8)


def _copy_into_torch(keras_net, torch_net):
    """Copy a Keras DCGAN's weights into the PyTorch twin's modules, in order (kernels transposed to NCHW)."""
    torch = _imports.torch()
    k_layers = [ly for ly in _leaves(keras_net) if ly.weights]
    t_layers = [m for m in torch_net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d,
                                                                torch.nn.BatchNorm2d))]
    assert len(k_layers) == len(t_layers)
    with torch.no_grad():
        for k, t in zip(k_layers, t_layers):
            if isinstance(t, torch.nn.BatchNorm2d):
                for name, v in zip(("weight", "bias", "running_mean", "running_var"), k.weights):
                    getattr(t, name).copy_(torch.from_numpy(np.asarray(v)))
                assert t.eps == k.epsilon and abs(t.momentum - (1 - k.momentum)) < 1e-9
            else:
                # Conv2D (k, k, C_in, C_out) -> (C_out, C_in, k, k); Conv2DTranspose (k, k, C_out, C_in) -> (C_in, C_out, k, k)
                t.weight.copy_(torch.from_numpy(np.asarray(k.kernel).transpose(3, 2, 0, 1).copy()))
                assert (t.bias is None) == (not k.use_bias)
                if t.bias is not None:
                    t.bias.copy_(torch.from_numpy(np.asarray(k.bias)))


def _leaves(model):
    return [leaf for ly in model.layers for leaf in (_leaves(ly) if hasattr(ly, "layers") else [ly])]


@pytest.mark.parametrize("size, upsample", [(32, "transposed"), (64, "transposed"), (32, "resize"), (64, "resize")])
def test_same_function_as_the_pytorch_twin(size, upsample):
    torch = _imports.torch()
    from gan_course import dcgan_torch as dt

    G, D = dk.make_generator(10, size, 4, upsample=upsample), dk.make_discriminator(size, 4)
    tG, tD = dt.make_generator(10, size, 4, upsample=upsample).eval(), dt.make_discriminator(size, 4).eval()
    # moving statistics that are not 0 / 1, so that eval-mode BatchNorm is exercised
    rng = np.random.default_rng(0)
    for net in (G, D):
        for ly in _leaves(net):
            if isinstance(ly, keras.layers.BatchNormalization):
                ly.moving_mean.assign(rng.normal(0, 0.1, ly.moving_mean.shape))
                ly.moving_variance.assign(rng.uniform(0.5, 1.5, ly.moving_variance.shape))
    _copy_into_torch(G, tG)
    _copy_into_torch(D, tD)
    z = rng.normal(size=(3, 10)).astype(np.float32)
    x_keras = G(z, training=False).numpy()                                       # (3, S, S, 3)
    x_torch = tG(torch.from_numpy(z)).detach().numpy().transpose(0, 2, 3, 1)    # NCHW -> NHWC
    assert np.abs(x_keras - x_torch).max() < 1e-5
    img = rng.uniform(-1, 1, (3, size, size, 3)).astype(np.float32)
    l_keras = D(img, training=False).numpy()
    l_torch = tD(torch.from_numpy(img.transpose(0, 3, 1, 2).copy())).detach().numpy()
    assert np.abs(l_keras - l_torch).max() < 1e-4
    assert sum(int(np.prod(v.shape)) for v in G.trainable_variables) == sum(p.numel() for p in tG.parameters())


def test_discriminator_with_more_outputs():
    """outputs=1 + codes (lesson 06's InfoGAN code): the logit and the code's guess from the same last convolution."""
    D = dk.make_discriminator(image_size=32, base=8, outputs=13)
    assert tuple(D(tf.zeros((4, 32, 32, 3))).shape) == (4, 13)
    assert D.count_params() - dk.make_discriminator(32, 8).count_params() == 12 * (32 * 4 * 4 + 1)
