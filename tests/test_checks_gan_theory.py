"""gan_course.checks.gan_theory (lesson 03): each check passes a correct answer and names each common wrong one.

Correct answers come from outside references where there is one: torch's
binary_cross_entropy_with_logits for the value function and the generator loss,
scipy's expit for the optimal discriminator written as a sigmoid of the log-ratio.
The wrong implementations are written the way a student would write them.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import special

from gan_course.checks import gan_theory as checks_theory
from gan_course.checks import CheckFailed

LN2 = math.log(2)


# ---- correct implementations ----------------------------------------------------------------

def value_function(real_logits, fake_logits):
    # -V = BCE(real, label 1) + BCE(fake, label 0), each averaged over its own batch
    return -(F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
             + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def optimal_discriminator(p_data, p_g):
    # D* = sigmoid(log p_data - log p_g): the same quantity through scipy, no division written out
    with np.errstate(divide="ignore"):
        return special.expit(np.log(np.asarray(p_data, float)) - np.log(np.asarray(p_g, float)))


def jsd_from_value(v):
    return (np.asarray(v, dtype=float) + 2 * np.log(2)) / 2


def generator_loss(fake_logits):
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))  # label 1: "real"


CORRECT = [("value_function", value_function), ("optimal_discriminator", optimal_discriminator),
           ("jsd_from_value", jsd_from_value), ("generator_loss", generator_loss)]


@pytest.mark.parametrize("name, fn", CORRECT, ids=[n for n, _ in CORRECT])
def test_correct_answer_passes_with_one_line(name, fn, capsys):
    getattr(checks_theory, f"check_{name}")(fn)
    out = capsys.readouterr().out.strip()
    assert out.startswith(f"✅ {name}: ") and out.endswith(" checks passed.") and "\n" not in out


def test_plain_formulas_pass_too(capsys):
    checks_theory.check_optimal_discriminator(lambda a, b: np.asarray(a, float) / (np.asarray(a, float) + b))
    checks_theory.check_jsd_from_value(lambda v: (v + 2 * math.log(2)) / 2)
    checks_theory.check_value_function(lambda r, f: F.logsigmoid(r).mean() + F.logsigmoid(-f).mean())
    checks_theory.check_generator_loss(lambda f: -F.logsigmoid(f).mean())
    assert capsys.readouterr().out.count("✅") == 4


def test_the_reference_agrees_with_torch_on_the_check_inputs():
    real, fake = torch.tensor([8.0, 25.0]), torch.tensor([-30.0, 30.0])
    assert checks_theory._value(real, fake) == pytest.approx(value_function(real, fake).item(), rel=1e-6)
    assert checks_theory._nonsat(torch.tensor([3.0, -120.0])) == pytest.approx(
        generator_loss(torch.tensor([3.0, -120.0])).item(), rel=1e-6)


# ---- wrong implementations, each with words its hint must contain ---------------------------

def _blank(*args):
    raise NotImplementedError("Blank: write this part yourself (see the comment above), then run the check below.")


def _D(logits):
    return torch.sigmoid(logits)


WRONG = {
    "value_function": [
        (_blank, "not filled in yet"),
        (lambda r, f: None, "returned None"),
        (lambda r, f: float(F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()), "not a torch tensor"),
        (lambda r, f: (F.logsigmoid(r).mean() + F.logsigmoid(-f).mean()).detach(), "cannot differentiate"),
        (lambda r, f: F.logsigmoid(r) .mean() + F.logsigmoid(-f), "0-dim"),
        (lambda r, f: np.log(special.expit(r.numpy())).mean(), "Stay in torch"),
        (lambda r, f: -value_function(r, f), "Wrong sign"),
        (lambda r, f: torch.log(_D(r)).mean() + torch.log(_D(f)).mean(), "log(1 - D(G(z)))"),
        (lambda r, f: value_function(f, r), "Real and fake swapped"),
        (lambda r, f: -F.binary_cross_entropy_with_logits(torch.cat([r, f]), torch.cat(
            [torch.ones_like(r), torch.zeros_like(f)])), "its own batch"),
        (lambda r, f: value_function(r, f) / 2, "half of V"),
        (lambda r, f: F.logsigmoid(r).sum() + F.logsigmoid(-f).sum(), "not a sum"),
        (lambda r, f: torch.log(r).mean() + torch.log(1 - f).mean(), "not probabilities"),
        (lambda r, f: torch.log(_D(r)).mean() + torch.log(1 - _D(f)).mean(), "F.logsigmoid(-l)"),
    ],
    "optimal_discriminator": [
        (_blank, "not filled in yet"),
        (lambda a, b: np.asarray(b, float) / (np.asarray(a, float) + b), "swapped"),
        (lambda a, b: np.asarray(a, float) / np.asarray(a, float) + b, "Brackets"),
        (lambda a, b: np.asarray(a, float) / np.asarray(b, float), "density ratio"),
        (lambda a, b: np.asarray(a, float) / ((np.asarray(a, float) + b) / 2), "twice D*"),
        (lambda a, b: np.log(np.asarray(a, float) / (np.asarray(a, float) + b)), "took a log"),
        (lambda a, b: a / (a + b), "np.asarray(p_data"),  # fine on arrays, a TypeError on lists
        (lambda a, b: float(np.mean(np.asarray(a, float) / (np.asarray(a, float) + b))), "shape"),
        (lambda a, b: np.asarray(a, float) / (np.asarray(a, float) + b) * 1.5, "outside [0, 1]"),
    ],
    "jsd_from_value": [
        (_blank, "not filled in yet"),
        (lambda v: np.asarray(v) / 2, "-2 log 2 term"),
        (lambda v: (np.asarray(v) + np.log(2)) / 2, "not log 2"),
        (lambda v: np.asarray(v) + 2 * np.log(2), "Divide by 2"),
        (lambda v: (np.asarray(v) + 2 * np.log2(2)) / 2, "natural log"),
        (lambda v: (np.asarray(v) + 2 * np.log(2)) / 2 / np.log(2), "bits"),
        (lambda v: (np.asarray(v) - 2 * np.log(2)) / 2, "Sign"),
        (lambda v: -(np.asarray(v) + 2 * np.log(2)) / 2, "Sign"),
        (lambda v: (2 * np.log(2) - np.asarray(v)) / 2, "Sign"),
        (lambda v: None, "returned None"),
    ],
    "generator_loss": [
        (_blank, "not filled in yet"),
        (lambda f: torch.log(1 - _D(f)).mean(), "saturating loss"),
        (lambda f: F.logsigmoid(-f).mean(), "saturating loss"),
        (lambda f: F.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), "discriminator's loss on fakes"),
        (lambda f: F.logsigmoid(f).mean(), "Wrong sign"),
        (lambda f: -F.logsigmoid(f).sum(), "not .sum()"),
        (lambda f: -torch.log(f).mean(), "not probabilities"),
        (lambda f: -torch.log(_D(f)).mean(), "-F.logsigmoid(fake_logits)"),
        (lambda f: -F.logsigmoid(f), "0-dim"),
        (lambda f: torch.tensor(-F.logsigmoid(f).mean().item()), "cannot differentiate"),
        (lambda f: -np.log(special.expit(f.numpy())).mean(), "Stay in torch"),
    ],
}
CASES = [(name, fn, words) for name, wrongs in WRONG.items() for fn, words in wrongs]


@pytest.mark.parametrize("name, fn, words", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_wrong_answer_gets_its_hint(name, fn, words, capsys):
    with pytest.raises(CheckFailed) as info:
        getattr(checks_theory, f"check_{name}")(fn)
    assert words in str(info.value), f"expected a hint mentioning {words!r}, got:\n{info.value}"
    assert capsys.readouterr().out == ""  # no pass line
    assert info.value.__context__ is None or info.value.__suppress_context__  # no chained traceback


@pytest.mark.parametrize("name", ["value_function", "optimal_discriminator", "jsd_from_value", "generator_loss"])
def test_passing_the_call_instead_of_the_function(name):
    with pytest.raises(CheckFailed, match=r"without calling it"):
        getattr(checks_theory, f"check_{name}")(0.5)


def test_student_inputs_are_not_mutated_between_cases(capsys):
    def in_place(r, f):  # modifies its inputs; the check must still judge it on the right values
        return F.logsigmoid(r).mean() + F.logsigmoid(f.neg_()).mean()
    checks_theory.check_value_function(in_place)
    assert "✅" in capsys.readouterr().out
