"""Colour image data for the DCGAN lesson, and an offline stand-in whose modes can be counted.

Every function returns float32 N x H x W x 3 arrays in [0, 1] (NHWC, numpy only: no framework
is imported except inside the online loaders).

* ``shapes(n)`` -- the offline stand-in: 32 x 32 (or ``size``) images of ONE filled shape
  (circle, horizontal bar or upright triangle, width 50-75 % of the image, anywhere inside it) in ONE of
  four colours (red, green, blue, yellow; a little colour jitter), on a dark background.
  12 classes "colour shape", balanced. ``detect_shapes`` recognises them without a network
  (colour = nearest hue of the bright saturated pixels; shape = the largest blob's bounding box:
  flat for a bar; square for a circle or a triangle, whose top is much emptier than its bottom),
  and returns -1 for an image it cannot read (noise, blank, two colours, a smear). ``class_coverage`` turns
  detected labels into counts, shares and "is every class within a factor 2 of its share".
* ``cifar10()`` -- CIFAR-10 through torchvision, then Keras, cached as ``<data_home>/cifar10``;
  offline it raises (``load_images("cifar10")`` falls back to the stand-in and says so).
* ``faces()`` -- CelebA through torchvision when online; offline the 100 LFW faces that
  scikit-image ships (25 x 25 greyscale, upsampled and repeated to 3 channels: low resolution).
* ``image_folder(path)`` -- your own pictures: centre-cropped, resized, RGB.
* ``load_images(name)`` -- one entry point: "shapes" | "cifar10" | "faces" | a folder path.
"""
from __future__ import annotations

import os

import numpy as np

from ._args import whole as _whole
from .env import data_home, is_offline
from .image_files import image_folder

__all__ = ["SHAPES", "COLOURS", "shapes_classes", "shapes", "detect_shapes", "class_coverage",
           "image_folder", "faces", "cifar10", "load_images"]

SHAPES = ("circle", "bar", "triangle")
COLOURS = ("red", "green", "blue", "yellow")
_RGB = np.array([[0.90, 0.12, 0.10], [0.12, 0.80, 0.18], [0.15, 0.30, 0.95], [0.95, 0.85, 0.10]], np.float32)
_SIDE = (0.5, 0.75)  # a shape's width, as a fraction of the image side
LAST_SOURCE: str | None = None  # set by faces(): "celeba" or "lfw"


def shapes_classes() -> list:
    """Class names of the stand-in in label order: label = colour * 3 + shape.

    Example: ``shapes_classes()[:2]`` -> ``['red circle', 'red bar']``.
    """
    return [f"{c} {s}" for c in COLOURS for s in SHAPES]


