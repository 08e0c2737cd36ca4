"""Checks for lesson 06 (DCGAN), Keras twin, named after the module they check: ``gan_course.dcgan_keras``.

The same public names as the PyTorch twin's ``gan_course.checks.dcgan_torch``; the output-size
functions and the transposed convolution by hand are framework-free numpy, in
``gan_course.checks.convarith``.

* ``check_generator_block(fn)``: ``fn(filters)`` must return a model that maps (B, H, W, C) to
  (B, 2H, 2W, filters) through Conv2DTranspose(4, strides 2, "same", no bias) -> BatchNormalization ->
  ReLU, with weights drawn from N(0, 0.02). Names: a Conv2D (halves the side), padding "valid" (2H + 2),
  stride 1, a kernel that is not 4, a bias before BatchNorm, BatchNorm missing or after the activation,
  LeakyReLU or tanh in place of ReLU, Keras' default (Glorot) initialisation.
* ``check_discriminator_block(fn)``: ``fn(filters)`` must map (B, H, W, C) to (B, H/2, W/2, filters)
  through Conv2D(4, strides 2, "same", no bias) -> BatchNormalization -> LeakyReLU(0.2). Names: pooling in
  place of a strided convolution, a transposed convolution, padding "valid", ReLU or a slope other than
  0.2, and the rest as above.
* ``check_generator(G, z_dim, image_size)``: output shape, a tanh output, BatchNorm inside, no Dense layer.

The block checks also run the block and compare its output with the layers' own weights applied by
hand, so a block that is built right but wired wrong is caught too. What it is not: a grader. Each
check prints one pass line or raises ``CheckFailed`` with one hint. TensorFlow is imported only when
a check runs.
"""
from __future__ import annotations

import numpy as np

from .. import _imports
from ._kit import call_student, need_callable
from .core import CheckFailed

__all__ = ["check_generator_block", "check_discriminator_block", "check_generator"]


def _flat_layers(model):
    """The leaf layers of a (possibly nested) Keras model or layer, in order."""
    sub = getattr(model, "layers", None)
    if sub is None:
        return [model]
    return [leaf for layer in sub for leaf in _flat_layers(layer)]


def _kind(layer):
    """Words for what a layer does: conv, convT, bn, relu, leaky, tanh, sigmoid, pool, dropout, other."""
    _imports.tensorflow()
    import keras

    L = keras.layers
    if isinstance(layer, L.Conv2DTranspose):
        kind = "convT"
    elif isinstance(layer, L.Conv2D):
        kind = "conv"
    elif isinstance(layer, L.BatchNormalization):
        return ["bn"]
    elif isinstance(layer, L.LeakyReLU):
        return ["leaky"]
    elif isinstance(layer, L.ReLU):
        cfg = layer.get_config()
        return ["leaky" if cfg.get("negative_slope") else "relu"]
    elif isinstance(layer, (L.MaxPooling2D, L.AveragePooling2D)):
        return ["pool"]
    elif isinstance(layer, L.Dropout):
        return ["dropout"]
    elif isinstance(layer, L.Activation):
        kind = None
    elif isinstance(layer, L.InputLayer):
        return []
    else:
        return ["other"]
    act = getattr(layer, "activation", None)
    act_name = getattr(act, "__name__", str(act))
    acts = {"relu": ["relu"], "leaky_relu": ["leaky"], "tanh": ["tanh"], "sigmoid": ["sigmoid"]}.get(act_name, [])
    if act_name not in ("linear", "relu", "leaky_relu", "tanh", "sigmoid"):
        acts = ["other"]
    return ([kind] if kind else []) + acts


def _not_a_builder(name, fn, check):
    _imports.tensorflow()
    import keras

    need_callable(name, fn, check=check, ok=callable(fn) and not isinstance(fn, keras.layers.Layer))


def _fail(name, hint):
    raise CheckFailed(name, hint)


def _build(name, fn, filters, x):
    block = call_student(name, fn, filters)
    if not callable(block):
        _fail(name, f"`{name}({filters})` should return a Keras model (e.g. keras.Sequential([...])); "
                    f"got {type(block).__name__}. Did you forget the `return`?")
    tf = _imports.tensorflow()
    out = call_student(name, lambda: block(tf.constant(x), training=False))
    return block, np.asarray(out)


def _weights_look_dcgan(name, conv):
    w = np.asarray(conv.kernel)
    std, mean = float(w.std()), float(w.mean())
    if not (0.014 < std < 0.026 and abs(mean) < 0.006):
        _fail(name, f"The convolution's weights have mean {mean:.4f} and standard deviation {std:.4f}; DCGAN draws "
                    "them from N(0, 0.02). Pass kernel_initializer=dcgan_init() (Keras' default, Glorot uniform, "
                    "is not what the paper uses).")


