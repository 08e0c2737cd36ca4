"""Exercise checks: run a student's function on a few cases and name the mistake.

After each blank in an exercise notebook a check cell such as
``check_kl_divergence(kl_divergence)`` runs the student's function on several
inputs against a reference (``gan_course.info`` for lesson 01) and either prints
one pass line (``✅ kl_divergence: 8/8 checks passed.``) or raises ``CheckFailed``
with ONE hint: the likely mistake (bits instead of nats, swapped arguments, a
missing 1/2, ``0 log 0`` giving nan, ...) and the input that shows it. Jupyter
shows that hint without a traceback.

What it is not: a grader (nothing is recorded). ``run_checks`` + ``Diagnosis``
are generic and framework-free, so a later lesson adds a check in a few lines;
torch / TensorFlow results are converted with ``.numpy()`` without importing either.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from . import info

__all__ = ["CheckFailed", "Diagnosis", "run_checks", "call_student", "check_entropy", "check_cross_entropy",
           "check_kl_divergence", "check_js_divergence", "check_kl_gaussian",
           "check_to_tanh_range", "check_channels_first", "check_one_hot"]

LN2 = math.log(2)


class CheckFailed(AssertionError):
    """A check found a mistake; its message is one hint, shown in Jupyter without a traceback.

    Example: ``raise CheckFailed("entropy", "Use np.log, not np.log2.")``.
    """

    def __init__(self, name: str, hint: str):
        super().__init__(hint)
        self.name, self.hint = name, hint

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return [f"❌ {self.name}: not yet right.", *self.hint.splitlines()]


@dataclass(frozen=True)
class Diagnosis:
    """One known mistake: ``wrong(*args)`` is what the mistaken code returns, or
    ``test(got, expected, *args)`` says whether a result (of the right shape) shows it.

    Example: ``Diagnosis("Use np.log, not np.log2.", wrong=lambda p: info.entropy(p, base=2))``.
    """

    hint: str
    wrong: Callable | None = None
    test: Callable | None = None

    def matches(self, got: np.ndarray, expected: np.ndarray, args: tuple) -> bool:
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.wrong is not None:
                    return _close(got, np.asarray(self.wrong(*args), dtype=float))
                return got.shape == expected.shape and bool(self.test(got, expected, *args))
        except Exception:  # a diagnosis that cannot be evaluated simply does not match
            return False


def _close(a: np.ndarray, b: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _fmt(x) -> str:
    arr = np.asarray(x, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    flat = ", ".join(f"{v:.4g}" for v in arr.ravel()[:6]) + (", ..." if arr.size > 6 else "")
    return f"[{flat}]" if arr.ndim == 1 and arr.size <= 6 else f"array of shape {arr.shape} [{flat}]"


def _as_array(name: str, out, where: str) -> np.ndarray:
    """The student's result as a float array, or a CheckFailed hint."""
    if out is None:
        raise CheckFailed(name, f"Your `{name}` returned None for {where}.\nDid you forget the `return` statement?")
    if hasattr(out, "detach"):  # torch tensor
        out = out.detach().cpu().numpy()
    elif hasattr(out, "numpy") and not isinstance(out, np.ndarray):  # TensorFlow tensor
        out = out.numpy()
    try:
        if isinstance(out, (str, bytes, bool, np.bool_)):
            raise TypeError
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(name, f"Your `{name}` returned {out!r:.60} ({type(out).__name__}) for {where}; "
                                "it should return a number.") from None


NOT_FILLED = ("The blank in `{name}` is not filled in yet: replace the `raise NotImplementedError(...)` line "
              "with your code, run that cell, then run this check again.")


