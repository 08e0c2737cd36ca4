"""The checks' shared kit: every small helper that more than one lesson's checks need, once.

Private to ``gan_course.checks``; a student never imports it. What is here:

* hints for the three ways a check cell goes wrong before any maths is compared: a blank not
  filled in (``NOT_FILLED``), a value passed instead of the function (``need_callable``), a
  crash (``call_student``, from ``core``);
* result conversion and formatting: ``to_numpy``, ``as_array``, ``fmt`` (defined in ``core``,
  whose ``run_checks`` uses them, and re-exported here so lesson modules import one place);
* the numpy references the losses are compared with: ``sigmoid``, ``softplus``,
  ``log_sigmoid``, ``bce_terms`` (element-wise BCE on logits), ``bce`` (its mean),
  ``bce_probs`` (BCE on values taken for probabilities, clipped as Keras does);
* the two frameworks: ``framework_key(framework, name)`` turns ``framework=`` into
  ``"torch"`` or ``"keras"`` (no guessing: without it, a hint asks for it), and
  ``adapter(framework, name)`` returns a ``Torch`` or ``Keras`` object that makes tensors
  and computes a value with its gradients, so one check serves both twins;
* ``check_values_and_gradients``: the value-and-gradient check of a loss (lessons 04 and 08).

torch and TensorFlow are imported only when an adapter is made.
"""
from __future__ import annotations

import contextlib
import io
import math

import numpy as np

from .. import _imports
from .core import NOT_FILLED, CheckFailed, _as_array, _close, _fmt, _need_callable, _to_numpy, call_student, \
    run_checks

__all__ = ["NOT_FILLED", "LN2", "need_callable", "call_student", "to_numpy", "as_array", "fmt", "close",
           "sigmoid", "softplus", "log_sigmoid", "bce_terms", "bce", "bce_probs",
           "framework_key", "adapter", "Torch", "Keras", "check_values_and_gradients"]

LN2 = math.log(2)
need_callable, to_numpy, as_array, fmt, close = _need_callable, _to_numpy, _as_array, _fmt, _close


# ---- numpy references ---------------------------------------------------------------------------

def sigmoid(x):
    """The logistic function, without exp overflow for large |x|. Example: ``sigmoid(0.0)`` -> ``0.5``."""
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(x, dtype=float)))


def softplus(x):
    """log(1 + e^x), stable. Example: ``softplus(0.0)`` -> ``log 2``."""
    return np.logaddexp(0.0, x)


def log_sigmoid(x) -> np.ndarray:
    """log(sigmoid(x)) in float64, stable for large |x|. Example: ``log_sigmoid(0.0)`` -> ``-log 2``."""
    return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def bce_terms(logits, target):
    """Element-wise binary cross-entropy -log Bernoulli(target; sigmoid(logits)), computed from the logits.

    Example: ``bce_terms(np.zeros(3), 1.0)`` -> three times ``log 2``.
    """
    logits = np.asarray(logits, dtype=float)
    return softplus(logits) - target * logits  # = -[t log s + (1 - t) log(1 - s)]


def bce(logits, label) -> float:
    """Mean binary cross-entropy on logits: what BCEWithLogits / from_logits=True computes.

    Example: ``bce(np.zeros((4, 1)), 1.0)`` -> ``log 2``.
    """
    return float(np.mean(bce_terms(logits, label)))


def bce_probs(p, label, eps=1e-7) -> float:
    """BCE on values treated as probabilities, clipped like Keras does (from_logits left False).

    Example: ``bce_probs(np.full(3, 0.5), 1.0)`` -> ``log 2``.
    """
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(label * np.log(p) + (1 - label) * np.log(1 - p)))


# ---- the two frameworks -------------------------------------------------------------------------

_KEYS = {"torch": "torch", "pytorch": "torch", "keras": "keras", "tensorflow": "keras", "tf": "keras"}


def framework_key(framework, name: str = "check") -> str:
    """``"torch"`` or ``"keras"`` for a check's ``framework=`` argument.

    Left out (None), a hint asks for it; anything else is a ValueError (a lecturer's typo).
    Example: ``framework_key("pytorch")`` -> ``"torch"``.
    """
    if framework is None:
        raise CheckFailed(name, "Tell the check which framework your function uses: add framework='torch' or "
                                "framework='keras' to the check call.")
    key = _KEYS.get(str(framework).lower())
    if key is None:
        raise ValueError(f"framework must be 'torch' (PyTorch twin) or 'keras' (Keras twin); got {framework!r}.")
    return key


