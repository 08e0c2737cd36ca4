"""Checks for lesson 02 (autoencoders and the VAE), named after the models they check:
``gan_course.vae_torch`` and ``gan_course.vae_keras``.

``check_reparameterize``, ``check_kl_to_standard_normal`` and ``check_vae_loss`` serve both
twins: ``framework="torch"`` feeds the student's function torch tensors (the PyTorch lesson),
``framework="keras"`` TensorFlow tensors (the Keras lesson); left out, a hint asks for it.
Results are converted back to numpy and compared with a numpy reference; a failure raises
``CheckFailed`` with ONE hint that names the mistake: sigma vs variance vs log-variance, a wrong
sign, a missing sum over the latent dimensions, a per-pixel mean, a gradient that cannot flow,
noise frozen inside ``tf.function``...

What it is not: a test of the lesson's models. torch / TensorFlow are imported only when a check
runs with that framework, so a PyTorch-only learner never needs TensorFlow and vice versa.
"""
from __future__ import annotations

import numpy as np

from ._kit import adapter, bce_terms, call_student, framework_key, need_callable, sigmoid, to_numpy
from .core import CheckFailed, Diagnosis, run_checks

__all__ = ["check_reparameterize", "check_kl_to_standard_normal", "check_vae_loss"]

# How each framework spells the operations a hint mentions.
_API = {
    "torch": dict(eps="eps = torch.randn_like(mu)", sigma="sigma = torch.exp(0.5 * logvar)",
                  sum1="torch.sum(..., dim=1)", bce="F.binary_cross_entropy_with_logits(logits, x, reduction='none')",
                  pix="dim=(1, 2, 3)"),
    "keras": dict(eps="eps = keras.random.normal(ops.shape(mu))", sigma="sigma = ops.exp(0.5 * logvar)",
                  sum1="ops.sum(..., axis=1)", bce="ops.binary_crossentropy(x, logits, from_logits=True)",
                  pix="axis=(1, 2, 3)"),
}


def _tensor(fw, a):
    """float32 tensor of the framework (torch tensors come with requires_grad=True)."""
    return adapter(fw).tensor(a, grad=True)


def _call(name, fn, *args):
    """Call the student's function on a small input; a blank or a crash becomes one hint."""
    return call_student(name, fn, *args, tip=lambda err: "Call it on small inputs yourself to find the line.")


# ---- exercise 1: z = mu + sigma * eps --------------------------------------------------------

_MU = np.array([0.5, -1.0, 2.0])
_SIGMA = np.array([0.5, 2.0, 1.5])          # logvar = log sigma^2 = [-1.39, 1.39, 0.81]: mixed signs on purpose
_LOGVAR = np.log(_SIGMA**2)
_ROWS = 20_000                              # std estimates within ~1%: no flaky verdicts


def _std_hint(std, api):
    """Name the scale the student's z has, if it is a known mistake."""
    lv = _LOGVAR
    known = [(np.zeros(3), "z does not vary from row to row: there is no noise, or one eps is shared by every "
                           f"example. Draw a fresh eps for every entry, with mu's shape: {api['eps']}."),
             (np.exp(lv), "Your noise is scaled by the variance sigma² = exp(logvar); scale it by the standard "
                          f"deviation sigma = exp(logvar / 2): {api['sigma']}."),
             (np.abs(lv), "Your noise is scaled by logvar itself. logvar is log sigma², not sigma: "
                          f"{api['sigma']}."),
             (np.ones(3), f"Your noise is not scaled: z = mu + sigma * eps with {api['sigma']}."),
             (np.exp(-0.5 * lv), "Your noise is scaled by 1 / sigma: the exponent is +logvar / 2, not -logvar / 2."),
             (np.sqrt(12) ** -1 * np.exp(0.5 * lv), "Your eps looks uniform on [0, 1) (rand instead of randn): "
                                                    f"eps must be standard normal, {api['eps']}.")]
    for scale, hint in known:
        if np.allclose(std, scale, rtol=0.05, atol=0.02):
            return hint
    return None