def shapes(n, size=32, seed=0, return_labels=False):
    """The stand-in data set: n images (float32 n x size x size x 3 in [0, 1]), classes balanced.

    Each image: one filled circle / horizontal bar (0.4 as tall as wide) / upright triangle, width
    50-75 % of ``size`` at a random place, colour red / green / blue / yellow with +-5 % jitter,
    anti-aliased, on a dark grey background (level 0-0.12, a soft vertical gradient of +-0.04).
    Labels: ``shapes_classes()`` order.
    Example: ``x, y = shapes(1200, return_labels=True)`` -> x.shape (1200, 32, 32, 3), 100 per class.
    """
    n, size = _whole("n", n), _whole("size", size, 8)
    rng = np.random.default_rng(seed)
    k = len(COLOURS) * len(SHAPES)
    labels = rng.permutation(np.arange(n) % k).astype(np.int64)
    ss = 4  # supersampling for anti-aliased edges
    c = (np.arange(size * ss) + 0.5) / ss  # pixel-centre coordinates of the fine grid
    yy, xx = np.meshgrid(c, c, indexing="ij")
    out = np.empty((n, size, size, 3), np.float32)
    for i, lab in enumerate(labels):
        colour, shape = divmod(int(lab), len(SHAPES))
        side = rng.uniform(*_SIDE) * size
        x0, y0 = rng.uniform(1, size - 1 - side, size=2)
        u, v = (xx - x0) / side, (yy - y0) / side  # the shape's box is [0, 1]^2
        if shape == 0:
            mask = (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25
        elif shape == 1:  # a horizontal bar, 0.4 as tall as it is wide
            mask = (u >= 0) & (u <= 1) & (v >= 0.3) & (v <= 0.7)
        else:  # apex at the top middle, base along the bottom
            mask = (v <= 1) & (np.abs(u - 0.5) <= 0.5 * v)
        alpha = mask.reshape(size, ss, size, ss).mean(axis=(1, 3))[..., None]
        level = rng.uniform(0, 0.12)
        bg = level + rng.uniform(-0.04, 0.04) * (yy[::ss, ::ss, None] / size - 0.5) * 2  # dark, soft gradient
        fg = _RGB[colour] * rng.uniform(0.8, 1.0) + rng.normal(0, 0.05, 3)
        out[i] = bg * (1 - alpha) + fg * alpha
    np.clip(out, 0, 1, out=out)
    return (out, labels) if return_labels else out


def _largest_blob(mask):
    from scipy import ndimage
    lab, k = ndimage.label(mask)
    if k == 0:
        return None
    sizes = np.bincount(lab.ravel())[1:]
    return lab == 1 + int(np.argmax(sizes))


def _shape_of(box):
    """Index into SHAPES of a blob's bounding-box mask, or -1 if it matches none of the three well.

    Three numbers describe it: height / width of the box (a bar: 0.4; circle, triangle: 1), how much
    of the box it fills (circle pi/4 ~ 0.79, bar 1, triangle 0.5) and its top quarter's fill over its
    bottom quarter's (circle, bar: 1; triangle ~0.15).
    """
    h, w = box.shape
    q = max(1, h // 4)
    aspect, fill = h / w, box.mean()
    top_bottom = box[:q].mean() / max(box[-q:].mean(), 1e-6)
    if 0.2 <= aspect <= 0.65 and fill >= 0.7:
        return 1
    if 0.75 <= aspect <= 1.35:
        if top_bottom < 0.55 and 0.35 <= fill <= 0.7:
            return 2
        if 0.65 <= top_bottom <= 1.5 and 0.6 <= fill <= 0.93:
            return 0
    return -1


def detect_shapes(images, min_pixels=None) -> np.ndarray:
    """Labels (int64, ``shapes_classes()`` order) of stand-in-like images; -1 = not recognised.

    Colour: bright (max channel > 0.4), saturated pixels are assigned to the nearest of the four
    colours (by chromaticity); at least 80 % of them must agree. Shape: the largest connected blob
    of that colour (>= ``min_pixels``, default 4 % of the image, holding >= 85 % of them) is a bar if
    its bounding box is flat (height / width 0.2-0.65) and filled (>= 0.7); if the box is about square
    (0.75-1.35), a triangle if its top quarter is much emptier than its bottom quarter (ratio < 0.55,
    fill 0.35-0.7), a circle if not (ratio 0.65-1.5, fill 0.6-0.93); anything else is -1.
    Accepts anything ``plotting.to_nhwc01`` accepts (NCHW, [-1, 1], ...).
    Example: ``(detect_shapes(x) == y).mean()`` -> ``1.0`` on ``x, y = shapes(120, return_labels=True)``.
    """
    from .plotting import to_nhwc01
    x = to_nhwc01(images)
    if x.shape[-1] != 3:
        raise ValueError(f"detect_shapes needs colour images (3 channels); got shape {x.shape}.")
    h, w = x.shape[1:3]
    min_pixels = max(4, int(0.04 * h * w)) if min_pixels is None else int(min_pixels)
    proto = _RGB / np.linalg.norm(_RGB, axis=1, keepdims=True)
    out = np.full(len(x), -1, np.int64)
    for i, img in enumerate(x):
        mx, mn = img.max(-1), img.min(-1)
        bright = (mx > 0.4) & ((mx - mn) > 0.35 * mx)
        if bright.sum() < min_pixels:
            continue
        pix = img[bright] / (np.linalg.norm(img[bright], axis=1, keepdims=True) + 1e-8)
        nearest = np.argmax(pix @ proto.T, axis=1)
        votes = np.bincount(nearest, minlength=len(COLOURS))
        colour = int(np.argmax(votes))
        if votes[colour] < 0.8 * len(nearest):
            continue
        mask = np.zeros((h, w), bool)
        mask[bright] = nearest == colour
        blob = _largest_blob(mask)
        if blob is None or blob.sum() < min_pixels or blob.sum() < 0.85 * mask.sum():
            continue
        rows, cols = np.flatnonzero(blob.any(1)), np.flatnonzero(blob.any(0))
        bh, bw = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
        box = blob[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float32)
        shape = _shape_of(box)
        if shape >= 0:
            out[i] = colour * len(SHAPES) + shape
    return out


def class_coverage(labels, n_classes, reference=None, factor=2.0) -> dict:
    """How generated samples spread over classes: counts, shares and ratios to the expected share.

    ``labels``: detected labels (-1 = unrecognised, left out of the shares). ``reference``: the
    data's labels (expected share = their class frequencies) or None (uniform 1 / n_classes).
    ``all_within_factor``: every class share within [expected / factor, expected * factor].
    Example: ``class_coverage([0, 1, 1, -1], 2)["classes_covered"]`` -> ``2``.
    """
    labels = np.asarray(labels).ravel()
    n_classes = _whole("n_classes", n_classes)
    if labels.size == 0:
        raise ValueError("labels is empty: detect some samples first.")
    if not np.issubdtype(labels.dtype, np.integer) or labels.min() < -1 or labels.max() >= n_classes:
        raise ValueError(f"labels must be integers in -1..{n_classes - 1} (-1 = not recognised).")
    if not factor >= 1:
        raise ValueError(f"factor must be >= 1; got {factor!r}.")
    if reference is None:
        expected = np.full(n_classes, 1 / n_classes)
    else:
        ref = np.asarray(reference).ravel()
        ref = ref[ref >= 0]
        expected = np.bincount(ref, minlength=n_classes)[:n_classes] / max(1, len(ref))
    ok = labels[labels >= 0]
    counts = np.bincount(ok, minlength=n_classes)
    fractions = counts / max(1, len(ok))
    ratio = np.divide(fractions, expected, out=np.zeros(n_classes), where=expected > 0)
    within = bool(len(ok) > 0 and np.all((ratio >= 1 / factor) & (ratio <= factor)))
    return {"counts": counts.tolist(), "fractions": fractions.round(4).tolist(),
            "expected": expected.round(4).tolist(), "ratio": ratio.round(3).tolist(),
            "recognised": round(len(ok) / labels.size, 4), "classes_covered": int((counts > 0).sum()),
            "n_classes": n_classes, "factor": float(factor), "all_within_factor": within,
            "min_ratio": round(float(ratio.min()), 3), "max_ratio": round(float(ratio.max()), 3)}


def _square(img, size):
    """PIL image -> centre-cropped, resized, RGB float32 (size, size, 3) in [0, 1]."""
    from PIL import Image
    img = img.convert("RGB")
    w, h = img.size
    s = min(w, h)
    img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
    img = img.resize((size, size), Image.BICUBIC if s < size else Image.LANCZOS)
    return np.asarray(img, np.float32) / 255.0


def _offline_reason():
    if is_offline():
        return "GAN_COURSE_OFFLINE=1"
    from . import data
    return data._offline_reason()


def _subset(n, total, seed):
    if n is None or n >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, _whole("n", n), replace=False))


