"""Checks for lesson 03 (GAN theory), named after the module they check: ``gan_course.gan_theory``.

The value function, the optimal discriminator, the JSD read off the value, and the
non-saturating generator loss. Each ``check_xxx(xxx)`` runs a student's function on a few inputs
against a reference and prints one pass line or raises ``CheckFailed`` with ONE hint naming the
likely mistake (swapped p_data / p_g, a missing 2 log 2, the saturating loss instead of the
non-saturating one, a sign, log(sigmoid(l)) that overflows, ...).

Lesson 03 has one notebook, in PyTorch: ``check_value_function`` and ``check_generator_loss`` take
torch functions (torch is imported inside them); the other two are plain numpy. What it is not: a
grader, and not the lesson's code (the lesson writes the losses itself).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._kit import LN2, call_student, log_sigmoid, need_callable, to_numpy
from .core import CheckFailed, Diagnosis, run_checks

__all__ = ["check_optimal_discriminator", "check_value_function", "check_jsd_from_value",
           "check_generator_loss"]


def _not_finite(hint: str) -> Diagnosis:
    return Diagnosis(hint, test=lambda got, exp, *a: bool(np.isinf(got).any()) and bool(np.isfinite(exp).all()))


def _tip(err) -> str:
    return ("Stay in torch (no .numpy(), no numpy functions) so that autograd can differentiate the result."
            if "requires grad" in str(err) else "Call it on a small tensor yourself to find the line.")


def _torch_scalar_with_grad(name: str, fn, args, hint: str) -> None:
    """The result must be a 0-dim torch tensor that autograd can differentiate."""
    import torch

    need_callable(name, fn)
    leaves = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. float() of a tensor that requires grad: judged below
        out = call_student(name, fn, *(x.clone() for x in leaves), tip=_tip)  # clones: in-place edits stay allowed
    if out is None:
        raise CheckFailed(name, f"Your `{name}` returned None. Did you forget the `return` statement?")
    if not isinstance(out, torch.Tensor):
        raise CheckFailed(name, f"Your `{name}` returned a {type(out).__name__}, not a torch tensor. {hint} "
                                "Stay in torch (torch.* and torch.nn.functional.*, no numpy, no .item()) so "
                                "that autograd can differentiate the result.")
    if out.dim() != 0:
        raise CheckFailed(name, f"Your `{name}` returned a tensor of shape {tuple(out.shape)}; it should return "
                                "one number (a 0-dim tensor): average over the batch with .mean().")
    if out.grad_fn is None:
        raise CheckFailed(name, f"Your `{name}` returned a tensor that autograd cannot differentiate (no grad_fn): "
                                "do not .detach() it, or rebuild it with torch.tensor(...). " + hint)


# ---- exercise 1: the value function from logits -------------------------------------------------

def _value(real, fake) -> float:
    return float(log_sigmoid(to_numpy(real)).mean() + log_sigmoid(-to_numpy(fake)).mean())


def check_value_function(fn) -> None:
    """Check ``value_function(real_logits, fake_logits)``: the estimate of
    V = E log D(x) + E log(1 - D(G(z))) from the discriminator's logits, D = sigmoid(logit).

    Example: ``check_value_function(value_function)`` prints ``✅ value_function: 4/4 checks passed.``
    """
    import torch

    name = "value_function"
    _torch_scalar_with_grad(name, fn, ([1.0, -0.5], [0.3, -2.0]),
                            "Use torch.nn.functional.logsigmoid for the logs.")
    t = lambda v: torch.tensor(v, dtype=torch.float32)  # noqa: E731
    cases = [(t([2.0, -1.0, 0.5, 3.0]), t([-2.0, 0.0, 1.0, -3.0])),
             (t([0.3, 1.2, -0.4]), t([-1.5, 0.7, -0.2, -2.2, 0.1])),          # unequal batch sizes
             (t([0.0, 0.0, 0.0, 0.0]), t([0.0, 0.0, 0.0, 0.0, 0.0, 0.0])),    # D = 1/2: V = -2 log 2
             (t([8.0, 25.0]), t([-30.0, 30.0]))]                               # a confident D
    ls = lambda v: log_sigmoid(to_numpy(v))  # noqa: E731
    v_def = "V = mean(log D(real)) + mean(log(1 - D(fake))) with D = sigmoid(logit)"
    diagnoses = [
        Diagnosis(f"Wrong sign: you return -V, the discriminator's loss. The value itself is {v_def}; "
                  "the discriminator maximises it.", wrong=lambda r, f: -_value(r, f)),
        Diagnosis("For the fake samples use log(1 - D(G(z))), not log D(G(z)): the discriminator is rewarded "
                  "for calling fakes fake. log(1 - sigmoid(l)) = logsigmoid(-l).",
                  wrong=lambda r, f: ls(r).mean() + ls(f).mean()),
        Diagnosis(f"Real and fake swapped: the first argument holds the logits of REAL data. {v_def}.",
                  wrong=lambda r, f: _value(f, r)),
        Diagnosis("Average each expectation over its own batch: mean over the real logits PLUS mean over the "
                  "fake logits. One mean over both batches together gives the wrong weights (V/2 when the "
                  "batches have the same size).",
                  wrong=lambda r, f: (ls(r).sum() + ls(-to_numpy(f)).sum()) / (len(r) + len(f))),
        Diagnosis(f"Your result is half of V (that is minus the binary cross-entropy). {v_def}.",
                  wrong=lambda r, f: _value(r, f) / 2),
        Diagnosis("An expectation is a mean, not a sum: use .mean() over each batch.",
                  wrong=lambda r, f: ls(r).sum() + ls(-to_numpy(f)).sum()),
        Diagnosis("You get nan: the inputs are logits (any real number), not probabilities, and the log of a "
                  "negative number is nan. D = sigmoid(logit); log D = logsigmoid(logit).",
                  test=lambda got, exp, *a: bool(np.isnan(got).any())),
        _not_finite("You get an infinite value for a confident discriminator (logit 30): sigmoid(30) rounds to "
                    "exactly 1 in float32, and log(1 - 1) = -inf. Compute the logs from the logits directly: "
                    "log D = F.logsigmoid(l) and log(1 - D) = F.logsigmoid(-l)."),
    ]
    run_checks(name, lambda r, f: fn(r.clone(), f.clone()), cases, _value, diagnoses,
               argnames=["real_logits", "fake_logits"], unit="nats", rtol=1e-5, atol=1e-6)


# ---- exercise 2: the optimal discriminator --------------------------------------------------------

def check_optimal_discriminator(fn) -> None:
    """Check ``optimal_discriminator(p_data, p_g)`` = p_data / (p_data + p_g), element-wise.

    Example: ``check_optimal_discriminator(optimal_discriminator)`` prints ``✅ optimal_discriminator: 4/4 checks passed.``
    """
    f = lambda a: np.asarray(a, dtype=float)  # noqa: E731

    def ref(p_data, p_g):
        p_data, p_g = f(p_data), f(p_g)
        return p_data / (p_data + p_g)

    cases = [(np.array([0.1, 0.4, 0.2]), np.array([0.3, 0.4, 0.05])),
             (np.array([0.05, 1.2, 0.0]), np.array([0.0, 0.3, 0.5])),    # only one of the two has mass
             ([0.2, 0.6], [0.6, 0.2]),                                    # plain Python lists
             (np.array([[0.3, 0.1], [2.0, 0.25]]), np.array([[0.1, 0.3], [0.5, 0.25]]))]  # a 2-D grid
    diagnoses = [
        Diagnosis("p_data and p_g swapped: you return the probability that x is FAKE. D(x) is the probability "
                  "that x is real: p_data(x) / (p_data(x) + p_g(x)).", wrong=lambda a, b: ref(b, a)),
        Diagnosis("Brackets: p_data / p_data + p_g divides first and adds after (= 1 + p_g). "
                  "Write p_data / (p_data + p_g).", wrong=lambda a, b: f(a) / f(a) + f(b)),
        Diagnosis("That is the density ratio p_data / p_g, which can exceed 1. D*(x) is a probability: "
                  "p_data / (p_data + p_g).", wrong=lambda a, b: f(a) / f(b)),
        Diagnosis("That is p_data / m with m = (p_data + p_g) / 2, twice D*. Drop the 1/2: "
                  "D* = p_data / (p_data + p_g).", wrong=lambda a, b: 2 * ref(a, b)),
        Diagnosis("You took a log. D* itself is the ratio p_data / (p_data + p_g), a probability in [0, 1].",
                  wrong=lambda a, b: np.log(ref(a, b))),
        Diagnosis("D*(x) is a probability, but some of your values lie outside [0, 1].",
                  test=lambda got, exp, *a: bool(((got < -1e-12) | (got > 1 + 1e-12)).any())),
    ]
    run_checks("optimal_discriminator", fn, cases, ref, diagnoses, argnames=["p_data", "p_g"])


# ---- exercise 3: the JSD from the value at the optimum -------------------------------------------

def check_jsd_from_value(fn) -> None:
    """Check ``jsd_from_value(v)``: solve max_D V = -2 log 2 + 2 JSD for the JSD, (v + 2 log 2) / 2 nats.

    Example: ``check_jsd_from_value(jsd_from_value)`` prints ``✅ jsd_from_value: 4/4 checks passed.``
    """
    def ref(v):
        return (np.asarray(v, dtype=float) + 2 * LN2) / 2

    ident = "max_D V = -2 log 2 + 2 JSD, so JSD = (V + 2 log 2) / 2"
    diagnoses = [
        Diagnosis(f"You forgot the -2 log 2 term: {ident}. (A discriminator that always says 1/2 already "
                  "scores V = -2 log 2, when the JSD is 0.)", wrong=lambda v: np.asarray(v, float) / 2),
        Diagnosis(f"The constant is 2 log 2 (= {2 * LN2:.4f}), not log 2: {ident}.",
                  wrong=lambda v: (np.asarray(v, float) + LN2) / 2),
        Diagnosis(f"Divide by 2 at the end: {ident}.", wrong=lambda v: np.asarray(v, float) + 2 * LN2),
        Diagnosis(f"log 2 here is the natural log, ln 2 = {LN2:.4f} (np.log(2)), not log2(2) = 1: {ident}.",
                  wrong=lambda v: (np.asarray(v, float) + 2) / 2),
        Diagnosis(f"Your result is in bits (the right answer divided by ln 2). Keep nats: {ident}.",
                  wrong=lambda v: ref(v) / LN2),
        Diagnosis(f"Sign: {ident}; V is at most 0 and at least -2 log 2, and the JSD lies in [0, log 2].",
                  wrong=lambda v: (np.asarray(v, float) - 2 * LN2) / 2),
        Diagnosis(f"Sign: {ident}.", wrong=lambda v: -ref(v)),
        Diagnosis(f"Sign: {ident}.", wrong=lambda v: (2 * LN2 - np.asarray(v, float)) / 2),
    ]
    cases = [(-2 * LN2,), (0.0,), (-1.0,), (np.array([-1.2, -0.5]),)]
    run_checks("jsd_from_value", fn, cases, ref, diagnoses, argnames=["v"], unit="nats")


# ---- exercise 4: the non-saturating generator loss -----------------------------------------------

def _nonsat(fake) -> float:
    return float(-log_sigmoid(to_numpy(fake)).mean())


def check_generator_loss(fn) -> None:
    """Check ``generator_loss(fake_logits)``: the non-saturating loss mean(-log D(G(z))), D = sigmoid(logit).

    Example: ``check_generator_loss(generator_loss)`` prints ``✅ generator_loss: 4/4 checks passed.``
    """
    import torch

    name = "generator_loss"
    _torch_scalar_with_grad(name, fn, ([0.5, -2.0],), "Use torch.nn.functional.logsigmoid for the log.")
    t = lambda v: torch.tensor(v, dtype=torch.float32)  # noqa: E731
    cases = [(t([-2.0, 0.5, 1.0, -0.3]),),
             (t([-4.0, -6.0, -5.0]),),       # D is sure these are fake
             (t([0.0, 0.0]),),               # D = 1/2: loss log 2
             (t([3.0, -120.0]),)]            # a very confident D
    ls = lambda v: log_sigmoid(to_numpy(v))  # noqa: E731
    nonsat = "the non-saturating loss mean(-log D(G(z))) = mean(-F.logsigmoid(fake_logits))"
    diagnoses = [
        Diagnosis("That is the saturating loss mean(log(1 - D(G(z)))), the generator's part of the minimax V. "
                  f"Its gradient vanishes when D confidently rejects the fakes. Use {nonsat}.",
                  wrong=lambda l: float(ls(-to_numpy(l)).mean())),
        Diagnosis("That is the discriminator's loss on fakes, -log(1 - D(G(z))) (label 0, 'fake'): minimising it "
                  f"would make the fakes look MORE fake. The generator wants label 1: {nonsat}.",
                  wrong=lambda l: float(-ls(-to_numpy(l)).mean())),
        Diagnosis(f"Wrong sign: you return mean(log D(G(z))), which the generator wants LARGE. A loss is minimised: "
                  f"{nonsat}.", wrong=lambda l: -_nonsat(l)),
        Diagnosis(f"Average over the batch with .mean(), not .sum(): {nonsat}.",
                  wrong=lambda l: float(-ls(l).sum())),
        Diagnosis("You get nan: the inputs are logits (any real number), not probabilities, and the log of a "
                  "negative number is nan. D = sigmoid(logit); log D = F.logsigmoid(logit).",
                  test=lambda got, exp, *a: bool(np.isnan(got).any())),
        _not_finite("You get an infinite loss for a very confident discriminator (logit -120): sigmoid(-120) "
                    "rounds to 0 in float32 and -log(0) = inf. Compute the log from the logit directly: "
                    "-F.logsigmoid(fake_logits)."),
    ]
    run_checks(name, lambda l: fn(l.clone()), cases, _nonsat, diagnoses, argnames=["fake_logits"],
               unit="nats", rtol=1e-5, atol=1e-6)
