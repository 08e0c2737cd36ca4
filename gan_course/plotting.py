"""Plotting helpers: image grids and training curves.

``show_images`` / ``image_grid`` accept what the frameworks produce: torch
tensors, TensorFlow tensors or numpy arrays; values in [-1, 1] (tanh output),
[0, 1], or uint8 0-255; batches laid out NCHW or NHWC (or N x H x W for gray);
1 (gray) or 3 (colour) channels. Anything else gets an error that says what was
received and what to do. ``plot_losses`` draws loss (or D-output) curves with an
optional moving average. Plotting only: no training logic lives here.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["to_numpy", "to_nhwc01", "image_grid", "show_images", "plot_losses"]


def to_numpy(x) -> np.ndarray:
    """Return ``x`` (torch / TensorFlow tensor, numpy array, list) as a numpy array.

    Example: ``to_numpy(torch.ones(2, 3)).shape`` -> ``(2, 3)``.
    """
    if hasattr(x, "detach"):  # torch.Tensor (possibly on a GPU, possibly requiring grad)
        x = x.detach().cpu().numpy()
    elif hasattr(x, "numpy") and not isinstance(x, np.ndarray):  # tf.Tensor / EagerTensor
        x = x.numpy()
    return np.asarray(x)


def to_nhwc01(images, value_range: str | tuple | None = None) -> np.ndarray:
    """Convert a batch of images to float32 N x H x W x C in [0, 1] (C = 1 or 3).

    ``value_range`` is ``"-1..1"``/``(-1, 1)``, ``"0..1"``/``(0, 1)`` or ``None`` to infer
    it (negative values mean [-1, 1]; uint8 means 0-255).
    Example: ``to_nhwc01(torch.zeros(8, 1, 28, 28)).shape`` -> ``(8, 28, 28, 1)``.
    """
    x = to_numpy(images)
    is_uint8 = x.dtype == np.uint8
    if not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer) or x.dtype == bool):
        raise TypeError(f"images must be numeric, got dtype {x.dtype}.")
    x = x.astype(np.float32)
    if x.ndim == 2:  # one gray image H x W, unless it looks like flattened rows
        h, w = x.shape
        if min(h, w) < 4 or max(h, w) > 8 * min(h, w):
            raise ValueError(
                f"Got a 2-D array of shape {(h, w)}: is it a batch of flattened images? "
                "Flattened MNIST rows (N x 784) need .reshape(-1, 28, 28) first.")
        x = x[None]
    if x.ndim == 3:
        if x.shape[0] in (1, 3) and x.shape[-1] not in (1, 3) and min(x.shape[1:]) > 4:
            x = x[None]  # a single C x H x W image
        elif x.shape[-1] == 3 and min(x.shape[:2]) > 4:
            x = x[None]  # a single H x W x 3 image
        else:
            x = x[..., None]  # N x H x W gray batch
    if x.ndim != 4:
        raise ValueError(
            f"Expected images shaped N x H x W, N x C x H x W or N x H x W x C; got shape {tuple(x.shape)}. "
            "Flattened MNIST rows (N x 784) need .reshape(-1, 28, 28) first.")
    if x.shape[-1] not in (1, 3) and x.shape[1] in (1, 3):
        x = np.transpose(x, (0, 2, 3, 1))  # NCHW -> NHWC
    if x.shape[-1] not in (1, 3):
        raise ValueError(
            f"Could not find a channel axis of size 1 (gray) or 3 (colour) in shape {tuple(x.shape)}; "
            "expected N x C x H x W or N x H x W x C.")
    if x.shape[0] == 0:
        raise ValueError("images is an empty batch (N = 0).")
    if not np.all(np.isfinite(x)):
        raise ValueError("images contain NaN or infinity: training has probably diverged (check the losses).")
    lo, hi = float(x.min()), float(x.max())
    if is_uint8 or value_range in ("0..255", (0, 255)):
        return x / 255.0
    if value_range is None:
        value_range = (-1, 1) if lo < 0 else (0, 1)
    value_range = {"-1..1": (-1, 1), "0..1": (0, 1)}.get(value_range, value_range)
    value_range = tuple(value_range)
    tol = 1e-3
    if value_range == (-1, 1):
        if lo < -1 - tol or hi > 1 + tol:
            raise ValueError(f"images should be in [-1, 1] but range over [{lo:.3g}, {hi:.3g}]. "
                             "Is the generator missing its tanh output?")
        return np.clip((x + 1) / 2, 0, 1)
    if value_range == (0, 1):
        if lo < -tol or hi > 1 + tol:
            hint = " They look like 0-255 pixels: divide by 255." if hi > 1.5 and lo >= 0 else ""
            raise ValueError(f"images should be in [0, 1] or [-1, 1] but range over [{lo:.3g}, {hi:.3g}].{hint}")
        return np.clip(x, 0, 1)
    raise ValueError(f"value_range must be (-1, 1) or (0, 1), got {value_range!r}.")


def image_grid(images, nrow: int | None = None, padding: int = 2, value_range=None,
               pad_value: float = 1.0) -> np.ndarray:
    """Tile a batch into one H' x W' x C float array in [0, 1], ``nrow`` images per row.

    Example: ``plt.imshow(image_grid(samples, nrow=8))``.
    """
    x = to_nhwc01(images, value_range)  # (N, H, W, C)
    n, h, w, c = x.shape
    if n == 0:
        raise ValueError("images is an empty batch (N = 0).")
    ncol = nrow or int(math.ceil(math.sqrt(n)))
    rows = int(math.ceil(n / ncol))
    grid = np.full((rows * (h + padding) + padding, ncol * (w + padding) + padding, c), pad_value, np.float32)
    for i in range(n):
        r, col = divmod(i, ncol)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[top:top + h, left:left + w] = x[i]
    return grid


def show_images(images, nrow: int | None = None, title: str | None = None, ax=None,
                value_range=None, figsize=None, row_labels=None):
    """Show a batch as one labelled grid and return the matplotlib Axes.

    ``row_labels``: one text per row of the grid, written left of the row.
    Example: ``show_images(G(z), nrow=8, title="Samples after epoch 5")``.
    """
    import matplotlib.pyplot as plt

    grid = image_grid(images, nrow=nrow, value_range=value_range)
    if row_labels is not None:  # the grid's layout, as image_grid made it (padding 2 around every image)
        rows = int(math.ceil(len(images) / (nrow or int(math.ceil(math.sqrt(len(images)))))))
        h = (grid.shape[0] - 2) // rows - 2                        # one image's height
        if len(row_labels) != rows:
            raise ValueError(f"row_labels has {len(row_labels)} labels for a grid of {rows} rows.")
    if ax is None:
        side = min(8.0, 1.0 + grid.shape[1] / 40)
        _, ax = plt.subplots(figsize=figsize or (side, side * grid.shape[0] / grid.shape[1]))
    if grid.shape[-1] == 1:
        ax.imshow(grid[..., 0], cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(grid)
    ax.set_axis_off()
    for r, label in enumerate(row_labels or []):                  # row r's centre is 2 + r (h + 2) + h / 2
        ax.text(-3, 2 + r * (h + 2) + h / 2, label, ha="right", va="center", fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def _moving_average(y: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(y) < window:
        return y
    kernel = np.ones(window) / window
    head = np.cumsum(y[: window - 1]) / np.arange(1, window)  # ramp-up so the curve starts at 0
    return np.concatenate([head, np.convolve(y, kernel, mode="valid")])


def plot_losses(history: dict, ax=None, smooth: int = 1, xlabel: str = "iteration",
                ylabel: str = "loss", title: str | None = None):
    """Plot each named curve in ``history`` (name -> list of numbers), optionally smoothed.

    ``smooth`` is a moving-average window; the raw curve is drawn faintly behind it.
    Example: ``plot_losses({"D loss": d_losses, "G loss": g_losses}, smooth=50)``.
    """
    import matplotlib.pyplot as plt

    if not isinstance(history, dict) or not history:
        raise ValueError("history must be a non-empty dict mapping a curve name to a list of values, "
                         "e.g. {'D loss': d_losses, 'G loss': g_losses}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
    for name, values in history.items():
        y = np.asarray([float(v) for v in to_numpy(values).ravel()], dtype=np.float64)
        if y.size == 0:
            continue
        x = np.arange(1, y.size + 1)
        if smooth > 1:
            line, = ax.plot(x, y, alpha=0.25)
            ax.plot(x, _moving_average(y, smooth), color=line.get_color(), label=f"{name} (avg of {smooth})")
        else:
            ax.plot(x, y, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax
