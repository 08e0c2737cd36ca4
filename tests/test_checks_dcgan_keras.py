"""The Keras DCGAN block checks pass the lesson's solutions and name each classic mistake."""
import pytest

import gan_course  # noqa: F401  (first: safe TensorFlow / torch import order)
from gan_course import _imports
from gan_course.checks import CheckFailed

tf = _imports.tensorflow()
import keras  # noqa: E402

from gan_course import dcgan_keras  # noqa: E402
from gan_course.checks_dcgan_keras import check_d_block, check_g_block  # noqa: E402

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
    check_g_block(dcgan_keras.g_block)
    check_d_block(dcgan_keras.d_block)
    out = capsys.readouterr().out
    assert "✅ g_block" in out and "✅ d_block" in out


def test_blank_and_not_callable():
    def blank(filters):
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="not filled"):
        check_g_block(blank)
    with pytest.raises(CheckFailed, match="without calling"):
        check_d_block(dcgan_keras.d_block(8))


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
        check_g_block(variant)


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
        check_d_block(variant)


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
        check_d_block(Skip)