def call_student(name: str, fn, *args, tip=None):
    """Call a student's function once; a blank or a crash becomes one ``CheckFailed`` hint.

    ``tip(err)`` returns the advice under the error (default: try that input yourself).
    Example: ``out = call_student("generator_loss", generator_loss, logits)``.
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise CheckFailed(name, NOT_FILLED.format(name=name)) from None
    except Exception as err:  # noqa: BLE001 -- any crash becomes a hint, never a traceback
        advice = tip(err) if tip else "Call it on that input yourself to find the line."
        raise CheckFailed(name, f"Your `{name}` raised {type(err).__name__}: {err}\n{advice}") from None


def run_checks(name: str, fn, cases: Sequence[tuple], reference: Callable,
               diagnoses: Sequence[Diagnosis] = (), *, argnames: Sequence[str] = (),
               unit: str = "", rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Run ``fn(*case)`` for each case against ``reference(*case)``; print one pass line or raise
    ``CheckFailed`` with the first diagnosis that explains the failures (or the first failing case).

    Example: ``run_checks("double", double, [(1,), (2.5,)], lambda x: 2 * x, argnames=["x"])``.
    """
    if not callable(fn):
        raise CheckFailed(name, f"Pass the function itself: `check_{name}({name})`, without calling it "
                                f"(no parentheses after `{name}`). Got {fn!r:.60}.")
    names = list(argnames) or [f"arg{i + 1}" for i in range(len(cases[0]))]
    results = []
    for args in cases:
        where = "input " + ", ".join(f"{n}={_fmt(a)}" for n, a in zip(names, args))
        expected = np.asarray(reference(*args), dtype=float)
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(*(a.copy() if isinstance(a, (np.ndarray, list)) else a for a in args))
        except NotImplementedError:
            raise CheckFailed(name, f"The blank in `{name}` is not filled in yet: replace the "
                                    "`raise NotImplementedError(...)` line with your code, run that cell, "
                                    "then run this check again.") from None
        except Exception as err:
            lists = [n for n, a in zip(names, args) if isinstance(a, list)]
            tip = (f"Python lists do not do arithmetic element-wise: start with {lists[0]} = np.asarray({lists[0]}, "
                   "dtype=float)." if isinstance(err, TypeError) and lists else "Call it on that input yourself "
                   "to find the line.")
            raise CheckFailed(name, f"Your `{name}` raised {type(err).__name__}: {err}\nfor {where}.\n{tip}") from None
        results.append((args, expected, _as_array(name, out, where), where))

    failing = [r for r in results if not _close(r[2], r[1], rtol, atol)]
    if not failing:
        print(f"✅ {name}: {len(results)}/{len(results)} checks passed.")
        return
    found = (next((d for d in diagnoses if all(d.matches(g, e, a) for a, e, g, _ in failing)), None)
             or next((d for d in diagnoses if d.matches(failing[0][2], failing[0][1], failing[0][0])), None))
    args, expected, got, where = failing[0]
    if not found and got.shape != expected.shape:
        want = "one number (a float)" if expected.ndim == 0 else f"an array of shape {expected.shape}"
        sums = "\nDid you forget to add up the terms (np.sum)?" if expected.ndim == 0 and got.size > 1 else ""
        raise CheckFailed(name, f"Your `{name}` returned an array of shape {got.shape} for {where}, "
                                f"but it should return {want}.{sums}")
    hint = found.hint if found else f"Not quite ({len(failing)} of {len(results)} cases differ)."
    raise CheckFailed(name, f"{hint}\nFor {where.removeprefix('input ')}: expected {_fmt(expected)}"
                            f"{' ' + unit if unit else ''}, your `{name}` returned {_fmt(got)}.")


# ---- lesson 01: entropy, cross-entropy, KL, JSD ----------------------------------------------

def _bits(reference: Callable) -> list[Diagnosis]:
    return [Diagnosis("Your result is in bits (the right answer divided by ln 2): use the natural log np.log "
                      "(nats), not np.log2.", wrong=lambda *a: reference(*a) / LN2),
            Diagnosis("Your result uses log base 10 (np.log10): use the natural log np.log (nats).",
                      wrong=lambda *a: reference(*a) / math.log(10))]


_NAN_0LOG0 = Diagnosis("You get nan when p has a zero entry: in numpy 0 * log(0) is nan, but by convention "
                       "0 log 0 = 0. Sum only over the entries where p > 0 (mask = p > 0; then use p[mask]).",
                       test=lambda got, exp, *a: bool(np.isnan(got).any()) and not np.isnan(exp).any())
_INF = Diagnosis("Where q = 0 < p the answer is infinite (q calls 'impossible' something p does): return "
                 "np.inf there; do not add a small epsilon or drop those entries.",
                 test=lambda got, exp, *a: bool(np.isinf(exp).any()) and not np.isinf(got).any())
_NEGATIVE = Diagnosis("Your result is negative, but this quantity never is: check the sign and which way up "
                      "the ratio inside the log is.", test=lambda got, exp, *a: bool((got < -1e-12).any()))
