"""gan_course.checks.latent: each check passes lesson 09's answers and names each classic mistake.

The numpy checks (slerp, a path of images, an attribute vector) are tested once; the inversion step in
both frameworks (``framework="torch"`` here, ``"keras"`` in test_checks_latent_keras.py).
"""
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe torch / TensorFlow import order)
from gan_course.checks import CheckFailed
from gan_course.checks.latent import (_slerp, attribute_vector_reference, check_attribute_vector, check_inversion_step,
                                      check_latent_path, check_slerp, latent_path_reference, slerp_reference)

torch = pytest.importorskip("torch")
from gan_course import latent_torch as L  # noqa: E402


def _hint(check, fn, **kw):
    with pytest.raises(CheckFailed) as info:
        check(fn, **kw)
    return info.value.hint


def test_answers_pass(capsys):
    check_slerp(L.slerp)
    check_latent_path(L.latent_path)
    check_attribute_vector(L.attribute_vector)
    check_inversion_step(L.invert_step, framework="torch")
    assert capsys.readouterr().out.count("✅") == 4


def test_slerp_reference_against_rotation():
    # an outside check: in the plane, slerp of two unit vectors is the rotation by t * angle
    a = np.array([np.cos(0.3), np.sin(0.3)])
    b = np.array([np.cos(2.5), np.sin(2.5)])
    for t in (0.0, 0.2, 0.5, 1.0):
        angle = 0.3 + t * 2.2
        assert np.allclose(slerp_reference(a, b, t), [np.cos(angle), np.sin(angle)])
    z0, z1 = 10 * a, 10 * b
    assert np.allclose([np.linalg.norm(slerp_reference(z0, z1, t)) for t in np.linspace(0, 1, 7)], 10)
    assert np.allclose(slerp_reference(a, 3 * a, 0.5), 2 * a)            # parallel: the line


def unnormalised_no_clip(z0, z1, t):
    omega = np.arccos(np.dot(z0, z1))
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def normalised_no_clip(z0, z1, t):
    u0, u1 = z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1)
    omega = np.arccos(u0 @ u1)
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


@pytest.mark.parametrize("wrong,words", [
    (lambda a, b, t: (1 - t) * a + t * b, "linear interpolation"),
    (lambda a, b, t: _slerp(a, b, t, normalise=False), "directions"),
    (unnormalised_no_clip, "directions"),
    (lambda a, b, t: _slerp(a, b, t, clip=(0.0, 1.0)), "not [0, 1]"),
    (lambda a, b, t: _slerp(a, b, t, clip=None), "1.0000000000000002"),
    (normalised_no_clip, "1.0000000000000002"),
    (lambda a, b, t: _slerp(a, b, t, fallback=False), "0 / 0"),
    (lambda a, b, t: _slerp(a, b, t, swap=True), "backwards"),
])
def test_slerp_mistakes(wrong, words):
    assert words in _hint(check_slerp, wrong)


def test_blank_crash_and_value():
    def blank(*a):
        raise NotImplementedError

    assert "not filled in" in _hint(check_slerp, blank)
    assert "raised" in _hint(check_slerp, lambda a, b, t: a.nope())
    assert "without" in _hint(check_slerp, L.slerp(np.ones(2), np.ones(2), 0.5))   # called, not passed


def _blend(decode, z0, z1, n, interpolate):
    ends = decode(np.stack([z0, z1]))
    return np.stack([(1 - t) * ends[0] + t * ends[1] for t in np.linspace(0, 1, n)])


@pytest.mark.parametrize("wrong,words", [
    (_blend, "pixel by pixel"),
    (lambda d, a, b, n, f: d(np.stack([f(a, b, t) for t in np.arange(n) / n])), "never reaches t = 1"),
    (lambda d, a, b, n, f: d(np.stack([f(a, b, t) for t in np.linspace(0, 1, n + 2)[1:-1]])), "leaves out both ends"),
    (lambda d, a, b, n, f: d(np.stack([f(b, a, t) for t in np.linspace(0, 1, n)])), "from z1 to z0"),
    (lambda d, a, b, n, f: d(np.stack([(1 - t) * a + t * b for t in np.linspace(0, 1, n)])), "interpolate"),
    (lambda d, a, b, n, f: d(np.stack([f(a, b, t) for t in np.linspace(0, 1, n)]))[:, :2], "shape"),
])
def test_latent_path_mistakes(wrong, words):
    assert words in _hint(check_latent_path, wrong)


