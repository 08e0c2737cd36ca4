"""Checks for lesson 05 (conditional GAN), named after the models they check: ``gan_course.cgan_torch``
and ``gan_course.cgan_keras``. The conditioned inputs, the conditional discriminator loss, sampling a
chosen digit.

Both twins use the same checks; ``framework="torch"`` or ``framework="keras"`` says which tensors to feed
the student's function (left out, a hint asks for it). torch and TensorFlow are imported only inside the
check that needs them.

* ``check_condition(fn, framework)``: ``condition(x, labels, num_classes)`` flattens x and appends one-hot
  labels; names labels appended as numbers (not one-hot), a fixed 10 instead of ``num_classes``, the
  wrong axis, one-hot first, labels off by one.
* ``check_cgan_discriminator_loss(fn, framework)``: runs the student's loss with a tiny linear
  conditional D and compares with numpy; names labels forgotten in D, swapped targets, a sigmoid on
  logits, probabilities instead of logits, the mismatch term missing, unweighted or with the right labels.
* ``check_sample_digit(fn, framework)``: feeds a fake generator that draws its label as a bright row;
  names a sampler that ignores the requested digit, the wrong output range, a channel axis left in,
  the wrong number of images or noise, gradients kept.

What it is not: a grader. Each check prints one pass line or raises ``CheckFailed`` with one hint.
"""
from __future__ import annotations

import numpy as np

from .. import _imports
from ._kit import NOT_FILLED, adapter, as_array, bce, bce_probs, call_student, need_callable, sigmoid
from .core import CheckFailed, Diagnosis, run_checks

__all__ = ["check_condition", "check_cgan_discriminator_loss", "check_sample_digit"]


# ---- exercise 1: the conditioned inputs -----------------------------------------------------------

def _one_hot(labels, k):
    return np.eye(k, dtype=np.float64)[np.asarray(labels)]


def _cond(x, labels, k):
    x = np.asarray(x, float)
    return np.concatenate([x.reshape(len(x), -1), _one_hot(labels, k)], axis=1)


_AXIS = ("Concatenate along the feature axis (dim=1 in torch, axis=1 / axis=-1 in Keras), not axis 0: axis 0 "
         "counts the examples, and each example must get its own label appended to its own features.")


def _condition_tip(err):
    text = str(err)
    if "one_hot" in text or "one-hot" in text or ("Long" in text and "Float" not in text):
        return ("One-hot the integer labels first: F.one_hot(labels, num_classes) / "
                "keras.ops.one_hot(labels, num_classes).")
    if any(s in text for s in ("Sizes of tensors must match", "Dimension", "dimension", "shape", "Shape")):
        return ("Concatenated on the wrong axis? " + _AXIS + " Also flatten x to (B, d) first and one-hot the "
                "labels to (B, num_classes), so both are 2-D with the same number of rows.")
    return "Call it on such inputs yourself to find the line."