def check_reparameterize(fn, framework=None) -> None:
    """Check ``reparameterize(mu, logvar)``: z = mu + exp(logvar / 2) * eps, eps ~ N(0, I), differentiable.

    Draws 20,000 rows at mu = [0.5, -1, 2], sigma = [0.5, 2, 1.5] and compares each column's mean
    and standard deviation; then the gradients dz/dmu = 1 and dz/dlogvar = (z - mu) / 2.
    Example: ``check_reparameterize(reparameterize, framework="torch")`` prints ``✅ reparameterize: 4/4 ...``
    """
    name = "reparameterize"
    need_callable(name, fn, ", framework=...")
    fw = framework_key(framework, name)
    api = _API[fw]
    mu_np, lv_np = np.tile(_MU, (_ROWS, 1)), np.tile(_LOGVAR, (_ROWS, 1))
    mu, logvar = _tensor(fw, mu_np), _tensor(fw, lv_np)
    where = f"mu, logvar of shape {mu_np.shape} (each row: mu = [0.5, -1, 2], sigma = [0.5, 2, 1.5])"
    if fw == "torch":
        z = _call(name, fn, mu, logvar)
    else:
        tf = __import__("tensorflow")
        with tf.GradientTape(persistent=True) as tape:
            tape.watch([mu, logvar])
            z = _call(name, fn, mu, logvar)
            total = tf.reduce_sum(z) if z is not None and tf.is_tensor(z) else None
    if z is None:
        raise CheckFailed(name, f"Your `{name}` returned None. Did you forget the `return` statement?")
    z_np = to_numpy(z).astype(float)
    if z_np.shape != mu_np.shape:
        raise CheckFailed(name, f"For {where} your z has shape {z_np.shape}; it must have mu's shape "
                                f"{mu_np.shape} (one z per entry of mu).")
    if np.isnan(z_np).any():
        raise CheckFailed(name, "z contains nan: a square root or log of logvar? logvar = log sigma² can be "
                                f"negative; the standard deviation is {api['sigma']}.")
    mean, std = z_np.mean(axis=0), z_np.std(axis=0)
    if not np.allclose(std, _SIGMA, rtol=0.05):
        hint = _std_hint(std, api) or (f"The spread of z is wrong: each column's standard deviation should be "
                                       f"sigma = exp(logvar / 2) = {np.round(_SIGMA, 3).tolist()}, yours is "
                                       f"{np.round(std, 3).tolist()}.")
        raise CheckFailed(name, f"{hint}\n(For {where}.)")
    if not np.allclose(mean, _MU, atol=0.06):
        extra = " You did not add mu: z = mu + sigma * eps." if np.allclose(mean, 0, atol=0.06) else ""
        raise CheckFailed(name, f"z is centred in the wrong place: each column's mean should be mu = "
                                f"{_MU.tolist()}, yours is {np.round(mean, 3).tolist()}.{extra}")
    # the trick's point: gradients flow to mu and logvar
    no_grad = ("No gradient reaches {}: z must be computed FROM mu and logvar with framework operations "
               "(mu + sigma * eps). Sampling N(mu, sigma²) directly ({}), detaching, or going through numpy cuts "
               "the gradient, and then the encoder cannot learn.")
    sampler = "torch.normal, Normal(...).sample()" if fw == "torch" else "tf.random.normal(shape, mu, sigma)"
    if fw == "torch":
        import torch

        if not isinstance(z, torch.Tensor) or not z.requires_grad:
            raise CheckFailed(name, no_grad.format("mu or logvar", sampler))
        g_mu, g_lv = torch.autograd.grad(z.sum(), [mu, logvar], allow_unused=True)
    else:
        if total is None:
            raise CheckFailed(name, no_grad.format("mu or logvar", sampler) + " Return a TensorFlow tensor.")
        g_mu, g_lv = tape.gradient(total, [mu, logvar])
    for what, g, want in (("mu", g_mu, np.ones_like(z_np)), ("logvar", g_lv, 0.5 * (z_np - mu_np))):
        g = None if g is None else to_numpy(g)
        if g is None or not np.any(g):
            raise CheckFailed(name, no_grad.format(what, sampler))
        if not np.allclose(g, want, rtol=1e-3, atol=1e-4):
            raise CheckFailed(name, f"The gradient of z with respect to {what} is not what z = mu + exp(logvar / 2) "
                                    f"* eps gives (dz/dmu = 1, dz/dlogvar = (z - mu) / 2). Compute z exactly that way.")
    # a new eps on every call, also inside a compiled function
    if fw == "torch":
        again = to_numpy(_call(name, fn, mu[:4], logvar[:4]))
        same = np.allclose(again, to_numpy(_call(name, fn, mu[:4], logvar[:4])))
        tip = f"Draw eps inside the function on every call: {api['eps']}."
    else:
        tf = __import__("tensorflow")
        compiled = tf.function(fn)
        first = to_numpy(_call(name, compiled, mu[:4], logvar[:4]))
        same = np.allclose(first, to_numpy(_call(name, compiled, mu[:4], logvar[:4])))
        tip = ("Inside a tf.function (as in training) your z is the same on every call. An integer seed "
               "(keras.random.normal(shape, seed=42)) draws the same numbers every time: leave the seed out "
               f"({api['eps']}; keras.utils.set_random_seed seeds it) or pass a keras.random.SeedGenerator.")
    if same:
        raise CheckFailed(name, "Two calls with the same mu and logvar returned the same z: the noise is "
                                "frozen. " + tip)
    print(f"✅ {name}: 4/4 checks passed (shape, mean and spread of z, gradients, fresh noise on every call).")


