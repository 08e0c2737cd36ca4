"""Run folders: atomic saves, reload of finished runs, resume, runs kept per config, safe deletion,
checkpoints that no longer fit, both frameworks."""
import json

import numpy as np
import pytest

import gan_course  # noqa: F401  (import-order guard first)
from gan_course.runs import Run, atomic_write_bytes, config_label, lesson_seeds, runs_root, with_seeds


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


def test_seeds_summary_and_with_seeds(root):
    run = Run("lesson", config={"epochs": 2}, root=root)
    assert run.seeds() == {} and with_seeds(0.5932, run.seeds().get("recognised"), "{:.1%}") == "59.3%"
    entry = {"mean": 0.586, "sd": 0.035, "min": 0.527, "max": 0.613, "n": 5, "values": {}}
    run.file("seeds.json").write_text(json.dumps({"numbers": {"recognised": entry}}))
    assert run.seeds() == {"recognised": entry}
    assert with_seeds(0.5932, run.seeds()["recognised"], "{:.1%}") == "59.3% (over 5 seeds: 58.6% ± 3.5%)"
    one = {"mean": 0.5, "sd": float("nan"), "min": 0.5, "max": 0.5, "n": 1}  # a number only one seed measured
    assert with_seeds(0.5, one, "{:.1%}") == "50.0%"
    assert (with_seeds(0.5932, entry, "{:.1%}", show_range=True)
            == "59.3% (over 5 seeds: 58.6% ± 3.5%, 52.7% to 61.3%)")
    run.file("seeds.json").write_text("not json")
    assert run.seeds() == {}


def test_other_config_is_kept_and_reloaded_when_switched_back(root, capsys):
    first = Run("lesson", config={"epochs": 2, "lr": 0.1}, root=root)
    first.save_array("samples.npy", np.zeros(3))
    first.save_metrics(finished=True, score=1.0)
    second = Run("lesson", config={"epochs": 3, "lr": 0.1}, root=root)
    out = capsys.readouterr().out
    assert not second.finished and "other settings (epochs 2 -> 3)" in out and "kept it in runs/_kept/lesson/" in out
    assert not second.file("samples.npy").exists()
    second.save_metrics(finished=True, score=2.0)
    back = Run("lesson", config={"lr": 0.1, "epochs": 2}, root=root)  # same config, other key order
    assert back.finished and back.metrics()["score"] == 1.0 and back.file("samples.npy").exists()
    assert "reloaded the run kept for these settings" in capsys.readouterr().out
    again = Run("lesson", config={"epochs": 3, "lr": 0.1}, root=root)
    assert again.finished and again.metrics()["score"] == 2.0
    assert sorted(p.name for p in (root / "_kept" / "lesson").iterdir()) == [back.label]


def test_a_folder_without_config_is_left_alone(root):
    (root / "lesson").mkdir()
    (root / "lesson" / "seeds.json").write_text("{}")  # written by the seeds tool, not by a Run
    run = Run("lesson", config={"epochs": 2}, root=root)
    assert run.file("seeds.json").exists() and not (root / "_kept").exists()


def test_force_deletes_only_this_configs_run(root):
    a = Run("lesson", config={"epochs": 2}, root=root)
    a.save_metrics(finished=True)
    b = Run("lesson", config={"epochs": 3}, root=root)
    b.save_metrics(finished=True)
    assert not Run("lesson", config={"epochs": 3}, root=root, force=True).finished  # b deleted
    assert (root / "_kept" / "lesson" / a.label / "metrics.json").exists()        # a kept
    assert not Run("lesson", config={"epochs": 2}, root=root, force=True).finished  # a's kept copy deleted too
    assert not (root / "_kept" / "lesson" / a.label).exists()


@pytest.mark.parametrize("name", ["", ".", "..", ".hidden", "/tmp/abs", "a/b", "..\\x", "_kept", "_locks", None, "x y"])
def test_bad_names_are_refused_clearly(root, name):
    with pytest.raises(ValueError, match="plain folder name"):
        Run(name, root=root, force=True)


def test_nothing_outside_the_runs_root_can_be_removed(tmp_path, monkeypatch):
    """A scratch course checkout: runs/ beside a student's notebook; force=True with hostile names and links."""
    monkeypatch.setenv("GAN_COURSE_QUICK", "0")
    course = tmp_path / "course"
    runs = course / "runs"
    runs.mkdir(parents=True)
    (course / "my_notebook.ipynb").write_text("{}")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    for name in ("..", ".", "", "../course", str(course)):
        with pytest.raises(ValueError):
            Run(name, root=runs, force=True)
    (runs / "link").symlink_to(outside, target_is_directory=True)  # a run folder that is a link to elsewhere
    (outside / "config.json").write_text('{"old": 1}')
    Run("link", root=runs)  # another config: the link is moved aside, nothing deleted
    assert (runs / "_kept" / "link" / config_label({"old": 1})).is_symlink()
    (runs / "link2").symlink_to(outside, target_is_directory=True)
    Run("link2", config={"old": 1}, root=runs, force=True)  # this run's own folder is a link: only the link goes
    assert not (runs / "link2").is_symlink() and (runs / "link2").is_dir()
    kept_x = runs / "_kept" / "x" / config_label({"a": 1})
    kept_x.parent.mkdir(parents=True)
    kept_x.symlink_to(outside, target_is_directory=True)
    Run("x", config={"a": 1}, root=runs, force=True)  # "deletes" the kept copy: only the link goes
    assert not kept_x.is_symlink()
    from gan_course.runs import _remove
    for path in (course, outside, runs, runs / ".." / "outside"):
        with pytest.raises(RuntimeError, match="does not lie inside"):
            _remove(path, runs)
    assert (outside / "precious.txt").read_text() == "keep me" and (course / "my_notebook.ipynb").exists()


def test_quick_mode_uses_its_own_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    assert Run("lesson", root=tmp_path).path.name == "lesson-quick"
    with pytest.raises(ValueError, match="plain folder name"):
        Run("../escape", root=tmp_path)


def test_lesson_seeds_picks_one_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path))
    assert lesson_seeds("04") == {}                                       # the seeds command has not run
    entry = {"mean": 0.5, "sd": 0.1, "n": 3}
    (tmp_path / "04").mkdir()
    (tmp_path / "04" / "seeds.json").write_text(json.dumps({"numbers": {"fid": entry}}))
    assert lesson_seeds("04") == {"fid": entry}                           # one run folder: names without prefix
    numbers = {"04:fid": entry, "04-code:fid": dict(entry, mean=0.7), "02.vae:fid": dict(entry, mean=0.9)}
    (tmp_path / "04" / "seeds.json").write_text(json.dumps({"numbers": numbers}))
    assert lesson_seeds("04")["fid"]["mean"] == 0.5                       # the lesson's own folder by default
    assert lesson_seeds("04", "04-code") == {"fid": dict(entry, mean=0.7)}
    assert lesson_seeds("04", "02/vae")["fid"]["mean"] == 0.9             # a nested folder: "/" written "."
    assert lesson_seeds("04", "missing") == {}


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


def test_damaged_or_mismatched_torch_checkpoint_starts_afresh(root, capsys):
    torch = pytest.importorskip("torch")
    run = Run("t", root=root)
    run.save_torch(model=torch.nn.Linear(3, 2).state_dict(), epoch=5)
    run.save_metrics(finished=True)
    bigger = torch.nn.Linear(4, 2)  # the lesson's model changed
    before = bigger.weight.detach().clone()
    assert run.restore_torch(model=bigger) is None
    out = capsys.readouterr().out
    assert "does not fit this lesson's model" in out and "training starts afresh" in out and out.count("\n") == 1
    assert torch.equal(bigger.weight, before) and not run.finished and not run.file("checkpoint.pt").exists()
    assert list(run.path.glob("checkpoint.pt.unusable-*")), "the old checkpoint is kept for inspection"
    fits = torch.nn.Linear(3, 2)
    run.save_torch(model=fits.state_dict(), epoch=5)
    assert run.restore_torch(model=torch.nn.Linear(3, 2))["epoch"] == 5
    run.file("checkpoint.pt").write_bytes(b"PK\x03\x04 half a zip file")  # damaged on disk
    assert run.restore_torch(model=fits) is None and "could not be read" in capsys.readouterr().out
    run.save_torch(other=fits.state_dict())
    assert run.restore_torch(model=fits) is None and "has no entry 'model'" in capsys.readouterr().out


def test_keras_checkpoint_that_no_longer_fits_starts_afresh(root, capsys):
    pytest.importorskip("tensorflow")
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    save, _ = Run("k", root=root).keras_checkpoint(model=model)
    save()
    wider = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5)])
    before = wider.get_weights()[0].copy()
    _, restore = Run("k", root=root).keras_checkpoint(model=wider)
    assert restore() is False
    assert "does not fit this lesson's model" in capsys.readouterr().out
    np.testing.assert_array_equal(wider.get_weights()[0], before)


# ---- one trainer at a time -------------------------------------------------------------------

_OTHER = r"""
import sys
from gan_course.runs import Run
run = Run("lesson", config={"epochs": 2}, root=sys.argv[1], force=sys.argv[2] == "force")
print("opened: finished", run.finished, "locked", run.locked, flush=True)
sys.stdin.readline()                      # hold the run until the test closes stdin
"""


def _other_process(root, force=False):
    import os
    import pathlib
    import subprocess
    import sys

    repo = str(pathlib.Path(__file__).resolve().parents[1])
    env = {**os.environ, "GAN_COURSE_QUICK": "0", "PYTHONPATH": repo + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.Popen([sys.executable, "-c", _OTHER, str(root), "force" if force else ""], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_second_process_waits_for_the_run_being_trained_then_reloads_it(root):
    run = Run("lesson", config={"epochs": 2}, root=root)
    assert run.locked, "an unfinished run is locked by the process that opened it"
    assert Run("lesson", config={"epochs": 2}, root=root).locked, "the same process may open it again"
    other = _other_process(root)
    try:
        first = other.stdout.readline()
        assert "runs/lesson is being trained by process" in first and "waiting" in first, first
        assert other.poll() is None, "the second process waits"
        run.save_metrics(finished=True, seconds=1.0)
        assert not run.locked, "a finished run releases its lock"
        rest = other.communicate("\n", timeout=60)[0]
    finally:
        other.kill()
    assert "the other process is done" in rest and "opened: finished True locked False" in rest, rest


def test_writing_to_a_run_another_process_retrains_stops_with_a_clear_error(root):
    from gan_course.runs import RunLocked

    run = Run("lesson", config={"epochs": 2}, root=root)
    run.save_metrics(finished=True)
    assert not Run("lesson", config={"epochs": 2}, root=root).locked, "reloading a finished run takes no lock"
    other = _other_process(root, force=True)                     # another notebook retrains it
    try:
        assert "opened: finished False locked True" in other.stdout.readline()
        with pytest.raises(RunLocked, match=r"runs/lesson is being trained by process \d+ .*run this cell again"):
            run.save_metrics(epoch=1)
        assert run.metrics() == {}, "nothing was written into the other process's run"
    finally:
        other.communicate("\n", timeout=60)
    run.save_metrics(epoch=1)                                    # the other process has exited: free again
    assert run.locked and run.metrics()["epoch"] == 1