def test_latent_path_reference_ends():
    decode = lambda z: np.tanh(z)                                          # noqa: E731
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    path = latent_path_reference(decode, z0, z1, 5, slerp_reference)
    assert np.allclose(path[0], decode(z0)) and np.allclose(path[-1], decode(z1))


def test_attribute_vector_reference_recovers_a_direction():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, 6))
    direction = np.array([0.0, 1.0, 0.0, -1.0, 0.0, 0.0]) / np.sqrt(2)
    v = attribute_vector_reference(z, z @ direction, 0.25)
    assert np.dot(v, direction) / np.linalg.norm(v) > 0.99


@pytest.mark.parametrize("wrong,words", [
    (lambda z, v, f: -attribute_vector_reference(z, v, f), "Wrong sign"),
    (lambda z, v, f: z[np.argsort(v)[-int(f * len(z)):]].mean(0) - z.mean(0), "bottom"),
    (lambda z, v, f: z[v > np.median(v)].mean(0) - z[v <= np.median(v)].mean(0), "median"),
    (lambda z, v, f: attribute_vector_reference(z, v, f) / np.linalg.norm(attribute_vector_reference(z, v, f)),
     "without normalising"),
])
def test_attribute_vector_mistakes(wrong, words):
    assert words in _hint(check_attribute_vector, wrong)


def step_no_zero_grad(G, z, target, opt):
    loss = ((G(z) - target) ** 2).mean()
    loss.backward()
    opt.step()
    return loss.item()


def step_uphill(G, z, target, opt):
    loss = ((G(z) - target) ** 2).mean()
    opt.zero_grad()
    (-loss).backward()
    opt.step()
    return loss.item()


def step_train_mode(G, z, target, opt):
    G.train()
    loss = L.invert_step(G, z, target, opt)
    G.eval()
    return loss


def step_no_step(G, z, target, opt):
    loss = ((G(z) - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    return loss.item()


def step_moves_G(G, z, target, opt):
    opt_all = torch.optim.Adam(list(G.parameters()) + [z], lr=0.05)
    loss = ((G(z) - target) ** 2).mean()
    opt_all.zero_grad()
    loss.backward()
    opt_all.step()
    return loss.item()


def step_returns_after(G, z, target, opt):
    L.invert_step(G, z, target, opt)
    with torch.no_grad():
        return ((G(z) - target) ** 2).mean().item()


@pytest.mark.parametrize("wrong,words", [
    (step_no_zero_grad, "zero_grad"),
    (step_uphill, "climbed"),
    (step_train_mode, "running statistics"),
    (step_no_step, "did not move"),
    (step_moves_G, "generator's weights"),
    (step_returns_after, "before the update"),
])
def test_inversion_step_mistakes(wrong, words):
    assert words in _hint(check_inversion_step, wrong, framework="torch")


def test_inversion_step_needs_a_framework():
    assert "framework='torch'" in _hint(check_inversion_step, L.invert_step)
    with pytest.raises(ValueError):
        check_inversion_step(L.invert_step, framework="jax")


def test_invert_finds_a_generated_image():
    from gan_course.dcgan_torch import make_generator

    torch.manual_seed(0)
    G = make_generator(z_dim=8, image_size=32, base=4, channels=1)       # PyTorch's init: images that differ
    with torch.no_grad():                                                 # BatchNorm statistics of its own
        G(torch.randn(64, 8))
        G[-2].weight.mul_(40)                                             # images far from a constant grey
    G.eval()
    z_true = np.random.default_rng(1).standard_normal((2, 8)).astype(np.float32)
    x = L.decode(G, z_true)
    assert x.shape == (2, 28, 28) and 0 <= x.min() and x.max() <= 1
    out = L.invert(G, x, 8, restarts=3, steps=150, lr=0.1)
    assert out["z"].shape == (2, 8) and out["curves"].shape == (16, 2, 3)
    assert np.all(out["error"] <= out["curves"][0].min(1))               # never worse than the best start
    assert np.all(out["error"] < 0.6 * out["curves"][0].mean(1))
    assert all(p.requires_grad for p in G.parameters())                   # G left as it was
    assert L.pad_digits(np.zeros((3, 28, 28))).shape == (3, 1, 32, 32)
