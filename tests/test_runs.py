"""Run folders: atomic saves, reload of finished runs, resume, stale configs, both frameworks."""
import json

import numpy as np
import pytest

import gan_course  # noqa: F401  (import-order guard first)
from gan_course.runs import Run, atomic_write_bytes, runs_root


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    return tmp_path


def test_metrics_arrays_and_finished(root):
    run = Run("lesson", config={"epochs": 2}, root=root)
    assert not run.finished and run.path == root / "lesson"
    run.save_metrics(seconds=1.5)
    run.save_array("samples.npy", np.ones((3, 2), np.float32))
    assert not Run("lesson", config={"epochs": 2}, root=root).finished
    run.save_metrics(finished=True, device="cpu")
    again = Run("lesson", config={"epochs": 2}, root=root)
    assert again.finished and again.metrics()["seconds"] == 1.5 and again.metrics()["config"] == {"epochs": 2}
    np.testing.assert_array_equal(again.load_array("samples.npy"), np.ones((3, 2)))
    assert not list(root.glob("lesson/.*.tmp")), "no temporary files left behind"


def test_other_config_or_force_starts_afresh(root, capsys):
    Run("lesson", config={"epochs": 2}, root=root).save_metrics(finished=True)
    assert not Run("lesson", config={"epochs": 3}, root=root).finished
    assert "different config" in capsys.readouterr().out
    Run("lesson", config={"epochs": 3}, root=root).save_metrics(finished=True)
    assert not Run("lesson", config={"epochs": 3}, root=root, force=True).finished


def test_quick_mode_uses_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    assert Run("lesson", root=tmp_path).path.name == "lesson-quick"
    with pytest.raises(ValueError, match="plain name"):
        Run("../escape", root=tmp_path)


def test_runs_root_is_repo_root(monkeypatch, tmp_path):
    monkeypatch.delenv("GAN_COURSE_RUNS", raising=False)
    repo = runs_root().parent
    assert (repo / "pyproject.toml").exists() or runs_root().parent == tmp_path
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path))
    assert runs_root() == tmp_path


def test_atomic_write_keeps_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "m.json"
    atomic_write_bytes(target, b'{"ok": 1}')
    import os
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        atomic_write_bytes(target, b"half")
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_torch_checkpoint_roundtrip_weights_only(root):
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.ones(1, 3)).sum().backward()
    opt.step()
    run = Run("t", root=root)
    assert run.load_torch() is None
    run.save_torch(model=model.state_dict(), opt=opt.state_dict(), epoch=4)
    ckpt = run.load_torch()
    fresh = torch.nn.Linear(3, 2)
    fresh.load_state_dict(ckpt["model"])
    assert ckpt["epoch"] == 4 and torch.equal(fresh.weight, model.weight)
    torch.save({"evil": object()}, run.file("bad.pt"))   # arbitrary objects are refused
    with pytest.raises(Exception):
        run.load_torch("bad.pt")


def test_keras_checkpoint_resumes_model_optimizer_and_epoch(root):
    pytest.importorskip("tensorflow")
    import keras
    import tensorflow as tf

    def build():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        return model, keras.optimizers.Adam(1e-2), tf.Variable(0, dtype=tf.int64)

    model, opt, epoch = build()
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(tf.ones((1, 3))))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    epoch.assign(7)
    save, _ = Run("k", root=root).keras_checkpoint(model=model, opt=opt, epoch=epoch)
    save()
    model2, opt2, epoch2 = build()
    opt2.build(model2.trainable_variables)
    _, restore = Run("k", root=root).keras_checkpoint(model=model2, opt=opt2, epoch=epoch2)
    assert restore()
    assert int(epoch2.numpy()) == 7
    np.testing.assert_allclose(model2.get_weights()[0], model.get_weights()[0])
    assert int(opt2.iterations.numpy()) == 1
