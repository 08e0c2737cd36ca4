"""Run folders: where a training lesson keeps what it produces, so nothing is lost.

Each training notebook writes under ``runs/<notebook>/`` (``runs/<notebook>-quick/``
in quick mode, so a quick test run never overwrites or reuses a real one):

* ``checkpoint.pt`` (PyTorch) or ``checkpoint/`` (Keras) -- weights, optimiser state and
  the epoch reached, written atomically (write to a temporary name, then rename),
  so an interrupted save never corrupts the last good checkpoint;
* ``samples.npy``, a sample-grid PNG, and ``metrics.json`` (device, seconds, quality
  figures, the config it was trained with, ``finished``).

A lesson asks ``run.finished`` to reload a finished run instead of retraining, and
``run.restore_torch(G=G, ...)`` / ``run.keras_checkpoint(...)`` to resume an interrupted
one. Nothing trained is ever thrown away behind a student's back:

* a saved run with **another config** is moved aside to ``runs/_kept/<notebook>/<label>/``
  (label: a short hash of its config), and moved back when the config is switched back,
  so changing a parameter and changing it back reloads the earlier run; one line says so;
* ``force=True`` (a lesson's ``retrain``) deletes only this run's own folder (and a kept copy
  of the same config), after checking that it lies inside the runs root; names such as
  ``..``, ``.``, ``""``, hidden or absolute names are refused;
* a checkpoint that no longer fits the lesson's model (the code changed, the file is damaged)
  is set aside with a one-line explanation and training starts afresh;
* one process at a time trains a run: an unfinished run is locked (``runs/_locks/<name>.lock``,
  an operating-system file lock that dies with its process) from ``Run(...)`` until
  ``save_metrics(finished=True)``. A second notebook or terminal that opens the same run waits,
  with one line saying by which process, and then reloads the finished run instead of training
  into the same files at the same time.

PyTorch checkpoints are loaded with ``weights_only=True`` (tensors and plain containers only,
never arbitrary pickled objects). The training loop itself stays in the lesson; this module
only saves and loads.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import pathlib
import platform
import re
import shutil
import time

import numpy as np

from .env import is_quick
from .fileio import atomic_write_bytes

__all__ = ["Run", "RunLocked", "runs_root", "with_seeds", "lesson_seeds", "atomic_write_bytes"]

KEPT = "_kept"  # runs/_kept/<notebook>/<label>/: runs saved with another config
LOCKS = "_locks"  # runs/_locks/<name>.lock: held by the process training that run
_HELD: dict[str, int] = {}  # lock file -> open descriptor, for the locks this process holds
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


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


def check_name(name) -> str:
    """``name`` if it is a plain run name (letters, digits, ``_ . + -``, not starting with a dot),
    else a ValueError saying why. Example: ``check_name("04_vanilla_gan_pytorch")``.
    """
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", "..") or name in (KEPT, LOCKS):
        raise ValueError(f"a run name must be a plain folder name such as '04_vanilla_gan_pytorch' (letters, "
                         f"digits, _ . + -; not empty, hidden, '..', absolute or a path); got {name!r}.")
    return name


def config_label(config: dict) -> str:
    """A short, stable label for a config: the first 10 hex digits of its sha256.

    Example: ``config_label({"epochs": 30})`` -> ``'5d1f0b0e67'`` (always the same for that config).
    """
    text = json.dumps(_jsonable(config), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _changes(old, new) -> str:
    """'lr 0.0002 -> 0.001, epochs 30 -> 60': how two configs differ, for a one-line message."""
    if not isinstance(old, dict):
        return "no readable config"
    keys = sorted(set(old) | set(new))
    diff = [f"{k} {old.get(k, '-')} -> {new.get(k, '-')}" for k in keys if old.get(k) != new.get(k)]
    return ", ".join(diff[:4]) + (f" (+{len(diff) - 4} more)" if len(diff) > 4 else "")


def _inside(path: pathlib.Path, root: pathlib.Path) -> bool:
    """True if ``path`` itself (a link is not followed at the last step) lies strictly inside ``root``."""
    path, root = path.parent.resolve() / path.name, root.resolve()
    return path.name not in ("", ".", "..") and root in path.parents


def _remove(path: pathlib.Path, root: pathlib.Path) -> None:
    """Delete a run folder, only after checking that it lies strictly inside the runs root
    (a link is unlinked, never followed)."""
    if not _inside(path, root):
        raise RuntimeError(f"refusing to delete {path}: it does not lie inside the runs folder {root}.")
    if path.is_symlink():
        path.unlink()
        return
    if root.resolve() not in path.resolve().parents:
        raise RuntimeError(f"refusing to delete {path}: it does not lie inside the runs folder {root}.")
    if path.exists():
        shutil.rmtree(path)


try:  # file locks: fcntl on POSIX, msvcrt on Windows, none elsewhere
    import fcntl
except ImportError:
    fcntl = None
    try:
        import msvcrt
    except ImportError:
        msvcrt = None


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on an open file without waiting; False when another process holds it."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif msvcrt is not None:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True  # (no file locks on this system: nothing to enforce)
    except OSError:
        return False


def _release(fd: int) -> None:
    """Release a lock taken by ``_try_lock`` (explicitly: a forked child may still share the descriptor)."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        elif msvcrt is not None:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        pass