def _resize_batch(x, size):
    from PIL import Image
    if x.shape[1] == size:
        return x
    return np.stack([_square(Image.fromarray(np.uint8(np.rint(im * 255))), size) for im in x])


def faces(size=64, n=None, source="auto", seed=0) -> np.ndarray:
    """Face images, float32 (N, size, size, 3) in [0, 1]; prints one line naming the source.

    ``source``: "auto" (CelebA when online, else scikit-image's LFW faces), "celeba", "lfw".
    Offline: the 100 LFW faces of ``skimage.data.lfw_subset()`` plus their mirror images (200),
    25 x 25 greyscale upsampled to ``size`` and repeated to 3 channels -- LOW resolution.
    CelebA: centre 140 x 140 crop of the aligned faces; ``n`` defaults to 20,000 of them.
    Example: ``x = faces(size=32, source="lfw")`` -> x.shape (200, 32, 32, 3).
    """
    global LAST_SOURCE
    from PIL import Image
    size = _whole("size", size, 4)
    if source not in ("auto", "celeba", "lfw"):
        raise ValueError(f"source must be 'auto', 'celeba' or 'lfw'; got {source!r}.")
    why = None
    if source in ("auto", "celeba"):
        why = _offline_reason()
        if why is None:
            try:
                import torchvision
                ds = torchvision.datasets.CelebA(os.path.join(data_home(), "celeba"), split="train", download=True)
                idx = _subset(20_000 if n is None else n, len(ds), seed)
                x = np.stack([_square(ds[int(i)][0].crop((19, 39, 159, 179)), size) for i in idx])
                LAST_SOURCE = "celeba"
                print(f"Faces: CelebA, {len(x):,} images (seed {seed}), resized to {size}x{size}.")
                return x
            except Exception as err:  # noqa: BLE001 -- any failure: say why, then offline faces
                why = f"CelebA failed: {str(err).splitlines()[0][:80] if str(err) else type(err).__name__}"
        if source == "celeba":
            raise RuntimeError(f"CelebA could not be loaded ({why}); use source='lfw' or your own image_folder().")
    import skimage.data
    lfw = skimage.data.lfw_subset()[:100]  # the first 100 of the 200 are faces
    lfw = np.concatenate([lfw, lfw[:, :, ::-1]])  # + mirror images
    x = np.stack([np.asarray(Image.fromarray(np.uint8(np.rint(f * 255))).resize((size, size), Image.BICUBIC),
                             np.float32) / 255.0 for f in lfw])
    x = np.repeat(x[..., None], 3, axis=-1)[_subset(n, len(x), seed)]
    note = "" if source == "lfw" else f" ({why})"
    LAST_SOURCE = "lfw"
    print(f"Faces: scikit-image's LFW subset, {len(x)} images (100 faces + mirrors), 25x25 greyscale "
          f"upsampled to {size}x{size}: low resolution{note}.")
    return x


