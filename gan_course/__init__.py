"""gan_course: the helper package of an executable course on generative models.

Small modules that several lessons share; the idea each lesson teaches stays in
the lesson. Import it first in a notebook: it makes every import order of
PyTorch and TensorFlow safe (see ``gan_course._imports``).

* ``gan_course.info``      entropy, cross-entropy, KL and JSD on discrete distributions
* ``gan_course.data``      MNIST (online or the bundled subset), toy distributions, adapters
* ``gan_course.plotting``  image grids and loss curves
* ``gan_course.env``       seeding, device choice, quick/full budgets, offline flag, ``doctor()``
* ``gan_course.runs``      run folders: checkpoints, samples, metrics; resume and reload
* ``gan_course.checks``    the checks that exercise notebooks call after each blank
* ``gan_course.tools``     lecturer tools (exercise generator, notebook re-execution, export)
* ``gan_course.quiz``      the quiz at the end of each lesson

Nothing here imports torch or TensorFlow until a function needs it; the Keras lessons get TensorFlow
with ``tf = gan_course.tensorflow()`` (``import tensorflow as tf`` minus its C++ start-up notices).
"""
import os as _os

from . import _imports

# TensorFlow's C++ start-up chatter (oneDNN notices, "no CUDA driver") would fill the
# lessons' outputs; set TF_CPP_MIN_LOG_LEVEL=0 before importing gan_course to see it.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_imports.install()

if _os.environ.get("GAN_COURSE_TEXT_PROGRESS") == "1":
    # Set by ``python -m gan_course.tools.notebooks`` while it executes a lesson to commit it:
    # a saved notebook keeps no widget state, so a widget progress bar would be shown
    # frozen at its first frame; a text bar is saved as its final line instead.
    import tqdm.auto as _tqdm_auto
    import tqdm.std as _tqdm_std

    _tqdm_auto.tqdm, _tqdm_auto.trange = _tqdm_std.tqdm, _tqdm_std.trange

from ._imports import installed, tensorflow  # noqa: E402
from .env import budget, device, doctor, is_quick, seed_everything  # noqa: E402

__version__ = "0.2.0"
__all__ = ["budget", "device", "doctor", "installed", "is_quick", "seed_everything", "tensorflow", "__version__"]


def __getattr__(name):
    if name == "QUICK":  # was a constant frozen at import time (and unused): read the env var now
        import warnings

        warnings.warn("gan_course.QUICK is deprecated: call gan_course.is_quick() (read when called).",
                      DeprecationWarning, stacklevel=2)
        return is_quick()
    raise AttributeError(f"module 'gan_course' has no attribute {name!r}")