def _holder(path: pathlib.Path) -> str:
    """'process 1234 on host' as written in a lock file by its holder, or 'another process'."""
    try:
        text = path.read_text().strip()
    except OSError:
        text = ""
    return text or "another process"


class RunLocked(RuntimeError):
    """Another process holds the lock of a run that this process was about to write."""


class Run:
    """The run folder of one notebook and one config.

    ``force=True`` (a lesson's ``retrain`` parameter) deletes this run's own folder first;
    a run saved with another config is kept aside, never deleted (see the module docstring).
    Example: ``run = Run("04_vanilla_gan_pytorch", config=dict(epochs=30, lr=2e-4))``.
    """

    def __init__(self, notebook: str, config: dict | None = None, root=None, force: bool = False):
        check_name(notebook)
        self.name = notebook + ("-quick" if is_quick() else "")
        self.root = pathlib.Path(root).expanduser().resolve() if root else runs_root()
        self.path = self.root / self.name
        self.config = _jsonable(dict(config or {}))
        self.label = config_label(self.config)
        self._started = time.perf_counter()
        self._lock_path = self.root / LOCKS / f"{self.name}.lock"
        self._lock(wait=True)  # before anything in the folder is moved, deleted or read
        kept_same = self._kept(self.label)
        saved = self.saved_config() if self.path.exists() else None
        if isinstance(saved, dict) and saved != self.config:
            # another config's run lives here: move it aside, never delete it (a folder without
            # config.json was not made by a Run, e.g. only seeds.json: it is left as it is)
            label = config_label(saved)
            self._move(self.path, self._kept(label))
            print(f"runs/{self.name}: the saved run used other settings ({_changes(saved, self.config)}); "
                  f"kept it in runs/{KEPT}/{self.name}/{label}/ -- switch back and it is reloaded.")
        if force:
            if self.path.exists():
                _remove(self.path, self.root)
            if kept_same.exists():
                _remove(kept_same, self.root)
        elif kept_same.exists() and not self.path.exists():
            self._move(kept_same, self.path)
            print(f"runs/{self.name}: reloaded the run kept for these settings (runs/{KEPT}/{self.name}/{self.label}/).")
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path / "config.json", json.dumps(self.config, indent=2, sort_keys=True).encode())
        if self.finished:
            self._unlock()  # a finished run is only read: other processes may open it too

    # --- one trainer at a time ---------------------------------------------------------------
    @property
    def locked(self) -> bool:
        """True while this process holds the run's lock (from ``Run(...)`` until the run is finished)."""
        return str(self._lock_path) in _HELD

    def _lock(self, wait: bool) -> None:
        """Hold the run's lock; when another process holds it, wait for it (saying so once) or,
        with ``wait=False``, raise RunLocked."""
        key = str(self._lock_path)
        if key in _HELD:
            return
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        told = False
        while not _try_lock(fd):
            holder = _holder(self._lock_path)
            if not wait:
                os.close(fd)
                raise RunLocked(f"runs/{self.name} is being trained by {holder} at the same time; this process "
                                "stops writing to it. Wait for the other one to finish and run this cell again: "
                                "the finished run is reloaded.")
            if not told:
                print(f"runs/{self.name} is being trained by {holder} (another notebook or a terminal); waiting "
                      "for it to finish, then this run is reloaded. Interrupt to stop waiting; if that notebook "
                      "was interrupted, restart its kernel.", flush=True)
                told = True
            try:
                time.sleep(0.5)
            except BaseException:
                os.close(fd)
                raise
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"process {os.getpid()} on {platform.node() or 'this machine'}".encode())
        _HELD[key] = fd
        if told:
            print(f"runs/{self.name}: the other process is done.", flush=True)

    def _unlock(self) -> None:
        fd = _HELD.pop(str(self._lock_path), None)
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
            _release(fd)
            os.close(fd)

    def _kept(self, label: str) -> pathlib.Path:
        return self.root / KEPT / self.name / label

    def _move(self, src: pathlib.Path, dst: pathlib.Path) -> None:
        if not (_inside(src, self.root) and _inside(dst, self.root)):
            raise RuntimeError(f"refusing to move {src} to {dst}: both must lie inside the runs folder {self.root}.")
        if dst.exists():
            _remove(dst, self.root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)

    def _set_aside(self, name: str, why: str) -> None:
        """A checkpoint that cannot be used: rename it (kept for inspection), mark the run
        unfinished, and say so in one line."""
        path = self.file(name)
        aside = path.with_name(f"{path.name}.unusable-{time.strftime('%Y%m%d-%H%M%S')}")
        if path.exists():
            os.replace(path, aside)
        if self.metrics():
            self.save_metrics(finished=False)
        print(f"runs/{self.name}/{name} {why}; set aside as {aside.name}, training starts afresh.")

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

    def seeds(self) -> dict:
        """The seeds command's summary of this run's lesson (``runs/<lesson>/seeds.json``): {name: {"mean", "sd",
        "min", "max", "n", "values"}}, or {} when ``python -m gan_course.tools.seeds`` has not been run.
        Example: ``run.seeds().get("recognised")``.
        """
        try:
            return json.loads(self.file("seeds.json").read_text())["numbers"]
        except (OSError, ValueError, KeyError):
            return {}

    def save_metrics(self, finished: bool = False, **values) -> dict:
        """Merge ``values`` into metrics.json (atomically) and return the whole dict.

        Example: ``run.save_metrics(finished=True, device="cpu", seconds=93.2, fid=41.0)``.
        """
        if not finished:
            self._lock(wait=False)
        merged = {**self.metrics(), **_jsonable(values), "finished": bool(finished), "config": self.config}
        atomic_write_bytes(self.file("metrics.json"), json.dumps(merged, indent=2, sort_keys=True).encode())
        if finished:
            self._unlock()
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

        self._lock(wait=False)
        buf = io.BytesIO()
        torch.save(state, buf)
        return atomic_write_bytes(self.file(name), buf.getvalue())

    def load_torch(self, name: str = "checkpoint.pt", map_location="cpu"):
        """The dict saved by ``save_torch``, or None when there is none or it cannot be read
        (a damaged file is set aside with a one-line message). Weights only, no pickled code.

        Example: ``ckpt = run.load_torch(); G.load_state_dict(ckpt["G"])`` if ckpt is not None.
        """
        import pickle
        import zipfile

        import torch

        path = self.file(name)
        if not path.exists():
            return None
        try:
            return torch.load(path, map_location=map_location, weights_only=True)
        except pickle.UnpicklingError:
            raise  # not damaged but refused: it holds objects other than tensors (never unpickled)
        except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as err:
            self._set_aside(name, f"could not be read ({type(err).__name__}: {str(err).splitlines()[0][:80]})")
            return None

    def restore_torch(self, name: str = "checkpoint.pt", map_location="cpu", **objects):
        """Load a checkpoint into modules and optimisers by name; returns the whole saved dict
        (epoch, seconds, ...) or None when there is nothing usable to resume.

        If the checkpoint does not fit (the lesson's model changed, a key is missing), every
        object is put back as it was, the file is set aside with one line saying why, and
        None is returned: the lesson trains afresh.
        Example: ``ckpt = run.restore_torch(G=G, D=D, opt_G=opt_G, opt_D=opt_D, map_location=device)``.
        """
        ckpt = self.load_torch(name, map_location)
        if ckpt is None:
            return None
        before = {key: copy.deepcopy(obj.state_dict()) for key, obj in objects.items()}
        try:
            for key, obj in objects.items():
                obj.load_state_dict(ckpt[key])
        except (KeyError, RuntimeError, ValueError, TypeError) as err:
            for key, obj in objects.items():
                obj.load_state_dict(before[key])
            what = f"has no entry {err}" if isinstance(err, KeyError) else str(err).splitlines()[0][:100]
            self._set_aside(name, f"does not fit this lesson's model (the code changed?): {what}")
            return None
        return ckpt

    # --- Keras / TensorFlow ------------------------------------------------------------------
    def keras_checkpoint(self, **trackables):
        """A ``tf.train.Checkpoint`` over models, optimisers and variables, saved in ``checkpoint/``.

        Returns ``(save, restore)``: ``save()`` writes a new checkpoint (keeping the last 2),
        ``restore()`` loads the newest one and returns True, or False when there is none or
        it does not fit the models any more (then it is set aside with a one-line message).
        Example: ``save, restore = run.keras_checkpoint(G=G, D=D, opt_G=opt_G, opt_D=opt_D, epoch=epoch_var)``.
        """
        from . import _imports

        tf = _imports.tensorflow()
        ckpt = tf.train.Checkpoint(**trackables)
        manager = tf.train.CheckpointManager(ckpt, str(self.file("checkpoint")), max_to_keep=2)

        def save():
            self._lock(wait=False)
            return manager.save()

        def restore() -> bool:
            if manager.latest_checkpoint is None:
                return False
            before = {key: [v.numpy() for v in _variables(obj)] for key, obj in trackables.items()}
            try:
                ckpt.restore(manager.latest_checkpoint).expect_partial()
            except Exception as err:  # noqa: BLE001 -- shapes changed or files damaged: start afresh
                for key, obj in trackables.items():
                    for var, value in zip(_variables(obj), before[key]):
                        var.assign(value)
                self._set_aside("checkpoint", "does not fit this lesson's model (the code changed?) or is "
                                f"damaged: {str(err).splitlines()[0][:100]}")
                return False
            return True

        return save, restore


