"""Checks for lesson 04 (vanilla GAN), named after the models they check: ``gan_course.gan_torch``
and ``gan_course.gan_keras``. The discriminator loss, the generator loss, one training step.

Both twins use the same checks; ``framework="torch"`` (PyTorch twin) or ``framework="keras"``
(Keras twin) says which tensors to feed the student's function (left out, a hint asks for it).
torch and TensorFlow are imported only inside the check that needs them.

* ``check_discriminator_loss(fn, framework)`` and ``check_generator_loss(fn, framework)`` compare
  the value and the gradient with respect to the logits against numpy formulas, and name the
  usual mistakes: swapped real/fake labels, the *saturating* generator loss, probabilities fed to
  a loss that expects logits, ``log(sigmoid(...))`` overflowing for a confident discriminator.
* ``check_train_step(fn, framework)`` runs the student's ``train_step(real, z, G, D, opt_G, opt_D)``
  twice on tiny one-layer networks with plain SGD, and compares the weights it produces with a
  numpy simulation of the correct step and of each known mistake: a missing ``detach`` /
  stop-gradient (D's loss reaching G), D changed by G's step, swapped labels, the saturating
  loss, gradients never zeroed.

What it is not: a grader. Each check prints one pass line or raises ``CheckFailed`` with one hint.
"""
from __future__ import annotations

import numpy as np

from . import _kit
from ._kit import NOT_FILLED, as_array, bce, bce_probs, check_values_and_gradients, framework_key, need_callable, \
    sigmoid
from .core import CheckFailed, Diagnosis

__all__ = ["check_discriminator_loss", "check_generator_loss", "check_train_step"]

_PIX = 28 * 28


# ---- the one-layer networks of check_train_step, in each framework --------------------------------