def _check_block(name, fn, transposed):
    rng = np.random.default_rng(0)
    h, c_in, filters = (4, 16, 8) if transposed else (16, 8, 16)
    x = rng.normal(size=(3, h, h, c_in)).astype(np.float32)                    # (B, H, W, C)
    block, out = _build(name, fn, filters, x)
    want_side = 2 * h if transposed else h // 2
    layers = [ly for ly in _flat_layers(block) if _kind(ly)]
    kinds = [k for ly in layers for k in _kind(ly)]
    convs = [ly for ly in layers if _kind(ly)[0] in ("conv", "convT")]
    # --- what the layers are ---------------------------------------------------------------------------------
    if "pool" in kinds:
        _fail(name, "Your block pools. DCGAN rule 1: no pooling; a strided convolution (strides=2) learns its own "
                    "downsampling.")
    if len(convs) != 1:
        _fail(name, f"The block should hold exactly one convolution layer; found {len(convs)} ({kinds}).")
    conv = convs[0]
    want_conv = "convT" if transposed else "conv"
    if _kind(conv)[0] != want_conv:
        _fail(name, "Use keras.layers.Conv2DTranspose in the generator: it doubles the side (strides=2), where "
                    "Conv2D halves it." if transposed else
                    "Use keras.layers.Conv2D in the discriminator: a strided convolution halves the side; "
                    "Conv2DTranspose doubles it.")
    if out.shape[1:3] != (want_side, want_side) or out.shape[-1] != filters:
        cfg = conv.get_config()
        if cfg["padding"] != "same":
            _fail(name, f"Got an output of side {out.shape[1]} from side {h}; expected {want_side}. With "
                        f"padding=\"valid\" the side becomes {'2H + 2' if transposed else 'H/2 - 1'}: use "
                        "padding=\"same\" (Keras' name for PyTorch's padding=1 with this kernel and stride).")
        if tuple(cfg["strides"]) != (2, 2):
            _fail(name, f"Got an output of side {out.shape[1]} from side {h}; expected {want_side}: use strides=2.")
        _fail(name, f"Expected an output of shape (B, {want_side}, {want_side}, {filters}) from (B, {h}, {h}, "
                    f"{c_in}); got {out.shape}. Use `filters` output channels.")
    cfg = conv.get_config()
    if tuple(cfg["kernel_size"]) != (4, 4):
        _fail(name, f"Kernel size {tuple(cfg['kernel_size'])}: DCGAN uses 4 x 4 kernels with stride 2, so every "
                    "output pixel gets the same number of kernel taps (odd kernels with stride 2 make "
                    "checkerboard patterns more likely).")
    if cfg["use_bias"]:
        _fail(name, "The convolution has a bias, but BatchNormalization follows it: BatchNorm subtracts the mean "
                    "(the bias with it) and adds its own beta. Pass use_bias=False.")
    act = "relu" if transposed else "leaky"
    if "bn" not in kinds:
        _fail(name, "BatchNormalization is missing. DCGAN rule: BatchNorm in both networks (except the generator's "
                    "output and the discriminator's input layer), to keep every layer's inputs well scaled.")
    wrong_act = {"relu": ["leaky", "tanh", "sigmoid"], "leaky": ["relu", "tanh", "sigmoid"]}[act]
    found = [k for k in kinds if k in wrong_act]
    if found:
        hint = {("relu", "leaky"): "LeakyReLU belongs to the discriminator; the generator's hidden layers use ReLU.",
                ("relu", "tanh"): "tanh is only for the generator's output layer; its hidden blocks use ReLU.",
                ("relu", "sigmoid"): "No sigmoid in the generator's blocks: they use ReLU.",
                ("leaky", "relu"): "The discriminator uses LeakyReLU(negative_slope=0.2), not ReLU: a small gradient "
                                   "for negative inputs keeps it teaching the generator.",
                ("leaky", "tanh"): "The discriminator's blocks use LeakyReLU(negative_slope=0.2), not tanh.",
                ("leaky", "sigmoid"): "No sigmoid inside the discriminator: its blocks use LeakyReLU(0.2)."}
        _fail(name, hint[(act, found[0])])
    if act not in kinds:
        _fail(name, f"The block has no {'ReLU' if transposed else 'LeakyReLU(negative_slope=0.2)'} at the end.")
    order = [k for k in kinds if k in (want_conv, "bn", act)]
    if order != [want_conv, "bn", act]:
        _fail(name, f"The order is {' -> '.join(order)}; DCGAN's is convolution -> BatchNormalization -> "
                    f"{'ReLU' if transposed else 'LeakyReLU'} (normalise the convolution's output, then the "
                    "non-linearity).")
    if len(kinds) != 3:
        _fail(name, f"Only three layers belong in the block (convolution, BatchNormalization, activation); found "
                    f"{kinds}.")
    if not transposed:
        leaky = layers[kinds.index("leaky")]
        slope = leaky.get_config().get("negative_slope", leaky.get_config().get("alpha"))
        if slope is None or abs(float(slope) - 0.2) > 1e-6:
            _fail(name, f"LeakyReLU slope {slope}; DCGAN's discriminator uses negative_slope=0.2 (Keras' default "
                        "is 0.3).")
    _weights_look_dcgan(name, conv)
    # --- what the block computes: compare with its own weights applied by hand -----------------------------
    tf = _imports.tensorflow()
    bn = layers[kinds.index("bn")]
    y = conv(tf.constant(x))
    y = bn(y, training=False)
    y = tf.nn.relu(y) if transposed else tf.nn.leaky_relu(y, 0.2)
    if not np.allclose(out, np.asarray(y), atol=1e-5):
        _fail(name, "The block's layers are right but its output is not conv -> BatchNorm -> activation of the "
                    "input: return the layers chained in a keras.Sequential, in that order.")
    print(f"✅ {name}: {'Conv2DTranspose' if transposed else 'Conv2D'}(4, strides 2, \"same\", no bias) -> "
          f"BatchNormalization -> {'ReLU' if transposed else 'LeakyReLU(0.2)'}, N(0, 0.02) weights; "
          f"(B, {h}, {h}, {c_in}) -> (B, {want_side}, {want_side}, {filters}).")


