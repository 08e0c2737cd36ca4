"""The lesson 02 checks pass the right answers and name each common wrong answer, in both frameworks.

Each mistaken function is written once against a tiny backend table (torch or keras.ops), so
the PyTorch and the Keras twin are held to the same list of mistakes.
"""
import types

import numpy as np
import pytest

import gan_course  # noqa: F401  (first: makes the torch / TensorFlow import order safe)
from gan_course.checks import CheckFailed
from gan_course.checks.vae import check_kl_to_standard_normal, check_reparameterize, check_vae_loss


def _torch_backend():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from gan_course import vae_torch

    return types.SimpleNamespace(
        name="torch", module=vae_torch, exp=torch.exp, sqrt=torch.sqrt, log=torch.log,
        randn=torch.randn_like, rand=torch.rand_like, sigmoid=torch.sigmoid,
        sum=lambda t, axis=None, keepdims=False: t.sum() if axis is None else t.sum(dim=axis, keepdim=keepdims),
        mean=lambda t, axis=None: t.mean() if axis is None else t.mean(dim=axis),
        bce=lambda x, logits: F.binary_cross_entropy_with_logits(logits, x, reduction="none"),
        bce_mean=lambda x, logits: F.binary_cross_entropy_with_logits(logits, x),
        shared_eps=lambda mu: torch.randn(mu.shape[1:]),
        cut=lambda z: z.detach(),
        frozen=lambda mu: torch.randn(mu.shape, generator=torch.Generator().manual_seed(0)),
        pix=(1, 2, 3))


def _keras_backend():
    pytest.importorskip("tensorflow")
    import keras
    from keras import ops

    from gan_course import vae_keras

    return types.SimpleNamespace(
        name="keras", module=vae_keras, exp=ops.exp, sqrt=ops.sqrt, log=ops.log,
        randn=lambda mu: keras.random.normal(ops.shape(mu)), rand=lambda mu: keras.random.uniform(ops.shape(mu)),
        sigmoid=ops.sigmoid,
        sum=lambda t, axis=None, keepdims=False: ops.sum(t, axis=axis, keepdims=keepdims),
        mean=lambda t, axis=None: ops.mean(t, axis=axis),
        bce=lambda x, logits: ops.binary_crossentropy(x, logits, from_logits=True),
        bce_mean=lambda x, logits: ops.mean(keras.losses.binary_crossentropy(x, logits, from_logits=True)),
        shared_eps=lambda mu: keras.random.normal(ops.shape(mu)[1:]),
        cut=lambda z: ops.convert_to_numpy(z),
        frozen=lambda mu: keras.random.normal(ops.shape(mu), seed=42),   # an int seed: the same eps every call
        pix=(1, 2, 3))


@pytest.fixture(params=["torch", "keras"])
def B(request):
    return _torch_backend() if request.param == "torch" else _keras_backend()


def _fails(check, fn, B, *needles):
    with pytest.raises(CheckFailed) as info:
        check(fn, framework=B.name)
    text = str(info.value)
    for needle in needles:
        assert needle in text, f"expected {needle!r} in the hint, got:\n{text}"
    return text


# ---- exercise 1 ------------------------------------------------------------------------------

def test_reparameterize_accepts_the_solution(B, capsys):
    check_reparameterize(B.module.reparameterize, framework=B.name)
    assert capsys.readouterr().out.count("✅ reparameterize") == 1
    with pytest.raises(CheckFailed, match="framework='torch' or framework='keras'"):
        check_reparameterize(B.module.reparameterize)  # nothing is guessed from the module's imports


@pytest.mark.parametrize("mistake, needle", [
    (lambda B: lambda mu, lv: mu + B.exp(lv) * B.randn(mu), "variance sigma²"),
    (lambda B: lambda mu, lv: mu + lv * B.randn(mu), "scaled by logvar itself"),
    (lambda B: lambda mu, lv: mu + B.sqrt(lv) * B.randn(mu), "nan"),
    (lambda B: lambda mu, lv: mu + B.randn(mu), "not scaled"),
    (lambda B: lambda mu, lv: mu + B.exp(-0.5 * lv) * B.randn(mu), "1 / sigma"),
    (lambda B: lambda mu, lv: mu + 0 * lv, "does not vary"),
    (lambda B: lambda mu, lv: mu + B.exp(0.5 * lv) * B.shared_eps(mu), "one eps is shared"),
    (lambda B: lambda mu, lv: mu + B.exp(0.5 * lv) * B.rand(mu), "uniform"),
    (lambda B: lambda mu, lv: B.exp(0.5 * lv) * B.randn(mu), "did not add mu"),
    (lambda B: lambda mu, lv: B.cut(mu + B.exp(0.5 * lv) * B.randn(mu)), "No gradient reaches"),
    (lambda B: lambda mu, lv: mu + B.exp(0.5 * lv) * B.frozen(mu), "noise is frozen"),
    (lambda B: lambda mu, lv: None, "return"),
    (lambda B: lambda mu, lv: mu[:10], "must have mu's shape"),
])
def test_reparameterize_names_the_mistake(B, mistake, needle):
    _fails(check_reparameterize, mistake(B), B, needle)


def test_torch_normal_is_not_reparameterized():
    torch = pytest.importorskip("torch")
    _fails(check_reparameterize, lambda mu, lv: torch.normal(mu, torch.exp(0.5 * lv)), _torch_backend(),
           "No gradient reaches", "torch.normal")


