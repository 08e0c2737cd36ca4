"""Checks for lesson 09 (the latent space), named after the models they check: ``gan_course.latent_torch``
and ``gan_course.latent_keras``. Three are numpy and serve both twins unchanged; one takes ``framework=``.

* ``check_slerp(fn)``: ``slerp(z0, z1, t)`` against spherical interpolation; names linear interpolation,
  an angle taken from vectors that were not normalised, a clip to [0, 1] instead of [-1, 1] (obtuse angles
  come out as 90°), no clip at all (a cosine that rounds to 1.0000000000000002 gives nan), no fallback for
  parallel vectors (0 / 0), and swapped weights (the path runs backwards).
* ``check_latent_path(fn)``: ``latent_path(decode, z0, z1, n, interpolate)`` -> the n images along the path;
  names blending the two end images pixel by pixel (a cross-fade, not a walk in the latent space), a path
  that misses its end points, a reversed path, and ignoring ``interpolate``.
* ``check_attribute_vector(fn)``: ``attribute_vector(z, values, frac)`` -> mean code of the top ``frac`` by
  ``values`` minus mean code of the bottom ``frac``; names the reversed sign, "top minus everyone", a
  median split, a normalised vector and a values-weighted mean.
* ``check_inversion_step(fn, framework)``: one gradient step on z of the mean squared pixel error of G(z)
  against a target, on a small DCGAN generator of lesson 06; names a z that does not move, a step uphill,
  gradients left to accumulate (no ``zero_grad``), a generator whose weights move, BatchNorm run in training
  mode, and a returned loss that is not the mean squared error before the step.

What it is not: a grader. Each check prints one pass line or raises ``CheckFailed`` with one hint.
"""
from __future__ import annotations

import numpy as np

from ._kit import as_array, call_student, close, fmt, framework_key, need_callable
from .core import CheckFailed, Diagnosis, run_checks

__all__ = ["slerp_reference", "latent_path_reference", "attribute_vector_reference", "check_slerp",
           "check_latent_path", "check_attribute_vector", "check_inversion_step"]


# ---- slerp ------------------------------------------------------------------------------------------

def _slerp(z0, z1, t, normalise=True, clip=(-1.0, 1.0), fallback=True, swap=False):
    """Spherical interpolation, and (with other flags) its classic mistakes."""
    z0, z1 = np.asarray(z0, float), np.asarray(z1, float)
    cos = np.dot(z0, z1) / ((np.linalg.norm(z0) * np.linalg.norm(z1)) if normalise else 1.0)
    omega = np.arccos(np.clip(cos, *clip) if clip is not None else cos)
    if fallback and np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    a, b = np.sin((1 - t) * omega), np.sin(t * omega)
    if swap:
        a, b = b, a
    return (a * z0 + b * z1) / np.sin(omega)


def slerp_reference(z0, z1, t):
    """Spherical interpolation (Shoemake 1985; White 2016 for GANs), (d,) vectors and 0 <= t <= 1.

    The angle between the two directions, omega = arccos(clip(z0.z1 / (|z0| |z1|), -1, 1)); the point
    (sin((1 - t) omega) z0 + sin(t omega) z1) / sin(omega), or the linear interpolation when sin(omega) < 1e-6.
    Example: ``slerp_reference(np.array([1., 0]), np.array([0., 1]), 0.5)`` -> ``[0.7071, 0.7071]``.
    """
    return _slerp(z0, z1, t)


_R = np.random.default_rng(9)
_A, _B = _R.normal(size=6), _R.normal(size=6)
_OBTUSE = (np.array([1.0, 0.2, -0.5]), np.array([-0.9, 0.4, 0.1]))           # cos < 0: an angle over 90 degrees
_PARALLEL = np.array([-1.69, 0.19, 0.23, -0.87])                            # cos(z, 3z) rounds to 1.0000000000000002
_SAME = np.array([-0.704, -1.265, -0.623, 0.041])                           # cos(z, z) is exactly 1.0
_BIG = (10 * _R.normal(size=8) / 3, 10 * _R.normal(size=8) / 3)              # |z| ~ 10, as in the lesson
SLERP_CASES = [
    (_A / np.linalg.norm(_A), _B / np.linalg.norm(_B), 0.3),
    (*_BIG, 0.5),
    (*_OBTUSE, 0.5),
    (_A, 2.5 * _B, 0.25),
    (_PARALLEL, 3 * _PARALLEL, 0.5),
    (_SAME, _SAME.copy(), 0.7),
    (*_BIG, 0.0),
    (*_BIG, 1.0),
]


