"""Exercise checks for lesson 08 (WGAN): the critic loss, weight clipping, the gradient penalty, and
a check that a critic has no sigmoid.

Two layers. The framework-neutral pieces are numpy: the critic-loss cases, reference and known
mistakes (``CRITIC_LOSS_CASES``, ``critic_loss_reference``, ``critic_loss_diagnoses``), a small tanh
critic whose input gradients are known in closed form (``tanh_critic_params``,
``tanh_critic_grads``), and the two diagnosers of a gradient penalty: ``alpha_problem`` (reads the
interpolation weights back from the points the critic was called on) and ``penalty_problem`` (matches
the value against the penalty on per-sample gradient norms and each classic mistake). The Keras
twin's ``gan_course.checks_wgan_keras`` reuses them. The PyTorch checks are
``check_critic_loss``, ``check_clip_weights``, ``check_gradient_penalty`` and ``check_critic``.

Mistakes named: a sigmoid on the critic (or in its loss), a wrong sign, BCE instead of the
Wasserstein loss, alpha drawn from a normal, shared across the batch or drawn per pixel, the penalty on
the batch-mean gradient or on one norm for the whole batch, the squared norm, a missing weight,
a penalty with no gradient to the critic (no ``create_graph``), clipping that changes nothing.
What it is not: a grader. Each check prints one pass line or raises ``CheckFailed`` with one hint.
"""
from __future__ import annotations

import contextlib
import io

import numpy as np

from .checks import CheckFailed, Diagnosis, call_student, run_checks
from .checks_gan import _sigmoid, _softplus  # lesson 04's numpy references

__all__ = ["CRITIC_LOSS_CASES", "critic_loss_reference", "critic_loss_grads", "critic_loss_diagnoses",
           "tanh_critic_params", "tanh_critic_grads", "alpha_problem", "penalty_problem", "penalty_cases",
           "check_critic_loss", "check_clip_weights", "check_gradient_penalty", "check_critic"]


# ---- framework-neutral: the critic loss ----------------------------------------------------------

CRITIC_LOSS_CASES = [  # (real_scores, fake_scores), each (B, 1); unequal batch sizes catch sum-vs-mean
    (np.array([[1.2], [0.3], [2.0], [-0.4]]), np.array([[-1.5], [0.2], [-0.7], [-2.2]])),
    (np.array([[0.1], [-0.2], [0.05]]), np.array([[0.0], [0.3], [-0.1]])),
    (np.array([[4.0], [6.0], [3.5], [5.0], [2.5]]), np.array([[-5.0], [-4.5], [-6.0], [-3.0], [-7.0]])),
    (np.array([[30.0], [-25.0]]), np.array([[-120.0], [35.0]])),
]


def critic_loss_reference(real, fake):
    """The critic's loss: mean f(fake) - mean f(real). Example: ``critic_loss_reference(r, f)``."""
    return np.mean(fake) - np.mean(real)


def critic_loss_grads(real, fake):
    """d loss / d real_scores and d loss / d fake_scores. Example: ``critic_loss_grads(r, f)[0]``."""
    return [-np.ones_like(real) / real.size, np.ones_like(fake) / fake.size]