def check_condition(fn, framework=None) -> None:
    """Check ``condition(x, labels, num_classes=10)`` -> ``[flatten(x), one_hot(labels)]``, shape (B, d + num_classes).

    Example: ``check_condition(condition, framework="torch")`` prints ``✅ condition: 4/4 checks passed.``
    """
    name = "condition"
    T = adapter(framework, name)
    fw, floats, ints = T.key, T.tensor, T.ints
    rng = np.random.default_rng(5)
    cases = [(rng.normal(size=(4, 6)), np.array([3, 0, 9, 1]), 10),
             (rng.normal(size=(4, 10)), np.array([2, 7, 7, 5]), 10),          # d == num_classes
             (rng.uniform(-1, 1, (3, 1, 2, 2)), np.array([1, 0, 2]), 3),     # images, 3 classes
             (rng.normal(size=(2, 5)), np.array([4, 0]), 5)]
    need_callable(name, fn, ", framework=...")
    for x, labels, k in cases:  # crashes first, with a hint of their own
        call_student("condition", fn, floats(x), ints(labels), k, tip=_condition_tip)
    diagnoses = [
        Diagnosis("The labels were appended as one number per example, not as one-hot vectors: one-hot them "
                  "first (F.one_hot / keras.ops.one_hot), so the network gets num_classes inputs, one per digit.",
                  wrong=lambda x, y, k: np.concatenate([np.asarray(x, float).reshape(len(x), -1),
                                                        np.asarray(y, float)[:, None]], axis=1)),
        Diagnosis("Use the num_classes argument for the length of the one-hot vectors, not a fixed 10.",
                  wrong=lambda x, y, k: _cond(x, y, 10)),
        Diagnosis("Concatenated on the wrong axis. " + _AXIS,
                  wrong=lambda x, y, k: np.concatenate([np.asarray(x, float).reshape(len(x), -1),
                                                        _one_hot(y, k)], axis=0)),
        Diagnosis("Order: the features x come first, then the one-hot label ([z, one_hot(y)], as in seed 001).",
                  wrong=lambda x, y, k: np.concatenate([_one_hot(y, k), np.asarray(x, float).reshape(len(x), -1)],
                                                       axis=1)),
        Diagnosis("The 1 is one column off: label j sets column j (digits start at 0).",
                  wrong=lambda x, y, k: _cond(x, (np.asarray(y) - 1) % k, k)),
        Diagnosis("Each label's one-hot vector should hold a single 1 (in column `label`) and zeros elsewhere.",
                  test=lambda got, exp, x, y, k: not np.allclose(got[:, -k:].sum(axis=1), 1)),
    ]
    run_checks("condition", lambda x, y, k: fn(floats(x), ints(y), k), cases, _cond, diagnoses,
               argnames=["x", "labels", "num_classes"], rtol=1e-5, atol=1e-6)


# ---- exercise 2: the conditional discriminator loss ----------------------------------------------

_PROBS = ("The loss treats D's logits as probabilities: use binary_cross_entropy_with_logits (PyTorch) or "
          "from_logits=True (Keras); D returns logits, any real number.")
_FORGOT = ("D was called without the labels: a conditional discriminator judges an (image, label) pair, so "
           "every call passes both: {call}. Without the label D cannot tell a good 3 asked to be a 7.")


def _tiny_d(fw, w, v, b):
    """A linear conditional D: logit = flatten(x) @ w + one_hot(y) @ v + b, that insists on integer labels."""
    def logits(x, y):
        x, y = np.asarray(x), np.asarray(y)
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"D expects the integer digits (B,) as labels, got an array of shape {y.shape} "
                            f"({y.dtype}): pass `labels` / `wrong_labels` as they are; D one-hots them itself.")
        return x.reshape(len(x), -1) @ w + _one_hot(y, 10) @ v + b

    if fw == "torch":
        torch = _imports.torch()

        class TinyD(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float32))
                self.v = torch.nn.Parameter(torch.tensor(v, dtype=torch.float32))
                self.b = torch.nn.Parameter(torch.tensor(b, dtype=torch.float32))

            def forward(self, x, labels=None):
                if labels is None:
                    raise TypeError(_FORGOT.format(call="D(images, labels)"))
                logits(x.detach().numpy(), labels.detach().numpy())  # validates the labels
                one_hot = torch.nn.functional.one_hot(labels.long(), 10).float()
                return x.flatten(1) @ self.w + one_hot @ self.v + self.b   # (B, 1)

        return TinyD()
    tf = _imports.tensorflow()

    class TinyD:
        def __call__(self, inputs, training=None):
            if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
                raise TypeError(_FORGOT.format(call="D([images, labels], training=True)"))
            x, labels = inputs
            logits(np.asarray(x), np.asarray(labels))
            one_hot = tf.one_hot(tf.cast(labels, tf.int32), 10)
            return tf.reshape(x, (tf.shape(x)[0], -1)) @ tf.constant(w, tf.float32) + one_hot @ tf.constant(
                v, tf.float32) + tf.constant(b, tf.float32)

    return TinyD()