_PAIRS = [  # ordinary cases first: a diagnosis is read from the first failing case
    (np.array([0.1, 0.6, 0.3]), np.array([0.3, 0.3, 0.4])),
    (np.array([0.7, 0.2, 0.1]), np.array([0.2, 0.5, 0.3])),
    (np.array([0.25, 0.25, 0.25, 0.25]), np.array([0.4, 0.3, 0.2, 0.1])),
    (np.array([0.2, 0.8]), np.array([0.2, 0.8])),
    ([0.5, 0.5], [0.9, 0.1]),                                  # plain Python lists
    (np.array([0.0, 0.4, 0.6]), np.array([0.2, 0.3, 0.5])),    # p has a zero
    (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.75, 0.0])),  # p and q share a zero
    (np.array([0.5, 0.5]), np.array([1.0, 0.0])),              # q = 0 < p
]
_kl = info.kl_divergence


def _sign(reference: Callable, hint: str) -> Diagnosis:
    return Diagnosis(f"Wrong sign: {hint}", wrong=lambda *a: -reference(*a))


def check_entropy(fn) -> None:
    """Check ``entropy(p)`` (nats) against ``gan_course.info.entropy``.

    Example: ``check_entropy(entropy)`` prints ``✅ entropy: 8/8 checks passed.``
    """
    diagnoses = [*_bits(info.entropy), _sign(info.entropy, "H(p) = -sum p log p (note the minus)."),
                 _NAN_0LOG0, _NEGATIVE]
    cases = [(p,) for p, _ in _PAIRS[:7]] + [(np.array([1.0, 0.0, 0.0]),)]
    run_checks("entropy", fn, cases, info.entropy, diagnoses, argnames=["p"], unit="nats")


def check_cross_entropy(fn) -> None:
    """Check ``cross_entropy(p, q)`` (nats) against ``gan_course.info.cross_entropy``.

    Example: ``check_cross_entropy(cross_entropy)`` prints ``✅ cross_entropy: 8/8 checks passed.``
    """
    diagnoses = [*_bits(info.cross_entropy),
                 Diagnosis("Arguments swapped: you computed H(q, p). H(p, q) = -sum p log q: outcomes from p, "
                           "coded with a code built for q.", wrong=lambda p, q: info.cross_entropy(q, p)),
                 _sign(info.cross_entropy, "H(p, q) = -sum p log q (note the minus)."),
                 Diagnosis("That is the entropy H(p): cross-entropy takes the log of q.",
                           wrong=lambda p, q: info.entropy(p)),
                 Diagnosis("That is KL(p || q) = H(p, q) - H(p): do not subtract the entropy.", wrong=_kl),
                 _NAN_0LOG0, _INF, _NEGATIVE]
    run_checks("cross_entropy", fn, _PAIRS, info.cross_entropy, diagnoses, argnames=["p", "q"], unit="nats")


def check_kl_divergence(fn) -> None:
    """Check ``kl_divergence(p, q)`` (nats) against ``gan_course.info.kl_divergence``.

    Example: ``check_kl_divergence(kl_divergence)`` prints ``✅ kl_divergence: 8/8 checks passed.``
    """
    diagnoses = [*_bits(_kl),
                 Diagnosis("Arguments swapped: you computed KL(q || p). KL is not symmetric: KL(p || q) = "
                           "sum p log(p / q), weighted by p, with p on top.", wrong=lambda p, q: _kl(q, p)),
                 _sign(_kl, "sum p log(q / p) is -KL(p || q); put p on top: log(p / q)."),
                 Diagnosis("That is the cross-entropy H(p, q); KL(p || q) = H(p, q) - H(p).", wrong=info.cross_entropy),
                 _NAN_0LOG0, _INF, _NEGATIVE]
    run_checks("kl_divergence", fn, _PAIRS, _kl, diagnoses, argnames=["p", "q"], unit="nats")