class Torch:
    """PyTorch tensors for a check. Example: ``Torch().tensor([1.0, 2.0], grad=True)``."""

    key, name = "torch", "PyTorch"

    def __init__(self):
        self.torch = _imports.torch()

    def tensor(self, a, grad=False, dtype=np.float32):
        return self.torch.tensor(np.asarray(a, dtype), requires_grad=grad)

    def ints(self, a):
        return self.torch.tensor(np.asarray(a, np.int64))

    def value_and_grads(self, fn, arrays):
        """``fn(*tensors)`` and its gradients (numpy, None where unused), or ``(out, None)`` if it has none."""
        inputs = [self.tensor(a, grad=True) for a in arrays]
        out = fn(*inputs)
        if not (hasattr(out, "requires_grad") and out.requires_grad):
            return out, None
        return out, [None if g is None else g.numpy() for g in self.torch.autograd.grad(out, inputs, allow_unused=True)]


class Keras:
    """TensorFlow tensors for a check (Keras 3 on TensorFlow). Example: ``Keras().tensor([1.0, 2.0])``."""

    key, name = "keras", "Keras"

    def __init__(self):
        self.tf = _imports.tensorflow()
        import keras

        self.keras = keras

    def tensor(self, a, grad=False, dtype=np.float32):
        return self.tf.constant(np.asarray(a, dtype))

    def ints(self, a):
        return self.tf.constant(np.asarray(a, np.int32))

    def value_and_grads(self, fn, arrays):
        """``fn(*tensors)`` and its gradients from a GradientTape (numpy), or ``(out, None)`` if it has none."""
        inputs = [self.tensor(a) for a in arrays]
        with self.tf.GradientTape() as tape:
            for x in inputs:
                tape.watch(x)
            out = fn(*inputs)
        try:
            grads = tape.gradient(out, inputs)
        except Exception:  # noqa: BLE001 -- not a tensor: reported as "no gradient" by the caller
            return out, None
        return out, (None if all(g is None for g in grads) else [None if g is None else g.numpy() for g in grads])


def adapter(framework, name: str = "check"):
    """A ``Torch()`` or ``Keras()`` adapter for ``framework=``. Example: ``adapter("keras").tensor([0.5])``."""
    return Torch() if framework_key(framework, name) == "torch" else Keras()


# ---- value-and-gradient checks --------------------------------------------------------------------

def check_values_and_gradients(name, fn, fw, cases, reference, grad_reference, diagnoses, argnames, *,
                               matches, inputs="logits", first_call=None, rtol=1e-4, atol=1e-5, grad_cases=3):
    """Check a loss ``fn(*tensors)``: its values against ``reference`` (naming ``diagnoses``), then its
    gradients against ``grad_reference`` on the first ``grad_cases`` cases; one pass line at the end.

    ``fw`` is an adapter; ``first_call(tensors)`` runs the student's function once first, so that a blank
    or a crash gets its own hint (default: ``call_student``). Used by lesson 04's losses and lesson 08's
    critic loss. Example: see ``gan_course.checks.gan.check_generator_loss``.
    """
    first = [fw.tensor(a) for a in cases[0]]
    if first_call is None:
        need_callable(name, fn, ", framework=...")
        call_student(name, fn, *first)
    else:
        first_call(first)
    with contextlib.redirect_stdout(io.StringIO()):  # its pass line is printed once the gradients pass too
        run_checks(name, lambda *arrays: fn(*[fw.tensor(a) for a in arrays]), cases, reference, diagnoses,
                   argnames=argnames, rtol=rtol, atol=atol)
    for case in cases[:grad_cases]:
        _, grads = fw.value_and_grads(fn, case)
        if grads is None:
            raise CheckFailed(name, f"The value is right, but no gradient flows back to the {inputs}: keep the "
                                    f"computation in {fw.name} tensors (no .item(), .numpy(), float() or numpy).")
        for got, want, arg in zip(grads, grad_reference(*case), argnames):
            if got is None or not np.allclose(got, want, rtol=1e-3, atol=1e-5):
                raise CheckFailed(name, f"The value is right but its gradient with respect to `{arg}` is not; "
                                        f"is part of the loss detached or computed outside {fw.name}?")
    print(f"✅ {name}: {len(cases)}/{len(cases)} values and their gradients match {matches}.")
