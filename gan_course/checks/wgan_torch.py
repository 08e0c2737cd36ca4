"""Checks for lesson 08 (WGAN), PyTorch twin, named after the module they check: ``gan_course.wgan_torch``.

The checks that need the framework's layers or autograd, with the same public names as the Keras
twin's ``gan_course.checks.wgan_keras``: ``check_clip_weights``, ``check_gradient_penalty`` and
``check_critic``. The critic loss is checked for both twins by ``gan_course.checks.wgan.check_critic_loss``,
and the numpy pieces both twins share (the tanh critic, ``alpha_problem``, ``penalty_problem``) are in
``gan_course.checks.wgan``.

Mistakes named: alpha drawn from a normal, shared across the batch or drawn per pixel, the penalty on
the batch-mean gradient or on one norm for the whole batch, the squared norm, a missing weight, a
penalty with no gradient to the critic (no ``create_graph``), clipping that changes nothing, a sigmoid
or tanh on the critic. What it is not: a grader. torch is imported only when a check runs.
"""
from __future__ import annotations

import numpy as np

from ._kit import call_student
from .core import CheckFailed
from .wgan import alpha_problem, penalty_cases, penalty_problem, tanh_critic_grads, tanh_critic_params

__all__ = ["check_clip_weights", "check_gradient_penalty", "check_critic"]


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