def check_cgan_discriminator_loss(fn, framework=None) -> None:
    """Check ``cgan_discriminator_loss(D, real, fake, labels, wrong_labels, mismatch)`` against numpy:
    BCE(D(real, y), 1) + (1 - m) BCE(D(fake, y), 0) + m BCE(D(real, y_wrong), 0), on logits.

    Example: ``check_cgan_discriminator_loss(cgan_discriminator_loss, framework="torch")`` prints ``✅ ...``.
    """
    name = "cgan_discriminator_loss"
    T = adapter(framework, name)
    fw, floats, ints = T.key, T.tensor, T.ints
    rng = np.random.default_rng(7)
    w, v, b = rng.normal(0, 0.05, (16, 1)), rng.normal(0, 1.5, (10, 1)), np.array([0.2])
    D = _tiny_d(fw, w, v, b)
    shape = (-1, 1, 4, 4) if fw == "torch" else (-1, 4, 4, 1)

    def logit(x, y):
        return np.asarray(x, float).reshape(len(x), -1) @ w + _one_hot(y, 10) @ v + b

    def loss(r, f, y, yw, m, real=1.0, fake=0.0, wrong=0.0, act=lambda l, t: bce(l, t), wf=None, ww=None):
        wf = 1 - m if wf is None else wf
        ww = m if ww is None else ww
        return act(logit(r, y), real) + wf * act(logit(f, y), fake) + ww * act(logit(r, yw), wrong)

    cases = []
    for m, n in ((0.5, 6), (0.0, 4), (0.3, 5)):
        y = rng.integers(0, 10, n)
        cases.append((rng.uniform(-1, 1, (n, 16)), rng.uniform(-1, 1, (n, 16)), y, (y + rng.integers(1, 10, n)) % 10, m))
    need_callable(name, fn, ", framework=...")

    def student(r, f, y, yw, m):
        return fn(D, floats(np.reshape(r, shape)), floats(np.reshape(f, shape)), ints(y), ints(yw), m)

    for case in cases:
        try:
            student(*case)
        except NotImplementedError:
            raise CheckFailed(name, NOT_FILLED.format(name=name)) from None
        except Exception as err:  # noqa: BLE001 -- one hint
            text = str(err)
            if "D was called without" in text or "D expects" in text:
                raise CheckFailed(name, text.splitlines()[0] if "D expects" in text else
                                  _FORGOT.format(call="D(images, labels)" if fw == "torch" else
                                                 "D([images, labels], training=True)")) from None
            if "between 0 and 1" in text:
                raise CheckFailed(name, _PROBS) from None
            if "positional argument" in text and ("labels" in text or "forward" in text):
                raise CheckFailed(name, _FORGOT.format(call="D(images, labels)")) from None
            raise CheckFailed(name, f"Your `{name}` raised {type(err).__name__}: {text}\nCall it on such inputs "
                                    "yourself to find the line.") from None
    diagnoses = [
        Diagnosis("Targets swapped: real images with their right labels get the target 1; generated images and "
                  "real images with wrong labels get 0.", wrong=lambda *a: loss(*a, real=0.0, fake=1.0, wrong=1.0)),
        Diagnosis("You applied a sigmoid to the logits before a loss that expects logits (so it is applied twice). "
                  "Pass D's raw logits to BCE-with-logits.", wrong=lambda *a: loss(
                      *a, act=lambda l, t: bce(sigmoid(l), t))),
        Diagnosis(_PROBS, test=lambda got, exp, *a: bool(np.allclose(got, loss(*a, act=bce_probs), rtol=2e-2))),
        Diagnosis("The mismatch term is missing: add mismatch * BCE(D(real, wrong_labels), 0), and weight the "
                  "generated images' term by (1 - mismatch).", wrong=lambda *a: loss(*a, wf=1.0, ww=0.0)),
        Diagnosis("Weights: the generated images' term gets (1 - mismatch) and the wrong-label term mismatch; "
                  "with mismatch = 0 the loss is seed 001's.", wrong=lambda *a: loss(*a, wf=1.0, ww=1.0)),
        Diagnosis("Weights: the generated images' term gets (1 - mismatch) and the wrong-label term mismatch, "
                  "not the other way round.", wrong=lambda *a: loss(*a, wf=a[4], ww=1 - a[4])),
        Diagnosis("The third term must score the real images with the *wrong* labels, D(real, wrong_labels): "
                  "that is what teaches D to check the label.", wrong=lambda r, f, y, yw, m: loss(r, f, y, y, m)),
        Diagnosis("The generated images must be scored with the labels they were made for, D(fake, labels).",
                  wrong=lambda r, f, y, yw, m: bce(logit(r, y), 1) + (1 - m) * bce(logit(f, yw), 0)
                  + m * bce(logit(r, yw), 0)),
    ]
    run_checks(name, student, cases, loss, diagnoses, argnames=["real", "fake", "labels", "wrong_labels", "mismatch"],
               rtol=1e-4, atol=1e-5)


