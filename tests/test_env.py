"""gan_course.env: seeding, device choice, quick/full budgets, the offline flag, the environment report."""
import random

import numpy as np
import pytest

import gan_course
from gan_course import env as run


def test_budget_follows_env(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    assert run.is_quick() and run.budget(quick=1, full=30) == 1
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    assert not run.is_quick() and run.budget(quick=1, full=30) == 30
    monkeypatch.delenv("GAN_COURSE_QUICK")
    assert run.budget(quick=1, full=30) == 30


def test_seed_everything_repeats_numpy_python_torch():
    torch = pytest.importorskip("torch")
    run.seed_everything(7)
    a = (random.random(), np.random.rand(), torch.rand(1).item())
    run.seed_everything(7)
    assert a == (random.random(), np.random.rand(), torch.rand(1).item())
    with pytest.raises(ValueError):
        run.seed_everything(-1)


def test_device_is_cpu_here_and_can_be_forced(monkeypatch):
    torch = pytest.importorskip("torch")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert run.device().type in (expected, "mps")
    assert run.device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA"):
            run.device("cuda")


def test_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("GAN_COURSE_DATA", str(tmp_path))
    assert run.data_home() == str(tmp_path)


def test_doctor_reports(capsys):
    r = gan_course.doctor(frameworks=False)
    out = capsys.readouterr().out
    assert r["packages"]["numpy"] == np.__version__
    assert "Python" in out and "Data cache" in out


def test_quick_and_offline_are_read_when_asked(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    with pytest.warns(DeprecationWarning, match="is_quick"):
        assert gan_course.QUICK is True
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    with pytest.warns(DeprecationWarning):
        assert gan_course.QUICK is False
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "yes")
    assert run.is_offline()
    monkeypatch.setenv("GAN_COURSE_OFFLINE", "0")
    assert not run.is_offline()


def test_seed_everything_leaves_pythonhashseed_alone(monkeypatch):
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    run.seed_everything(3)
    assert "PYTHONHASHSEED" not in __import__("os").environ


def test_old_module_name_still_works_for_one_release():
    import importlib
    import sys

    sys.modules.pop("gan_course.run", None)
    with pytest.warns(DeprecationWarning, match="gan_course.env"):
        old = importlib.import_module("gan_course.run")
    assert old.budget is run.budget and old.seed_everything is run.seed_everything
    assert old.QUICK == run.is_quick()


def test_budget_picks_the_gpu_budget_only_on_a_gpu(monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cuda")
    assert run.has_gpu() and run.budget(quick=1, full=30, gpu=100) == 100
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cpu")
    assert not run.has_gpu() and run.budget(quick=1, full=30, gpu=100) == 30
    assert run.budget(quick=1, full=30) == 30
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cuda")
    assert run.budget(quick=1, full=30, gpu=100) == 1
    monkeypatch.delenv("GAN_COURSE_DEVICE")
    torch = pytest.importorskip("torch")
    assert run.has_gpu() == torch.cuda.is_available() or run.has_gpu()
