"""A learner with one framework: a lesson whose framework is missing says, in one line, which extra to
install; the others run. Frameworks are hidden with GAN_COURSE_HIDE (gan_course._imports), which makes
them look uninstalled, so one machine can play a PyTorch-only and a Keras-only learner.

The whole lessons run that way in the nbval tier (tests/conftest.py hides, per notebook, the framework it
does not need); here each lesson's import cells run with each framework hidden.
"""
import os
import subprocess
import sys

import pytest

import _lessons

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
jupytext = pytest.importorskip("jupytext")

EXTRA = {"torch": '.[torch]', "keras": '.[keras]'}


def _run(code: str, hide: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GAN_COURSE_HIDE": hide}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)


def test_hidden_framework_looks_uninstalled_with_one_clear_message():
    out = _run("import gan_course, importlib.util\n"
               "from gan_course import _imports\n"
               "assert not _imports.installed('torch') and not _imports.installed('torchvision')\n"
               "assert _imports.installed('numpy')\n"
               "try:\n    import torchvision\nexcept ModuleNotFoundError as e:\n    print(e.name, '|', e)\n", "torch")
    assert out.returncode == 0, out.stderr
    name, message = out.stdout.strip().split(" | ")
    assert name == "torchvision" and "needs PyTorch" in message and EXTRA["torch"] in message
    out = _run("import gan_course\ntry:\n    gan_course.tensorflow()\nexcept ModuleNotFoundError as e:\n    print(e)\n",
               "keras")
    assert "needs Keras (TensorFlow)" in out.stdout and EXTRA["keras"] in out.stdout, out.stderr


def _kernel_outputs(cells: list, hide: str, tmp_path) -> list:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    os.environ["GAN_COURSE_HIDE"] = hide
    try:
        nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.pop("GAN_COURSE_HIDE", None)
    return [c.outputs for c in nb.cells]


def test_a_missing_framework_is_one_line_in_a_kernel(tmp_path):
    """Both the hidden framework and a real ModuleNotFoundError for one are shown as one line."""
    outputs = _kernel_outputs(["import gan_course", "import torch",
                               "raise ModuleNotFoundError(\"No module named 'keras'\", name='keras')",
                               "import not_a_module_at_all"], "torch", tmp_path)
    (torch_err,) = [o for o in outputs[1] if o.output_type == "error"]
    assert len(torch_err.traceback) == 1 and torch_err.traceback[0].startswith("❌ This lesson needs PyTorch")
    (keras_err,) = [o for o in outputs[2] if o.output_type == "error"]
    assert len(keras_err.traceback) == 1 and EXTRA["keras"] in keras_err.traceback[0]
    (other,) = [o for o in outputs[3] if o.output_type == "error"]
    assert "not_a_module_at_all" in "".join(other.traceback) and "This lesson needs" not in "".join(other.traceback)


def _import_cells(name: str) -> list:
    """The lesson's parameters cell and the cell after it, where every lesson does its imports."""
    nb = jupytext.read(_lessons.ROOT / "notebooks" / f"{name}.md")
    return [c.source for c in nb.cells if c.cell_type == "code" and "colab" not in c.metadata.get("tags", [])][:2]


@pytest.mark.slow
@pytest.mark.parametrize("hide", ["torch", "keras"])
def test_each_lesson_imports_or_names_the_extra(hide, tmp_path):
    names = _lessons.lesson_names()
    cells = ["import os\nos.environ['GAN_COURSE_QUICK'] = '1'"]
    for name in names:
        cells += _import_cells(name)
    outputs = _kernel_outputs(cells, hide, tmp_path)[1:]
    problems = []
    for i, name in enumerate(names):
        errors = [o for out in outputs[2 * i: 2 * i + 2] for o in out if o.output_type == "error"]
        if hide in _lessons.needs(name):
            if not errors or len(errors[0].traceback) != 1 or EXTRA[hide] not in errors[0].traceback[0]:
                problems.append(f"{name}: expected one line naming {EXTRA[hide]}, got "
                                f"{[e.traceback for e in errors] or 'no error'}")
        elif errors:
            problems.append(f"{name}: should run without {hide} but raised {errors[0].ename}: {errors[0].evalue}")
    assert not problems, "\n".join(problems)
