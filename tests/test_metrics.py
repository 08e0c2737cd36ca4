"""gan_course.metrics / features / quality: closed forms, hand-made sets, errors, and cross-checks against
the field's own libraries (torchmetrics' FID and KID with a custom feature module, the prdc package) on
identical feature arrays. Each test states its tolerance."""
import math

import numpy as np
import pytest
import scipy.linalg

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from gan_course import metrics as M
from gan_course.features import as_images, feature_extractor, mnist_features, mnist_probs
from gan_course.quality import evaluate, format_row, table


def gaussians(n, d, shift=0.0, scale=1.0, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d)) * scale + shift


@pytest.fixture(scope="module")
def digits():
    from gan_course.data import mnist
    x_train, y_train = mnist("train", source="subset", verbose=False)
    x_test, y_test = mnist("test", source="subset", verbose=False)
    return x_train, y_train, x_test, y_test


# ---------------------------------------------------------------------------------------------- Frechet
def test_frechet_closed_forms():
    # 2-D: N(0, I) vs N(0, diag(3, 1)) -> (sqrt(3) - 1)^2 = 4 - 2 sqrt(3); tolerance 1e-12
    assert M.gaussian_frechet([0, 0], np.eye(2), [0, 0], np.diag([3.0, 1.0])) == pytest.approx(4 - 2 * math.sqrt(3),
                                                                                                abs=1e-12)
    # 1-D: (mu1 - mu2)^2 + (s1 - s2)^2; tolerance 1e-12
    assert M.gaussian_frechet([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1, abs=1e-12)
    # identical Gaussians: 0 (clipped, never a tiny negative); commuting diagonal covariances: sum (sqrt a - sqrt b)^2
    c = np.diag([1.0, 2.0, 5.0])
    assert M.gaussian_frechet(np.ones(3), c, np.ones(3), c) == pytest.approx(0, abs=1e-12)
    a, b = np.array([1.0, 2.0, 5.0]), np.array([4.0, 0.5, 5.0])
    assert M.gaussian_frechet(np.zeros(3), np.diag(a), np.zeros(3), np.diag(b)) == pytest.approx(
        np.sum((np.sqrt(a) - np.sqrt(b)) ** 2), abs=1e-12)


def test_frechet_matches_scipy_sqrtm_on_non_commuting_covariances():
    """Against the textbook formula with scipy.linalg.sqrtm(S1 S2); relative tolerance 1e-8."""
    rng = np.random.default_rng(1)
    for d in (2, 5, 20):
        A, B = rng.standard_normal((d, d)), rng.standard_normal((d, d))
        s1, s2 = A @ A.T + 0.1 * np.eye(d), B @ B.T + 0.1 * np.eye(d)
        mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
        ref = np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real)
        assert M.gaussian_frechet(mu1, s1, mu2, s2) == pytest.approx(ref, rel=1e-8)
        assert M.gaussian_frechet(mu2, s2, mu1, s1) == pytest.approx(ref, rel=1e-8)  # symmetric


def test_frechet_singular_covariances_give_no_complex_garbage():
    """Rank-deficient covariances (dead feature units): a real number >= 0, equal to the full-rank block's."""
    x, y = gaussians(500, 3, seed=0), gaussians(500, 3, shift=0.5, seed=1)
    pad = np.zeros((500, 2))
    value = M.frechet_distance(np.hstack([x, pad]), np.hstack([y, pad]))
    assert isinstance(value, float) and value == pytest.approx(M.frechet_distance(x, y), rel=1e-9)