def check_generator_block(fn) -> None:
    """Check a generator block builder ``fn(filters)`` (Conv2DTranspose 4/2/"same" no bias -> BN -> ReLU).

    Example: ``check_generator_block(g_block)`` prints ``✅ g_block: ...``.
    """
    _not_a_builder("g_block", fn, "check_generator_block")
    _check_block("g_block", fn, transposed=True)


def check_discriminator_block(fn) -> None:
    """Check a discriminator block builder ``fn(filters)`` (Conv2D 4/2/"same" no bias -> BN -> LeakyReLU(0.2)).

    Example: ``check_discriminator_block(d_block)`` prints ``✅ d_block: ...``.
    """
    _not_a_builder("d_block", fn, "check_discriminator_block")
    _check_block("d_block", fn, transposed=False)


def check_generator(G, z_dim=100, image_size=32, channels=3) -> None:
    """Check a whole generator: (B, z_dim) -> (B, S, S, channels), tanh output, BatchNorm, no Dense layer.

    Example: ``check_generator(make_generator(image_size=32), 100, 32)``.
    """
    tf = _imports.tensorflow()
    import keras

    name = "generator"
    if not isinstance(G, keras.Model):
        raise CheckFailed(name, f"Pass the network (a Keras model), not {type(G).__name__}.")
    layers = _flat_layers(G)
    z = tf.constant(4 * np.random.default_rng(0).normal(size=(8, z_dim)), tf.float32)
    y = np.asarray(call_student(name, lambda: G(z, training=False)))
    want = (8, image_size, image_size, channels)
    if y.shape != want:
        raise CheckFailed(name, f"The generator should return {want} for z of shape (8, {z_dim}); "
                                f"it returns {y.shape}.")
    skip = (keras.layers.Reshape, keras.layers.Flatten, keras.layers.Dropout, keras.layers.Identity)
    kinds = [k for ly in layers if not isinstance(ly, skip) for k in _kind(ly)]
    last = kinds[-1] if kinds else None
    if last == "sigmoid":
        raise CheckFailed(name, "The output layer is a sigmoid ([0, 1]); DCGAN's generator ends with tanh, matching "
                                "data scaled to [-1, 1].")
    if last != "tanh" or np.abs(y).max() > 1:
        raise CheckFailed(name, "The generator must end with a tanh (keras.layers.Activation(\"tanh\")): the data "
                                f"are in [-1, 1], and an unbounded output (here up to {float(np.abs(y).max()):.2f}) "
                                "lets G make pixels no image has.")
    if "bn" not in kinds:
        raise CheckFailed(name, "DCGAN uses BatchNorm in the generator (every layer but the output).")
    if any(isinstance(ly, keras.layers.Dense) for ly in layers):
        raise CheckFailed(name, "No fully connected hidden layer: project z with a transposed convolution.")
    print(f"✅ generator: z (B, {z_dim}) -> images {want[1:]} in [-1, 1], tanh output, BatchNorm inside.")
