"""gan_course.emd: exact earth mover's distances against scipy, linprog and brute force."""
import itertools

import numpy as np
import pytest
from scipy.stats import wasserstein_distance

import gan_course  # noqa: F401  (import order guard)
from gan_course import emd


def test_emd_1d_matches_scipy_and_the_plan_cost():
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.normal(size=6), rng.normal(1, 2, size=4)
        a, b = rng.uniform(0.1, 1, 6), rng.uniform(0.1, 1, 4)
        w = emd.emd_1d(x, a, y, b)
        assert w == pytest.approx(wasserstein_distance(x, y, a, b))
        plan = emd.plan_1d(x, a, y, b)
        np.testing.assert_allclose(plan.sum(1), a / a.sum(), atol=1e-12)  # piles emptied
        np.testing.assert_allclose(plan.sum(0), b / b.sum(), atol=1e-12)  # holes filled
        cost = np.abs(x[:, None] - y[None, :])
        assert np.sum(plan * cost) == pytest.approx(w)
        assert emd.emd(a, b, cost)[0] == pytest.approx(w)


def test_plan_1d_keeps_the_input_order():
    plan = emd.plan_1d([2.0, 0.0], [1, 1], [5.0], [1])
    np.testing.assert_allclose(plan, [[0.5], [0.5]])
    plan = emd.plan_1d([1.0, 0.0], [1, 1], [3.0, 2.0], [1, 1])  # sorted: 0 -> 2, 1 -> 3
    np.testing.assert_allclose(plan, [[0.5, 0.0], [0.0, 0.5]])


def test_emd_pot_equals_linprog_and_brute_force():
    pytest.importorskip("ot")
    rng = np.random.default_rng(1)
    p, q = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)) + 1
    w_pot, plan = emd.emd_samples(p, q, method="pot")
    w_lp, plan_lp = emd.emd_samples(p, q, method="linprog")
    d = np.linalg.norm(p[:, None] - q[None], axis=-1)
    brute = min(np.mean(d[np.arange(6), list(s)]) for s in itertools.permutations(range(6)))
    assert w_pot == pytest.approx(brute) and w_lp == pytest.approx(brute)
    np.testing.assert_allclose(plan.sum(0), 1 / 6)
    np.testing.assert_allclose(np.sort(plan, axis=1)[:, -1], 1 / 6)  # a matching


def test_emd_samples_simple_shift_and_unequal_sizes():
    w, plan = emd.emd_samples([[0, 0], [0, 1]], [[3, 0], [3, 1]])
    assert w == pytest.approx(3.0)
    assert plan.shape == (2, 2)
    w, plan = emd.emd_samples(np.zeros((3, 2)), np.ones((2, 2)))
    assert w == pytest.approx(np.sqrt(2)) and plan.shape == (3, 2)


def test_parallel_lines():
    out = emd.parallel_lines(0.5)
    assert out["js"] == pytest.approx(np.log(2)) and out["w"] == 0.5
    out = emd.parallel_lines([0.0, -0.3, 1.0], n=120)
    np.testing.assert_allclose(out["js"], [0, np.log(2), np.log(2)])
    np.testing.assert_allclose(out["w"], [0, 0.3, 1.0])
    assert np.all(out["w_samples"] >= out["w"] - 1e-9)  # every matched pair moves at least |theta| sideways
    np.testing.assert_allclose(out["w_samples"], out["w"], atol=0.03)
    p, q = emd.parallel_lines_samples(0.2, 10)
    assert p.shape == q.shape == (10, 2) and np.all(q[:, 0] == 0.2)


def test_bad_inputs_give_clear_errors():
    with pytest.raises(ValueError, match="masses"):
        emd.emd_1d([0, 1], [1, -1], [0], [1])
    with pytest.raises(ValueError, match="one per position"):
        emd.plan_1d([0, 1], [1], [0], [1])
    with pytest.raises(ValueError, match="same space"):
        emd.emd_samples(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="method"):
        emd.emd([1], [1], [[0]], method="sinkhorn")
    with pytest.raises(ValueError, match="theta"):
        emd.parallel_lines(np.nan)


def test_missing_pot_names_the_package(monkeypatch):
    import builtins
    import sys

    real_import = builtins.__import__

    def no_ot(name, *args, **kwargs):
        if name == "ot":
            raise ImportError("No module named 'ot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "ot", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_ot)
    with pytest.raises(ImportError, match="POT"):
        emd.emd([1, 1], [1, 1], [[0, 1], [1, 0]], method="pot")
    assert emd.emd([1, 1], [1, 1], [[0, 1], [1, 0]])[0] == pytest.approx(0.0)  # "auto" falls back to linprog


def test_plots_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2)
    emd.plot_piles(ax1, [0, 1], [1, 1], [2, 4], [1, 1])
    assert len(ax1.patches) >= 4 + 2  # 4 bars + 2 arrows
    p, q = np.random.default_rng(0).normal(size=(2, 5, 2))
    emd.plot_plan(ax2, p, q, emd.emd_samples(p, q)[1])
    assert len(ax2.collections) == 3  # lines + two scatters
    with pytest.raises(ValueError, match="plan must have shape"):
        emd.plot_plan(ax2, p, q, np.ones((2, 2)))
    plt.close(fig)
