"""gan_course.checks.dcgan_keras: the Keras DCGAN checks pass the lesson's solutions and name each classic mistake."""
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow / torch import order)
from gan_course import _imports
from gan_course.checks import CheckFailed

tf = _imports.tensorflow()
import keras  # noqa: E402

from gan_course import dcgan_keras  # noqa: E402
from gan_course.checks.dcgan_keras import (  # noqa: E402
    check_discriminator_block, check_generator, check_generator_block)

L = keras.layers
init = dcgan_keras.dcgan_init
bnorm = dcgan_keras.batch_norm


def g_variant(conv=None, bn=True, act="relu", order="cbr", init_fn=init, bias=False):
    def build(filters):
        c = conv(filters) if conv else L.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=bias,
                                                         kernel_initializer=init_fn())
        a = {"relu": L.ReLU(), "leaky": L.LeakyReLU(0.2), "tanh": L.Activation("tanh")}[act]
        b = bnorm()
        layers = {"cbr": [c, b, a], "cab": [c, a, b], "cr": [c, a]}["cr" if not bn else order]
        return keras.Sequential(layers)
    return build


def d_variant(conv=None, bn=True, act=None, pool=False, bias=False):
    def build(filters):
        if pool:
            layers = [L.Conv2D(filters, 4, padding="same", use_bias=False, kernel_initializer=init()),
                      L.MaxPooling2D(2)]
        else:
            layers = [conv(filters) if conv else L.Conv2D(filters, 4, strides=2, padding="same", use_bias=bias,
                                                          kernel_initializer=init())]
        if bn:
            layers.append(bnorm())
        layers.append(act() if act else L.LeakyReLU(negative_slope=0.2))
        return keras.Sequential(layers)
    return build


def test_solutions_pass(capsys):
    check_generator_block(dcgan_keras.g_block)
    check_discriminator_block(dcgan_keras.d_block)
    out = capsys.readouterr().out
    assert "✅ g_block" in out and "✅ d_block" in out


def test_blank_and_not_callable():
    def blank(filters):
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="not filled"):
        check_generator_block(blank)
    with pytest.raises(CheckFailed, match="without calling"):
        check_discriminator_block(dcgan_keras.d_block(8))


@pytest.mark.parametrize("variant,hint", [
    (g_variant(conv=lambda f: L.Conv2D(f, 4, strides=2, padding="same", use_bias=False,
                                       kernel_initializer=init())), "Conv2DTranspose"),
    (g_variant(conv=lambda f: L.Conv2DTranspose(f, 4, strides=2, padding="valid", use_bias=False,
                                                kernel_initializer=init())), "valid"),
    (g_variant(conv=lambda f: L.Conv2DTranspose(f, 4, strides=1, padding="same", use_bias=False,
                                                kernel_initializer=init())), "strides=2"),
    (g_variant(conv=lambda f: L.Conv2DTranspose(f, 3, strides=2, padding="same", use_bias=False,
                                                kernel_initializer=init())), "4 x 4"),
    (g_variant(bias=True), "use_bias=False"),
    (g_variant(bn=False), "BatchNormalization is missing"),
    (g_variant(order="cab"), "order"),
    (g_variant(act="leaky"), "LeakyReLU belongs to the discriminator"),
    (g_variant(act="tanh"), "tanh is only for the generator's output"),
    (g_variant(init_fn=lambda: "glorot_uniform"), "N\\(0, 0.02\\)"),
])
def test_g_block_mistakes(variant, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_generator_block(variant)


@pytest.mark.parametrize("variant,hint", [
    (d_variant(pool=True), "pool"),
    (d_variant(conv=lambda f: L.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=False,
                                                kernel_initializer=init())), "Use keras.layers.Conv2D"),
    (d_variant(conv=lambda f: L.Conv2D(f, 4, strides=2, padding="valid", use_bias=False,
                                       kernel_initializer=init())), "valid"),
    (d_variant(bias=True), "use_bias=False"),
    (d_variant(bn=False), "BatchNormalization is missing"),
    (d_variant(act=L.ReLU), "not ReLU"),
    (d_variant(act=L.LeakyReLU), "0.2"),  # Keras' default slope, 0.3
])
def test_d_block_mistakes(variant, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_discriminator_block(variant)


def test_wired_wrong_is_caught():
    class Skip(keras.Model):  # right layers, wrong computation: the activation is skipped
        def __init__(self, filters):
            super().__init__()
            self.inner = dcgan_keras.d_block(filters)

        def call(self, x, training=False):
            conv, bn, _ = self.inner.layers
            return bn(conv(x), training=training)

        @property
        def layers(self):
            return self.inner.layers

    with pytest.raises(CheckFailed, match="wired|chained"):
        check_discriminator_block(Skip)


def test_generator(capsys):
    """The Keras twin's whole-generator check, under the PyTorch twin's name and with its hints."""
    check_generator(dcgan_keras.make_generator(100, 32, 8), 100, 32)
    assert "✅ generator" in capsys.readouterr().out
    check_generator(dcgan_keras.make_generator(100, 32, 8, upsample="resize"), 100, 32)  # the lesson's generator
    assert "✅ generator" in capsys.readouterr().out

    def fails(G, image_size, hint):
        with pytest.raises(CheckFailed) as err:
            check_generator(G, 100, image_size)
        assert hint in err.value.hint, err.value.hint

    layers = dcgan_keras.make_generator(100, 32, 8).layers
    fails(keras.Sequential([keras.Input((100,)), *layers[:-1]]), 32, "tanh")
    fails(keras.Sequential([keras.Input((100,)), *layers[:-1], L.Activation("sigmoid")]), 32, "sigmoid")
    fails(dcgan_keras.make_generator(100, 32, 8), 64, "(8, 64, 64, 3)")
    up = [L.Conv2DTranspose(c, 4, strides=2, padding="same") for c in (16, 8)]          # 4 -> 8 -> 16
    no_bn = keras.Sequential([keras.Input((100,)), L.Reshape((1, 1, 100)), L.Conv2DTranspose(32, 4), L.ReLU(),
                              up[0], L.ReLU(), up[1], L.ReLU(), L.Conv2DTranspose(3, 4, strides=2, padding="same"),
                              L.Activation("tanh")])                                     # (B, 32, 32, 3)
    fails(no_bn, 32, "BatchNorm")
    dense = keras.Sequential([keras.Input((100,)), L.Dense(4 * 4 * 32), L.Reshape((4, 4, 32)), bnorm(),
                              *dcgan_keras.make_generator(100, 32, 8).layers[4:]])
    fails(dense, 32, "fully connected")
    fails("not a model", 32, "Keras model")

