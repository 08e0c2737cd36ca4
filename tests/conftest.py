"""Test configuration shared by the unit tests and nbval.

Every notebook runs in quick mode under test (tiny budgets), with matplotlib's
non-interactive backend.
"""
import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

os.environ.setdefault("GAN_COURSE_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# Two notebooks run at once on 2 cores (-n 2): OpenMP threads that spin-wait for each
# other make small torch steps ~10x slower under that contention.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Never collect the generated student notebooks with nbval: they fail on purpose
# (at their blanks); tests/test_exercises.py checks exactly how they fail.
collect_ignore_glob = [str(ROOT / "notebooks" / "exercises" / "*")]


# ---- tiers -------------------------------------------------------------------------------------
# `pytest -m "not notebooks and not slow"` runs the fast unit tier (seconds); the README's command
# runs everything. A test may carry @pytest.mark.slow / notebooks itself; the ones below are marked
# here so that the tiers stay in one place. A name matches a test's node id from its file name on
# (parametrised ids included).
SLOW = (
    "test_vae.py::test_an_interrupted_run_resumes_and_a_finished_one_reloads",  # trains in a subprocess
    "test_imports.py::",                    # fresh interpreters importing torch and TensorFlow
    "test_book.py::test_book_builds",       # myst builds the whole site
    "test_book.py::test_offline_build",
    "test_wgan_keras.py::test_compiled_train_steps",
    "test_notebook_tool.py::",
    "test_scale.py::",                      # torchrun / MirroredStrategy processes
    "test_seeds.py::test_command_line",     # two quick trainings of lesson 04
    "test_frameworks.py::test_each_lesson", # every lesson's import cells in a kernel
)
NOTEBOOKS = (
    "test_exercises.py::test_untouched_exercise_fails_at_a_blank",  # executes every exercise notebook
    "test_exercises.py::test_an_error_before",
    "test_checks.py::test_hint_is_shown_without_traceback_in_a_real_kernel",  # starts a kernel
    "test_core.py::test_hint_is_shown_without_traceback_in_a_real_kernel",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        nodeid = item.nodeid.replace("\\", "/")
        where = nodeid.rsplit("/", 1)[-1]
        if nodeid.endswith(".ipynb") or ".ipynb::" in nodeid or where.startswith(NOTEBOOKS):
            item.add_marker(pytest.mark.notebooks)
        if where.startswith(SLOW):
            item.add_marker(pytest.mark.slow)
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


# ---- install paths -----------------------------------------------------------------------------
# Each lesson notebook runs with the framework it does not need hidden (GAN_COURSE_HIDE, see
# gan_course._imports): PyTorch lessons as on a PyTorch-only install, Keras and framework-free lessons
# as on a Keras-only install. The kernel of a notebook starts when its first cell is set up and
# inherits this environment.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    import _lessons

    path = str(getattr(item, "path", getattr(item, "fspath", "")))
    if path.endswith(".ipynb"):
        os.environ["GAN_COURSE_HIDE"] = _lessons.hide_for(pathlib.Path(path).stem)
    else:
        os.environ.pop("GAN_COURSE_HIDE", None)