# ---- exercise 2: KL(N(mu, sigma^2) || N(0, I)) ------------------------------------------------

def _kl(mu, logvar, var=None, logv=None, half=0.5, one=1.0, mu2=True, axis_mean=False):
    """The closed form, with knobs that reproduce common mistakes."""
    mu, logvar = np.asarray(mu, float), np.asarray(logvar, float)
    var = np.exp(logvar) if var is None else var
    logv = logvar if logv is None else logv
    terms = (mu**2 if mu2 else 0) + var - one - logv
    return half * (terms.mean(axis=1) if axis_mean else terms.sum(axis=1))


_RNG = np.random.default_rng(2)
_KL_CASES = [
    (_RNG.normal(size=(4, 3)).round(2), _RNG.uniform(-2.0, 1.5, size=(4, 3)).round(2)),
    (_RNG.normal(size=(2, 5)).round(2), _RNG.uniform(-1.5, 1.0, size=(2, 5)).round(2)),
    (np.zeros((3, 2)), np.zeros((3, 2))),                                   # q = prior: KL = 0
    (np.array([[1.0, -2.0, 0.5, 0.0]]), np.zeros((1, 4))),                  # means only: |mu|^2 / 2
]


def check_kl_to_standard_normal(fn, framework=None) -> None:
    """Check ``kl_to_standard_normal(mu, logvar)`` = 1/2 sum_j (mu_j² + sigma_j² - 1 - log sigma_j²), shape (B,).

    Example: ``check_kl_to_standard_normal(kl_to_standard_normal, framework="keras")`` prints
    ``✅ kl_to_standard_normal: 4/4 checks passed.``
    """
    name = "kl_to_standard_normal"
    need_callable(name, fn, ", framework=...")
    fw = framework_key(framework, name)
    api = _API[fw]
    wrapped = lambda mu, logvar: fn(_tensor(fw, mu), _tensor(fw, logvar))  # noqa: E731
    mu, logvar = _KL_CASES[0]
    try:
        out = fn(_tensor(fw, mu), _tensor(fw, logvar))
        shape = None if out is None else to_numpy(out).shape
    except Exception:  # run_checks below reports the error with its input
        shape = None
    if shape == mu.shape:
        raise CheckFailed(name, f"For mu, logvar of shape {mu.shape} you return shape {shape}: one term per latent "
                                f"dimension. The dimensions are independent, so their KLs add up: sum over the latent "
                                f"dimension, {api['sum1']}, to get one KL per example, shape ({mu.shape[0]},).")
    if shape in ((), (1,)):
        raise CheckFailed(name, f"You return one number for the whole batch; return one KL per example, shape "
                                f"({mu.shape[0]},): sum over the latent dimension only ({api['sum1']}). The loss "
                                "averages over the batch later.")
    if shape == (mu.shape[0], 1):
        raise CheckFailed(name, f"Your result has shape {shape}; return shape ({mu.shape[0]},), without keepdims.")
    lv_is = "logvar is log sigma²: the variance is exp(logvar) and log sigma² is logvar itself."
    diagnoses = [
        Diagnosis("Wrong sign. The KL divergence is never negative, and the loss ADDS it: loss = recon + KL. "
                  "(Seed 000's slide writes 'var. loss = -KL', a sign slip: the ELBO has -KL, the loss is minus "
                  "the ELBO.)", wrong=lambda m, lv: -_kl(m, lv)),
        Diagnosis(f"You averaged over the latent dimensions; the KLs of independent dimensions add up: "
                  f"{api['sum1']}, not a mean.", wrong=lambda m, lv: _kl(m, lv, axis_mean=True)),
        Diagnosis("Twice the KL: the factor 1/2 is missing. (Seed 004's sum exp(s) - (1 + s) + m² is this same "
                  "mistake, with s standing for log sigma².)", wrong=lambda m, lv: _kl(m, lv, half=1.0)),
        Diagnosis(f"You treated logvar as log sigma (so sigma² = exp(2 logvar)). {lv_is}",
                  wrong=lambda m, lv: _kl(m, lv, var=np.exp(2 * lv), logv=2 * lv)),
        Diagnosis(f"You treated logvar as the variance sigma² (and took its log). {lv_is}",
                  wrong=lambda m, lv: _kl(m, lv, var=lv, logv=np.log(lv))),
        Diagnosis(f"You treated logvar as the standard deviation sigma. {lv_is}",
                  wrong=lambda m, lv: _kl(m, lv, var=lv**2, logv=np.log(lv**2))),
        Diagnosis("The second term is the variance sigma² = exp(logvar); you used sigma = exp(logvar / 2).",
                  wrong=lambda m, lv: _kl(m, lv, var=np.exp(0.5 * lv))),
        Diagnosis("The log term is log sigma² = logvar itself; you used log sigma = logvar / 2.",
                  wrong=lambda m, lv: _kl(m, lv, logv=0.5 * lv)),
        Diagnosis("The -1 is missing (with mu = 0 and logvar = 0, q IS the prior and the KL must be 0).",
                  wrong=lambda m, lv: _kl(m, lv, one=0.0)),
        Diagnosis("The log term has the wrong sign: it is - log sigma² = - logvar.",
                  wrong=lambda m, lv: _kl(m, lv, logv=-np.asarray(lv, float))),
        Diagnosis("The mu² term is missing: moving the mean away from 0 costs mu² / 2 per dimension.",
                  wrong=lambda m, lv: _kl(m, lv, mu2=False)),
        Diagnosis("Direction swapped: that is KL(N(0, I) || N(mu, sigma²)). The expectation is over "
                  "q = N(mu, sigma²), the encoder's distribution, so q comes first.",
                  wrong=lambda m, lv: 0.5 * np.sum(lv + (1 + np.asarray(m) ** 2) * np.exp(-lv) - 1, axis=1)),
        Diagnosis(f"Your result contains nan: a log of a negative number? logvar is already a log. {lv_is}",
                  test=lambda got, exp, *a: bool(np.isnan(got).any())),
        Diagnosis("Your result is negative for some example, but a KL divergence never is: check the signs.",
                  test=lambda got, exp, *a: bool((got < -1e-6).any())),
    ]
    run_checks(name, wrapped, _KL_CASES, _kl, diagnoses, argnames=["mu", "logvar"], unit="nats",
               rtol=1e-4, atol=1e-5)