def _slerp_diagnoses():
    def unnormalised(got, expected, z0, z1, t):
        return any(close(got, np.asarray(w(z0, z1, t), float)) for w in (
            lambda *a: _slerp(*a, normalise=False), lambda *a: _slerp(*a, normalise=False, clip=None),
            lambda *a: _slerp(*a, normalise=False, fallback=False),
            lambda *a: _slerp(*a, normalise=False, clip=None, fallback=False)))

    return [
        Diagnosis("That is linear interpolation, (1 - t) z0 + t z1: a straight chord through the inside of the "
                  "shell. Slerp follows the arc: weights sin((1 - t) omega) / sin(omega) and sin(t omega) / sin(omega).",
                  wrong=lambda z0, z1, t: (1 - t) * z0 + t * z1),
        Diagnosis("Clip the cosine to [-1, 1], not [0, 1]: two latent vectors more than 90 degrees apart (cosine < 0) "
                  "are common, and clipping at 0 turns their angle into 90 degrees.",
                  wrong=lambda *a: _slerp(*a, clip=(0.0, 1.0))),
        Diagnosis("For parallel vectors rounding makes the cosine 1.0000000000000002, and arccos of that is nan: clip "
                  "the cosine to [-1, 1] before np.arccos.", wrong=lambda *a: _slerp(*a, clip=None)),
        Diagnosis("When z0 and z1 point the same way the angle is 0 and sin(omega) = 0, so the formula is 0 / 0: when "
                  "sin(omega) is tiny (< 1e-6), return the linear interpolation (the two paths agree there).",
                  wrong=lambda *a: _slerp(*a, fallback=False)),
        Diagnosis("Your path runs backwards: at t = 0 slerp must return z0 and at t = 1 z1. The weight of z0 is "
                  "sin((1 - t) omega) / sin(omega).", wrong=lambda *a: _slerp(*a, swap=True)),
        Diagnosis("The angle must come from the *directions*: cos(omega) = z0 . z1 / (|z0| |z1|). Without dividing by "
                  "the norms, z0 . z1 is no cosine at all (for |z| ~ 10 it is far outside [-1, 1]).", test=unnormalised),
    ]


def check_slerp(fn) -> None:
    """Check ``slerp(z0, z1, t)`` ((d,) vectors, a float t) against ``slerp_reference`` on 8 cases.

    Example: ``check_slerp(slerp)`` -> ``✅ slerp: 8/8 checks passed.``
    """
    need_callable("slerp", fn)
    call_student("slerp", fn, *[a.copy() if isinstance(a, np.ndarray) else a for a in SLERP_CASES[0]])
    run_checks("slerp", fn, SLERP_CASES, slerp_reference, _slerp_diagnoses(), argnames=["z0", "z1", "t"],
               rtol=1e-5, atol=1e-8)


# ---- a path of images --------------------------------------------------------------------------------

_W = np.random.default_rng(3).normal(size=(16, 6)) * 0.8


def _toy_decode(z):
    """A small nonlinear 'generator': z (n, 6) -> images (n, 4, 4) in [0, 1]."""
    z = np.asarray(z, float).reshape(-1, 6)
    return ((np.tanh(z @ _W.T) + 1) / 2).reshape(-1, 4, 4)


def _lerp(z0, z1, t):
    return (1 - t) * np.asarray(z0, float) + t * np.asarray(z1, float)


def latent_path_reference(decode, z0, z1, n, interpolate):
    """The n images decode(interpolate(z0, z1, t)) for t = 0, 1/(n - 1), ..., 1, stacked: (n, ...).

    Example: ``latent_path_reference(decode, z0, z1, 8, slerp_reference).shape`` -> ``(8, 28, 28)``.
    """
    return np.asarray(decode(np.stack([interpolate(z0, z1, t) for t in np.linspace(0, 1, n)])), float)


