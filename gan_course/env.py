"""The environment a lesson runs in: seeding, device choice, quick/full budgets, offline flag,
the data folder, and the environment report.

What every training lesson needs before its first line of maths, in one place:

* ``seed_everything(0)`` seeds Python, numpy, and torch / TensorFlow when they are loaded;
* ``device()`` picks CUDA, then Apple's MPS, then the CPU;
* ``is_quick()`` / ``budget(quick=..., full=...)`` read ``GAN_COURSE_QUICK`` at the moment they
  are called, so that CI (and a lecturer in a hurry) runs every notebook in well under a minute;
* ``is_offline()`` reads ``GAN_COURSE_OFFLINE`` (skip every download attempt);
* ``data_home()`` is the one folder where datasets are cached;
* ``doctor()`` prints what lesson 00 shows: versions, devices, data sources.

(Run *folders* -- checkpoints, samples, metrics -- are ``gan_course.runs``; this module was
``gan_course.run`` until 0.2, and that name still works for one release.)

Frameworks are imported only when asked for, so a PyTorch-only or a Keras-only
learner never needs the other.
"""
from __future__ import annotations

import os
import platform
import random
import sys

__all__ = ["is_quick", "is_offline", "budget", "has_gpu", "seed_everything", "device", "doctor", "environment_report",
           "data_home"]

_TRUE = {"1", "true", "yes", "on"}


def is_quick() -> bool:
    """True when the environment variable ``GAN_COURSE_QUICK`` is set to 1/true/yes/on.

    Example: ``GAN_COURSE_QUICK=1 jupyter lab`` makes ``is_quick()`` return ``True``.
    """
    return os.environ.get("GAN_COURSE_QUICK", "").strip().lower() in _TRUE


def is_offline() -> bool:
    """True when ``GAN_COURSE_OFFLINE`` is set to 1/true/yes/on: loaders skip every download attempt.

    Example: ``GAN_COURSE_OFFLINE=1 jupyter lab`` makes ``is_offline()`` return ``True``.
    """
    return os.environ.get("GAN_COURSE_OFFLINE", "").strip().lower() in _TRUE


_MISSING = object()


def budget(quick, full, gpu=_MISSING):
    """Return ``quick`` in quick mode (``GAN_COURSE_QUICK=1``), ``gpu`` in full mode when a GPU is
    there (if given), and ``full`` otherwise.

    Example: ``num_epochs = budget(quick=1, full=30, gpu=100)``.
    """
    if is_quick():
        return quick
    if gpu is not _MISSING and has_gpu():
        return gpu
    return full


def has_gpu() -> bool:
    """True when a CUDA (or Apple MPS) GPU can be used by the framework the lesson uses.

    Asks torch or TensorFlow, whichever the lesson has already imported (else whichever is
    installed); ``GAN_COURSE_DEVICE=cpu`` says no. Example: ``has_gpu()`` -> ``False`` on a laptop CPU.
    """
    choice = os.environ.get("GAN_COURSE_DEVICE", "").strip().lower()
    if choice:
        return not choice.startswith("cpu")
    from . import _imports

    if "torch" in sys.modules or ("tensorflow" not in sys.modules and _imports.installed("torch")):
        import torch

        mps = getattr(torch.backends, "mps", None)
        return bool(torch.cuda.is_available() or (mps is not None and mps.is_available()))
    if "tensorflow" in sys.modules or _imports.installed("tensorflow"):
        return bool(_imports.tensorflow().config.list_physical_devices("GPU"))
    return False


def data_home() -> str:
    """The one folder where datasets are cached: ``$GAN_COURSE_DATA`` or ``~/.cache/gan_course``.

    Example: ``os.path.join(data_home(), "mnist")``.
    """
    path = os.environ.get("GAN_COURSE_DATA") or os.path.join(os.path.expanduser("~"), ".cache", "gan_course")
    return os.path.abspath(path)


def _loaded(name: str):
    """The module if it is already imported or importable, else None (never raises)."""
    if name in sys.modules:
        return sys.modules[name]
    return None


def seed_everything(seed: int = 0) -> int:
    """Seed Python's ``random``, numpy, and torch / TensorFlow if they are imported.

    Frameworks that are not imported yet are not imported here (that would slow
    down a lesson that does not use them). Python's string hashing is not seeded:
    ``PYTHONHASHSEED`` only acts when set before the interpreter starts, and nothing
    in the course depends on the order of a set. Example: ``seed_everything(42)``.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}.")
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    torch = _loaded("torch")
    if torch is not None:
        torch.manual_seed(seed)  # also seeds every CUDA device
    tf = _loaded("tensorflow")
    if tf is not None and hasattr(tf, "random"):
        tf.random.set_seed(seed)
    keras = _loaded("keras")
    if keras is not None and hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(seed)
    return seed


def device(prefer: str | None = None):
    """The best torch device here: ``cuda``, then ``mps``, then ``cpu``.

    ``prefer="cpu"`` (or ``GAN_COURSE_DEVICE=cpu``) forces a choice.
    Example: ``model.to(device())``.
    """
    import torch

    choice = (prefer or os.environ.get("GAN_COURSE_DEVICE") or "").strip().lower()
    if choice:
        if choice.startswith("cuda") and not torch.cuda.is_available():
            raise RuntimeError(f"device {choice!r} was asked for but torch sees no CUDA GPU here; use 'cpu'.")
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return None


def environment_report(frameworks: bool = True) -> dict:
    """The facts ``doctor()`` prints, as a dict (handy for metrics.json).

    Example: ``environment_report()["python"]`` -> ``'3.11.7'``.
    """
    report = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "cpu_count": os.cpu_count(),
        "memory_gib": None if _memory_gib() is None else round(_memory_gib(), 1),
        "quick_mode": is_quick(),
        "data_home": data_home(),
        "packages": {name: _version(name) for name in (
            "gan-course", "numpy", "scipy", "matplotlib", "ipywidgets", "mlxtend",
            "scikit-image", "torch", "torchvision", "tensorflow", "keras", "jupyterlab", "jupytext")},
    }
    from . import _imports

    if frameworks and _imports.installed("torch"):
        import torch

        report["torch_device"] = str(device())
        report["cuda_devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    if frameworks and _imports.installed("tensorflow"):
        tf = _imports.tensorflow()
        report["tf_devices"] = [d.name for d in tf.config.list_physical_devices()]
    return report


def doctor(frameworks: bool = True) -> dict:
    """Print a short report of this environment and return it as a dict.

    Lesson 00 runs it; paste its output into a question when asking for help.
    Example: ``gan_course.doctor()``.
    """
    r = environment_report(frameworks)
    lines = [
        f"Python      {r['python']} on {r['platform']}",
        f"CPU / RAM   {r['cpu_count']} cores, {r['memory_gib']} GiB",
        f"Mode        {'QUICK (GAN_COURSE_QUICK=1): tiny budgets' if r['quick_mode'] else 'FULL: the budgets a student trains with'}",
        f"Data cache  {r['data_home']}",
    ]
    for name, ver in r["packages"].items():
        lines.append(f"  {name:<13}{ver or 'not installed'}")
    if "torch_device" in r:
        gpus = ", ".join(r["cuda_devices"]) or "no CUDA GPU"
        lines.append(f"torch device   {r['torch_device']} ({gpus})")
    if "tf_devices" in r:
        lines.append(f"TF devices     {', '.join(r['tf_devices'])}")
    print("\n".join(lines))
    return r
