"""gan_course.checks.wgan (framework="torch") and gan_course.checks.wgan_torch: each check passes the lesson's answer and names each classic mistake.

The lesson's own answers (gan_course.wgan_torch) must pass; each wrong answer must fail with the
hint meant for it: a sigmoid on the critic, a wrong sign, alpha from a normal, shared across the batch
or drawn per pixel, the penalty on the batch-mean gradient, no create_graph, clipping that changes nothing.
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (import order guard before torch / TensorFlow)
from gan_course.checks import CheckFailed, wgan
from gan_course.checks import wgan_torch as checks_torch

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from gan_course import wgan_torch  # noqa: E402


def check_critic_loss(fn):
    wgan.check_critic_loss(fn, framework="torch")


def _hint(check, fn):
    with pytest.raises(CheckFailed) as info:
        check(fn)
    return info.value.hint


def test_answers_pass(capsys):
    check_critic_loss(wgan_torch.critic_loss)
    checks_torch.check_clip_weights(wgan_torch.clip_weights)
    checks_torch.check_gradient_penalty(wgan_torch.gradient_penalty)
    checks_torch.check_critic(wgan_torch.make_critic((2,)), (2,))
    checks_torch.check_critic(wgan_torch.make_critic((1, 28, 28), (64,)), (1, 28, 28))
    assert capsys.readouterr().out.count("✅") == 5


# ---- critic loss -----------------------------------------------------------------------------

@pytest.mark.parametrize("wrong,words", [
    (lambda r, f: r.mean() - f.mean(), "Wrong sign"),
    (lambda r, f: torch.sigmoid(f).mean() - torch.sigmoid(r).mean(), "sigmoid"),
    (lambda r, f: torch.sigmoid(r).mean() - torch.sigmoid(f).mean(), "sigmoid"),
    (lambda r, f: nn.functional.binary_cross_entropy_with_logits(r, torch.ones_like(r))
     + nn.functional.binary_cross_entropy_with_logits(f, torch.zeros_like(f)), "cross-entropy"),
    (lambda r, f: f.sum() - r.sum(), "means, not sums"),
    (lambda r, f: f.mean(), "subtract mean f(real)"),
    (lambda r, f: torch.tensor(float(f.mean() - r.mean())), "no gradient"),
])
def test_critic_loss_mistakes(wrong, words):
    assert words in _hint(check_critic_loss, wrong)


def test_critic_loss_blank_and_crash():
    def blank(r, f):
        raise NotImplementedError

    assert "not filled in" in _hint(check_critic_loss, blank)
    assert "raised" in _hint(check_critic_loss, lambda r, f: r.nope())


# ---- weight clipping -------------------------------------------------------------------------

def _clipper(body):
    def clip(critic, c=0.01):
        with torch.no_grad():
            for p in critic.parameters():
                body(p, c)
    return clip


@pytest.mark.parametrize("wrong,words", [
    (_clipper(lambda p, c: p.clamp(-c, c)), "Nothing changed"),
    (_clipper(lambda p, c: p.clamp_(c, -c)), "swapped"),
    (_clipper(lambda p, c: p.clamp_(0, c)), "lower bound is -c"),
    (_clipper(lambda p, c: p.clamp_(max=c)), "upper bound"),
    (_clipper(lambda p, c: p.mul_(c)), "do not scale"),
    (_clipper(lambda p, c: p.clamp_(-c, c) if p.dim() > 1 else None), "biases"),
    (_clipper(lambda p, c: p.grad.clamp_(-c, c)), "gradients"),
])
def test_clip_weights_mistakes(wrong, words):
    assert words in _hint(checks_torch.check_clip_weights, wrong)


def test_clip_weights_replaced_parameters():
    def replace(critic, c=0.01):
        for layer in critic:
            if isinstance(layer, nn.Linear):
                layer.weight = nn.Parameter(layer.weight.detach().clamp(-c, c))
                layer.bias = nn.Parameter(layer.bias.detach().clamp(-c, c))

    assert "optimizer" in _hint(checks_torch.check_clip_weights, replace)


# ---- gradient penalty ------------------------------------------------------------------------

def _penalty(alpha="uniform", norms="per_sample", create_graph=True, sign=1.0, square=False):
    """A gradient penalty with one classic mistake switched on."""
    def gp(critic, real, fake, weight=10.0):
        B = real.shape[0]
        shape = (B,) + (1,) * (real.dim() - 1)
        a = {"uniform": lambda: torch.rand(shape), "normal": lambda: torch.randn(shape),
             "shared": lambda: torch.rand(1).expand(shape), "per_pixel": lambda: torch.rand(real.shape),
             "squared": lambda: torch.rand(shape) ** 2}[alpha]()
        x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
        scores = critic(x_hat)
        out = scores.mean() if norms in ("mean_score", "mean_score_batch") else scores.sum()
        g, = torch.autograd.grad(out, x_hat, create_graph=create_graph)
        g = g.flatten(1)
        if norms in ("per_sample", "mean_score"):
            n = g.norm(dim=1)
        elif norms == "mean_grad":
            n = g.mean(dim=0).norm()
        else:  # "batch", "mean_score_batch": one norm for all
            n = g.norm()
        if square:
            n = n ** 2
        return sign * weight * ((n - 1) ** 2).mean()
    return gp


@pytest.mark.parametrize("wrong,words", [
    (_penalty(alpha="normal"), "uniform distribution"),
    (_penalty(alpha="shared"), "same for the whole batch"),
    (_penalty(alpha="per_pixel"), "one alpha per sample"),
    (_penalty(alpha="squared"), "not uniform"),
    (_penalty(norms="mean_score"), "batch mean"),
    (_penalty(norms="mean_grad"), "batch-mean gradient"),
    (_penalty(norms="batch"), "One norm for the whole batch"),
    (_penalty(norms="mean_score_batch"), "batch-mean score"),
    (_penalty(sign=-1.0), "Wrong sign"),
    (_penalty(square=True), "squared norm"),
    (_penalty(create_graph=False), "create_graph=True"),
])
def test_gradient_penalty_mistakes(wrong, words):
    assert words in _hint(checks_torch.check_gradient_penalty, wrong)


def test_gradient_penalty_weight_and_shape_mistakes():
    right = wgan_torch.gradient_penalty
    assert "weight is missing" in _hint(checks_torch.check_gradient_penalty, lambda c, r, f, w=10.0: right(c, r, f, 1.0))
    assert "hard-coded 10" in _hint(checks_torch.check_gradient_penalty, lambda c, r, f, w=10.0: right(c, r, f, 10.0))

    def flat_alpha(critic, real, fake, weight=10.0):  # (B, 1) alpha on (B, 1, 3, 3) images
        a = torch.rand(real.shape[0], 1)
        x_hat = (a * real + (1 - a) * fake).requires_grad_(True)
        g, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return weight * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()

    assert "(B, 1, 1, 1)" in _hint(checks_torch.check_gradient_penalty, flat_alpha)

    def no_requires_grad(critic, real, fake, weight=10.0):
        a = torch.rand((real.shape[0],) + (1,) * (real.dim() - 1))
        x_hat = a * real + (1 - a) * fake
        g, = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        return weight * ((g.flatten(1).norm(dim=1) - 1) ** 2).mean()

    assert "requires_grad_(True)" in _hint(checks_torch.check_gradient_penalty, no_requires_grad)


# ---- the critic itself -------------------------------------------------------------------------

def test_check_critic_catches_a_sigmoid_and_a_tanh():
    with pytest.raises(CheckFailed, match="sigmoid"):
        checks_torch.check_critic(nn.Sequential(wgan_torch.make_critic((2,)), nn.Sigmoid()))
    with pytest.raises(CheckFailed, match="tanh"):
        checks_torch.check_critic(nn.Sequential(wgan_torch.make_critic((2,)), nn.Tanh()))
    with pytest.raises(CheckFailed, match=r"\(B, 1\)"):
        checks_torch.check_critic(nn.Sequential(wgan_torch.make_critic((2,)), nn.Flatten(0)))


# ---- framework-neutral pieces ------------------------------------------------------------------

def test_tanh_critic_grads_match_torch():
    params = wgan.tanh_critic_params(9)
    critic = checks_torch._recording_critic(params)
    x = torch.randn(5, 1, 3, 3, requires_grad=True)
    g, = torch.autograd.grad(critic(x).sum(), x)
    np.testing.assert_allclose(wgan.tanh_critic_grads(params, x.detach().numpy()), g.flatten(1).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_penalty_problem_and_alpha_problem_on_numpy():
    real, fake, weight = wgan.penalty_cases()[0]
    alpha = np.random.default_rng(1).uniform(size=(len(real), 1))
    x_hat = alpha * real + (1 - alpha) * fake
    assert wgan.alpha_problem(x_hat, real, fake) is None
    assert wgan.alpha_problem(1 - alpha * real - fake, real, fake) is not None
    g = wgan.tanh_critic_grads(wgan.tanh_critic_params(2), x_hat)
    n = np.linalg.norm(g, axis=1)
    assert wgan.penalty_problem(weight * np.mean((n - 1) ** 2), g, weight) is None
    assert "batch-mean gradient" in wgan.penalty_problem(
        weight * (np.linalg.norm(g.mean(0)) - 1) ** 2, g, weight)