def check_latent_path(fn) -> None:
    """Check ``latent_path(decode, z0, z1, n, interpolate)`` on a small nonlinear decoder.

    Example: ``check_latent_path(latent_path)`` -> ``✅ latent_path: 4/4 checks passed.``
    """
    name = "latent_path"
    need_callable(name, fn)
    rng = np.random.default_rng(4)
    zs = [(rng.normal(size=6), rng.normal(size=6)) for _ in range(3)]
    cases = [(z0, z1, n, interp) for (z0, z1), n, interp in zip(zs + [zs[0]], (8, 5, 2, 6),
                                                                (slerp_reference, slerp_reference, slerp_reference,
                                                                 _lerp))]
    names = {slerp_reference: "slerp", _lerp: "lerp"}
    call_student(name, fn, _toy_decode, zs[0][0].copy(), zs[0][1].copy(), 8, slerp_reference)
    for z0, z1, n, interp in cases:
        where = f"z0 = {fmt(z0)}, z1 = {fmt(z1)}, n = {n}, interpolate = {names[interp]}"
        expected = latent_path_reference(_toy_decode, z0, z1, n, interp)
        got = as_array(name, call_student(name, fn, _toy_decode, z0.copy(), z1.copy(), n, interp), where)
        if close(got, expected, rtol=1e-5, atol=1e-7):
            continue
        ts = np.linspace(0, 1, n)[:, None, None]
        end = _toy_decode(np.stack([z0, z1]))
        blend = (1 - ts) * end[0] + ts * end[1]
        if close(got, blend, rtol=1e-5, atol=1e-7):
            raise CheckFailed(name, "You blended the two end images pixel by pixel: (1 - t) G(z0) + t G(z1) is a "
                                    "cross-fade (ghosts of both digits on top of each other), not a walk through the "
                                    "latent space. Interpolate the *latent vectors*, then decode every point.")
        if got.shape != expected.shape:
            raise CheckFailed(name, f"Your `{name}` returned shape {got.shape} for {where}; expected {expected.shape}: "
                                    "n images, one per value of t, decoded in one call.")
        for t_alt, why in ((np.linspace(0, 1, n + 2)[1:-1], "leaves out both ends"),
                           (np.arange(n) / n, "never reaches t = 1"), (np.arange(1, n + 1) / n, "never starts at t = 0")):
            alt = np.asarray(_toy_decode(np.stack([interp(z0, z1, t) for t in t_alt])), float)
            if close(got, alt, rtol=1e-5, atol=1e-7):
                raise CheckFailed(name, f"Your path {why}: the first image must be G(z0) and the last G(z1), with n "
                                        "evenly spaced values of t: np.linspace(0, 1, n).")
        if close(got, expected[::-1], rtol=1e-5, atol=1e-7):
            raise CheckFailed(name, "Your path runs from z1 to z0: start at z0 (t = 0).")
        other = _lerp if interp is slerp_reference else slerp_reference
        if close(got, latent_path_reference(_toy_decode, z0, z1, n, other), rtol=1e-5, atol=1e-7):
            raise CheckFailed(name, "Use the `interpolate` function you are given (slerp or lerp) for every point, "
                                    f"not your own: for {where} the path differs.")
        raise CheckFailed(name, f"Not quite: for {where} the images differ from decode(interpolate(z0, z1, t)) at "
                                f"t = np.linspace(0, 1, n). Expected {fmt(expected)}, got {fmt(got)}.")
    print(f"✅ {name}: {len(cases)}/{len(cases)} checks passed.")


# ---- attribute vectors -------------------------------------------------------------------------------

def attribute_vector_reference(z, values, frac=0.25):
    """Mean latent code of the k = int(frac * len(z)) codes with the largest ``values`` minus that of the k smallest.

    Example: ``attribute_vector_reference(z, thickness, 0.25)`` -> a (d,) vector pointing towards thick strokes.
    """
    z, values = np.asarray(z, float), np.asarray(values, float)
    k = max(1, int(frac * len(z)))
    order = np.argsort(values, kind="stable")
    return z[order[-k:]].mean(0) - z[order[:k]].mean(0)