# ---- exercise 3: sampling a chosen digit ---------------------------------------------------------

def _fake_generator(fw, z_dim, seen):
    """A generator that draws its label as a bright row (row = digit) on a -1 background; records its inputs."""
    def draw(z, labels):
        z, labels = np.asarray(z), np.asarray(labels)
        if z.ndim != 2 or z.shape[1] != z_dim:
            raise ValueError(f"G expects noise of shape (n, z_dim) = (n, {z_dim}), got {z.shape}: use z_dim for the "
                             "length of each noise vector.")
        if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
            raise TypeError(f"G expects the digits as integers of shape (n,), got {labels.shape} ({labels.dtype}).")
        seen.append((z, labels))
        images = -np.ones((len(z), 28, 28), np.float32)
        images[np.arange(len(z)), labels % 28, :] = 1.0
        return images

    if fw == "torch":
        torch = _imports.torch()

        class FakeG(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.scale = torch.nn.Parameter(torch.ones(()))

            def forward(self, z, labels):
                return torch.tensor(draw(z.detach().cpu().numpy(), labels.detach().cpu().numpy()))[:, None] * self.scale

        return FakeG()
    tf = _imports.tensorflow()

    class FakeG:
        def __call__(self, inputs, training=None):
            z, labels = inputs
            return tf.constant(draw(np.asarray(z), np.asarray(labels))[..., None])

    return FakeG()


def check_sample_digit(fn, framework=None) -> None:
    """Check ``sample_digit(G, digit, n, z_dim)`` -> (n, 28, 28) images in [0, 1] of the requested digit.

    Example: ``check_sample_digit(sample_digit, framework="torch")`` prints ``✅ sample_digit: 3/3 checks passed.``
    """
    name = "sample_digit"
    fw = adapter(framework, name).key
    need_callable(name, fn, ", framework=...")
    for digit, n, z_dim in ((7, 5, 8), (0, 3, 4), (3, 12, 16)):
        seen = []
        G = _fake_generator(fw, z_dim, seen)
        out = call_student(name, fn, G, digit, n, z_dim)
        if getattr(out, "requires_grad", False):
            raise CheckFailed(name, "The images still carry gradients: run G under `with torch.no_grad():` "
                                    "(sampling trains nothing).")
        where = f"digit={digit}, n={n}, z_dim={z_dim}"
        images = as_array(name, out, where)
        if images.ndim == 4 and 1 in (images.shape[1], images.shape[-1]):
            raise CheckFailed(name, f"Your images have shape {images.shape}: drop the channel axis so they are "
                                    f"(n, 28, 28) ({'[:, 0]' if fw == 'torch' else '[..., 0]'}).")
        if images.shape != (n, 28, 28):
            raise CheckFailed(name, f"Expected {n} images of 28 x 28, shape ({n}, 28, 28), for {where}; got "
                                    f"{images.shape}. Make exactly n labels and n noise vectors.")
        if images.min() < -1e-4 or images.max() > 1 + 1e-4:
            raise CheckFailed(name, f"Your pixels run from {images.min():.2f} to {images.max():.2f}: G's tanh gives "
                                    "[-1, 1]; map it to [0, 1] with (images + 1) / 2.")
        shown = images.mean(axis=2).argmax(axis=1)  # the bright row of each image = the digit G was asked for
        if not np.all(shown == digit):
            raise CheckFailed(name, f"Asked for the digit {digit}, your sampler made G draw {sorted(set(shown.tolist()))}: "
                                    f"pass labels that are all equal to `digit` (torch.full((n,), digit) / "
                                    f"tf.fill([n], digit)), not the sampler ignoring the requested digit.")
        if not np.isclose(images.max(), 1) or not np.isclose(images.min(), 0):
            raise CheckFailed(name, "Map G's [-1, 1] to [0, 1] with (images + 1) / 2 (a -1 pixel becomes 0, +1 becomes 1).")
        z = seen[-1][0]
        if n > 1 and np.allclose(z, z[0]):
            raise CheckFailed(name, "All the noise vectors are the same: draw n random vectors (normal noise), so "
                                    "the n images differ in style.")
    print(f"✅ {name}: 3/3 checks passed (the requested digit, shape (n, 28, 28), pixels in [0, 1]).")
