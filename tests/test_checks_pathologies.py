"""Lesson 07's exercise checks: each passes the right answer and names each common mistake."""
import numpy as np
import pytest

from gan_course.checks import pathologies as cp
from gan_course import modes
from gan_course.checks import CheckFailed

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _fails(check, fn, *phrases):
    with pytest.raises(CheckFailed) as err:
        check(fn)
    for phrase in phrases:
        assert phrase in err.value.hint, f"expected {phrase!r} in the hint, got:\n{err.value.hint}"
    return err.value.hint


def _blank(*args, **kwargs):
    raise NotImplementedError("Blank")


# ---- instance noise ---------------------------------------------------------------------------

def noise_ok(real, fake, std):
    return real + std * torch.randn_like(real), fake + std * torch.randn_like(fake)


def test_instance_noise_passes(capsys):
    cp.check_add_instance_noise(noise_ok)
    assert "✅ add_instance_noise" in capsys.readouterr().out


@pytest.mark.parametrize("fn, phrase", [
    (_blank, "not filled in yet"),
    (lambda r, f, s: r + s * torch.randn_like(r), "Return two tensors"),
    (lambda r, f, s: (r, f + s * torch.randn_like(f)), "real batch comes back unchanged"),
    (lambda r, f, s: (r + s * torch.randn_like(r), f), "fake batch comes back unchanged"),
    (lambda r, f, s: (r + s * torch.randn_like(r), (f + s * torch.randn_like(f)).detach()), "lost its graph"),
    (lambda r, f, s: (r + s * torch.rand_like(r), f + s * torch.rand_like(f)), "uniform"),
    (lambda r, f, s: (r + s**2 * torch.randn_like(r), f + s**2 * torch.randn_like(f)), "std**2"),
    (lambda r, f, s: (r + s**0.5 * torch.randn_like(r), f + s**0.5 * torch.randn_like(f)), "sqrt(std)"),
    (lambda r, f, s: (r + 2 * s * torch.randn_like(r), f + 2 * s * torch.randn_like(f)), "should be 0.5"),
    (lambda r, f, s: (lambda e: (r + e, f + e))(s * torch.randn_like(r)), "same noise tensor"),
    (lambda r, f, s: (r + s * torch.randn(len(r), 1), f + s * torch.randn(len(f), 1)), "Both coordinates"),
    (lambda r, f, s: (torch.manual_seed(0), r + s * torch.randn_like(r), f + s * torch.randn_like(f))[1:],
     "identical noise"),
    (lambda r, f, s: (r + max(s, 0.5) * torch.randn_like(r), f + max(s, 0.5) * torch.randn_like(f)), "std=0"),
])
def test_instance_noise_mistakes(fn, phrase):
    _fails(cp.check_add_instance_noise, fn, phrase)


# ---- label smoothing --------------------------------------------------------------------------

def bce(x, t):
    return F.binary_cross_entropy_with_logits(x, torch.full_like(x, t))


def d_loss_ok(d_real, d_fake, real_label=0.9):
    return bce(d_real, real_label) + bce(d_fake, 0.0)


def test_discriminator_loss_passes(capsys):
    cp.check_discriminator_loss(d_loss_ok)
    assert "✅ discriminator_loss: 5/5" in capsys.readouterr().out
    cp.check_discriminator_loss(lambda r, f, a: F.binary_cross_entropy(torch.sigmoid(r), torch.full_like(r, a))
                                + F.binary_cross_entropy(torch.sigmoid(f), torch.zeros_like(f)))


@pytest.mark.parametrize("fn, phrase", [
    (_blank, "not filled in yet"),
    (lambda r, f, a: d_loss_ok(r, f, a).item(), "one-number torch tensor"),
    (lambda r, f, a: torch.tensor(d_loss_ok(r, f, a).item()), "no graph"),
    (lambda r, f, a: bce(r, a) + bce(f, 1 - a), "Two-sided smoothing"),
    (lambda r, f, a: bce(r, 1.0) + bce(f, 0.0), "ignore real_label"),
    (lambda r, f, a: bce(r, 0.0) + bce(f, a), "Targets swapped"),
    (lambda r, f, a: (bce(r, a) + bce(f, 0.0)) / 2, "Half the expected"),
    (lambda r, f, a: bce(torch.sigmoid(r), a) + bce(torch.sigmoid(f), 0.0), "already logits"),
    (lambda r, f, a: -d_loss_ok(r, f, a), "Wrong sign"),
])
def test_discriminator_loss_mistakes(fn, phrase):
    _fails(cp.check_discriminator_loss, fn, phrase)