def check_attribute_vector(fn) -> None:
    """Check ``attribute_vector(z, values, frac)`` against ``attribute_vector_reference`` on 4 cases.

    Example: ``check_attribute_vector(attribute_vector)`` -> ``✅ attribute_vector: 4/4 checks passed.``
    """
    rng = np.random.default_rng(5)
    cases = []
    for n, d, frac in ((40, 5, 0.25), (40, 5, 0.1), (60, 3, 0.5), (24, 4, 0.25)):
        z = rng.normal(size=(n, d))
        values = z[:, 0] * 0.8 + rng.normal(size=n)           # a property that depends on the code, with noise
        cases.append((z, values, frac))
    ref = attribute_vector_reference

    def top_minus_all(z, v, f):
        k = int(f * len(z))
        return z[np.argsort(v)[-k:]].mean(0) - z.mean(0)

    def median_split(z, v, f):
        return z[v > np.median(v)].mean(0) - z[v <= np.median(v)].mean(0)

    diagnoses = [
        Diagnosis("Wrong sign: the vector must point *towards* large values: mean code of the top group minus mean "
                  "code of the bottom group.", wrong=lambda z, v, f: -ref(z, v, f)),
        Diagnosis("Subtract the mean code of the *bottom* group (the k smallest values), not the mean of all codes.",
                  wrong=top_minus_all),
        Diagnosis("Use the top and bottom `frac` of the codes (k = int(frac * len(z)) each), not a split at the median.",
                  wrong=median_split),
        Diagnosis("Return the difference of the two means as it is, without normalising it: its length says how far "
                  "apart the two groups lie.", wrong=lambda z, v, f: ref(z, v, f) / np.linalg.norm(ref(z, v, f))),
        Diagnosis("Average the codes of each group with equal weights; do not weight them by their values.",
                  wrong=lambda z, v, f: (v[:, None] * z).mean(0)),
    ]
    run_checks("attribute_vector", fn, cases, ref, diagnoses, argnames=["z", "values", "frac"], rtol=1e-6, atol=1e-9)


# ---- one inversion step -------------------------------------------------------------------------------

def _torch_parts():
    from .. import _imports
    from ..dcgan_torch import make_generator

    torch = _imports.torch()
    torch.manual_seed(0)
    G = make_generator(z_dim=8, image_size=16, base=4, channels=1)  # PyTorch's default init: outputs far from 0
    G.train()
    with torch.no_grad():                                   # give BatchNorm running statistics of its own
        for _ in range(3):
            G(torch.randn(32, 8))
    G.eval()
    g = torch.Generator().manual_seed(1)
    target = G(torch.randn(4, 8, generator=g)).detach()     # (4, 1, 16, 16) in [-1, 1]
    z_start = torch.randn(4, 8, generator=g)

    def state():
        return {k: v.detach().clone() for k, v in G.state_dict().items()}

    def run(step, steps=2, lr=0.05):
        z = z_start.clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=lr)
        losses = [step(G, z, target, opt) for _ in range(steps)]
        return losses, z.detach().numpy().copy()

    def reference(G_, z, target_, opt):
        loss = ((G_(z) - target_) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    def mse(z):
        with torch.no_grad():
            return float(((G(torch.as_tensor(z)) - target) ** 2).mean())

    def is_training():
        return G.training

    bn_names = [k for k in G.state_dict() if "running" in k]
    return dict(G=G, state=state, run=run, reference=reference, mse=mse, is_training=is_training, bn=bn_names,
                z_start=z_start.numpy().copy(), framework="PyTorch", zero_grad=True)


def _keras_parts():
    from .. import _imports
    from ..dcgan_keras import make_generator

    tf = _imports.tensorflow()
    import keras

    keras.utils.set_random_seed(0)
    G = make_generator(z_dim=8, image_size=16, base=4, channels=1)
    for _ in range(3):                                      # give BatchNorm moving statistics of its own
        G(tf.random.normal((32, 8)), training=True)
    rng = np.random.default_rng(1)
    target = G(rng.normal(size=(4, 8)).astype(np.float32), training=False)   # (4, 16, 16, 1)
    z_start = rng.normal(size=(4, 8)).astype(np.float32)

    def state():
        return {v.path: np.array(v.numpy()) for v in G.weights}

    def run(step, steps=2, lr=0.05):
        z = tf.Variable(z_start)
        opt = keras.optimizers.Adam(learning_rate=lr)
        opt.build([z])
        losses = [step(G, z, target, opt) for _ in range(steps)]
        return losses, z.numpy().copy()

    def reference(G_, z, target_, opt):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((G_(z, training=False) - target_) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, [z]), [z]))
        return float(loss)

    def mse(z):
        return float(tf.reduce_mean((G(np.asarray(z, np.float32), training=False) - target) ** 2))

    bn_names = [v.path for v in G.weights if "moving" in v.path]
    return dict(G=G, state=state, run=run, reference=reference, mse=mse, is_training=lambda: False, bn=bn_names,
                z_start=z_start.copy(), framework="Keras", zero_grad=False)


