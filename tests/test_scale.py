"""Lesson 11's scripts (``gan_course.scale``) against their references.

* ``torchrun`` with 2 gloo processes on the CPU, SyncBatchNorm on, batch 8 each, computes the same per-step
  losses as one process with batch 16 (within TOL: float32 sums taken in another order) and the same weights
  (within W_TOL, half an Adam step),
  and all-reduces exactly the bytes the cost model counts: 4 x (2 |D| + |G|) per step.
* A worker killed (SIGKILL) mid-run under ``torchrun --max-restarts=1``: the relaunched job resumes from the
  last checkpoint and ends with weights and losses IDENTICAL to the uninterrupted run's.
* Keras ``MirroredStrategy`` over two logical CPU devices (synchronized BatchNorm), and
  ``MultiWorkerMirroredStrategy`` with two worker processes joined by ``TF_CONFIG`` (as on two machines), compute
  the same losses as one device with the same global batch.

The networks are tiny (16 x 16 images, base width 8, 96 images, 12 steps): each launch costs mostly its
start-up (importing torch or TensorFlow), about 10-30 s on 2 cores.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import gan_course  # noqa: F401  (first: safe import order)
from gan_course.scale.common import GLOO_ABORT  # a gloo worker's abort at exit

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = ["--image-size", "16", "--base", "8", "--n-images", "96", "--epochs", "2", "--no-progress",
        "--n-samples", "16", "--checkpoint-every", "2"]
TOL = 1e-5          # per-step losses: DDP / Mirrored vs one process (float32 sums taken in another order)
W_TOL = 1e-4        # final weights after 12 Adam steps of lr 2e-4: half of one step (see the test)
TIMEOUT = 600


def _launch(cmd, runs, names, timeout=TIMEOUT):
    """Run a launch command that writes the run folders ``names``; one retry when a gloo worker aborted (seen in CI
    while nbval ran beside it). The retry starts from scratch: the aborted attempt's folders are removed first, so
    what the tests read (e.g. "resuming after step 6", the all-reduce count per step) comes from one whole attempt."""
    env = dict(os.environ, GAN_COURSE_RUNS=str(runs), OMP_WAIT_POLICY="PASSIVE", PYTHONUNBUFFERED="1")
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 and GLOO_ABORT in proc.stdout + proc.stderr:
        print(f"retrying once, from scratch, after a gloo worker abort: {' '.join(cmd[2:])}")
        for name in names:
            for folder in pathlib.Path(runs).glob(name + "*"):
                shutil.rmtree(folder)
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd[2:])} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n" \
                                 f"{proc.stderr[-5000:]}"
    return proc


def _folder(runs, name):
    found = sorted(p for p in pathlib.Path(runs).glob(name + "*") if p.is_dir())  # "-quick" under GAN_COURSE_QUICK
    assert found, f"no run folder {name} under {runs}"
    return found[0]


def _torchrun(n, *args, restarts=0):
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={n}",
            f"--max-restarts={restarts}", "-m", "gan_course.scale.train_torch", *args]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return tmp_path_factory.mktemp("scale_runs")


@pytest.fixture(scope="module")
def single(runs):
    """One process, global batch 16: run in this process (what ``python -m gan_course.scale.train_torch`` runs)."""
    import torch

    from gan_course.scale import train_torch

    threads = torch.get_num_threads()
    try:
        assert train_torch.main([*TINY, "--batch-size", "16", "--threads", "1", "--run-name", "single",
                                 "--runs-root", str(runs)]) == 0
    finally:
        torch.set_num_threads(threads)
    return _folder(runs, "single")


@pytest.fixture(scope="module")
def ddp(runs):
    """torchrun, 2 gloo processes x batch 8, SyncBatchNorm on."""
    _launch(_torchrun(2, *TINY, "--batch-size", "8", "--run-name", "ddp"), runs, ["ddp"])
    return _folder(runs, "ddp")


def _ckpt(folder):
    import torch

    return torch.load(folder / "checkpoint.pt", map_location="cpu", weights_only=True)


@pytest.mark.slow
def test_ddp_on_two_cpu_processes_matches_one_process(single, ddp):
    h1, h2 = np.load(single / "history.npy"), np.load(ddp / "history.npy")
    assert h1.shape == h2.shape == (12, 4)
    np.testing.assert_allclose(h2, h1, atol=TOL, rtol=0, err_msg="DDP losses differ from one process")
    # weights: Adam moves a weight whose gradient is ~0 by up to lr per step whatever its size, so a rounding
    # difference in such a gradient can show as up to lr in one weight; the mean difference stays at rounding
    a, b = _ckpt(single), _ckpt(ddp)
    for net in ("G", "D"):
        diff = np.concatenate([(b[net][k].float() - v.float()).abs().flatten().numpy() for k, v in a[net].items()])
        assert diff.max() < W_TOL and diff.mean() < 1e-7, (net, diff.max(), diff.mean())
    m1, m2 = (json.loads((f / "metrics.json").read_text()) for f in (single, ddp))
    assert (m1["workers"], m2["workers"], m2["backend"], m2["sync_bn"]) == (1, 2, "gloo", True)
    assert m1["global_batch_size"] == m2["global_batch_size"] == 16 and m2["batch_size"] == 8
    assert m2["finished"] and m2["steps"] == 12 and (ddp / "samples.npy").exists() and (ddp / "grid.png").exists()
    # the cost model's count: D's gradients twice (D step, and on the way to G in the G step), G's once
    g, d = m2["params"]["G"], m2["params"]["D"]
    assert m2["allreduce_bytes_per_step"] == 4 * (2 * d + g)


@pytest.mark.slow
def test_finished_checkpoint_without_metrics_gets_them_on_relaunch(single, tmp_path, capsys):
    # a job stopped after its last checkpoint but before metrics.json (seen in CI: a gloo worker aborting at the
    # end): relaunched, it must write the metrics and samples, not report "nothing to train" and leave none
    from gan_course.scale import train_torch

    copy = tmp_path / single.name
    shutil.copytree(single, copy)
    for name in ("metrics.json", "samples.npy"):
        (copy / name).unlink()
    assert train_torch.main([*TINY, "--batch-size", "16", "--threads", "1", "--run-name", "single",
                             "--runs-root", str(tmp_path)]) in (0, None)
    out = capsys.readouterr().out
    assert "without final metrics" in out and "nothing to train" not in out
    m = json.loads((copy / "metrics.json").read_text())
    assert m["finished"] and m["steps"] == 12 and (copy / "samples.npy").exists()
    assert 0 < m["seconds"] <= json.loads((single / "metrics.json").read_text())["seconds"]  # the checkpoint's time
    # relaunched again, it is finished: nothing is trained or rewritten
    assert train_torch.main([*TINY, "--batch-size", "16", "--threads", "1", "--run-name", "single",
                             "--runs-root", str(tmp_path)]) in (0, None)
    assert "nothing to train" in capsys.readouterr().out


@pytest.mark.slow
def test_killed_worker_resumes_from_checkpoint_with_nothing_lost(runs, ddp):
    # rank 1 SIGKILLs itself after step 7 (last checkpoint: step 6); torchrun relaunches both workers once
    proc = _launch(_torchrun(2, *TINY, "--batch-size", "8", "--run-name", "killed", "--simulate-failure", "7",
                             restarts=1), runs, ["killed"])
    assert "killing this worker" in proc.stdout + proc.stderr
    assert "resuming after step 6 of 12" in proc.stdout
    killed = _folder(runs, "killed")
    m = json.loads((killed / "metrics.json").read_text())
    assert m["restarts"] == 1 and m["steps"] == 12 and m["finished"]
    a, b = _ckpt(ddp), _ckpt(killed)
    for net in ("G", "D", "opt_G", "opt_D"):
        flat_a, flat_b = _flatten(a[net]), _flatten(b[net])
        assert flat_a.keys() == flat_b.keys()
        for key in flat_a:
            assert np.array_equal(flat_a[key], flat_b[key]), f"{net} {key} differs after the resume"
    np.testing.assert_array_equal(np.load(killed / "history.npy"), np.load(ddp / "history.npy"))


def _flatten(tree, prefix=""):
    out = {}
    if isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_flatten(v, f"{prefix}/{k}"))
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            out.update(_flatten(v, f"{prefix}/{i}"))
    elif hasattr(tree, "numpy"):
        out[prefix] = tree.numpy()
    else:
        out[prefix] = np.asarray(tree)
    return out


@pytest.fixture(scope="module")
def keras_runs(runs):
    """One TensorFlow process (its start-up is the cost): two logical CPUs, mirrored over both, then one of them."""
    argv = [*TINY, "--global-batch-size", "16", "--logical-cpus", "2"]
    code = ("import gan_course; from gan_course.scale import train_keras as t; "
            f"t.main({argv + ['--run-name', 'keras2']!r}); "
            f"t.main({argv + ['--run-name', 'keras1', '--strategy', 'default']!r})")
    proc = _launch([sys.executable, "-c", code], runs, ["keras2", "keras1"])
    return proc, _folder(runs, "keras2"), _folder(runs, "keras1")


@pytest.mark.slow
def test_keras_mirrored_strategy_on_two_logical_cpus_matches_one_device(keras_runs):
    proc, two, one = keras_runs
    assert "mirrored strategy: 2 replica(s) x batch 8 = global batch 16" in proc.stdout
    assert "default strategy: 1 replica(s) x batch 16 = global batch 16" in proc.stdout
    h1, h2 = np.load(one / "history.npy"), np.load(two / "history.npy")
    assert h1.shape == h2.shape == (12, 4)
    np.testing.assert_allclose(h2, h1, atol=TOL, rtol=0, err_msg="MirroredStrategy losses differ from one device")
    m = json.loads((two / "metrics.json").read_text())
    assert (m["replicas"], m["sync_bn"], m["strategy"], m["finished"]) == (2, True, "mirrored", True)


def _free_ports(n):
    import socket

    socks = [socket.socket() for _ in range(n)]
    for sock in socks:
        sock.bind(("localhost", 0))
    ports = [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()
    return ports


@pytest.mark.slow
def test_keras_multiworker_strategy_two_local_workers_match_one_device(runs, keras_runs):
    """MultiWorkerMirroredStrategy as on two machines: two processes, TF_CONFIG naming both (here on localhost)."""
    cluster = [f"localhost:{port}" for port in _free_ports(2)]
    cmd = [sys.executable, "-m", "gan_course.scale.train_keras", *TINY, "--global-batch-size", "16",
           "--run-name", "keras_mw"]
    procs = []
    for index in range(2):
        tf_config = json.dumps({"cluster": {"worker": cluster}, "task": {"type": "worker", "index": index}})
        env = dict(os.environ, GAN_COURSE_RUNS=str(runs), OMP_WAIT_POLICY="PASSIVE", TF_CONFIG=tf_config)
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    outs = [p.communicate(timeout=TIMEOUT) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, f"worker failed ({p.returncode}):\n{out[-2000:]}\n{err[-4000:]}"
    assert "multiworker strategy: 2 replica(s) x batch 8 = global batch 16" in outs[0][0]
    assert "done:" not in outs[1][0]                            # only the chief (worker 0) reports and writes
    mw = _folder(runs, "keras_mw")
    h1, h2 = np.load(keras_runs[2] / "history.npy"), np.load(mw / "history.npy")
    np.testing.assert_allclose(h2, h1, atol=TOL, rtol=0, err_msg="MultiWorkerMirroredStrategy differs from one device")
    assert json.loads((mw / "metrics.json").read_text())["strategy"] == "multiworker"


# ---- fast: arguments, the learning-rate rule, the cost model, the CPU SyncBatchNorm -----------------------------

@pytest.mark.parametrize("argv, env, message", [
    (["--image-size", "20"], {}, "--image-size must be one of"),
    (["--global-batch-size", "15"], {"WORLD_SIZE": "2"}, "does not divide among 2 workers"),
    (["--batch-size", "0"], {}, "expected a whole number >= 1"),
    (["--amp", "on", "--device", "cpu"], {}, "--amp on needs a GPU"),
    (["--simulate-failure", "3"], {}, "--simulate-failure needs torchrun"),
    (["--data", "/no/such/folder"], {}, "an existing folder of images"),
    (["--batch-size", "8", "--global-batch-size", "16"], {}, "not allowed with argument"),
])
def test_argument_errors_are_one_clear_line(argv, env, message, monkeypatch, capsys):
    from gan_course.scale import train_torch

    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "TORCHELASTIC_RESTART_COUNT"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(SystemExit) as err:
        train_torch.main(argv)
    assert err.value.code == 2
    assert message in capsys.readouterr().err


def test_learning_rate_rules():
    from gan_course.scale.common import scaled_lr

    assert scaled_lr(2e-4, 512) == 2e-4                                   # GANs: the paper's lr
    assert scaled_lr(2e-4, 512, 64, "linear") == pytest.approx(1.6e-3)   # Goyal et al.: k x batch, k x lr
    assert scaled_lr(2e-4, 256, 64, "sqrt") == pytest.approx(4e-4)
    with pytest.raises(ValueError, match="'none', 'linear' or 'sqrt'"):
        scaled_lr(2e-4, 64, 64, "cubic")


def test_ring_allreduce_cost_model():
    from gan_course.scale.common import projected_step_seconds, ring_allreduce_bytes, ring_allreduce_seconds

    assert ring_allreduce_bytes(100e6, 1) == 0
    assert ring_allreduce_bytes(100e6, 2) == pytest.approx(100e6)         # 2 (N - 1) / N
    assert ring_allreduce_bytes(100e6, 8) == pytest.approx(175e6)
    assert ring_allreduce_bytes(100e6, 10**6) == pytest.approx(200e6, rel=1e-5)  # never more than 2x the buffer
    assert ring_allreduce_seconds(100e6, 8, 175e9) == pytest.approx(1e-3)
    assert ring_allreduce_seconds(0, 8, 1e9, latency=1e-5, messages=3) == pytest.approx(3 * 14 * 1e-5)
    assert ring_allreduce_seconds(0, 64, 1e9, latency=1e-5, algorithm="tree") == pytest.approx(12 * 1e-5)
    assert projected_step_seconds(5e-3, 100e6, 8, 175e9) == pytest.approx(6e-3)
    assert projected_step_seconds(5e-3, 100e6, 8, 175e9, overlap=1.0) == pytest.approx(5e-3)


def test_noise_slices_of_all_workers_are_the_global_noise():
    import torch

    from gan_course.scale.train_torch import noise

    whole = noise(7, 0, 16, 100, rank=0, batch=16)
    parts = torch.cat([noise(7, 0, 16, 100, rank=r, batch=8) for r in range(2)])
    assert torch.equal(whole, parts) and not torch.equal(whole, noise(8, 0, 16, 100, rank=0, batch=16))


def test_cpu_sync_batchnorm_is_batchnorm_in_one_process():
    import torch
    from torch import nn

    from gan_course import dcgan_torch
    from gan_course.scale.syncbn import SyncBatchNorm2d, convert_sync_batchnorm

    torch.manual_seed(0)
    D = dcgan_torch.make_discriminator(16, 8).apply(dcgan_torch.init_weights)
    D_sync = convert_sync_batchnorm(dcgan_torch.make_discriminator(16, 8), "cpu")
    D_sync.load_state_dict(D.state_dict())                     # the same keys: checkpoints are interchangeable
    assert any(isinstance(m, SyncBatchNorm2d) for m in D_sync.modules())
    assert not any(type(m) is nn.BatchNorm2d for m in D_sync.modules())
    x = torch.randn(6, 3, 16, 16)
    assert torch.equal(D(x), D_sync(x))


def test_amp_step_without_autocast_and_scaling_is_lesson_04s_step():
    """On a CPU autocast("cuda") and disabled GradScalers do nothing: the AMP step must then be train_step exactly."""
    import copy
    import warnings

    import torch

    from gan_course import dcgan_torch
    from gan_course.gan_torch import train_step
    from gan_course.scale.train_torch import amp_train_step

    if torch.cuda.is_available():
        pytest.skip("on a GPU autocast is real; this compares the control flow on a CPU")
    torch.manual_seed(0)
    G = dcgan_torch.make_generator(100, 16, 8).apply(dcgan_torch.init_weights)
    D = dcgan_torch.make_discriminator(16, 8).apply(dcgan_torch.init_weights)
    G2, D2 = copy.deepcopy(G), copy.deepcopy(D)
    opts = [torch.optim.Adam(n.parameters(), lr=2e-4, betas=(0.5, 0.999)) for n in (G, D, G2, D2)]
    real, z = torch.rand(8, 3, 16, 16) * 2 - 1, torch.randn(8, 100)
    scalers = [torch.amp.GradScaler("cuda", enabled=False) for _ in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                       # "CUDA is not available, disabling autocast"
        a = amp_train_step(real, z, G2, D2, opts[2], opts[3], *scalers)
    b = train_step(real, z, G, D, opts[0], opts[1])
    assert torch.equal(a, b)
    for n1, n2 in ((G, G2), (D, D2)):
        assert all(torch.equal(p, q) for p, q in zip(n1.parameters(), n2.parameters()))
