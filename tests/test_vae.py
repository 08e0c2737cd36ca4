"""Lesson 02's models and losses (gan_course.vae_torch / vae_keras) and its two notebooks.

* the PyTorch and Keras twins build the same network: weights copied from one into the other
  give the same outputs, and their losses agree with each other and with torch.distributions;
* a Keras VAE draws fresh noise inside tf.function, and its checkpoint restores;
* the lesson's own training code resumes an interrupted run and reloads a finished one, and sets aside a
  checkpoint that no longer fits (training starts afresh instead of a traceback);
* the twins share their settings and sections, and their committed held-out ELBOs agree within 10%.
"""
import json
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import numpy as np
import pytest

import gan_course  # noqa: F401  (first: makes the torch / TensorFlow import order safe)

ROOT = pathlib.Path(__file__).resolve().parents[1]
TWINS = {"pytorch": ROOT / "notebooks" / "02_autoencoders_vae_pytorch.md",
         "keras": ROOT / "notebooks" / "02_autoencoders_vae_keras.md"}


@pytest.fixture(scope="module")
def T():
    pytest.importorskip("torch")
    from gan_course import vae_torch

    return vae_torch


@pytest.fixture(scope="module")
def K():
    pytest.importorskip("tensorflow")
    from gan_course import vae_keras

    return vae_keras


def test_torch_shapes(T):
    import torch

    x = torch.rand(8, 1, 28, 28)
    assert T.Decoder(16)(torch.randn(8, 16)).shape == (8, 1, 28, 28)
    assert T.Autoencoder(16)(x).shape == (8, 1, 28, 28)
    mu, logvar = T.Encoder(5)(x)
    assert mu.shape == logvar.shape == (8, 5)
    logits, mu, logvar = T.VAE(2)(x)
    assert logits.shape == (8, 1, 28, 28) and mu.shape == (8, 2)
    loss, recon, kl = T.vae_loss(x, logits, mu, logvar)
    assert loss.shape == () and torch.isclose(loss, recon + kl) and kl >= 0


def test_keras_shapes(K):
    import keras

    x = keras.random.uniform((8, 28, 28, 1))
    assert tuple(K.Decoder(16)(keras.random.normal((8, 16))).shape) == (8, 28, 28, 1)
    assert tuple(K.Autoencoder(16)(x).shape) == (8, 28, 28, 1)
    mu, logvar = K.Encoder(5)(x)
    assert tuple(mu.shape) == tuple(logvar.shape) == (8, 5)
    logits, mu, logvar = K.VAE(2)(x)
    assert tuple(logits.shape) == (8, 28, 28, 1) and tuple(mu.shape) == (8, 2)
    loss, recon, kl = K.vae_loss(x, logits, mu, logvar)
    assert np.isclose(float(loss), float(recon) + float(kl), rtol=1e-5) and float(kl) >= 0


def _dense_layers(model):
    """The Dense layers of a lesson model in the order their torch twins register their Linear layers."""
    import keras

    if isinstance(model, keras.layers.Dense):
        return [model]
    if isinstance(model, keras.Sequential):
        return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    return [d for attr in ("net", "encoder", "body", "mu", "logvar", "decoder") if hasattr(model, attr)
            for d in _dense_layers(getattr(model, attr))]


@pytest.mark.parametrize("name", ["Decoder", "Autoencoder", "Encoder", "VAE"])
def test_twins_build_the_same_network(T, K, name):
    """Copy the torch weights into the Keras model: same parameter count, same outputs."""
    import torch

    torch.manual_seed(0)
    t_model, k_model = getattr(T, name)(4, (32, 16)), getattr(K, name)(4, (32, 16))
    t_in = torch.randn(3, 4) if name == "Decoder" else torch.rand(3, 1, 28, 28)
    k_in = t_in.numpy() if name == "Decoder" else t_in.numpy().transpose(0, 2, 3, 1)  # NCHW -> NHWC
    k_model(k_in)  # build
    assert sum(p.numel() for p in t_model.parameters()) == k_model.count_params()
    linears = [m for m in t_model.modules() if isinstance(m, torch.nn.Linear)]
    denses = _dense_layers(k_model)
    assert [tuple(m.weight.shape[::-1]) for m in linears] == [tuple(d.kernel.shape) for d in denses]
    for m, d in zip(linears, denses):
        d.set_weights([m.weight.detach().numpy().T, m.bias.detach().numpy()])
    if name == "VAE":  # compare the deterministic parts: the encoder, and the decoder at mu
        t_mu, t_lv = t_model.encoder(t_in)
        k_mu, k_lv = k_model.encoder(k_in)
        np.testing.assert_allclose(k_mu, t_mu.detach().numpy(), atol=1e-5)
        np.testing.assert_allclose(k_lv, t_lv.detach().numpy(), atol=1e-5)
        t_out, k_out = t_model.decoder(t_mu), k_model.decoder(k_mu)
    else:
        t_out, k_out = t_model(t_in), k_model(k_in)
    if name == "Encoder":
        for a, b in zip(t_out, k_out):
            np.testing.assert_allclose(np.asarray(b), a.detach().numpy(), atol=1e-5)
    else:
        np.testing.assert_allclose(np.asarray(k_out), t_out.detach().numpy().transpose(0, 2, 3, 1), atol=1e-5)


def test_twin_losses_agree_with_each_other_and_with_torch_distributions(T, K):
    import torch
    from torch.distributions import Bernoulli, Normal, kl_divergence

    rng = np.random.default_rng(0)
    x = (rng.uniform(size=(5, 1, 28, 28)) > 0.7).astype(np.float32)
    logits = rng.normal(0, 2, size=(5, 1, 28, 28)).astype(np.float32)
    mu, lv = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    t = [torch.from_numpy(a) for a in (x, logits, mu, lv)]
    t_loss = np.array([float(v) for v in T.vae_loss(*t)])
    k_loss = np.array([float(v) for v in K.vae_loss(x.transpose(0, 2, 3, 1), logits.transpose(0, 2, 3, 1), mu, lv)])
    recon = -Bernoulli(logits=t[1]).log_prob(t[0]).sum(dim=(1, 2, 3)).mean()
    kl = kl_divergence(Normal(t[2], torch.exp(0.5 * t[3])), Normal(0.0, 1.0)).sum(dim=1).mean()
    reference = np.array([float(recon + kl), float(recon), float(kl)])
    np.testing.assert_allclose(t_loss, reference, rtol=1e-5)
    np.testing.assert_allclose(k_loss, reference, rtol=1e-5)


def test_keras_vae_draws_fresh_noise_inside_tf_function(K):
    import tensorflow as tf

    model = K.VAE(2)
    x = tf.random.uniform((4, 28, 28, 1))
    step = tf.function(lambda x: model(x)[0])
    assert not np.allclose(step(x), step(x))


