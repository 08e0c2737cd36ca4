"""Writing files so that an interruption never leaves half a file: write to a temporary
name in the same folder, flush it to disk, then rename it over the target (all or nothing).

Used by the data loaders (dataset caches), the run folders (checkpoints, samples, metrics)
and the feature cache of lesson 10. What it is not: a file format; callers bring bytes.
"""
from __future__ import annotations

import os
import pathlib
import tempfile

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path, data: bytes) -> pathlib.Path:
    """Write ``data`` to ``path`` via a temporary file and a rename (all or nothing).

    Example: ``atomic_write_bytes("runs/x/metrics.json", b"{}")``.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def atomic_write_text(path, text: str) -> pathlib.Path:
    """``atomic_write_bytes`` for UTF-8 text. Example: ``atomic_write_text("runs/x/report.md", "# ...")``."""
    return atomic_write_bytes(path, text.encode("utf-8"))
