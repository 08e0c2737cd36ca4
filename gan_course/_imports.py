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

Two more things a learner with only one framework needs:

* a lesson whose framework is missing stops at its import cell with ONE line saying which
  extra to install (an IPython handler for that ModuleNotFoundError, installed in a kernel),
  instead of a bare ``No module named 'torch'``;
* ``GAN_COURSE_HIDE=torch`` (or ``keras``) makes a framework look uninstalled, so the test
  suite can run a lesson as a PyTorch-only or Keras-only learner would (``installed()`` then
  says False and ``import torch`` fails with that one line).
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
_TORCH_ROOTS = ("torch", "torchvision", "triton")
# extra to install, and the name a learner knows, for each framework's top-level modules
FRAMEWORKS = {**{r: ("torch", "PyTorch") for r in _TORCH_ROOTS}, **{r: ("keras", "Keras (TensorFlow)") for r in _TF_ROOTS}}
_warned = False


def hidden_roots() -> set:
    """Top-level modules made to look uninstalled by ``GAN_COURSE_HIDE`` ("torch", "keras" or both).

    Example: with ``GAN_COURSE_HIDE=keras``, ``hidden_roots()`` -> ``{"tensorflow", "keras", "tf_keras"}``.
    """
    names = {n.strip().lower() for n in os.environ.get("GAN_COURSE_HIDE", "").split(",") if n.strip()}
    roots = set()
    if names & {"torch", "pytorch"}:
        roots.update(_TORCH_ROOTS)
    if names & {"keras", "tensorflow", "tf"}:
        roots.update(_TF_ROOTS)
    return roots


def missing_message(root: str) -> str:
    """The one line a lesson shows when its framework is not installed.

    Example: ``missing_message("torch")`` -> ``"This lesson needs PyTorch, which is not installed here: ..."``.
    """
    extra, label = FRAMEWORKS.get(root, (None, root))
    twin = "Keras" if extra == "torch" else "PyTorch"
    return (f"This lesson needs {label}, which is not installed here: run  pip install -e \".[{extra}]\"  in the "
            f"course folder (or pip install \"gan-course[{extra}]\"), restart the kernel and run again; or open "
            f"the lesson's {twin} twin, if it has one.")


class MissingFramework(ModuleNotFoundError):
    """A framework a lesson imports is not installed (or hidden): Jupyter shows one line, no traceback."""

    def __init__(self, root: str):
        super().__init__(missing_message(root), name=root)

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of a traceback
        return [f"❌ {self.args[0]}"]


def installed(name: str) -> bool:
    """True if module ``name`` can be imported here (hidden frameworks count as not installed).

    Never raises, unlike ``importlib.util.find_spec``. Example: ``installed("torch")``.
    """
    if _root(name) in hidden_roots():
        return False
    try:
        return name in sys.modules or importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _root(name: str) -> str:
    return name.partition(".")[0]


def _triton_installed() -> bool:
    return installed("triton")


def tf_loaded() -> bool:
    """True once TensorFlow (or Keras, which loads it) is in this process."""
    return any(root in sys.modules for root in ("tensorflow",))


class _OrderGuard(importlib.abc.MetaPathFinder):
    """Meta-path finder that only watches imports of triton, tensorflow and keras."""

    def find_spec(self, fullname, path=None, target=None):
        root = _root(fullname)
        if root in hidden_roots():
            raise MissingFramework(root)
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
    _install_ipython_handler()


def _install_ipython_handler() -> None:
    """In a Jupyter kernel, show a missing framework's ModuleNotFoundError as one line naming the extra."""
    shell = sys.modules.get("IPython") and getattr(sys.modules["IPython"], "get_ipython", lambda: None)()
    if shell is None or getattr(shell, "_gan_course_missing_handler", False):
        return

    def handler(self, etype, value, tb, tb_offset=None):
        root = _root(getattr(value, "name", None) or "")
        if root in FRAMEWORKS and not isinstance(value, MissingFramework):
            value, etype = MissingFramework(root), MissingFramework
        # show it here (IPython 9 discards what a custom handler returns); return nothing more to show
        self.showtraceback(exc_tuple=(etype, value, tb), tb_offset=tb_offset)
        return []

    shell.set_custom_exc((ModuleNotFoundError,), handler)
    shell._gan_course_missing_handler = True


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
    except MissingFramework:
        raise
    except ModuleNotFoundError as err:
        if err.name != module:
            raise
        raise MissingFramework(module) from None