def test_keras_checkpoint_restores_a_subclassed_vae(K, tmp_path):
    import keras
    import tensorflow as tf

    from gan_course.runs import Run

    def build():
        model, opt = K.VAE(2, (16, 8)), keras.optimizers.Adam(1e-3)
        model(tf.zeros((1, 28, 28, 1)))
        opt.build(model.trainable_variables)
        return model, opt

    model, opt = build()
    with tf.GradientTape() as tape:
        loss = K.vae_loss(tf.zeros((2, 28, 28, 1)), *model(tf.zeros((2, 28, 28, 1))))[0]
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    save, _ = Run("vae", root=tmp_path).keras_checkpoint(model=model, optimizer=opt)
    save()
    model2, opt2 = build()
    _, restore = Run("vae", root=tmp_path).keras_checkpoint(model=model2, optimizer=opt2)
    assert restore()
    for a, b in zip(model.weights, model2.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(opt2.iterations.numpy()) == 1


# ---- the lesson's own training code: interrupt, resume, reload -------------------------------

PRELUDE = '''
import os
import gan_course.runs as _runs

_count = [0]


def _crash_after_save():
    _count[0] += 1
    if os.environ.get("CRASH_AFTER_SAVES") and _count[0] >= int(os.environ["CRASH_AFTER_SAVES"]):
        print("SIMULATED CRASH", flush=True)
        os._exit(3)


_save_torch = _runs.Run.save_torch
_keras_checkpoint = _runs.Run.keras_checkpoint


def save_torch(self, *args, **kwargs):
    out = _save_torch(self, *args, **kwargs)
    _crash_after_save()
    return out


def keras_checkpoint(self, **trackables):
    save, restore = _keras_checkpoint(self, **trackables)

    def save_and_maybe_crash():
        out = save()
        _crash_after_save()
        return out

    return save_and_maybe_crash, restore


_runs.Run.save_torch, _runs.Run.keras_checkpoint = save_torch, keras_checkpoint
'''


def _lesson_script(md):
    """The lesson's code cells up to (and including) the one that trains the autoencoder."""
    jupytext = pytest.importorskip("jupytext")
    cells = [c.source for c in jupytext.read(md).cells if c.cell_type == "code"]
    upto = next(i for i, src in enumerate(cells) if 'train("autoencoder"' in src)
    return PRELUDE + "\n\n".join(cells[: upto + 1]) + '\nprint("EPOCHS DONE", len(ae_history["test"]))\n'


def _lesson_runner(twin, tmp_path):
    """A function that runs lesson 02's script up to the autoencoder's training in quick mode, with its runs in
    tmp_path (environment variables as keyword arguments, e.g. ``CRASH_AFTER_SAVES="1"``)."""
    pytest.importorskip("torch" if twin == "pytorch" else "tensorflow")
    script = tmp_path / "lesson.py"
    script.write_text(_lesson_script(TWINS[twin]), encoding="utf-8")
    env = {**os.environ, "GAN_COURSE_QUICK": "1", "GAN_COURSE_RUNS": str(tmp_path / "runs"),
           "MPLBACKEND": "Agg", "TF_CPP_MIN_LOG_LEVEL": "3", "GAN_COURSE_OFFLINE": "1"}

    def run(**extra):
        return subprocess.run([sys.executable, str(script)], cwd=tmp_path, env={**env, **extra},
                              capture_output=True, text=True, timeout=600)
    return run


@pytest.mark.parametrize("twin", ["pytorch", "keras"])
def test_an_interrupted_run_resumes_and_a_finished_one_reloads(twin, tmp_path):
    run = _lesson_runner(twin, tmp_path)
    crashed = run(CRASH_AFTER_SAVES="1")
    assert crashed.returncode == 3 and "SIMULATED CRASH" in crashed.stdout, crashed.stdout + crashed.stderr[-3000:]
    folder = tmp_path / "runs" / f"02_autoencoders_vae_{twin}" / "autoencoder-quick"
    assert not json.loads((folder / "metrics.json").read_text() if (folder / "metrics.json").exists() else "{}")
    resumed = run()
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "autoencoder: resuming after epoch 1" in resumed.stdout
    epochs = json.loads((folder / "config.json").read_text())["epochs"]
    assert epochs >= 2 and f"EPOCHS DONE {epochs}" in resumed.stdout
    assert json.loads((folder / "metrics.json").read_text())["finished"] is True
    assert (folder / "samples.npy").exists() and (folder / "samples.png").exists()
    samples = np.load(folder / "samples.npy")  # what lesson 10's report card reads: (n_samples, 28, 28) in [0, 1]
    n_samples = json.loads((folder / "config.json").read_text())["n_samples"]
    assert samples.shape == (n_samples, 28, 28) and samples.dtype == np.float32
    assert 0 <= samples.min() and samples.max() <= 1
    reloaded = run()
    assert reloaded.returncode == 0 and "autoencoder: finished run reloaded" in reloaded.stdout
    assert f"EPOCHS DONE {epochs}" in reloaded.stdout


@pytest.mark.parametrize("twin", ["pytorch", "keras"])
def test_a_checkpoint_that_no_longer_fits_is_set_aside_and_training_starts_afresh(twin, tmp_path):
    """PyTorch: a checkpoint of another architecture (run.restore_torch); Keras: a damaged one (keras_checkpoint)."""
    run = _lesson_runner(twin, tmp_path)
    crashed = run(CRASH_AFTER_SAVES="1")
    assert crashed.returncode == 3, crashed.stdout + crashed.stderr[-3000:]
    folder = tmp_path / "runs" / f"02_autoencoders_vae_{twin}" / "autoencoder-quick"
    if twin == "pytorch":
        import torch

        from gan_course.vae_torch import Autoencoder

        path = folder / "checkpoint.pt"
        ckpt = torch.load(path, weights_only=True)
        ckpt["model"] = Autoencoder(3, (8, 4)).state_dict()  # the code changed: other shapes
        torch.save(ckpt, path)
    else:
        index = sorted((folder / "checkpoint").glob("ckpt-*.index"))
        assert index, list((folder / "checkpoint").iterdir())
        index[-1].write_bytes(b"not a checkpoint")       # damaged
    again = run()
    assert again.returncode == 0, again.stderr[-3000:]
    assert "set aside" in again.stdout and "training starts afresh" in again.stdout, again.stdout
    assert "resuming after epoch" not in again.stdout
    epochs = json.loads((folder / "config.json").read_text())["epochs"]
    assert f"EPOCHS DONE {epochs}" in again.stdout
    assert json.loads((folder / "metrics.json").read_text())["finished"] is True


# ---- the twins -------------------------------------------------------------------------------

def test_twins_share_settings_and_sections():
    jupytext = pytest.importorskip("jupytext")
    nbs = {k: jupytext.read(p) for k, p in TWINS.items()}
    params = {k: next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", [])) for k, nb in nbs.items()}
    assert params["pytorch"] == params["keras"], "the twins must train with the same parameters cell"
    heads = {k: [ln for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines()
                 if ln.startswith("## ") or ln.startswith("### ")] for k, nb in nbs.items()}
    assert heads["pytorch"] == heads["keras"]


def _reported_elbo(ipynb):
    nb = nbformat.read(ipynb, as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    found = re.search(r"held-out ELBO: (-?\d+\.\d+) nats per image", text)
    return float(found.group(1)) if found else None


def test_committed_twins_reach_comparable_heldout_elbo():
    elbos = {k: _reported_elbo(p.with_suffix(".ipynb")) for k, p in TWINS.items()}
    if None in elbos.values():
        pytest.skip(f"a twin's committed notebook reports no held-out ELBO yet: {elbos}")
    a, b = elbos["pytorch"], elbos["keras"]
    assert a < 0 and b < 0
    assert abs(a - b) <= 0.10 * max(abs(a), abs(b)), f"held-out ELBO: PyTorch {a}, Keras {b} (more than 10% apart)"
