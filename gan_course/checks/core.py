"""The checks' engine: run a student's function on a few cases and name the mistake.

After each blank in an exercise notebook a check cell such as
``check_kl_divergence(kl_divergence)`` runs the student's function on several
inputs against a reference and either prints one pass line
(``✅ kl_divergence: 8/8 checks passed.``) or raises ``CheckFailed`` with ONE
hint: the likely mistake (bits instead of nats, swapped arguments, a missing
1/2, ``0 log 0`` giving nan, ...) and the input that shows it. Jupyter shows
that hint without a traceback.

This module is the generic, framework-free part every lesson's checks build on:
``CheckFailed``, ``Diagnosis`` (a known mistake held as data), ``run_checks``
and ``call_student``. torch / TensorFlow results are converted with
``.numpy()`` without importing either. What it is not: a grader (nothing is
recorded), and not a place for one lesson's checks (those live in
``gan_course.checks.<lesson module>``).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

__all__ = ["CheckFailed", "Diagnosis", "run_checks", "call_student"]


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


def _to_numpy(out) -> np.ndarray:
    """A torch tensor, TensorFlow tensor, number or array as a float64 numpy array (nothing imported)."""
    if hasattr(out, "detach"):  # torch tensor
        out = out.detach().cpu().numpy()
    elif hasattr(out, "numpy") and not isinstance(out, np.ndarray):  # TensorFlow tensor
        out = out.numpy()
    return np.asarray(out, dtype=float)


def _as_array(name: str, out, where: str) -> np.ndarray:
    """The student's result as a float array, or a CheckFailed hint."""
    if out is None:
        raise CheckFailed(name, f"Your `{name}` returned None for {where}.\nDid you forget the `return` statement?")
    try:
        if isinstance(out, (str, bytes, bool, np.bool_)):
            raise TypeError
        return _to_numpy(out)
    except (TypeError, ValueError):
        raise CheckFailed(name, f"Your `{name}` returned {out!r:.60} ({type(out).__name__}) for {where}; "
                                "it should return a number.") from None


NOT_FILLED = ("The blank in `{name}` is not filled in yet: replace the `raise NotImplementedError(...)` line "
              "with your code, run that cell, then run this check again.")


def _need_callable(name: str, fn, more: str = "", *, check: str = "", ok: bool | None = None) -> None:
    """A hint when a check is handed a value instead of the student's function.

    ``more``: the check's other arguments as shown in the hint; ``check``: the check's name when it is not
    ``check_<name>``; ``ok``: a verdict of the caller's own (default: ``callable(fn)``).
    """
    if not (callable(fn) if ok is None else ok):
        raise CheckFailed(name, f"Pass the function itself: `{check or 'check_' + name}({name}{more})`, without "
                                f"calling it (no parentheses after `{name}`). Got {fn!r:.60}.")


def call_student(name: str, fn, *args, tip=None):
    """Call a student's function once; a blank or a crash becomes one ``CheckFailed`` hint.

    ``tip(err)`` returns the advice under the error (default: try that input yourself); the error's
    text is cut at 300 characters (TensorFlow's can run to pages).
    Example: ``out = call_student("generator_loss", generator_loss, logits)``.
    """
    try:
        return fn(*args)
    except NotImplementedError:
        raise CheckFailed(name, NOT_FILLED.format(name=name)) from None
    except CheckFailed:  # already one hint (a check helper called inside fn)
        raise
    except Exception as err:  # noqa: BLE001 -- any crash becomes a hint, never a traceback
        advice = tip(err) if tip else "Call it on that input yourself to find the line."
        raise CheckFailed(name, f"Your `{name}` raised {type(err).__name__}: {str(err)[:300]}\n{advice}") from None


def run_checks(name: str, fn, cases: Sequence[tuple], reference: Callable,
               diagnoses: Sequence[Diagnosis] = (), *, argnames: Sequence[str] = (),
               unit: str = "", rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Run ``fn(*case)`` for each case against ``reference(*case)``; print one pass line or raise
    ``CheckFailed`` with the first diagnosis that explains the failures (or the first failing case).

    Example: ``run_checks("double", double, [(1,), (2.5,)], lambda x: 2 * x, argnames=["x"])``.
    """
    _need_callable(name, fn)
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
            raise CheckFailed(name, NOT_FILLED.format(name=name)) from None
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