def cifar10(split="train", n=None, seed=0):
    """CIFAR-10 as ``(images, labels)``: float32 (N, 32, 32, 3) in [0, 1], int64 (N,).

    Tries the cache ``<data_home>/cifar10/cifar10.npz``, then torchvision, then Keras; offline it
    raises RuntimeError (use ``load_images("cifar10")``, which falls back to the stand-in).
    Example: ``x, y = cifar10("train", n=5000)``.
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    folder = os.path.join(data_home(), "cifar10")
    path = os.path.join(folder, "cifar10.npz")
    arrays, used, reasons = None, "cache", []
    if os.path.exists(path):
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
    else:
        why = _offline_reason()
        if why:
            raise RuntimeError(f"CIFAR-10 cannot be downloaded ({why}). Use the offline stand-in: "
                               "load_images('shapes') (load_images('cifar10') falls back to it).")
        for used in ("torchvision", "keras"):
            try:
                arrays = _download_cifar(used, folder)
                break
            except Exception as err:  # noqa: BLE001
                reasons.append(f"{used}: {str(err).splitlines()[0][:80] if str(err) else type(err).__name__}")
        if arrays is None:
            raise RuntimeError(f"CIFAR-10 could not be downloaded ({'; '.join(reasons)}). "
                               "Use load_images('shapes'), the offline stand-in.")
        from .fileio import atomic_write_bytes
        import io
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write_bytes(path, buf.getvalue())
    x, y = arrays["x_" + split], np.asarray(arrays["y_" + split], np.int64).ravel()
    idx = _subset(n, len(y), seed)
    print(f"CIFAR-10: {len(idx):,} {split} images (from {used}).")
    return x[idx].astype(np.float32) / 255.0, y[idx]


def _download_cifar(name, folder):
    if name == "torchvision":
        import torchvision
        out = {}
        for s in ("train", "test"):
            ds = torchvision.datasets.CIFAR10(folder, train=s == "train", download=True)
            out["x_" + s], out["y_" + s] = np.asarray(ds.data, np.uint8), np.asarray(ds.targets, np.int64)
        return out
    from . import _imports
    _imports.tensorflow()
    import keras
    (a, b), (c, d) = keras.datasets.cifar10.load_data()
    return {"x_train": a, "y_train": b.ravel(), "x_test": c, "y_test": d.ravel()}


def load_images(name, size=32, n=None, seed=0):
    """One entry point: ``(images, labels or None, source)``, images float32 (N, size, size, 3) in [0, 1].

    ``name``: "shapes" (the stand-in; n defaults to 10,000), "cifar10" (falls back to "shapes"
    offline, with a printed line), "faces", or a folder path (``image_folder``).
    Example: ``x, y, src = load_images("shapes", size=32, n=6000)`` -> src "shapes".
    """
    if not isinstance(name, (str, os.PathLike)):
        raise TypeError(f"name must be 'shapes', 'cifar10', 'faces' or a folder path; got {name!r}.")
    name = str(name)
    if name == "cifar10":
        try:
            x, y = cifar10("train", n=n, seed=seed)
            return _resize_batch(x, size), y, "cifar10"
        except RuntimeError as err:
            print(f"CIFAR-10 is not available ({err}); using the offline stand-in 'shapes' instead.")
            name = "shapes"
    if name == "shapes":
        x, y = shapes(10_000 if n is None else n, size=size, seed=seed, return_labels=True)
        print(f"Shapes stand-in: {len(x):,} images {size}x{size}, {len(shapes_classes())} classes (colour x shape).")
        return x, y, "shapes"
    if name == "faces":
        x = faces(size=size, n=n, seed=seed)
        return x, None, f"faces-{LAST_SOURCE}"
    if os.path.isdir(os.path.expanduser(name)) or os.sep in name:
        return image_folder(name, size=size, n=n, seed=seed), None, f"folder:{name}"
    raise ValueError(f"name must be 'shapes', 'cifar10', 'faces' or a folder path; got {name!r}.")
