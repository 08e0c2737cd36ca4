"""gan_course.ring and its framework parts: the shared set-up, stacked seeds = separate networks, twins agree."""
import numpy as np
import pytest

import gan_course  # noqa: F401  (safe torch / TensorFlow import order)
from gan_course import modes, ring


def test_setup_data_and_coverage():
    x = ring.real_data(4000, seed=1)
    assert x.shape == (4000, 2) and np.allclose(np.linalg.norm(ring.centers(), axis=1), ring.SETUP["radius"])
    cov = ring.coverage(np.stack([x[:2000], np.repeat(ring.centers()[:1], 2000, axis=0)]))
    assert cov.shape == (2, 2) and cov[0, 0] == 8 and cov[1, 0] == 1 and cov[1, 1] == 1.0
    ref = modes.mode_coverage(x[:2000], ring.centers(), ring.SETUP["mode_std"])
    assert np.isclose(cov[0, 1], ref["high_quality_fraction"])
    with pytest.raises(ValueError, match="shape"):
        ring.coverage(np.zeros((2, 3, 3)))


def test_noise_schedule_and_summaries():
    assert ring.noise_schedule(0, 100, 0.5) == 0.5 and np.isclose(ring.noise_schedule(40, 100, 0.5), 0.25)
    assert ring.noise_schedule(80, 100, 0.5) == 0 == ring.noise_schedule(99, 100, 0.5)
    steps = np.arange(0, 101, 10.0)                                       # 11 measurements, 2 seeds
    curve = np.stack([np.stack([steps, np.full(11, 8.0), np.full(11, 0.9)], 1),
                      np.stack([steps, np.r_[np.zeros(8), 2, 4, 6], np.full(11, 0.5)], 1)], axis=1)
    s = ring.summarise(curve)
    assert s["modes_final"] == [8.0, 6.0] and s["modes_late"] == [8.0, 4.0]   # measurements at 80, 90, 100
    assert ring.mean_sd([8, 8, 6]) == "7.33 ± 1.15" and ring.mean_sd([3]) == "3.00"
    assert "plain GAN" in ring.table({"plain GAN": s})
    with pytest.raises(ValueError):
        ring.summarise(np.zeros((3, 2)))


def test_torch_stacked_seeds_are_separate_networks():
    torch = pytest.importorskip("torch")
    from gan_course import ring_torch

    torch.manual_seed(0)
    G = ring_torch.make_generator(3, hidden=(16, 16))
    z = torch.randn(3 * 7, 2)
    with torch.no_grad():
        out = G(z)
        for s in range(3):
            assert torch.allclose(out[7 * s:7 * (s + 1)], ring_torch.unstack(G, s)(z[7 * s:7 * (s + 1)]), atol=1e-6)
    assert ring_torch.seeds_of(G) == 3 and ring_torch.sample(G, torch.randn(5, 2)).shape == (3, 5, 2)
    with pytest.raises(ValueError, match="S \\* B"):
        G(torch.randn(4, 2))
    with pytest.raises(ValueError):
        ring_torch.unstack(G, 3)


def test_torch_stacked_training_equals_separate_training():
    """Adam on the mean loss over all seeds' rows = Adam on each seed's own loss (Adam divides out the 1/S)."""
    torch = pytest.importorskip("torch")
    from gan_course import ring_torch

    torch.manual_seed(1)
    D = ring_torch.make_discriminator(2, hidden=(8,))
    alone = [ring_torch.unstack(D, s) for s in range(2)]
    opt = torch.optim.Adam(D.parameters(), lr=1e-2)
    opts = [torch.optim.Adam(m.parameters(), lr=1e-2) for m in alone]
    for _ in range(5):
        x, y = torch.randn(2 * 6, 2), torch.randn(2 * 6, 1)
        loss = ((D(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        for s, (m, o) in enumerate(zip(alone, opts)):
            own = ((m(x[6 * s:6 * (s + 1)]) - y[6 * s:6 * (s + 1)]) ** 2).mean()
            o.zero_grad()
            own.backward()
            o.step()
    x = torch.randn(2 * 4, 2)
    with torch.no_grad():
        for s in range(2):
            assert torch.allclose(D(x)[4 * s:4 * (s + 1)], alone[s](x[4 * s:4 * (s + 1)]), atol=1e-5)


def test_torch_gan_step_packs_and_noise():
    torch = pytest.importorskip("torch")
    from gan_course import ring_torch

    torch.manual_seed(2)
    G, D = ring_torch.make_generator(2, hidden=(8,)), ring_torch.make_discriminator(2, pack=4, hidden=(8,))
    opt_G, opt_D = torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters())
    before = [p.detach().clone() for p in G.parameters()]
    losses = ring_torch.train_step_gan(torch.randn(2 * 5 * 4, 2), G, D, opt_G, opt_D, pack=4, noise_std=0.1)
    assert losses.shape == (2,) and torch.isfinite(losses).all()
    assert any(not torch.equal(a, p) for a, p in zip(before, G.parameters()))


def test_keras_twin_matches_torch():
    """Copy the stacked torch weights into the Keras twin: same outputs (the twins build the same networks)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    from gan_course import ring_keras, ring_torch

    torch.manual_seed(3)
    Gt = ring_torch.make_generator(2, hidden=(16, 16))
    Gk = ring_keras.make_generator(2, hidden=(16, 16))
    layers_t = [m for m in Gt if isinstance(m, ring_torch.SeedLinear)]
    for lk, lt in zip(Gk.layers, layers_t):
        lk.set_weights([lt.weight.detach().numpy(), lt.bias.detach().numpy()])
    z = np.random.default_rng(0).standard_normal((2 * 9, 2)).astype(np.float32)
    with torch.no_grad():
        out_t = Gt(torch.from_numpy(z)).numpy()
    assert np.allclose(np.asarray(Gk(z)), out_t, atol=1e-5)
    assert np.allclose(np.asarray(ring_keras.unstack(Gk, 1)(z[9:])), out_t[9:], atol=1e-5)
    assert ring_keras.sample(Gk, z[:5]).shape == (2, 5, 2) and ring_keras.seeds_of(Gk) == 2
    w = Gk.layers[0].kernel.numpy()
    fresh = ring_keras.make_generator(2, hidden=(16, 16)).layers[0].kernel.numpy()
    assert np.abs(fresh).max() <= 1 / np.sqrt(2) and w.shape == (2, 2, 16)