class _Torch(_kit.Torch):
    detach = "fake.detach()"

    def images(self, flat):
        return self.tensor(flat.reshape(-1, 1, 28, 28))  # (B, 1, 28, 28)

    def nets(self, A, c, w, b):
        nn, t = self.torch.nn, self.torch
        G = nn.Sequential(nn.Linear(A.shape[0], _PIX), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
        D = nn.Sequential(nn.Flatten(), nn.Linear(_PIX, 1))
        with t.no_grad():
            for param, value in zip([G[0].weight, G[0].bias, D[1].weight, D[1].bias], [A.T, c, w.T, b]):
                param.copy_(t.from_numpy(np.asarray(value, np.float32)))
        self.calls = 0  # gradients computed for G's weights in this step (one per backward pass through G)
        G[0].weight.register_hook(self._count)
        return G, D

    def _count(self, grad):
        self.calls += 1

    def optimizers(self, G, D, lr_g, lr_d):
        return self.torch.optim.SGD(G.parameters(), lr=lr_g), self.torch.optim.SGD(D.parameters(), lr=lr_d)

    def weights(self, G, D):
        return [G[0].weight.detach().numpy().T, G[0].bias.detach().numpy(),
                D[1].weight.detach().numpy().T, D[1].bias.detach().numpy()]


class _Keras(_kit.Keras):
    detach = "computing the fakes outside D's tape (or tf.stop_gradient)"

    def images(self, flat):
        return self.tensor(flat.reshape(-1, 28, 28, 1))  # (B, 28, 28, 1)

    def nets(self, A, c, w, b):
        layers = self.keras.layers
        G = self.keras.Sequential([self.keras.Input((A.shape[0],)), layers.Dense(_PIX, activation="tanh"),
                                   layers.Reshape((28, 28, 1))])
        D = self.keras.Sequential([self.keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(1)])
        G.layers[0].set_weights([A.astype(np.float32), c.astype(np.float32)])
        D.layers[1].set_weights([w.astype(np.float32), b.astype(np.float32)])
        self.calls = None
        return G, D

    def optimizers(self, G, D, lr_g, lr_d):
        opt_G, opt_D = self.keras.optimizers.SGD(lr_g), self.keras.optimizers.SGD(lr_d)
        opt_G.build(G.trainable_variables)  # built here, so a tf.function never has to create variables
        opt_D.build(D.trainable_variables)
        return opt_G, opt_D

    def weights(self, G, D):
        return [*G.layers[0].get_weights(), *D.layers[1].get_weights()]


def _adapter(framework, name):
    return _Torch() if framework_key(framework, name) == "torch" else _Keras()


def _known_error(name, err, fw):
    """A hint for errors students meet often, or None."""
    text = str(err)
    if isinstance(err, NotImplementedError):
        return NOT_FILLED.format(name=name)
    if "between 0 and 1" in text:
        return ("F.binary_cross_entropy / nn.BCELoss expect probabilities, but the discriminator returns logits "
                "(any real number). Use F.binary_cross_entropy_with_logits (nn.BCEWithLogitsLoss).")
    if "backward through the graph a second time" in text:
        return (f"D's loss sent its gradient through the generated images into G and freed G's graph, so G's "
                f"step could not use it again. In D's step use {fw.detach}: D's loss must stop at the images.")
    if "modified by an inplace operation" in text:
        return ("opt_D.step() changed D's weights in place before G's loss was back-propagated through them. "
                "Compute G's loss after D's step: score the fakes again with the updated D, D(fake).")
    if "originally built with" in text:
        return ("An optimizer was given another network's variables: opt_D may only update "
                "D.trainable_variables (D's step) and opt_G only G.trainable_variables (G's step). Take each "
                "tape's gradients with respect to that network's variables alone.")
    if "does not require grad" in text:
        return ("G's loss has no gradient: the fakes were detached (or made under torch.no_grad()) in G's step "
                "too. Only D's step detaches; G's step needs the graph through G.")
    return None


def _call_with_hints(name, fn, args, fw, where):
    """Call the student's function; a blank, a crash, or an error students meet often becomes one hint."""
    need_callable(name, fn, ", framework=...")
    try:
        return fn(*args)
    except Exception as err:  # noqa: BLE001 -- every error becomes one hint
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        said = f"{type(err).__name__}: {(lines[-1] if lines else '')[:200]}"
        hint = _known_error(name, err, fw)
        if isinstance(err, NotImplementedError):
            raise CheckFailed(name, hint) from None
        if hint is None:
            raise CheckFailed(name, f"Your `{name}` raised {said}\n{where}\nCall it on such inputs yourself "
                                    "to find the line.") from None
        raise CheckFailed(name, f"{hint}\n(Your `{name}` raised {said}, {where})") from None


# ---- the two losses ---------------------------------------------------------------------------

_LOGIT_CASES = [  # (real_logits, fake_logits), each (B, 1): typical first, then a confident D
    (np.array([[1.2], [0.3], [2.0], [-0.4]]), np.array([[-1.5], [0.2], [-0.7], [-2.2]])),
    (np.array([[0.1], [-0.2], [0.05]]), np.array([[0.0], [0.3], [-0.1]])),
    (np.array([[4.0], [6.0], [3.5], [5.0], [2.5]]), np.array([[-5.0], [-4.5], [-6.0], [-3.0], [-7.0]])),
    (np.array([[30.0], [-25.0]]), np.array([[-120.0], [35.0]])),  # log(sigmoid) under/overflows here
]
_NOT_FINITE = Diagnosis(
    "Your loss is inf or nan for a confident discriminator (logits like -120 or 35): sigmoid rounds to 0 or 1 and the log to -inf. "
    "Compute BCE from the logits (BCEWithLogits / from_logits=True), which uses a stable formula.",
    test=lambda got, exp, *a: bool(not np.all(np.isfinite(got)) and np.all(np.isfinite(exp))))


def _loss_check(name, fn, framework, cases, reference, grad_reference, diagnoses, argnames):
    fw = _adapter(framework, name)
    check_values_and_gradients(
        name, fn, fw, cases, reference, grad_reference, diagnoses, argnames, matches="BCE on logits",
        first_call=lambda tensors: _call_with_hints(name, fn, tensors, fw, "on logits of shape (B, 1)"))


def check_discriminator_loss(fn, framework=None) -> None:
    """Check ``discriminator_loss(real_logits, fake_logits)``: BCE(real, 1) + BCE(fake, 0) on logits.

    Example: ``check_discriminator_loss(discriminator_loss, framework="torch")`` prints ``✅ ...``.
    """
    ref = lambda r, f: bce(r, 1.0) + bce(f, 0.0)  # noqa: E731
    diagnoses = [
        Diagnosis("Labels swapped: real images must get label 1 (ones_like(real_logits)) and generated images "
                  "label 0 (zeros_like(fake_logits)).", wrong=lambda r, f: bce(r, 0.0) + bce(f, 1.0)),
        Diagnosis("Wrong sign: that is V(D, G) = mean log D(x) + mean log(1 - D(G(z))), which D *maximises*; "
                  "the loss to minimise is its negative, i.e. the two BCE terms.", wrong=lambda r, f: -ref(r, f)),
        Diagnosis("Half the expected value: add the two BCE terms (real + fake), do not average them.",
                  wrong=lambda r, f: ref(r, f) / 2),
        Diagnosis("Only the real images' term: add the generated images' term BCE(fake_logits, 0).",
                  wrong=lambda r, f: bce(r, 1.0)),
        Diagnosis("Only the generated images' term: add the real images' term BCE(real_logits, 1).",
                  wrong=lambda r, f: bce(f, 0.0)),
        Diagnosis("You applied a sigmoid before a loss that expects logits (so it is applied twice). Pass the "
                  "raw logits to BCE-with-logits.", wrong=lambda r, f: bce(sigmoid(r), 1.0) + bce(sigmoid(f), 0.0)),
        Diagnosis("The loss treats the logits as probabilities: use from_logits=True (Keras) or "
                  "binary_cross_entropy_with_logits (PyTorch).",
                  wrong=lambda r, f: bce_probs(r, 1.0) + bce_probs(f, 0.0)),
        _NOT_FINITE]
    grads = lambda r, f: [(sigmoid(r) - 1) / len(r), sigmoid(f) / len(f)]  # noqa: E731
    _loss_check("discriminator_loss", fn, framework, _LOGIT_CASES, ref, grads, diagnoses,
                ["real_logits", "fake_logits"])


def check_generator_loss(fn, framework=None) -> None:
    """Check ``generator_loss(fake_logits)``: the non-saturating loss -log D(G(z)) = BCE(fake, 1) on logits.

    Example: ``check_generator_loss(generator_loss, framework="keras")`` prints ``✅ ...``.
    """
    ref = lambda f: bce(f, 1.0)  # noqa: E731
    diagnoses = [
        Diagnosis("That is the *saturating* loss mean log(1 - D(G(z))) from the minimax game. When D confidently "
                  "rejects the fakes (D(G(z)) = 0.01) its gradient is about 0.01 per image, so G barely learns. "
                  "Use the non-saturating loss -log D(G(z)): BCE with the label 1 ('real').",
                  wrong=lambda f: -bce(f, 0.0)),
        Diagnosis("Label 0 is D's target for generated images; with it G would help D. G wants D to say 'real': "
                  "BCE(fake_logits, ones_like(fake_logits)).", wrong=lambda f: bce(f, 0.0)),
        Diagnosis("Wrong sign: G maximises mean log D(G(z)), so the loss to minimise is -mean log D(G(z)), "
                  "i.e. BCE with label 1.", wrong=lambda f: -ref(f)),
        Diagnosis("You applied a sigmoid before a loss that expects logits (so it is applied twice). Pass the "
                  "raw logits to BCE-with-logits.", wrong=lambda f: bce(sigmoid(f), 1.0)),
        Diagnosis("The loss treats the logits as probabilities: use from_logits=True (Keras) or "
                  "binary_cross_entropy_with_logits (PyTorch).", wrong=lambda f: bce_probs(f, 1.0)),
        _NOT_FINITE]
    cases = [(f,) for _, f in _LOGIT_CASES]
    _loss_check("generator_loss", fn, framework, cases, ref, lambda f: [(sigmoid(f) - 1) / len(f)], diagnoses,
                ["fake_logits"])


# ---- one training step ------------------------------------------------------------------------

_LR_G, _LR_D = 0.5, 0.02


def _problem(seed=4):
    """Weights of a one-layer G (tanh) and D (linear logit), and two batches (real (B, 784), z (B, 4))."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(0, 0.5, (4, _PIX)), rng.normal(0, 0.2, _PIX), rng.normal(0, 0.02, (_PIX, 1)),
              np.array([-2.0])]  # b = -2: D starts confident that images are fake, as early in training
    batches = [(rng.uniform(-1, 1, (8, _PIX)), rng.uniform(-1, 1, (8, 4))) for _ in range(2)]
    return params, batches


def simulate(params, batches, swap=False, g_loss="ns", order="seq", d_to_g=None, g_to_d=False,
             zero_d=True, zero_g=True, lr_g=_LR_G, lr_d=_LR_D):
    """Numpy simulation of SGD training steps of the check's one-layer G and D, right or with one mistake.

    ``order="sim"``: G's loss uses D before its update (both computed from one forward pass);
    ``d_to_g="accum"|"apply"``: D's loss gradient reaches G (added to G's, or applied by opt_D);
    ``g_to_d``: G's loss gradient is applied to D too; ``zero_d``/``zero_g=False``: gradients accumulate.
    Returns (final weights [A, c, w, b], [(d_loss, g_loss, D(x), D(G(z))) per step]).
    Example: ``weights, outputs = simulate(*_problem())``.
    """
    A, c, w, b = (np.array(p, dtype=np.float64) for p in params)
    acc_d, acc_g, outputs = [0.0, 0.0], [0.0, 0.0], []
    for x, z in batches:
        n = len(x)
        fake = np.tanh(z @ A + c)                                     # (B, 784)
        real_logits, fake_logits = x @ w + b, fake @ w + b            # (B, 1)
        y_real, y_fake = (0.0, 1.0) if swap else (1.0, 0.0)
        d_loss = bce(real_logits, y_real) + bce(fake_logits, y_fake)
        dr, df = (sigmoid(real_logits) - y_real) / n, (sigmoid(fake_logits) - y_fake) / n
        grad_d = [x.T @ dr + fake.T @ df, dr.sum(0) + df.sum(0)]
        acc_d = [a + g for a, g in zip(acc_d, grad_d)] if not zero_d else grad_d
        back = (df @ w.T) * (1 - fake ** 2)                           # D's loss reaching G's pre-activation
        grad_g_from_d = [z.T @ back, back.sum(0)]
        if d_to_g == "apply":
            A, c = A - lr_d * grad_g_from_d[0], c - lr_d * grad_g_from_d[1]
        stats = (d_loss, None, float(np.mean(sigmoid(real_logits))), float(np.mean(sigmoid(fake_logits))))
        w_old, b_old = w, b
        w, b = w - lr_d * acc_d[0], b - lr_d * acc_d[1]
        wg, bg = (w, b) if order == "seq" else (w_old, b_old)
        fake = np.tanh(z @ A + c)
        logits = fake @ wg + bg
        value, dl = {"ns": (bce(logits, 1.0), (sigmoid(logits) - 1) / n),
                     "sat": (-bce(logits, 0.0), -sigmoid(logits) / n),
                     "label0": (bce(logits, 0.0), sigmoid(logits) / n)}[g_loss]
        back = (dl @ wg.T) * (1 - fake ** 2)
        grad_g = [z.T @ back, back.sum(0)]
        if d_to_g == "accum":
            grad_g = [g + h for g, h in zip(grad_g, grad_g_from_d)]
        acc_g = [a + g for a, g in zip(acc_g, grad_g)] if not zero_g else grad_g
        grad_d_from_g = [fake.T @ dl, dl.sum(0)]
        if g_to_d:
            w, b = w - lr_g * grad_d_from_g[0], b - lr_g * grad_d_from_g[1]
        if not zero_d:
            acc_d = [a + g for a, g in zip(acc_d, grad_d_from_g)]
        A, c = A - lr_g * acc_g[0], c - lr_g * acc_g[1]
        outputs.append((stats[0], value, stats[2], stats[3]))
    return [A, c, w, b], outputs


_RIGHT = {"D step, then G step with the updated D": {}, "both losses from one forward pass": {"order": "sim"}}
_MISTAKES = [  # (simulate() keywords, hint); the first that reproduces the student's weights is reported
    ({"d_to_g": "accum"}, "G's update also contains the gradient of D's loss: the fakes in D's step must not "
                          "pass gradients to G. Use {detach}, and zero G's gradients right before G's backward."),
    ({"d_to_g": "apply"}, "D's step also changed G: take D's gradients only with respect to D's weights "
                          "(D.trainable_variables), e.g. by {detach}."),
    ({"g_to_d": True}, "G's step also changed D: during G's step only G's weights may move (compute and apply "
                       "gradients for G.trainable_variables / opt_G only). D must stay fixed while G learns to fool it."),
    ({"swap": True}, "Real and generated images have swapped labels in D's step (real -> 1, fake -> 0)."),
    ({"g_loss": "sat"}, "G's step uses the saturating loss log(1 - D(G(z))); use the non-saturating "
                        "-log D(G(z)) (generator_loss)."),
    ({"g_loss": "label0"}, "G's step trains G towards label 0 ('fake'); G's loss uses label 1: generator_loss."),
    ({"zero_d": False}, "D's gradients are never reset, so each step adds the previous steps' gradients: call "
                        "opt_D.zero_grad(set_to_none=True) before d_loss.backward()."),
    ({"zero_g": False}, "G's gradients are never reset, so each step adds the previous steps' gradients: call "
                        "opt_G.zero_grad(set_to_none=True) before g_loss.backward()."),
]


def _same(got, want):
    return all(np.shape(g) == np.shape(v) and np.linalg.norm(np.asarray(g, float) - v) <= 1e-3 * np.linalg.norm(v)
               + 1e-7 for g, v in zip(got, want))


def _updates(weights, start):
    return [np.asarray(w, float) - s for w, s in zip(weights, start)]


def check_train_step(fn, framework=None) -> None:
    """Check ``train_step(real, z, G, D, opt_G, opt_D)`` -> tensor (4,): d_loss, g_loss, mean D(x), mean D(G(z)).

    Runs it twice with tiny networks and SGD, and compares the updated weights with :func:`simulate`.
    Example: ``check_train_step(train_step, framework="torch")`` prints ``✅ train_step: ...``.
    """
    name = "train_step"
    fw = _adapter(framework, name)
    params, batches = _problem()
    G, D = fw.nets(*params)
    opt_G, opt_D = fw.optimizers(G, D, _LR_G, _LR_D)
    returned, calls = [], []
    for step, (x, z) in enumerate(batches, 1):
        before = fw.calls
        out = _call_with_hints(name, fn, [fw.images(x), fw.tensor(z), G, D, opt_G, opt_D], fw,
                    f"in step {step} of 2, with a one-layer G and D and SGD")
        calls.append(None if before is None else fw.calls - before)
        values = ([float(as_array(name, v, f"step {step}").mean()) for v in out] if isinstance(out, (tuple, list))
                  else list(as_array(name, out, f"step {step}").ravel()))
        if len(values) != 4:
            raise CheckFailed(name, "train_step must return four numbers (a tensor of shape (4,)): d_loss, g_loss, "
                                    f"and the batch means of D(x) and D(G(z)). Got {len(values)}.")
        returned.append(values)
    delta = _updates(fw.weights(G, D), params)
    if all(np.allclose(d, 0) for d in delta[:2]):
        raise CheckFailed(name, "G's weights did not change: after G's loss, compute its gradients and apply them "
                                "with opt_G (g_loss.backward(); opt_G.step() / opt_G.apply_gradients(...)).")
    if all(np.allclose(d, 0) for d in delta[2:]):
        raise CheckFailed(name, "D's weights did not change: after D's loss, compute its gradients and apply them "
                                "with opt_D (d_loss.backward(); opt_D.step() / opt_D.apply_gradients(...)).")
    for label, kw in _RIGHT.items():
        weights, outputs = simulate(params, batches, **kw)
        if _same(delta, _updates(weights, params)):
            break
    else:
        for kw, hint in _MISTAKES:
            if _same(delta, _updates(simulate(params, batches, **kw)[0], params)):
                raise CheckFailed(name, hint.format(detach=fw.detach))
        right = _updates(simulate(params, batches)[0], params)
        part = ("D's update is right but G's is not" if _same(delta[2:], right[2:]) else
                "G's update is right but D's is not" if _same(delta[:2], right[:2]) else "Neither update is right")
        raise CheckFailed(name, f"{part}. Order: D's loss on real and (detached) fake logits, D's gradients "
                                "applied by opt_D; then G's loss generator_loss(D(fake)), G's gradients applied by opt_G.")
    if any(n is not None and n > 1 for n in calls):
        raise CheckFailed(name, f"G received gradients from D's loss too (a backward pass through G in D's step). "
                                f"The weights end up right only because you zero G's gradients; use {fw.detach} "
                                "so D's step does not waste a backward pass through G.")
    for got, want, what in zip(np.array(returned).T, np.array(outputs).T, ["d_loss", "g_loss", "D(x)", "D(G(z))"]):
        if not np.allclose(got, want, rtol=1e-3, atol=1e-5):
            raise CheckFailed(name, f"The weights are right, but the returned {what} is not: return the batch's "
                                    f"d_loss, g_loss, mean D(x) and mean D(G(z)) (probabilities, from D before its step).")
    print(f"✅ {name}: 2 SGD steps match the reference ({label}) in weights and returned values.")