def test_discriminator_loss_on_probabilities_without_sigmoid_is_a_hint_not_a_traceback():
    hint = _fails(cp.check_discriminator_loss,
                  lambda r, f, a: F.binary_cross_entropy(r, torch.full_like(r, a)) + F.binary_cross_entropy(
                      f, torch.zeros_like(f)), "raised")
    assert "Traceback" not in hint


# ---- mode coverage ----------------------------------------------------------------------------

def coverage_ok(samples, centers, std, n_std=3.0, min_fraction=0.2):
    dist = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=-1)
    nearest, d_min = dist.argmin(axis=1), dist.min(axis=1)
    good = d_min <= n_std * std
    counts = np.bincount(nearest[good], minlength=len(centers))
    covered = counts >= min_fraction * len(samples) / len(centers)
    return {"modes_covered": int(covered.sum()), "high_quality_fraction": float(good.mean()),
            "per_mode_counts": counts}


def _variant(**knobs):
    def fn(samples, centers, std, n_std=3.0, min_fraction=0.2):
        v = cp._coverage_variant(samples, centers, std, n_std, min_fraction, **knobs)
        return {"modes_covered": int(v[0]), "high_quality_fraction": v[1], "per_mode_counts": v[2:].astype(int)}
    return fn


def test_mode_coverage_passes(capsys):
    cp.check_mode_coverage(coverage_ok)
    cp.check_mode_coverage(modes.mode_coverage)
    assert capsys.readouterr().out.count("✅ mode_coverage: 6/6") == 2


@pytest.mark.parametrize("fn, phrase", [
    (_blank, "not filled in yet"),
    (lambda x, c, s: [1, 0.5, [1, 2]], "Return a dict"),
    (lambda x, c, s: {"modes_covered": 1, "high_quality_fraction": 0.5}, "lacks the key(s) ['per_mode_counts']"),
    (lambda x, c, s: {**coverage_ok(x, c, s), "per_mode_counts": [1, 2]}, "one count per mode"),
    (_variant(thresh=lambda n, s: n * s**2), "variance"),
    (_variant(squared=True), "squared distance"),
    (_variant(all_samples=True), "HIGH-QUALITY samples"),
    (_variant(any_sample=True), "not just one"),
    (_variant(per_hq=True), "N = ALL samples"),
    (lambda x, c, s: {**coverage_ok(x, c, s), "high_quality_fraction": 0.5 * len(x)}, "fraction of ALL samples"),
])
def test_mode_coverage_mistakes(fn, phrase):
    _fails(cp.check_mode_coverage, fn, phrase)


# ---- Pearson chi-squared ----------------------------------------------------------------------

def test_pearson_passes(capsys):
    cp.check_pearson_chi2(lambda p, q, x: np.trapezoid((p - q) ** 2 / q, x))
    cp.check_pearson_chi2(lambda p, q, x: np.sum((p - q) ** 2 / q) * (x[1] - x[0]))  # Riemann sum is close enough
    assert capsys.readouterr().out.count("✅ pearson_chi2: 4/4") == 2


@pytest.mark.parametrize("fn, phrase", [
    (_blank, "not filled in yet"),
    (lambda p, q, x: np.trapezoid((p - q) ** 2 / p, x), "Neyman"),
    (lambda p, q, x: np.sum((p - q) ** 2 / q), "grid spacing"),
    (lambda p, q, x: np.trapezoid(p**2 / q, x), "minus 1"),
    (lambda p, q, x: np.trapezoid((p - q) / q, x), "Square the difference"),
    (lambda p, q, x: np.trapezoid(p * np.log(p / q), x), "KL(p || q)"),
    (lambda p, q, x: np.mean((p - q) ** 2 / q), "np.mean"),
])
def test_pearson_mistakes(fn, phrase):
    _fails(cp.check_pearson_chi2, fn, phrase)
