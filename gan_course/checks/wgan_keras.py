"""Checks for lesson 08 (WGAN), Keras twin, named after the module they check: ``gan_course.wgan_keras``.

The checks that need the framework's layers or a GradientTape, with the same public names as the
PyTorch twin's ``gan_course.checks.wgan_torch``:

* ``check_clip_weights(fn)``: runs ``clip_weights(critic, c)`` on a small Keras critic with known
  weights; names clipped values never written back (``w.assign``), [0, c] instead of [-c, c],
  biases left out, ``clip_by_norm``, the argument ``c`` ignored.
* ``check_gradient_penalty(fn)``: feeds ``gradient_penalty(critic, real, fake, weight)`` a critic
  f(x) = s/2 ||x - m||^2 whose gradient norm at x is s ||x - m||, records the points it is scored on,
  reads the student's alpha back from them, and compares the penalty and its gradient with respect to
  the critic's weight s with the right formula. Names alpha drawn from a normal, shared across the
  batch or drawn per number; the penalty on the batch-mean gradient, one norm over the whole batch,
  a norm over the wrong axis, the mean of the scores differentiated, the squared norm, a missing
  weight, a wrong sign, and a penalty that sends no gradient to the critic.
* ``check_critic(critic_or_builder)``: a critic must return unbounded scores, not probabilities.

The critic loss is checked for both twins by ``gan_course.checks.wgan.check_critic_loss``; the
framework-neutral pieces (``alpha_problem``, ``penalty_problem``) come from ``gan_course.checks.wgan``,
so both twins name a mistake in the same words. What it is not: a grader. Each check prints one pass
line or raises ``CheckFailed`` with one hint. TensorFlow is imported only when a check runs.
"""
from __future__ import annotations

import contextlib

import numpy as np

from .. import _imports
from ._kit import call_student, need_callable
from .core import CheckFailed
from .wgan import alpha_problem, penalty_problem

__all__ = ["check_clip_weights", "check_gradient_penalty", "check_critic"]


def _tf():
    return _imports.tensorflow()


# ---- exercise 2: weight clipping ------------------------------------------------------------

def _clip_critic(seed):
    """A small Keras critic 2 -> 8 -> 1 with weights drawn from N(0, 0.5^2) (many beyond a small c)."""
    import keras

    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    rng = np.random.default_rng(seed)
    critic.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in critic.get_weights()])
    return critic


def check_clip_weights(fn) -> None:
    """Check ``clip_weights(critic, c)``: every trainable weight of the critic clipped into [-c, c], in place.

    Example: ``check_clip_weights(clip_weights)`` prints ``✅ clip_weights: ...``.
    """
    name = "clip_weights"
    need_callable(name, fn)
    diagnoses = [  # (hint, what the weights would be): matched in this order
        ("Nothing changed: tf.clip_by_value returns a new tensor and leaves w as it was. Write the result "
         "back into the variable: w.assign(tf.clip_by_value(w, -c, c)).", lambda ws, c: ws),
        ("Negative weights became 0: clip into [-c, c] (tf.clip_by_value(w, -c, c)), not [0, c].",
         lambda ws, c: [np.clip(w, 0, c) for w in ws]),
        ("The biases were not clipped: WGAN clips every trainable weight, kernels and biases alike "
         "(loop over critic.trainable_variables).", lambda ws, c: [np.clip(w, -c, c) if w.ndim > 1 else w for w in ws]),
        ("Only the biases were clipped: clip every trainable weight, kernels and biases alike "
         "(critic.trainable_variables).", lambda ws, c: [np.clip(w, -c, c) if w.ndim == 1 else w for w in ws]),
        ("That rescales each weight tensor (tf.clip_by_norm); WGAN clips each number on its own: "
         "tf.clip_by_value(w, -c, c).", lambda ws, c: [w * min(1.0, c / max(np.linalg.norm(w), 1e-12)) for w in ws]),
        ("Every weight became +c or -c: clip_by_value keeps the weights already inside [-c, c] unchanged.",
         lambda ws, c: [np.sign(w) * c for w in ws]),
        ("Use the argument c, not a fixed 0.01.", lambda ws, c: [np.clip(w, -0.01, 0.01) for w in ws]),
    ]
    cases = [(0, 0.05), (1, 0.3), (2, 1e-3)]
    for seed, c in cases:
        critic = _clip_critic(seed)
        before = [w.copy() for w in critic.get_weights()]
        call_student(name, fn, critic, c)
        after = critic.get_weights()
        want = [np.clip(w, -c, c) for w in before]
        if all(np.allclose(a, b, atol=1e-7) for a, b in zip(after, want)):
            continue
        for hint, wrong in diagnoses:
            if all(a.shape == b.shape and np.allclose(a, b, atol=1e-7) for a, b in zip(after, wrong(before, c))):
                raise CheckFailed(name, f"{hint}\n(On a critic 2 -> 8 -> 1 with c = {c}.)")
        largest = max(float(np.abs(w).max()) for w in after)
        raise CheckFailed(name, f"After clip_weights(critic, c={c}) the weights are not the clipped ones "
                                f"(largest |w| = {largest:.4g}). Every weight w must become "
                                "tf.clip_by_value(w, -c, c), written back with w.assign(...).")
    print(f"✅ {name}: {len(cases)}/{len(cases)} critics clipped into [-c, c], kernels and biases, in place.")