def critic_loss_diagnoses():
    """The classic mistakes in the critic loss, as ``Diagnosis`` objects (numpy)."""
    ref = critic_loss_reference
    return [
        Diagnosis("Wrong sign: the critic *maximises* mean f(real) - mean f(fake) (its estimate of W), so the loss "
                  "to minimise is mean f(fake) - mean f(real).", wrong=lambda r, f: -ref(r, f)),
        Diagnosis("You applied a sigmoid to the critic's scores. A WGAN critic is not a classifier: its scores are "
                  "unbounded real numbers, and squashing them into (0, 1) breaks the W estimate. Use the raw scores.",
                  wrong=lambda r, f: np.mean(_sigmoid(f)) - np.mean(_sigmoid(r))),
        Diagnosis("You applied a sigmoid to the critic's scores (and the wrong sign). A WGAN critic's scores are "
                  "unbounded: loss = mean f(fake) - mean f(real), on the raw scores.",
                  wrong=lambda r, f: np.mean(_sigmoid(r)) - np.mean(_sigmoid(f))),
        Diagnosis("That is the vanilla GAN's binary cross-entropy. The Wasserstein critic loss has no log and no "
                  "sigmoid: mean f(fake) - mean f(real).",
                  wrong=lambda r, f: np.mean(_softplus(-r)) + np.mean(_softplus(f))),
        Diagnosis("Use means, not sums: with sums the loss grows with the batch size (and real and generated batches "
                  "of different sizes are weighted differently).", wrong=lambda r, f: np.sum(f) - np.sum(r)),
        Diagnosis("Only the generated samples' term: subtract mean f(real) too.", wrong=lambda r, f: np.mean(f)),
        Diagnosis("Only the real samples' term: add mean f(fake) too.", wrong=lambda r, f: -np.mean(r)),
    ]


# ---- framework-neutral: a critic with known input gradients --------------------------------------

def tanh_critic_params(d, hidden=8, seed=0):
    """Weights (W (hidden, d), b (hidden,), v (hidden,), c ()) of f(x) = v . tanh(W x + b) + c on flattened x.

    Gradient norms differ from sample to sample, so per-sample and batch-level penalties differ.
    Example: ``W, b, v, c = tanh_critic_params(2)``.
    """
    rng = np.random.default_rng(seed)
    return (rng.normal(0, 1.0, (hidden, d)), rng.normal(0, 0.5, hidden), rng.normal(0, 0.7, hidden),
            np.array(0.1))


def tanh_critic_grads(params, x):
    """Per-sample gradients (B, d) of the tanh critic at x (B, ...) (flattened). Example: see ``penalty_problem``."""
    W, b, v, _ = params
    x = np.asarray(x, dtype=float).reshape(len(x), -1)            # (B, d)
    h = np.tanh(x @ W.T + b)                                       # (B, hidden)
    return ((1 - h ** 2) * v) @ W                                  # (B, d)