# ---- exercise 3: the loss ---------------------------------------------------------------------

def _loss(x, logits, mu, logvar, recon_scale=1.0, kl_scale=1.0, kl_sign=1.0, per_pixel=False, bce=None):
    per_example = (bce_terms(logits, x) if bce is None else bce).reshape(len(x), -1)
    recon = (per_example.mean(axis=1) if per_pixel else per_example.sum(axis=1)).mean() * recon_scale
    kl = _kl(mu, logvar).mean() * kl_scale
    return np.array([recon + kl_sign * kl, recon, kl])


def _loss_cases(fw):
    rng = np.random.default_rng(3)
    cases = []
    for b, d, zero in ((4, 3, False), (2, 5, False), (3, 2, True)):
        x = rng.uniform(size=(b, 1, 28, 28))
        x[x < 0.4], x[x > 0.8] = 0.0, 1.0                  # like MNIST: mostly 0 and 1, some grey
        logits = rng.normal(0, 2, size=(b, 1, 28, 28))
        mu, lv = (np.zeros((b, d)),) * 2 if zero else (rng.normal(size=(b, d)), rng.uniform(-2, 1, size=(b, d)))
        if fw == "keras":                                   # channels last: (B, 28, 28, 1)
            x, logits = x.transpose(0, 2, 3, 1), logits.transpose(0, 2, 3, 1)
        cases.append(tuple(a.round(3) for a in (x, logits, mu, lv)))
    return cases