def test_frechet_errors():
    with pytest.raises(ValueError, match="more samples than feature dimensions"):
        M.frechet_distance(gaussians(10, 10), gaussians(100, 10))
    with pytest.raises(ValueError, match="same feature dimension"):
        M.frechet_distance(gaussians(100, 3), gaussians(100, 4))
    with pytest.raises(ValueError, match="shape \\(N, D\\)"):
        M.frechet_distance(np.zeros((100, 28, 28)), np.zeros((100, 28, 28)))
    bad = gaussians(100, 3)
    bad[5, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        M.frechet_distance(bad, gaussians(100, 3))
    with pytest.raises(ValueError, match="symmetric"):
        M.gaussian_frechet([0, 0], [[1, 1], [0, 1]], [0, 0], np.eye(2))


# ---------------------------------------------------------------------------------------------- KID
def _mmd2_unbiased(x, y):
    """The estimator written out with plain loops over the kernel matrices (a slow, obvious reference)."""
    d, m, n = x.shape[1], len(x), len(y)
    k = lambda a, b: (a @ b.T / d + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return ((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
            - 2 * kxy.mean())


def test_kid_one_subset_of_everything_is_the_unbiased_estimator():
    """subset_size = N: every subset is the whole set, so KID is exactly the estimator; tolerance 1e-10 rel."""
    x, y = gaussians(300, 8, seed=0), gaussians(300, 8, shift=0.3, seed=1)
    r = M.kid(x, y, n_subsets=3, subset_size=300)
    assert r["kid"] == pytest.approx(_mmd2_unbiased(x, y), rel=1e-10) and r["sd"] == pytest.approx(0, abs=1e-12)


def test_kid_is_unbiased_and_detects_a_shift():
    """Same distribution: the mean of 400 small-sample estimates is 0 within 4 standard errors (the biased
    V-statistic would be clearly positive); a mean shift of 0.5 gives a KID many standard errors above 0."""
    est = [M.kid(gaussians(20, 4, seed=2 * i), gaussians(20, 4, seed=2 * i + 1), n_subsets=1)["kid"]
           for i in range(400)]
    assert abs(np.mean(est)) < 4 * np.std(est) / np.sqrt(len(est))
    same = M.kid(gaussians(2000, 16, seed=0), gaussians(2000, 16, seed=1), subset_size=500)
    shifted = M.kid(gaussians(2000, 16, seed=0), gaussians(2000, 16, shift=0.5, seed=1), subset_size=500)
    assert abs(same["kid"]) < 4 * same["se"] and shifted["kid"] > 20 * shifted["se"] > 0


def test_kid_errors():
    with pytest.raises(ValueError, match="subset_size"):
        M.kid(gaussians(50, 3), gaussians(40, 3), subset_size=45)
    with pytest.raises(ValueError, match="at least 2 samples"):
        M.kid(gaussians(1, 3), gaussians(40, 3))


# ---------------------------------------------------------------------------------------------- P/R/D/C
def test_prdc_on_a_hand_made_set():
    """1-D reals 0..4 (k=1: radius 1 each), fakes 0.5 and 10 (radius 9.5 each): worked out by hand, exact."""
    real, fake = np.arange(5.0)[:, None], np.array([[0.5], [10.0]])
    assert M.prdc(real, fake, k=1) == {"precision": 0.5, "recall": 1.0, "density": 1.0, "coverage": 0.4}
    assert M.precision_recall(real, fake, k=1) == {"precision": 0.5, "recall": 1.0}
    assert M.density_coverage(real, fake, k=1) == {"density": 1.0, "coverage": 0.4}


def test_prdc_identical_sets_and_a_collapse():
    x = gaussians(300, 5)
    assert M.prdc(x, x[::-1], k=5) == pytest.approx({"precision": 1, "recall": 1, "density": 1, "coverage": 1})
    collapsed = M.prdc(x, np.repeat(x[:1], 50, axis=0), k=5)  # one real point, repeated: its balls have radius 0
    assert collapsed["precision"] == 1 and collapsed["recall"] == 0 and collapsed["coverage"] < 0.1


def test_prdc_errors():
    with pytest.raises(ValueError, match="k must be"):
        M.prdc(gaussians(10, 2), gaussians(10, 2), k=10)
    with pytest.raises(ValueError, match="k must be"):
        M.prdc(gaussians(10, 2), gaussians(10, 2), k=0)


# ---------------------------------------------------------------------------------------------- the rest
def test_classifier_score():
    onehot = np.eye(10)[np.arange(1000) % 10]
    assert M.classifier_score(onehot)["score"] == pytest.approx(10, rel=1e-12)       # sure and varied: C
    assert M.classifier_score(np.eye(10)[[3] * 100])["score"] == pytest.approx(1)    # one class: 1
    assert M.classifier_score(np.full((100, 10), 0.1))["score"] == pytest.approx(1)  # unsure: 1
    two = M.classifier_score(np.eye(10)[np.arange(200) % 2], splits=4)  # 4 parts of 50: two classes, 25 each
    assert two["score"] == pytest.approx(2) and two["sd"] == pytest.approx(0)
    with pytest.raises(ValueError, match="softmax"):
        M.classifier_score(np.ones((5, 10)))


def test_class_coverage():
    r = M.class_coverage(np.eye(10)[[3] * 50 + [4] * 50])
    assert r["classes_covered"] == 2 and r["max_ratio"] == 5.0 and not r["all_within_factor"]
    assert M.class_coverage(np.arange(100) % 10)["all_within_factor"]


def test_memorisation(digits):
    x_train, _, x_test, _ = digits
    copies = M.memorisation(x_train[:200], x_train, x_test)
    assert copies["fraction"] == 1 and copies["copies"] == 1 and copies["median_ratio"] < 1e-2
    fresh = M.memorisation(x_test[:500], x_train, x_test[500:])  # unseen real digits: ~1% by construction
    assert fresh["fraction"] < 0.05 and 0.8 < fresh["median_ratio"] < 1.25 and fresh["copies"] == 0
    with pytest.raises(ValueError, match="same size"):
        M.memorisation(x_train[:5], x_train[:, :27], x_test)


def test_fid_extrapolation_removes_most_of_the_bias():
    """Same distribution, D = 16: FID at N = 2000 is biased upwards (~D^2/2N); FID_inf is within 0.02 of 0."""
    real, fake = gaussians(20000, 16, seed=0), gaussians(2000, 16, seed=1)
    r = M.fid_extrapolated(real, fake, ns=[400, 500, 700, 1000, 2000])
    assert r["fids"][-1] > 0.05 and abs(r["fid_inf"]) < 0.02 and r["slope"] > 0
    with pytest.raises(ValueError, match="sample sizes"):
        M.fid_extrapolated(real, fake, ns=[10, 2000])


# ---------------------------------------------------------------------------------------------- features
def test_feature_extractor(digits):
    net = feature_extractor()
    x_train, _, x_test, y_test = digits
    assert net.accuracy >= 0.95 and net.info["seed"] == 0
    assert (mnist_probs(x_test).argmax(1) == y_test).mean() == pytest.approx(net.accuracy)
    f = mnist_features(x_test[:10])
    assert f.shape == (10, 128) and f.dtype == np.float64 and f.min() >= 0  # ReLU features
    assert np.array_equal(mnist_features(x_test[:10, None]), f)               # (N, 1, 28, 28) accepted


def test_feature_training_is_deterministic(tmp_path, monkeypatch):
    """Two trainings with one seed give identical weights (one BLAS thread, float32); ~10-30 s."""
    from gan_course import features
    w1, info1 = features.train(seed=0, verbose=False)
    assert info1["test_accuracy"] >= 0.95
    saved = feature_extractor(0)
    assert all(np.array_equal(np.asarray(w1[f"W{i}"], np.float64), saved.W[i]) for i in range(3))


@pytest.mark.parametrize("images, match", [
    (np.zeros((10, 28)), "shape \\(N, 28, 28\\)"),
    (np.zeros((10, 3, 28, 28)), "shape \\(N, 28, 28\\)"),
    (np.full((10, 28, 28), -1.0), "\\(x \\+ 1\\) / 2"),
    (np.full((10, 28, 28), 255.0), "Divide by 255"),
    (np.full((10, 28, 28), np.nan), "NaN"),
    (np.zeros((0, 28, 28)), "empty"),
    (np.array([["a"] * 28] * 28, dtype=object)[None], "numbers"),
])
def test_bad_images(images, match):
    with pytest.raises(ValueError, match=match):
        as_images(images)


def test_evaluate(digits):
    x_train, _, x_test, _ = digits
    r = evaluate(x_test[:600], kid_subsets=10)
    assert set(k for k, _, _ in __import__("gan_course.quality", fromlist=["COLUMNS"]).COLUMNS) <= set(r)
    assert r["n"] == 600 and r["classes"] == 10 and r["memorised"] < 0.05 and r["precision"] > 0.8
    assert 0 < r["fid"] < 5 and 5 < r["classifier_score"] <= 10
    copied = evaluate(x_train[:600], kid_subsets=10)
    assert copied["memorised"] == 1 and copied["nn_ratio"] < 0.01
    assert "FID" in format_row(r, "real") and "| not trained |" in table({"a": r, "b": "not trained"})
    with pytest.raises(ValueError, match="more samples than the 128"):
        evaluate(x_test[:100])


# ---------------------------------------------------------------------------------------------- cross-checks
@pytest.fixture
def torch_one_thread():
    """torch with one thread for the test (its eigvals on 128 x 128 crawls with 2 threads on a busy machine)."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


def _identity_module(d):
    torch = pytest.importorskip("torch")

    class Features(torch.nn.Module):
        """torchmetrics' 'feature extractor' for precomputed features: returns its input."""
        num_features = d

        def forward(self, x):
            return x

    return torch, Features()


@pytest.fixture(scope="module")
def feature_sets(digits):
    """Two (name, real, fake) pairs of float64 feature arrays: Gaussians (D = 32) and MNIST features (D = 128)."""
    x_train, _, x_test, _ = digits
    rng = np.random.default_rng(0)
    noisy = np.clip(x_test + 0.3 * rng.standard_normal(x_test.shape), 0, 1)
    return [("gaussian", gaussians(1500, 32, seed=0), gaussians(1200, 32, shift=0.2, scale=1.3, seed=1)),
            ("mnist features", mnist_features(x_train[:2000]), mnist_features(np.concatenate([x_test, noisy])))]


def test_fid_matches_torchmetrics(feature_sets, torch_one_thread):
    """torchmetrics FrechetInceptionDistance(feature=identity module) on the same float64 features;
    relative tolerance 1e-6 (it takes sqrt of eigvals of the non-symmetric S1 S2; we use the symmetric form)."""
    torch, module = _identity_module(0)
    from torchmetrics.image.fid import FrechetInceptionDistance
    for name, real, fake in feature_sets:
        module.num_features = real.shape[1]
        fid = FrechetInceptionDistance(feature=module)
        fid.update(torch.from_numpy(real), real=True)
        fid.update(torch.from_numpy(fake), real=False)
        assert M.frechet_distance(real, fake) == pytest.approx(float(fid.compute()), rel=1e-6), name


@pytest.mark.filterwarnings("ignore:Metric `Kernel Inception Distance` will save")
def test_kid_matches_torchmetrics(feature_sets, torch_one_thread):
    """torchmetrics KernelInceptionDistance(feature=identity module), same kernel (degree 3, gamma 1/D, coef 1).
    One subset holding every sample: relative tolerance 1e-9. Random subsets (different generators): within
    4 of our standard errors."""
    torch, module = _identity_module(0)
    from torchmetrics.image.kid import KernelInceptionDistance
    for name, real, fake in feature_sets:
        n = min(len(real), len(fake))
        real, fake = real[:n], fake[:n]
        whole = KernelInceptionDistance(feature=module, subsets=1, subset_size=n)
        whole.update(torch.from_numpy(real), real=True)
        whole.update(torch.from_numpy(fake), real=False)
        assert M.kid(real, fake, n_subsets=1, subset_size=n)["kid"] == pytest.approx(float(whole.compute()[0]),
                                                                                     rel=1e-9), name
        torch.manual_seed(0)
        sub = KernelInceptionDistance(feature=module, subsets=50, subset_size=500)
        sub.update(torch.from_numpy(real), real=True)
        sub.update(torch.from_numpy(fake), real=False)
        ours = M.kid(real, fake, n_subsets=50, subset_size=500)
        assert abs(ours["kid"] - float(sub.compute()[0])) < 4 * ours["se"], name


def test_prdc_matches_the_prdc_package(feature_sets):
    """prdc.compute_prdc on the same features, k = 5: equal to 1e-12 (both compare Euclidean distances with
    strict '<'; a tie at the radius could flip one point, 1/N, which these continuous sets do not have)."""
    compute_prdc = pytest.importorskip("prdc").compute_prdc
    for name, real, fake in feature_sets:
        theirs = compute_prdc(real_features=real, fake_features=fake, nearest_k=5)
        assert M.prdc(real, fake, k=5) == pytest.approx({k: float(v) for k, v in theirs.items()}, abs=1e-12), name
