"""Make every import order of PyTorch and TensorFlow/Keras safe.

With the builds this course pins, loading ``triton`` (which ``torchvision`` and
parts of ``torch`` import) *after* TensorFlow crashes the process with a
segmentation fault, and a Jupyter kernel dies the same way. Loading triton
*first* works. ``import gan_course`` installs a tiny import hook that:

* loads triton just before TensorFlow or Keras is imported (it takes ~0.2 s), and
* if TensorFlow was already imported before ``gan_course``, makes triton
  unimportable instead, so torch and torchvision fall back to running without
  it (they treat triton as optional) rather than killing the kernel.

Nothing else is changed, and nothing happens when triton is not installed.
``tests/test_imports.py`` runs every order in a fresh interpreter.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.util
import os
import sys
import warnings

_TF_ROOTS = ("tensorflow", "keras", "tf_keras")
_warned = False


def _root(name: str) -> str:
    return name.partition(".")[0]


def _triton_installed() -> bool:
    try:
        return importlib.util.find_spec("triton") is not None
    except (ImportError, ValueError):
        return False


def tf_loaded() -> bool:
    """True once TensorFlow (or Keras, which loads it) is in this process."""
    return any(root in sys.modules for root in ("tensorflow",))


class _OrderGuard(importlib.abc.MetaPathFinder):
    """Meta-path finder that only watches imports of triton, tensorflow and keras."""

    def find_spec(self, fullname, path=None, target=None):
        root = _root(fullname)
        if root == "triton" and "triton" not in sys.modules and tf_loaded():
            global _warned
            if not _warned:
                _warned = True
                warnings.warn(
                    "TensorFlow was imported before gan_course, so triton (used by torch.compile) "
                    "is disabled in this process to avoid a known crash. For full speed on a GPU, "
                    "restart the kernel and run `import gan_course` before TensorFlow or Keras.",
                    RuntimeWarning, stacklevel=2)
            raise ModuleNotFoundError(
                "triton is disabled because TensorFlow was imported first "
                "(importing it now would crash this process).", name=fullname)
        if root in _TF_ROOTS and "triton" not in sys.modules and not tf_loaded() and _triton_installed():
            importlib.import_module("triton")
        return None  # let the normal finders do the import


def install() -> None:
    """Install the guard once (``import gan_course`` calls this). Idempotent.

    Example: ``gan_course._imports.install()``.
    """
    if not any(isinstance(f, _OrderGuard) for f in sys.meta_path):
        sys.meta_path.insert(0, _OrderGuard())


def torch():
    """Import and return torch, with a clear message when it is not installed.

    Example: ``torch = gan_course._imports.torch()``.
    """
    return _need("torch", "torch")


def tensorflow(quiet: bool = True):
    """Import and return tensorflow (after triton, see the module docstring).

    ``quiet`` hides the C++ start-up notices TensorFlow writes straight to file
    descriptor 2 (oneDNN, "could not find cuda drivers"), which would otherwise
    land in a notebook's output; Python errors still show. Public as ``gan_course.tensorflow``.
    Example: ``tf = gan_course.tensorflow()``.
    """
    install()
    if not quiet or "tensorflow" in sys.modules:
        return _need("tensorflow", "keras")
    with _fd2_to_devnull():
        return _need("tensorflow", "keras")


@contextlib.contextmanager
def _fd2_to_devnull():
    """Point file descriptor 2 at /dev/null for the block (C++ logging ignores sys.stderr)."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (some embedded interpreters)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _need(module: str, extra: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as err:
        if err.name != module:
            raise
        raise ModuleNotFoundError(
            f"This needs {module}, which is not installed. Install the course's "
            f"{extra} extra:  pip install -e '.[{extra}]'  (or '.[all]' for both frameworks).",
            name=module) from None