def check_vae_loss(fn, framework=None) -> None:
    """Check ``vae_loss(x, logits, mu, logvar)`` -> ``(loss, recon, kl)``, batch means in nats per image.

    recon = binary cross-entropy summed over the pixels, kl = the closed-form KL, loss = recon + kl.
    Example: ``check_vae_loss(vae_loss, framework="torch")`` prints ``✅ vae_loss: 3/3 checks passed.``
    """
    name = "vae_loss"
    need_callable(name, fn, ", framework=...")
    fw = framework_key(framework, name)
    api = _API[fw]
    cases = _loss_cases(fw)
    x, logits, mu, lv = cases[0]
    out = _call(name, fn, *(_tensor(fw, a) for a in cases[0]))
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        got = f"a {type(out).__name__}" + (f" of length {len(out)}" if isinstance(out, (tuple, list)) else "")
        raise CheckFailed(name, f"Return three values, `return loss, recon, kl` (in that order); yours returned {got}.")
    for what, value in zip(("loss", "recon", "kl"), out):
        shape = to_numpy(value).shape
        if shape == x.shape or (len(shape) >= 2 and shape[0] == len(x) and np.prod(shape[1:]) == 784):
            raise CheckFailed(name, f"`{what}` has one value per pixel, shape {shape}: sum over the pixels "
                                    f"({api['pix']}) and average over the batch.")
        if shape not in ((), (1,)):
            raise CheckFailed(name, f"`{what}` has shape {shape}; it must be one number, averaged over the batch "
                                    "(.mean() of the per-image values).")
    wrapped = lambda *a: np.array([float(to_numpy(v).reshape(-1)[0]) for v in fn(*(_tensor(fw, t) for t in a))])  # noqa

    def bce_of(f):  # a mistaken element-wise recon term, in the case's own layout
        return lambda x, lg, m, lv: _loss(x, lg, m, lv, bce=f(x, lg))

    diagnoses = [
        Diagnosis(f"Your reconstruction term is a MEAN over the pixels (the default reduction of binary "
                  f"cross-entropy losses). The log-likelihood of an image adds up its 784 pixels: "
                  f"{api['bce']}, summed over {api['pix']}, then averaged over the batch. (A per-pixel mean makes "
                  f"recon 784 times too small and lets the KL term win: blurry, look-alike samples.)",
                  wrong=lambda *a: _loss(*a, per_pixel=True)),
        Diagnosis("You summed over the batch as well: average over the images (mean over the batch), so the loss is "
                  "in nats per image and does not grow with the batch size.",
                  test=lambda got, exp, x, *a: any(np.allclose(got[i], exp[i] * len(x), rtol=1e-4) for i in (1, 2))),
        Diagnosis("Wrong sign of the KL term: loss = recon + kl (the loss is minus the ELBO, and the ELBO is "
                  "E[log p(x|z)] - KL).", wrong=lambda *a: _loss(*a, kl_sign=-1.0)),
        Diagnosis("The KL term is missing from the loss: loss = recon + kl. Without it this is a plain "
                  "autoencoder and the prior N(0, I) means nothing to the decoder.",
                  wrong=lambda *a: _loss(*a, kl_sign=0.0)),
        Diagnosis("You applied the sigmoid twice: the decoder returns logits and the *_with_logits / from_logits "
                  "loss applies the sigmoid itself. Pass the logits.",
                  wrong=bce_of(lambda x, lg: bce_terms(sigmoid(lg), x))),
        Diagnosis(f"Arguments swapped in the binary cross-entropy: {api['bce']}.",
                  wrong=bce_of(lambda x, lg: bce_terms(x, lg))),
        Diagnosis("That reconstruction term is the squared error sum (x - sigmoid(logits))², the autoencoder's "
                  "loss in section 1. The VAE's recon is -log p(x | z) of a Bernoulli decoder: the binary "
                  f"cross-entropy {api['bce']}.", wrong=bce_of(lambda x, lg: (x - sigmoid(lg)) ** 2)),
        Diagnosis("Return the three values in the order (loss, recon, kl).",
                  test=lambda got, exp, *a: not np.allclose(got, exp, rtol=1e-4)
                  and np.allclose(np.sort(got), np.sort(exp), rtol=1e-4)),
        Diagnosis("Your loss contains nan: a log of 0 or of a negative number? The decoder outputs logits, not "
                  f"probabilities: use {api['bce']}.", test=lambda got, exp, *a: bool(np.isnan(got).any())),
    ]
    run_checks(name, wrapped, cases, _loss, diagnoses, argnames=["x", "logits", "mu", "logvar"], unit="nats",
               rtol=1e-4, atol=1e-3)