def check_inversion_step(fn, framework=None) -> None:
    """Check ``invert_step(G, z, target, opt)``: one Adam step on z of mean((G(z) - target)^2), returning that loss.

    A small DCGAN generator of lesson 06 (eval mode, BatchNorm statistics of its own), 4 targets, two steps
    from the same start as a reference step. ``framework``: "torch" or "keras".
    Example: ``check_inversion_step(invert_step, framework="torch")`` -> ``✅ invert_step: ...``.
    """
    name = "invert_step"
    need_callable(name, fn, ", framework=...")
    key = framework_key(framework, name)
    parts = _torch_parts() if key == "torch" else _keras_parts()
    fw, before = parts["framework"], parts["state"]()
    ref_losses, ref_z = parts["run"](parts["reference"])
    ref_z1 = parts["run"](parts["reference"], steps=1)[1]
    after_ref = parts["state"]()
    assert all(np.array_equal(before[k], after_ref[k]) for k in before)  # the reference leaves G alone

    losses, z = parts["run"](lambda *a: call_student(name, fn, *a))
    after = parts["state"]()
    moved = [k for k in before if not np.array_equal(before[k], after[k])]
    bn_moved = [k for k in moved if k in parts["bn"]]
    if parts["is_training"]():
        raise CheckFailed(name, "Your step switched G to training mode (G.train()): inversion only evaluates G, in "
                                "eval mode, so BatchNorm uses its running statistics. Leave G's mode alone.")
    if bn_moved:
        what = "G(z, training=False)" if key == "keras" else "G in eval mode (G.eval(), set by the lesson)"
        raise CheckFailed(name, f"BatchNorm's running statistics changed: G ran in training mode, so each image's "
                                f"result depended on the other images of the batch and G itself was altered. Call {what}.")
    if moved:
        raise CheckFailed(name, f"Your step changed the generator's weights ({moved[0]} and {len(moved) - 1} more): "
                                "inversion keeps G fixed and moves only z. Apply the gradient to z alone (the optimizer "
                                "you are given holds z only).")
    start = parts["z_start"]
    if np.allclose(z, start):
        raise CheckFailed(name, "z did not move: compute the loss, its gradient with respect to z "
                                + ("(loss.backward())" if key == "torch" else "(tape.gradient(loss, [z]))")
                                + ", then let the optimizer take the step "
                                + ("(opt.step())." if key == "torch" else "(opt.apply_gradients(...))."))
    if parts["mse"](z) > parts["mse"](start) and parts["mse"](ref_z) < parts["mse"](start):
        raise CheckFailed(name, f"Your steps made the error larger ({parts['mse'](start):.3g} -> {parts['mse'](z):.3g}): "
                                "you climbed the loss. Minimise mean((G(z) - target)^2): no minus sign, no maximize.")
    if not np.allclose(z, ref_z, rtol=1e-4, atol=1e-5):
        z1 = parts["run"](lambda *a: call_student(name, fn, *a), steps=1)[1]
        if parts["zero_grad"] and np.allclose(z1, ref_z1, rtol=1e-4, atol=1e-5):
            raise CheckFailed(name, "The first step is right, the second is not: the gradients of both steps were "
                                    "added up. Clear them before each backward pass: opt.zero_grad().")
        raise CheckFailed(name, f"z after two steps differs from one Adam step on mean((G(z) - target)^2) per call "
                                f"(largest difference {np.abs(z - ref_z).max():.3g}). Use the mean over every pixel and "
                                "image, and the optimizer you are given.")
    got = np.array([float(as_array(name, v, f"step {i + 1}")) for i, v in enumerate(losses)])
    want = np.array(ref_losses)
    if not np.allclose(got, want, rtol=1e-4, atol=1e-6):
        size = 4 * 16 * 16
        hint = ("You returned the sum; return the mean squared error." if np.allclose(got, want * size, rtol=1e-3)
                else "Return the loss of this step, computed before the update: mean((G(z) - target)^2) as a number.")
        raise CheckFailed(name, f"{hint} Expected {fmt(want)}, got {fmt(got)}.")
    print(f"✅ {name}: z moves as one {fw} Adam step on the mean squared pixel error per call; G is unchanged.")
