"""Run folders: where a training lesson keeps what it produces, so nothing is lost.

Each training notebook writes under ``runs/<notebook>/`` (``runs/<notebook>-quick/``
in quick mode, so a quick test run never overwrites or reuses a real one):

* ``checkpoint.pt`` (PyTorch) or ``checkpoint/`` (Keras) — weights, optimiser state and
  the epoch reached, written atomically (write to a temporary name, then rename),
  so an interrupted save never corrupts the last good checkpoint;
* ``samples.npy``, a sample-grid PNG, and ``metrics.json`` (device, seconds, quality
  figures, the config it was trained with, ``finished``).

A lesson asks ``run.finished`` to reload a finished run instead of retraining, and
``run.load_torch()`` / ``run.restore_keras(...)`` to resume an interrupted one. A run
trained with a different config is not reused: it is started afresh, and the
notebook says so. PyTorch checkpoints are loaded with ``weights_only=True``
(tensors and plain containers only, never arbitrary pickled objects).

The training loop itself stays in the lesson; this module only saves and loads.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import tempfile
import time

import numpy as np

from .run import is_quick

__all__ = ["Run", "runs_root", "atomic_write_bytes"]


def runs_root() -> pathlib.Path:
    """``$GAN_COURSE_RUNS``, else ``runs/`` at the repository root (the folder holding
    pyproject.toml above the current directory), else ``./runs``.

    Example: ``runs_root() / "04_vanilla_gan_pytorch"``.
    """
    env = os.environ.get("GAN_COURSE_RUNS")
    if env:
        return pathlib.Path(env).expanduser().resolve()
    here = pathlib.Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").exists() and (folder / "gan_course").is_dir():
            return folder / "runs"
    return here / "runs"


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


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return str(obj)


class Run:
    """The run folder of one notebook and one config.

    ``force=True`` (a lesson's ``retrain`` parameter) deletes what is there first.
    Example: ``run = Run("04_vanilla_gan_pytorch", config=dict(epochs=30, lr=2e-4))``.
    """

    def __init__(self, notebook: str, config: dict | None = None, root=None, force: bool = False):
        if not notebook or "/" in notebook or "\\" in notebook:
            raise ValueError(f"notebook must be a plain name such as '04_vanilla_gan_pytorch', got {notebook!r}.")
        self.name = notebook + ("-quick" if is_quick() else "")
        self.path = pathlib.Path(root) / self.name if root else runs_root() / self.name
        self.config = _jsonable(dict(config or {}))
        self._started = time.perf_counter()
        if force and self.path.exists():
            shutil.rmtree(self.path)
        stale = self.path.exists() and self.saved_config() not in (None, self.config)
        if stale:  # trained with other settings: keep nothing, say so
            print(f"runs/{self.name}: the saved run used a different config; starting afresh.")
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path / "config.json", json.dumps(self.config, indent=2, sort_keys=True).encode())

    # --- state -------------------------------------------------------------------------------
    def saved_config(self):
        """The config stored with the run on disk, or None. Example: ``run.saved_config()``."""
        try:
            return json.loads((self.path / "config.json").read_text())
        except (OSError, ValueError):
            return None

    @property
    def finished(self) -> bool:
        """True when a previous session finished this run (metrics.json says so)."""
        return bool(self.metrics().get("finished"))

    def file(self, name: str) -> pathlib.Path:
        """Path of a file inside the run folder. Example: ``run.file("grid.png")``."""
        return self.path / name

    # --- metrics and arrays ------------------------------------------------------------------
    def metrics(self) -> dict:
        """metrics.json as a dict ({} if absent). Example: ``run.metrics()["seconds"]``."""
        try:
            return json.loads(self.file("metrics.json").read_text())
        except (OSError, ValueError):
            return {}

    def save_metrics(self, finished: bool = False, **values) -> dict:
        """Merge ``values`` into metrics.json (atomically) and return the whole dict.

        Example: ``run.save_metrics(finished=True, device="cpu", seconds=93.2, fid=41.0)``.
        """
        merged = {**self.metrics(), **_jsonable(values), "finished": bool(finished), "config": self.config}
        atomic_write_bytes(self.file("metrics.json"), json.dumps(merged, indent=2, sort_keys=True).encode())
        return merged

    def save_array(self, name: str, array) -> pathlib.Path:
        """np.save an array atomically. Example: ``run.save_array("samples.npy", samples)``."""
        import io

        buf = io.BytesIO()
        np.save(buf, np.asarray(array), allow_pickle=False)
        return atomic_write_bytes(self.file(name), buf.getvalue())

    def load_array(self, name: str) -> np.ndarray:
        """Load an array saved with ``save_array``. Example: ``run.load_array("samples.npy")``."""
        return np.load(self.file(name), allow_pickle=False)

    def save_figure(self, fig, name: str, dpi: int = 100) -> pathlib.Path:
        """Save a matplotlib figure as PNG atomically. Example: ``run.save_figure(fig, "grid.png")``."""
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return atomic_write_bytes(self.file(name), buf.getvalue())

    def elapsed(self) -> float:
        """Seconds since this Run object was created (add a resumed run's earlier seconds yourself)."""
        return time.perf_counter() - self._started

    # --- PyTorch -----------------------------------------------------------------------------
    def save_torch(self, name: str = "checkpoint.pt", **state) -> pathlib.Path:
        """Save state dicts / tensors / numbers with torch.save, atomically.

        Example: ``run.save_torch(G=G.state_dict(), opt_G=opt_G.state_dict(), epoch=epoch)``.
        """
        import io

        import torch

        buf = io.BytesIO()
        torch.save(state, buf)
        return atomic_write_bytes(self.file(name), buf.getvalue())

    def load_torch(self, name: str = "checkpoint.pt", map_location="cpu"):
        """The dict saved by ``save_torch``, or None when there is none (weights only, no pickled code).

        Example: ``ckpt = run.load_torch(); G.load_state_dict(ckpt["G"])`` if ckpt is not None.
        """
        import torch

        path = self.file(name)
        if not path.exists():
            return None
        return torch.load(path, map_location=map_location, weights_only=True)

    # --- Keras / TensorFlow ------------------------------------------------------------------
    def keras_checkpoint(self, **trackables):
        """A ``tf.train.Checkpoint`` over models, optimisers and variables, saved in ``checkpoint/``.

        Returns ``(save, restore)``: ``save()`` writes a new checkpoint (keeping the last 2),
        ``restore()`` loads the newest one and returns True, or False when there is none.
        Example: ``save, restore = run.keras_checkpoint(G=G, D=D, opt_G=opt_G, opt_D=opt_D, epoch=epoch_var)``.
        """
        from . import _imports

        tf = _imports.tensorflow()
        ckpt = tf.train.Checkpoint(**trackables)
        manager = tf.train.CheckpointManager(ckpt, str(self.file("checkpoint")), max_to_keep=2)

        def save():
            return manager.save()

        def restore() -> bool:
            if manager.latest_checkpoint is None:
                return False
            ckpt.restore(manager.latest_checkpoint).expect_partial()
            return True

        return save, restore