def with_seeds(value, summary: dict | None, fmt: str = "{:.3g}", show_range: bool = False) -> str:
    """``value`` formatted by ``fmt``, then the seeds' mean ± sd (and their range) from one entry of ``Run.seeds()``.

    With no entry (``None`` or {}), or one from a single seed (no spread to show), only the value. For the
    key-results boxes of the lessons.
    Example: ``with_seeds(0.593, {"mean": 0.586, "sd": 0.035, "min": 0.527, "max": 0.613, "n": 5}, "{:.1%}")``
    -> ``'59.3% (over 5 seeds: 58.6% ± 3.5%)'``.
    """
    text = fmt.format(value)
    if not summary or summary.get("n", 0) < 2:
        return text
    spread = f", {fmt.format(summary['min'])} to {fmt.format(summary['max'])}" if show_range else ""
    return f"{text} (over {summary['n']} seeds: {fmt.format(summary['mean'])} ± {fmt.format(summary['sd'])}{spread})"


def lesson_seeds(lesson: str, folder: str | None = None) -> dict:
    """The seeds command's summary of one run folder of a lesson, from ``runs/<lesson>/seeds.json``: {key: {"mean",
    "sd", "min", "max", "n", "values"}}, or {} when the seeds command has not been run for that lesson.

    seeds.json names a number ``key`` when the lesson wrote one run folder and ``<folder>:key`` when it wrote
    several (a nested folder with "." for "/"); this keeps the names of ``folder`` (default: the folder named
    like the lesson) without their prefix, so a caller need not know how many folders the lesson wrote.
    Example: ``lesson_seeds("04_vanilla_gan_pytorch", "04_vanilla_gan_pytorch-code")["quality.confident"]["mean"]``.
    """
    try:
        numbers = json.loads((runs_root() / lesson / "seeds.json").read_text())["numbers"]
    except (OSError, ValueError, KeyError):
        return {}
    own = (folder or lesson).replace("/", ".") + ":"
    return {name.removeprefix(own): v for name, v in numbers.items() if ":" not in name or name.startswith(own)}


def _variables(obj) -> list:
    """The tf.Variables a trackable holds: a model's or optimiser's variables, or the variable itself."""
    if hasattr(obj, "assign") and hasattr(obj, "numpy"):
        return [obj]
    return list(getattr(obj, "variables", []) or [])