def test_untouched_blank_and_wrong_calls():
    B = _torch_backend()

    def blank(*args):
        raise NotImplementedError("Blank")

    _fails(check_reparameterize, blank, B, "not filled in yet")
    _fails(check_kl_to_standard_normal, blank, B, "not filled in yet")
    _fails(check_vae_loss, blank, B, "not filled in yet")
    with pytest.raises(CheckFailed, match="Pass the function itself"):
        check_reparameterize(None)
    with pytest.raises(CheckFailed, match="framework='torch' or framework='keras'"):
        check_reparameterize(len)  # a builtin: nothing says which framework
    with pytest.raises(ValueError, match="framework must be"):
        check_reparameterize(B.module.reparameterize, framework="jax")


# ---- exercise 2 ------------------------------------------------------------------------------

def test_kl_accepts_the_solution_and_matches_torch_distributions(B, capsys):
    check_kl_to_standard_normal(B.module.kl_to_standard_normal, framework=B.name)
    assert "✅ kl_to_standard_normal: 4/4" in capsys.readouterr().out
    torch = pytest.importorskip("torch")
    from torch.distributions import Normal, kl_divergence

    mu, lv = torch.randn(5, 4), torch.randn(5, 4)
    ref = kl_divergence(Normal(mu, torch.exp(0.5 * lv)), Normal(0.0, 1.0)).sum(dim=1)
    from gan_course.checks.vae import _kl

    np.testing.assert_allclose(_kl(mu.numpy(), lv.numpy()), ref.numpy(), rtol=1e-5)


def _kl_terms(B, mu, lv):
    return mu**2 + B.exp(lv) - 1 - lv


@pytest.mark.parametrize("mistake, needle", [
    (lambda B: lambda mu, lv: -0.5 * B.sum(_kl_terms(B, mu, lv), axis=1), "Wrong sign"),
    (lambda B: lambda mu, lv: 0.5 * B.mean(_kl_terms(B, mu, lv), axis=1), "averaged over the latent"),
    (lambda B: lambda mu, lv: 0.5 * _kl_terms(B, mu, lv), "sum over the latent dimension"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(_kl_terms(B, mu, lv)), "one number for the whole batch"),
    (lambda B: lambda mu, lv: B.mean(0.5 * B.sum(_kl_terms(B, mu, lv), axis=1)), "one number for the whole batch"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(_kl_terms(B, mu, lv), axis=1, keepdims=True), "without keepdims"),
    (lambda B: lambda mu, lv: B.sum(_kl_terms(B, mu, lv), axis=1), "factor 1/2 is missing"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + B.exp(2 * lv) - 1 - 2 * lv, axis=1), "as log sigma"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + lv - 1 - B.log(lv), axis=1), "as the variance"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + lv**2 - 1 - B.log(lv**2), axis=1), "as the standard deviation"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + B.exp(0.5 * lv) - 1 - lv, axis=1), "you used sigma"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + B.exp(lv) - 1 - 0.5 * lv, axis=1), "log sigma = logvar / 2"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + B.exp(lv) - lv, axis=1), "-1 is missing"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(mu**2 + B.exp(lv) - 1 + lv, axis=1), "log term has the wrong sign"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(B.exp(lv) - 1 - lv, axis=1), "mu² term is missing"),
    (lambda B: lambda mu, lv: 0.5 * B.sum(lv + (1 + mu**2) * B.exp(-lv) - 1, axis=1), "Direction swapped"),
])
def test_kl_names_the_mistake(B, mistake, needle):
    _fails(check_kl_to_standard_normal, mistake(B), B, needle)


# ---- exercise 3 ------------------------------------------------------------------------------

def test_vae_loss_accepts_the_solution(B, capsys):
    check_vae_loss(B.module.vae_loss, framework=B.name)
    assert "✅ vae_loss: 3/3" in capsys.readouterr().out


def _loss(B, recon, kl, sign=1.0):
    return recon + sign * kl, recon, kl


def _recon(B, x, logits):
    return B.mean(B.sum(B.bce(x, logits), axis=B.pix))


def _kl_mean(B, mu, lv):
    return B.mean(B.module.kl_to_standard_normal(mu, lv))


@pytest.mark.parametrize("mistake, needle", [
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.bce_mean(x, lg), _kl_mean(B, mu, lv)), "MEAN over the pixels"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.sum(B.bce(x, lg)), B.sum(B.module.kl_to_standard_normal(mu, lv))),
     "summed over the batch"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.sum(B.bce(x, lg)), _kl_mean(B, mu, lv)), "summed over the batch"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, x, lg), _kl_mean(B, mu, lv), sign=-1.0), "Wrong sign"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, x, lg), _kl_mean(B, mu, lv), sign=0.0), "KL term is missing"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, x, B.sigmoid(lg)), _kl_mean(B, mu, lv)), "sigmoid twice"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, lg, x), _kl_mean(B, mu, lv)), "Arguments swapped"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.mean(B.sum((x - B.sigmoid(lg)) ** 2, axis=B.pix)), _kl_mean(B, mu, lv)),
     "squared error"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, x, lg), _kl_mean(B, mu, lv))[::-1], "order (loss, recon, kl)"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, _recon(B, x, lg), _kl_mean(B, mu, lv))[0], "Return three values"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.sum(B.bce(x, lg), axis=B.pix), _kl_mean(B, mu, lv)),
     "averaged over the batch"),
    (lambda B: lambda x, lg, mu, lv: _loss(B, B.bce(x, lg), _kl_mean(B, mu, lv)), "one value per pixel"),
])
def test_vae_loss_names_the_mistake(B, mistake, needle):
    if B.name == "keras" and needle == "sigmoid twice":
        pytest.skip("keras.ops.binary_crossentropy spots a sigmoid output and uses its logits: no mistake to catch")
    _fails(check_vae_loss, mistake(B), B, needle)