def check_js_divergence(fn) -> None:
    """Check ``js_divergence(p, q)`` (nats) against ``gan_course.info.js_divergence``.

    Example: ``check_js_divergence(js_divergence)`` prints ``✅ js_divergence: 9/9 checks passed.``
    """
    jsd = info.js_divergence
    both = "JSD = KL(p || m)/2 + KL(q || m)/2 with the mixture m = (p + q)/2"
    diagnoses = [*_bits(jsd),
                 Diagnosis(f"Twice the JSD: you are missing the 1/2s in {both}.", wrong=lambda p, q: 2 * jsd(p, q)),
                 Diagnosis(f"That is plain KL(p || q). The JSD compares each with the mixture: {both}.", wrong=_kl),
                 Diagnosis(f"That is the symmetrised KL (KL(p||q) + KL(q||p))/2, not the JSD: {both}.",
                           wrong=lambda p, q: (_kl(p, q) + _kl(q, p)) / 2),
                 Diagnosis(f"You have only half of it: {both}.",
                           wrong=lambda p, q: _kl(p, (np.asarray(p, float) + np.asarray(q, float)) / 2) / 2),
                 Diagnosis("Check the mixture: m = (p + q) / 2 (you seem to use p + q, which is not a distribution).",
                           wrong=lambda p, q: jsd(p, q) - LN2),
                 _sign(jsd, "each KL term sum p log(p / m) is >= 0."), _NAN_0LOG0, _NEGATIVE,
                 Diagnosis(f"Your result is larger than log 2 = 0.693 nats, the JSD's maximum: {both}.",
                           test=lambda got, exp, *a: bool((got > LN2 + 1e-9).any()))]
    cases = [*_PAIRS, (np.array([1.0, 0.0]), np.array([0.0, 1.0]))]  # + disjoint supports
    run_checks("js_divergence", fn, cases, jsd, diagnoses, argnames=["p", "q"], unit="nats")


def check_kl_gaussian(fn) -> None:
    """Check ``kl_gaussian(mu1, sigma1, mu2, sigma2)`` = KL(N(mu1, sigma1²) || N(mu2, sigma2²)) in nats.

    Example: ``check_kl_gaussian(kl_gaussian)`` prints ``✅ kl_gaussian: 6/6 checks passed.``
    """
    def ref(m1, s1, m2, s2, log=None, var=None, half=0.5, den=2.0):  # the formula, with knobs for mistakes
        log = math.log(s2 / s1) if log is None else log
        v1, v2 = (s1**2, s2**2) if var is None else var
        return log + (v1 + (m1 - m2) ** 2) / (den * v2) - half

    as_var = "You treat sigma as the variance: sigma1, sigma2 are standard deviations, the variances are sigma**2."
    diagnoses = [*_bits(ref),
                 Diagnosis("Distributions swapped: you computed KL(N2 || N1). The expectation is over the first "
                           "Gaussian (mu1, sigma1).", wrong=lambda m1, s1, m2, s2: ref(m2, s2, m1, s1)),
                 _sign(ref, "KL is never negative."),
                 Diagnosis(as_var, wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, 0.5 * math.log(s2 / s1), (s1, s2))),
                 Diagnosis(as_var, wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, var=(s1, s2))),
                 Diagnosis("Log term: log(sigma2 / sigma1) = 1/2 log(sigma2² / sigma1²); you have the log of the "
                           "variance ratio without its 1/2.", wrong=lambda m1, s1, m2, s2: ref(
                               m1, s1, m2, s2, log=math.log(s2**2 / s1**2))),
                 Diagnosis("Log term upside down: it is log(sigma2 / sigma1), the second sigma on top.",
                           wrong=lambda m1, s1, m2, s2: ref(m1, s1, m2, s2, log=math.log(s1 / s2))),
                 Diagnosis("You are missing the final - 1/2 (KL of a Gaussian with itself must be 0).",
                           wrong=lambda *a: ref(*a, half=0.0)),
                 Diagnosis("Missing the 2 in the denominator: (sigma1² + (mu1 - mu2)²) / (2 sigma2²).",
                           wrong=lambda *a: ref(*a, den=1.0)),
                 _NEGATIVE]
    cases = [(0.5, 1.5, -1.0, 0.8), (1.0, 2.0, 0.0, 1.0), (0.0, 0.5, 0.0, 2.0),
             (-2.0, 0.3, 1.0, 0.7), (0.0, 1.0, 1.0, 1.0), (3.0, 1.2, 3.0, 1.2)]
    run_checks("kl_gaussian", fn, cases, lambda *a: float(info.kl_gaussian(*a)), diagnoses,
               argnames=["mu1", "sigma1", "mu2", "sigma2"], unit="nats")


# ---- lesson 00: the data formats every lesson uses ------------------------------------------