# ---- exercise 3: the gradient penalty -------------------------------------------------------

class _QuadraticCritic:
    """f(x) = s/2 * ||x - m||^2 per sample, so grad_x f = s (x - m) and ||grad_x f|| = s ||x - m||.

    Records every batch it scores, so the check can read back the student's interpolation points.
    """

    def __init__(self, m, s):
        tf = _tf()
        self.tf, self.m = tf, tf.constant(np.asarray(m, np.float32))
        self.s = tf.Variable(float(s), dtype=tf.float32, name="s")
        self.inputs = []

    @property
    def trainable_variables(self):
        return [self.s]

    def __call__(self, x, training=None):
        tf = self.tf
        x = tf.convert_to_tensor(x, tf.float32)
        with contextlib.suppress(Exception):  # a symbolic tensor (inside tf.function) cannot be recorded
            self.inputs.append(np.asarray(x.numpy(), dtype=float))
        d = tf.reshape(x - self.m, [tf.shape(x)[0], -1])                  # (B, d)
        return 0.5 * self.s * tf.reduce_sum(d ** 2, axis=1, keepdims=True)  # (B, 1)


def _gp_case(shape, seed):
    """real, fake (B, ...) with |real - fake| >= 0.5 everywhere (so alpha can be read back), and m."""
    rng = np.random.default_rng(seed)
    real = rng.normal(0, 1, shape)
    fake = real + rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 1.5, shape)
    m = rng.normal(0, 0.3, shape[1:])
    return real.astype(np.float32), fake.astype(np.float32), m.astype(np.float32)


def _scored_points(name, critic, real, fake):
    """The interpolated points x_hat the student's code asked the critic to score."""
    batches = [x for x in critic.inputs if x.shape == real.shape]
    if not batches:
        shapes = [x.shape for x in critic.inputs] or "never"
        raise CheckFailed(name, f"The critic should be scored on a batch of interpolated points with the shape "
                                f"of `real` {real.shape}; it was called on {shapes}.")
    between = [x for x in batches if not (np.allclose(x, real) or np.allclose(x, fake))]
    if not between:
        raise CheckFailed(name, "The critic was scored only on the real (or the generated) samples. The penalty "
                                "is taken at random points between them: x_hat = alpha * real + (1 - alpha) * fake.")
    return between[0]


