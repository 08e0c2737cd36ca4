"""gan_course.modes: the mode-coverage metric against a brute-force scipy reference, and the views."""
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from scipy.stats import chi2

from gan_course import data, modes


def _reference(x, c, std, n_std=3.0, min_fraction=0.2):
    d = cdist(x, c)  # scipy's distances, not ours
    k, dmin = d.argmin(1), d.min(1)
    good = dmin <= n_std * std
    counts = np.array([np.sum(good & (k == j)) for j in range(len(c))])
    return int(np.sum(counts >= min_fraction * len(x) / len(c))), good.mean(), counts


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_bruteforce_reference(seed):
    rng = np.random.default_rng(seed)
    c = data.grid_centers()
    x = np.concatenate([data.grid(1500, std=0.05, seed=seed), rng.uniform(-5, 5, (500, 2)),
                        c[3] + 0.05 * rng.standard_normal((300, 2))])
    got = modes.mode_coverage(x, c, 0.05)
    covered, frac, counts = _reference(x, c, 0.05)
    assert got["modes_covered"] == covered and np.isclose(got["high_quality_fraction"], frac)
    np.testing.assert_array_equal(got["per_mode_counts"], counts)
    assert got["covered"].sum() == covered and np.isclose(got["min_count"], 0.2 * len(x) / 25)


def test_real_data_scores_like_a_chi_square():
    # |x - centre|^2 / std^2 ~ chi2(2): within 3 std with probability chi2.cdf(9, 2) = 1 - exp(-4.5)
    x = data.ring(100_000, std=0.05, seed=0)
    got = modes.mode_coverage(x, data.ring_centers(), 0.05)
    assert got["modes_covered"] == 8
    assert abs(got["high_quality_fraction"] - chi2.cdf(9, 2)) < 0.002


def test_collapse_and_blur_fail_differently():
    c = data.ring_centers()
    rng = np.random.default_rng(0)
    collapsed = modes.mode_coverage(c[2] + 0.02 * rng.standard_normal((2000, 2)), c, 0.02)
    assert collapsed["modes_covered"] == 1 and collapsed["high_quality_fraction"] > 0.98
    assert collapsed["per_mode_counts"].argmax() == 2
    blurry = modes.mode_coverage(data.ring(2000, std=0.5, seed=0), c, 0.02)
    assert blurry["modes_covered"] == 0 and blurry["high_quality_fraction"] < 0.05


def test_coverage_threshold_is_a_share_of_all_samples():
    c = np.array([[0.0, 0.0], [10.0, 0.0]])
    x = np.concatenate([np.zeros((80, 2)), np.full((19, 2), [10.0, 0.0]), np.full((1, 2), [5.0, 5.0])])
    got = modes.mode_coverage(x, c, 0.1)  # need 0.2 * 100 / 2 = 10 per mode
    assert got["modes_covered"] == 2 and got["per_mode_counts"].tolist() == [80, 19]
    assert modes.mode_coverage(x, c, 0.1, min_fraction=0.4)["modes_covered"] == 1  # needs 20
    assert np.isclose(got["high_quality_fraction"], 0.99)


def test_accepts_torch_tensors():
    torch = pytest.importorskip("torch")
    x = data.ring(500, seed=1)
    a = modes.mode_coverage(torch.from_numpy(x), data.ring_centers(), 0.02)
    b = modes.mode_coverage(x, data.ring_centers(), 0.02)
    assert a["modes_covered"] == b["modes_covered"] and a["high_quality_fraction"] == b["high_quality_fraction"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(samples=np.zeros((5, 3))), r"shape \(N, 2\)"),
    (dict(samples=np.zeros((0, 2))), "empty"),
    (dict(std=0.0), "std"),
    (dict(min_fraction=2.0), "min_fraction"),
])
def test_errors_speak_to_a_student(kwargs, message):
    args = dict(samples=np.zeros((5, 2)), centers=data.ring_centers(), std=0.02) | kwargs
    with pytest.raises(ValueError, match=message):
        modes.mode_coverage(**args)


def _snaps(n=3):
    rng = np.random.default_rng(0)
    return {"steps": np.arange(n) * 100, "lim": 3.5, "fake": rng.normal(size=(n, 200, 2)),
            "d": rng.uniform(size=(n, 20, 20)), "grad": rng.normal(size=(n, 7, 7, 2))}


def test_views_render_and_fall_back_to_a_png():
    pytest.importorskip("ipywidgets")
    pytest.importorskip("PIL")
    runs = {"plain": _snaps(), "PacGAN": _snaps()}
    fig = modes.snapshot_figure(runs, 1, real=data.ring(100), centers=data.ring_centers())
    assert len(fig.axes) == 3  # two panels and a colour bar
    gif = modes.snapshots_gif(runs, real=data.ring(100), centers=data.ring_centers())
    assert gif[:6] in (b"GIF87a", b"GIF89a")
    stepper = modes.snapshot_stepper(runs, real=data.ring(100))
    bundle = stepper._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle
    assert stepper.slider.value == 2  # the last frame by default
    stepper.slider.value = 0
    assert stepper.image.value == stepper.frame_png(0) != stepper._static_png
    with pytest.raises(ValueError, match="empty"):
        modes.snapshot_stepper({})