def check_to_tanh_range(fn) -> None:
    """Check ``to_tanh_range(x)``: pixels in [0, 1] -> [-1, 1] by 2x - 1, shape kept.

    Example: ``check_to_tanh_range(to_tanh_range)`` prints ``✅ to_tanh_range: 3/3 checks passed.``
    """
    cases = [(np.array([0.0, 0.25, 0.5, 1.0], np.float32),),
             (np.linspace(0, 1, 32, dtype=np.float32).reshape(2, 4, 4),),
             (np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 2, 2, 1),)]
    diagnoses = [Diagnosis("You scaled but did not shift: 2x maps [0, 1] to [0, 2]; subtract 1.",
                           wrong=lambda x: 2 * x),
                 Diagnosis("x - 1 maps [0, 1] to [-1, 0]: multiply by 2 first (2x - 1).", wrong=lambda x: x - 1),
                 Diagnosis("x - 0.5 maps [0, 1] to [-0.5, 0.5]: scale by 2 too (2x - 1).", wrong=lambda x: x - 0.5),
                 Diagnosis("Brackets: 2 * (x - 1) maps [0, 1] to [-2, 0]; you want 2 * x - 1.",
                           wrong=lambda x: 2 * (x - 1)),
                 Diagnosis("Flipped: 0 must go to -1 and 1 to +1, so 2x - 1, not 1 - 2x.", wrong=lambda x: 1 - 2 * x),
                 Diagnosis("That is the inverse map, from [-1, 1] back to [0, 1].", wrong=lambda x: (x + 1) / 2),
                 Diagnosis("Your values do not run from -1 to 1: pixel 0 must map to -1 and pixel 1 to +1.",
                           test=lambda got, exp, x: not np.allclose([got.min(), got.max()], [-1, 1]))]
    run_checks("to_tanh_range", fn, cases, lambda x: 2 * x - 1, diagnoses, argnames=["x"])


def check_channels_first(fn) -> None:
    """Check ``channels_first(x)``: (N, H, W, C) -> (N, C, H, W).

    Example: ``check_channels_first(channels_first)`` prints ``✅ channels_first: 3/3 checks passed.``
    """
    cases = [(np.arange(n, dtype=np.float32).reshape(shape),) for n, shape in
             [(96, (2, 4, 4, 3)), (15, (1, 5, 3, 1)), (90, (2, 3, 5, 3))]]
    diagnoses = [Diagnosis("W comes before H in your result: the order is (N, C, H, W), i.e. axes (0, 3, 1, 2).",
                           wrong=lambda x: np.transpose(x, (0, 3, 2, 1))),
                 Diagnosis("reshape keeps the memory order and scrambles the pixels: move the axis instead, "
                           "with np.transpose(x, (0, 3, 1, 2)) or np.moveaxis(x, -1, 1).",
                           wrong=lambda x: x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2])),
                 Diagnosis("That moves the channels the other way (to the end). The channel axis, now last "
                           "(axis 3), must become axis 1.", wrong=lambda x: np.transpose(x, (0, 2, 3, 1)))]
    run_checks("channels_first", fn, cases, lambda x: np.transpose(x, (0, 3, 1, 2)), diagnoses, argnames=["x"])


def check_one_hot(fn) -> None:
    """Check ``one_hot(labels, num_classes=10)``: integer labels (N,) -> (N, num_classes) rows of 0/1.

    Example: ``check_one_hot(one_hot)`` prints ``✅ one_hot: 3/3 checks passed.``
    """
    def ref(labels, num_classes=10):
        return np.eye(num_classes, dtype=np.float32)[np.asarray(labels)]

    diagnoses = [Diagnosis("Use the num_classes argument for the number of columns, not a fixed 10.",
                           wrong=lambda labels, k=10: ref(labels, 10)),
                 Diagnosis("One row per example: the shape is (N, num_classes), not (num_classes, N).",
                           wrong=lambda labels, k=10: ref(labels, k).T),
                 Diagnosis("The 1 is one column off: label j sets column j (labels start at 0).",
                           wrong=lambda labels, k=10: ref(np.asarray(labels) - 1, k))]
    cases = [(np.array([3, 0, 9]),), (np.array([1, 0, 2, 1]), 3), ([2, 3], 4)]
    run_checks("one_hot", fn, cases, ref, diagnoses, argnames=["labels", "num_classes"])