def penalty_cases(seed=0):
    """(real, fake, weight) numpy cases: 2-D points and tiny (B, 1, 3, 3) images; real - fake is never near 0.

    Example: ``for real, fake, weight in penalty_cases(): ...``.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for shape, weight in (((256, 2), 10.0), ((128, 1, 3, 3), 1.0)):
        real = rng.normal(0.5, 1.0, shape)
        gap = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
        cases.append((real.astype(np.float32), (real - gap).astype(np.float32), weight))
    return cases


ALPHA_NORMAL = ("alpha must be drawn from the uniform distribution on [0, 1] (torch.rand / tf.random.uniform): "
                "some of your x_hat lie outside the segment from the generated to the real sample, as with a "
                "normal draw (randn). The penalty belongs on the points in between.")
ALPHA_SHARED = ("alpha is the same for the whole batch: draw one alpha per sample, with shape (B, 1) for points "
                "or (B, 1, 1, 1) for images, so the penalty sees points all along the segments.")
ALPHA_PER_PIXEL = ("alpha differs between the coordinates (pixels) of one sample: draw one alpha per sample, "
                   "shape (B, 1, ...), broadcast over the rest, so x_hat lies on the straight line from fake to real.")
ALPHA_NOT_UNIFORM = ("alpha is in [0, 1] but not uniform on it (a Kolmogorov-Smirnov test rejects U(0, 1)): draw "
                     "it with torch.rand / tf.random.uniform, nothing else.")


def alpha_problem(x_hat, real, fake):
    """A hint if the interpolates x_hat were not made with one alpha ~ U(0, 1) per sample, else None.

    alpha is read back as (x_hat - fake) / (real - fake) (x_hat = alpha real + (1 - alpha) fake; the mirror
    image, alpha fake + (1 - alpha) real, is as good). Example: ``alpha_problem(x_hat, real, fake)`` -> ``None``.
    """
    from scipy.stats import kstest

    x_hat, real, fake = (np.asarray(a, dtype=float) for a in (x_hat, real, fake))
    if x_hat.shape != real.shape:
        return (f"The critic was called on points of shape {x_hat.shape}, but the interpolates x_hat must have "
                f"the shape of real and fake, {real.shape}: check the shape of alpha, (B, 1, ...).")
    alpha = ((x_hat - fake) / (real - fake)).reshape(len(real), -1)       # (B, d)
    if np.any(alpha < -1e-3) or np.any(alpha > 1 + 1e-3):
        return ALPHA_NORMAL
    if np.any(alpha.max(axis=1) - alpha.min(axis=1) > 1e-3):
        return ALPHA_PER_PIXEL
    a = alpha[:, 0]
    if a.std() < 1e-4:
        return ALPHA_SHARED
    if kstest(a, "uniform").pvalue < 1e-6:
        return ALPHA_NOT_UNIFORM
    return None


def penalty_problem(got, grads, weight):
    """Compare a penalty with weight * mean((||g_i|| - 1)^2) on per-sample gradients grads (B, d).

    Returns None when it matches, else one hint naming the mistake it matches (or a generic one).
    Example: ``penalty_problem(10.3, tanh_critic_grads(params, x_hat), 10.0)`` -> ``None``.
    """
    g = np.asarray(grads, dtype=float).reshape(len(grads), -1)           # (B, d)
    B, n = len(g), np.linalg.norm(g, axis=1)                             # (B,)
    want = weight * np.mean((n - 1) ** 2)
    close = lambda a, b: bool(np.isclose(a, b, rtol=2e-3, atol=1e-5))  # noqa: E731
    if close(got, want):
        return None
    known = [
        (-want, "Wrong sign: the penalty is added to the critic's loss and is never negative: "
                "weight * mean((||grad|| - 1)^2)."),
        (weight * np.mean((n / B - 1) ** 2),
         "The penalty used the gradient of the *batch mean* of the scores (scores.mean()), so each sample's gradient "
         "is divided by the batch size. Differentiate scores.sum() (sample i's score depends on x_hat_i only), "
         "so row i is sample i's own gradient."),
        (weight * (np.linalg.norm(g.mean(axis=0)) - 1) ** 2,
         "The penalty is on the norm of the batch-mean gradient: take one gradient norm per sample, then the mean "
         "of (norm - 1)^2 over samples."),
        (weight * (np.linalg.norm(g) / B - 1) ** 2,
         "The penalty used the batch-mean score's gradient and one norm for the whole batch: take one gradient "
         "norm per sample (flatten all but the batch axis, norm over axis 1)."),
        (weight * (np.linalg.norm(g) - 1) ** 2,
         "One norm for the whole batch: take one gradient norm per sample (flatten all but the batch axis, "
         "then the norm over axis 1), then the mean of (norm - 1)^2."),
        (weight * np.mean((np.linalg.norm(g, axis=0) - 1) ** 2),
         "The norm was taken over the batch axis (axis 0): take it over each sample's coordinates (axis 1)."),
        (weight * np.mean((n ** 2 - 1) ** 2), "Use the gradient's norm, not its squared norm: (||grad|| - 1)^2."),
        (weight * np.mean(np.maximum(n - 1, 0) ** 2),
         "That is a one-sided penalty (only norms above 1). WGAN-GP penalises both sides: (||grad|| - 1)^2."),
        (weight * np.mean(np.abs(n - 1)), "Square the deviation: (||grad|| - 1)^2, not |norm - 1|."),
        (weight * np.sum((n - 1) ** 2), "Average over the samples (mean), not a sum."),
        (np.mean((n - 1) ** 2), "The weight is missing: multiply the mean by `weight`."),
        (10.0 * np.mean((n - 1) ** 2), "Use the `weight` argument, not a hard-coded 10."),
    ]
    for value, hint in known:
        if close(got, value):
            return hint
    return (f"Not quite: expected weight * mean((||grad_i|| - 1)^2) = {want:.6g} on the points x_hat your code "
            f"scored, got {float(got):.6g}.")


# ---- PyTorch checks -----------------------------------------------------------------------------

def _torch_tip(err):
    text = str(err)
    if "does not require grad" in text or "does not have a grad_fn" in text:
        return ("x_hat needs requires_grad_(True) before the critic scores it, so torch.autograd.grad can "
                "differentiate the scores with respect to it.")
    if "must match the size" in text or "broadcast" in text:
        return ("alpha must broadcast against the samples: shape (B, 1) for points, (B, 1, 1, 1) for images: "
                "(real.shape[0],) + (1,) * (real.dim() - 1).")
    if "grad can be implicitly created only for scalar" in text:
        return "Differentiate a scalar: scores.sum() (each sample's score depends on its own x_hat only)."
    if "leaf Variable that requires grad" in text:
        return "Change the weights under torch.no_grad() and in place: p.clamp_(-c, c)."
    if "NoneType" in text:
        return "Clip the weights themselves (p), not their gradients (p.grad): there may be no gradient yet."
    return "Call it on such inputs yourself to find the line."


def check_critic_loss(fn) -> None:
    """Check ``critic_loss(real_scores, fake_scores)`` (torch): value and gradient of mean fake - mean real.

    Example: ``check_critic_loss(critic_loss)`` prints ``✅ critic_loss: ...``.
    """
    import torch

    name = "critic_loss"
    to_t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    call_student(name, fn, *[to_t(a) for a in CRITIC_LOSS_CASES[0]], tip=_torch_tip)
    with contextlib.redirect_stdout(io.StringIO()):  # one pass line, printed once the gradients pass too
        run_checks(name, lambda r, f: fn(to_t(r), to_t(f)), CRITIC_LOSS_CASES, critic_loss_reference,
                   critic_loss_diagnoses(), argnames=["real_scores", "fake_scores"], rtol=1e-6, atol=1e-9)
    for r, f in CRITIC_LOSS_CASES[:2]:
        rt, ft = to_t(r).requires_grad_(True), to_t(f).requires_grad_(True)
        out = fn(rt, ft)
        if not torch.is_tensor(out) or out.grad_fn is None:
            raise CheckFailed(name, "The value is right, but no gradient flows back to the scores: keep the "
                                    "computation in torch (no .item(), float() or numpy).")
        out.backward()
        for t, want, arg in zip((rt, ft), critic_loss_grads(r, f), ("real_scores", "fake_scores")):
            if t.grad is None or not np.allclose(t.grad.numpy(), want):
                raise CheckFailed(name, f"The value is right but its gradient with respect to `{arg}` is not; "
                                        "is part of the loss detached?")
    print(f"✅ {name}: {len(CRITIC_LOSS_CASES)}/{len(CRITIC_LOSS_CASES)} values and their gradients match "
          "mean f(fake) - mean f(real).")


def check_clip_weights(fn) -> None:
    """Check ``clip_weights(critic, c)`` (torch): every parameter clipped into [-c, c], in place.

    Example: ``check_clip_weights(clip_weights)`` prints ``✅ clip_weights: ...``.
    """
    import torch
    from torch import nn

    name = "clip_weights"
    for case, c in enumerate((0.3, 0.05)):
        torch.manual_seed(case)
        critic = nn.Sequential(nn.Linear(2, 6), nn.ReLU(), nn.Linear(6, 1))
        with torch.no_grad():
            for p in critic.parameters():
                p.uniform_(-1, 1)
        params = list(critic.parameters())
        before = [p.detach().clone().numpy() for p in params]
        call_student(name, fn, critic, c, tip=_torch_tip)
        after_params = list(critic.parameters())
        if any(a is not b for a, b in zip(after_params, params)):
            raise CheckFailed(name, "You replaced the critic's parameters with new tensors, so the optimizer (which "
                                    "holds the old ones) no longer updates them. Clip in place: p.clamp_(-c, c).")
        after = [p.detach().numpy() for p in params]
        want = [np.clip(b, -c, c) for b in before]
        if all(np.allclose(a, w, atol=1e-7) for a, w in zip(after, want)):
            if not all(p.requires_grad for p in params):
                raise CheckFailed(name, "The values are right but the parameters no longer require gradients.")
            continue
        flat = lambda arrays: np.concatenate([a.ravel() for a in arrays])  # noqa: E731
        a, b = flat(after), flat(before)
        if np.allclose(a, b):
            hint = ("Nothing changed: p.clamp(-c, c) returns a new tensor and leaves p alone. Clip in place, "
                    "p.clamp_(-c, c) (note the underscore), or assign into p.data / p.copy_(...).")
        elif np.allclose(a, -c) or np.allclose(a, c):
            hint = "Every parameter became the same value: min and max are swapped. Clip with p.clamp_(-c, c)."
        elif np.allclose(a, np.clip(b, 0, c)):
            hint = "The lower bound is -c, not 0: clip into [-c, c] with p.clamp_(-c, c)."
        elif np.allclose(a, np.maximum(b, c)) or np.allclose(a, np.maximum(b, -c)):
            hint = "Only a lower bound was applied: clip both sides, p.clamp_(-c, c) (min=-c, max=c)."
        elif np.allclose(a, np.minimum(b, c)):
            hint = "Only the upper bound was applied: clip both sides, p.clamp_(-c, c)."
        elif np.allclose(a, b * c):
            hint = "Clip the weights (values beyond ±c are cut to ±c), do not scale them by c."
        elif any(np.allclose(x, y) for x, y in zip(after, before)):
            hint = "Some parameters (the biases?) were not clipped: the WGAN paper clips all of the critic's parameters."
        else:
            hint = f"Not quite: after clip_weights(critic, {c}) every parameter should be np.clip(value, -{c}, {c})."
        raise CheckFailed(name, hint)
    print(f"✅ {name}: 2/2 critics clipped into [-c, c] in place.")


def _recording_critic(params):
    """The tanh critic as a torch module that keeps (detached) every input it scores in ``.seen``."""
    import torch
    from torch import nn

    W, b, v, c = (torch.tensor(a, dtype=torch.float32) for a in params)

    class TanhCritic(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(W.shape[1], W.shape[0]), nn.Tanh(),
                                     nn.Linear(W.shape[0], 1))
            with torch.no_grad():
                self.net[1].weight.copy_(W)
                self.net[1].bias.copy_(b)
                self.net[3].weight.copy_(v[None])
                self.net[3].bias.copy_(c.reshape(1))
            self.seen = []

        def forward(self, x):
            self.seen.append(x.detach().clone())
            return self.net(x)

    return TanhCritic()


def check_gradient_penalty(fn) -> None:
    """Check ``gradient_penalty(critic, real, fake, weight)`` (torch): alpha ~ U(0, 1) per sample, per-sample
    gradient norms, weight * mean((norm - 1)^2), and a graph back to the critic's weights.

    Example: ``check_gradient_penalty(gradient_penalty)`` prints ``✅ gradient_penalty: ...``.
    """
    import torch

    name = "gradient_penalty"
    cases = penalty_cases()
    for real, fake, weight in cases:
        params = tanh_critic_params(int(np.prod(real.shape[1:])))
        critic = _recording_critic(params)
        torch.manual_seed(0)
        out = call_student(name, fn, critic, torch.from_numpy(real), torch.from_numpy(fake), weight, tip=_torch_tip)
        if not torch.is_tensor(out) or out.numel() != 1:
            raise CheckFailed(name, f"Return the penalty as a torch scalar (a tensor with one element); got "
                                    f"{type(out).__name__} {getattr(out, 'shape', '')}.")
        if not critic.seen:
            raise CheckFailed(name, "Your penalty never called the critic: score x_hat with critic(x_hat).")
        x_hat = critic.seen[-1].numpy()
        hint = alpha_problem(x_hat, real, fake)
        if hint:
            raise CheckFailed(name, hint)
        hint = penalty_problem(float(out.detach()), tanh_critic_grads(params, x_hat), weight)
        if hint:
            raise CheckFailed(name, hint + f"\n(case: samples of shape {real.shape}, weight={weight})")
        if out.grad_fn is None:
            raise CheckFailed(name, "The value is right but the penalty has no graph: pass create_graph=True to "
                                    "torch.autograd.grad, so the penalty's gradient reaches the critic's weights.")
        critic.zero_grad()
        out.backward()
        ref = _recording_critic(params)
        xr = torch.from_numpy(x_hat).requires_grad_(True)
        g, = torch.autograd.grad(ref(xr).sum(), xr, create_graph=True)
        (weight * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()).backward()
        zero = lambda t: t is None or float(t.abs().sum()) == 0  # noqa: E731
        pairs = [(mine.grad, theirs.grad) for mine, theirs in zip(ref.parameters(), critic.parameters())]
        if all(zero(theirs) for _, theirs in pairs):
            raise CheckFailed(name, "The value is right but no gradient reaches the critic's weights: pass "
                                    "create_graph=True to torch.autograd.grad (and keep the result in torch).")
        for mine, theirs in pairs:
            if zero(mine) != zero(theirs) or (not zero(mine) and not torch.allclose(mine, theirs, rtol=1e-3,
                                                                                   atol=1e-5)):
                raise CheckFailed(name, "The value is right but its gradient with respect to the critic's weights is "
                                        "not: is part of the penalty detached (.detach(), .item(), numpy)?")
    print(f"✅ {name}: {len(cases)}/{len(cases)} cases: alpha ~ U(0, 1) per sample, per-sample gradient norms, "
          "value and gradient match.")


def check_critic(critic, input_shape=(2,)) -> None:
    """Check that a torch critic returns one unbounded score per sample (B, 1): no sigmoid, no tanh at the end.

    Example: ``check_critic(make_critic((2,)), (2,))`` prints ``✅ critic: ...``.
    """
    import torch

    name = "critic"
    if not callable(critic):
        raise CheckFailed(name, f"Pass the critic network itself (a torch module); got {critic!r:.60}.")
    x = torch.randn((64, *input_shape), generator=torch.Generator().manual_seed(0))
    try:
        device = next(critic.parameters()).device
    except (AttributeError, StopIteration):
        device = torch.device("cpu")
    with torch.no_grad():
        scores = call_student(name, critic, (1000 * x).to(device)).float().cpu()
    if tuple(scores.shape) != (64, 1):
        raise CheckFailed(name, f"The critic should return one score per sample, shape (B, 1) = (64, 1); got "
                                f"{tuple(scores.shape)}.")
    if scores.min() >= 0 and scores.max() <= 1:
        raise CheckFailed(name, "The critic's scores all lie in [0, 1] even for huge inputs: you applied a sigmoid to "
                                "the critic. A WGAN critic ends with a plain linear layer: its scores are unbounded.")
    if scores.min() >= -1 and scores.max() <= 1:
        raise CheckFailed(name, "The critic's scores all lie in [-1, 1] even for huge inputs: remove the final tanh. "
                                "A WGAN critic ends with a plain linear layer: its scores are unbounded.")
    print(f"✅ {name}: one unbounded score per sample (scores from {scores.min():.3g} to {scores.max():.3g} "
          "on inputs scaled by 1000).")