def check_gradient_penalty(fn) -> None:
    """Check ``gradient_penalty(critic, real, fake, weight)``: alpha ~ U(0, 1) per sample, per-sample gradient
    norms, weight * mean((norm - 1)^2), and a gradient that reaches the critic's weights.

    Example: ``check_gradient_penalty(gradient_penalty)`` prints ``✅ gradient_penalty: ...``.
    """
    name = "gradient_penalty"
    need_callable(name, fn)
    tf = _tf()
    cases = [((1000, 2), 10.0, 1.0, 0), ((64, 4, 4, 1), 2.5, 0.7, 1), ((300, 3), 10.0, 1.6, 2)]
    for shape, weight, s, seed in cases:
        real, fake, m = _gp_case(shape, seed)
        critic = _QuadraticCritic(m, s)
        where = f"real and fake of shape {shape}, weight={weight}"
        with tf.GradientTape() as tape:
            out = call_student(name, fn, critic, tf.constant(real), tf.constant(fake), weight)
        if out is None:
            raise CheckFailed(name, "Your `gradient_penalty` returned None. Did you forget the `return` statement?")
        try:
            value = np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(name, f"Your `gradient_penalty` returned {out!r:.60}; it should return one number "
                                    "(a scalar tensor).") from None
        x_hat = _scored_points(name, critic, real, fake)
        hint = alpha_problem(x_hat, real, fake)
        if hint:
            raise CheckFailed(name, f"{hint}\n(For {where}.)")
        if value.shape != ():
            raise CheckFailed(name, f"Your `gradient_penalty` returned shape {value.shape} for {where}; it should "
                                    "return one number: the mean of (norm - 1)^2 over the samples, times weight.")
        grads = s * (x_hat - m)                                            # the critic's per-sample gradients
        hint = penalty_problem(float(value), grads, weight)
        if hint:
            raise CheckFailed(name, f"{hint}\n(For {where}.)")
        norms = np.linalg.norm(grads.reshape(len(grads), -1), axis=1)
        try:
            grad = tape.gradient(out, critic.s)
        except Exception:  # noqa: BLE001 -- not a tensor
            grad = None
        r = norms / s                                                      # ||x_hat_i - m||
        want = weight * np.mean(2 * (s * r - 1) * r)                       # d penalty / d s
        if grad is None or not np.isclose(float(grad), want, rtol=1e-3, atol=1e-4):
            raise CheckFailed(name, "The value is right, but it sends no (or the wrong) gradient to the critic's "
                                    "weights, so training would ignore it. Compute it with TensorFlow ops only (no "
                                    ".numpy() or float()), and take the gradient w.r.t. x_hat with a GradientTape "
                                    "(tape.watch(x_hat)), without tf.stop_gradient.")
    print(f"✅ {name}: {len(cases)}/{len(cases)} cases: alpha ~ U(0, 1) per sample, per-sample gradient norms, "
          "weight * mean((norm - 1)^2), and its gradient reaches the critic.")


# ---- a critic, not a classifier ---------------------------------------------------------------

def check_critic(critic, input_shape=None) -> None:
    """Check that a critic (a Keras model, or a builder such as ``make_critic``) returns unbounded scores.

    ``input_shape`` (one sample's shape) defaults to the model's own input shape.
    Example: ``check_critic(make_critic)`` prints ``✅ critic: ...``.
    """
    name = "critic"
    tf = _tf()
    model = call_student(name, critic) if callable(critic) and not hasattr(critic, "layers") else critic
    if not hasattr(model, "layers"):
        raise CheckFailed(name, f"Expected a Keras model or a function that builds one; got {model!r:.60}.")
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "")
    shape = tuple(model.inputs[0].shape[1:]) if input_shape is None else tuple(input_shape)
    x = tf.constant(np.random.default_rng(0).normal(0, 50, (256, *shape)), tf.float32)
    scores = np.asarray(model(x, training=False))
    if activation == "sigmoid" or (scores.min() >= 0 and scores.max() <= 1):
        raise CheckFailed(name, "You applied a sigmoid to the critic: its outputs all lie in [0, 1]. A WGAN "
                                "critic returns an unbounded score (the last layer is a plain Dense(1)), and "
                                "the critic's loss uses those scores directly.")
    if scores.shape != (256, 1):
        raise CheckFailed(name, f"The critic should return one score per sample, shape (B, 1); got {scores.shape}.")
    print(f"✅ {name}: one unbounded score per sample (scores of far-away inputs range over "
          f"[{scores.min():.3g}, {scores.max():.3g}]), no sigmoid.")
