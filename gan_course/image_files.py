"""Reading a student's own image files: every picture in a folder, whatever its format.

``image_folder(path, size)`` (also ``gan_course.images.image_folder``) walks a folder, reads
every file it can as an image, and returns float32 (N, size, size, 3) in [0, 1], centre-cropped
and resized. Real folders are messy, so:

* a file that is not an image or cannot be read (a corrupt JPEG, ``.DS_Store``, ``notes.txt``,
  a text file renamed ``.jpg``) is skipped, and one summary line names what was skipped; it
  fails, with a clear message, only when nothing usable is left;
* greyscale, greyscale + alpha, RGBA, palette (with or without transparency), CMYK, 16-bit
  and 32-bit integer or float images are converted to RGB in [0, 1]; transparent pixels are
  composited onto black;
* the EXIF orientation of a phone photo is applied before cropping;
* very large images are decoded at reduced scale (JPEG draft mode, ``Image.reduce``), and
  one beyond Pillow's decompression-bomb limit is skipped and named.

What it is not: a data-augmentation library (no flips, no random crops).
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from ._args import whole as _whole
__all__ = ["IMAGE_EXTENSIONS", "image_folder", "read_image"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_SHOWN = 5  # skipped files named in the summary line; the rest are counted


def _rgb01(img) -> np.ndarray:
    """Any PIL mode -> float32 (H, W, 3) in [0, 1]; alpha composited onto black."""
    from PIL import Image

    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):  # 16/32-bit greyscale
        a = np.asarray(img, np.float64)
        top = 65535.0 if img.mode.startswith("I;16") or (img.mode == "I" and a.max() > 255) else 255.0
        if img.mode == "F":
            top = 1.0 if a.max() <= 1.0 else float(a.max())
        a = np.clip(a / top, 0, 1)
        return np.repeat(a[..., None], 3, axis=2).astype(np.float32)
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("LA", "La", "RGBa", "PA"):
        img = img.convert("RGBA")
    if img.mode == "RGBA":
        black = Image.new("RGBA", img.size, (0, 0, 0, 255))
        img = Image.alpha_composite(black, img)
    return np.asarray(img.convert("RGB"), np.float32) / 255.0


def read_image(file, size: int) -> np.ndarray:
    """One image file -> float32 (size, size, 3) in [0, 1]: EXIF-rotated, centre-cropped, resized.

    Raises the reader's error when the file is not a readable image.
    Example: ``read_image("me.jpg", 64).shape`` -> ``(64, 64, 3)``.
    """
    from PIL import Image, ImageOps

    size = _whole("size", size, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # large but allowed: read it reduced
        with Image.open(file) as img:
            if img.format == "JPEG":
                img.draft("RGB", (2 * size, 2 * size))  # decode a big JPEG at 1/2, 1/4 or 1/8 scale
            img.load()
            img = ImageOps.exif_transpose(img)
            w, h = img.size
            s = min(w, h)
            img = img.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
            factor = s // (2 * size)
            if factor >= 2 and img.mode not in ("P", "I;16", "I;16B", "I;16L", "I;16N"):
                img = img.reduce(factor)  # fast box downscale before the careful resize
            rgb = _rgb01(img)
    im = Image.fromarray(np.uint8(np.rint(rgb * 255)))
    side = im.size[0]
    im = im.resize((size, size), Image.BICUBIC if side < size else Image.LANCZOS)
    return np.asarray(im, np.float32) / 255.0


def _why(err: BaseException) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(err, UnidentifiedImageError):
        return "not an image"
    if isinstance(err, Image.DecompressionBombError):
        return "too large"
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return "damaged: " + (text if len(text) <= 40 else text[:37] + "...")


def image_folder(path, size=64, n=None, seed=0) -> np.ndarray:
    """Your own images: every image file under ``path`` (recursively), centre-cropped, resized.

    ``n``: a random subset of that many image files (seeded). Returns float32 (N, size, size, 3)
    in [0, 1]. Unreadable and non-image files are skipped and named in one line.
    Example: ``x = image_folder("~/Pictures/faces", size=64)``.
    """
    size = _whole("size", size, 4)
    path = os.path.expanduser(str(path))
    if not os.path.isdir(path):
        raise FileNotFoundError(f"image folder {path!r} does not exist (give a folder of .png/.jpg files).")
    every = sorted(os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs)
    files = [f for f in every if f.lower().endswith(IMAGE_EXTENSIONS)]
    skipped = [(f, "not an image file") for f in every if f not in set(files)]
    if not files:
        raise ValueError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) found under {path!r}"
                         + (f" (it holds {len(every)} other files)." if every else " (it is empty)."))
    if n is not None:
        n = _whole("n", n)
        if n < len(files):
            files = [files[i] for i in sorted(np.random.default_rng(seed).choice(len(files), n, replace=False))]
    out = []
    for f in files:
        try:
            out.append(read_image(f, size))
        except Exception as err:  # noqa: BLE001 -- one bad file must not lose the whole folder
            skipped.append((f, _why(err)))
    if skipped:
        named = ", ".join(f"{os.path.relpath(f, path)} ({why})" for f, why in skipped[:_SHOWN])
        more = f" and {len(skipped) - _SHOWN} more" if len(skipped) > _SHOWN else ""
        print(f"Skipped {len(skipped)} file{'s' * (len(skipped) != 1)} that could not be read as images: {named}{more}.")
    if not out:
        raise ValueError(f"none of the {len(files)} image files under {path!r} could be read (see the line above): "
                         "check that they are real .png/.jpg pictures.")
    print(f"Images: {len(out):,} from folder {path}, centre-cropped and resized to {size}x{size}.")
    return np.stack(out)
