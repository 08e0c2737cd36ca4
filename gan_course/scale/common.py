"""What the PyTorch and Keras scaling scripts share: their arguments, the data, the learning-rate rule for
N workers, the run folder's name and config, and the communication cost model of lesson 11.

Batch and learning rate for N workers. ``--batch-size`` is the batch of ONE worker; the N workers together
take a *global* batch of ``batch_size x N`` real images per step (``--global-batch-size`` gives the global one
instead and divides it among the workers). Data parallelism computes exactly the gradient of that global
batch, so N workers with batch B train like one worker with batch N x B -- not like N times as many steps of B.
For classifiers trained with SGD, Goyal et al. (2017) scale the learning rate with the global batch (the
*linear-scaling rule*: k times the batch, k times the lr, after a warm-up). GANs are usually left at the
paper's lr (DCGAN: Adam, 2e-4, beta1 0.5), as BigGAN did at batch 2048: Adam divides each gradient by its own
running scale, so a larger batch mainly makes the gradient less noisy rather than larger, and the two-player
game is what limits the step size -- a larger lr makes D and G overshoot each other. ``--lr-scaling linear``
(or ``sqrt``) applies a rule relative to ``--lr-reference-batch`` (64, the DCGAN paper's batch) for those who
want to try; the default is ``none``.

Data: ``--data shapes`` (the offline stand-in of lesson 06, with measurable class coverage), ``cifar10``
(falls back to the stand-in offline, and says so), ``faces`` (CelebA when online, else the small LFW set), or
a folder of your own images. Images are kept in memory as uint8 (a quarter of float32's memory, per worker).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import re

import numpy as np

__all__ = ["build_parser", "check_args", "scaled_lr", "load_data", "run_config", "default_run_name", "save_grid",
           "save_samples", "ring_allreduce_bytes", "ring_allreduce_seconds", "projected_step_seconds", "GLOO_ABORT"]

SIZES = (16, 32, 64, 128, 256)
# What a CPU worker prints when gloo's threads abort it (SIGABRT) at exit, a rare race in gloo's teardown on a busy
# machine even after destroy_process_group(); launchers (lesson 11, tests/test_scale.py) relaunch once when they see it.
GLOO_ABORT = "terminate called without an active exception"


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def build_parser(framework: str) -> argparse.ArgumentParser:
    """The command-line arguments of ``train_torch`` (``framework="torch"``) or ``train_keras`` ("keras").

    Example: ``build_parser("torch").parse_args(["--epochs", "2"]).epochs`` -> ``2``.
    """
    prog = f"python -m gan_course.scale.train_{framework}"
    p = argparse.ArgumentParser(prog=prog, description=f"Train lesson 06's DCGAN ({framework}) on one or many "
                                "devices; see gan_course/scale/README.md for the launch commands.",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    d = p.add_argument_group("data")
    d.add_argument("--data", default="shapes", help="'shapes' (offline stand-in), 'cifar10', 'faces' (CelebA "
                   "online, else LFW) or a folder of your own images")
    d.add_argument("--image-size", type=int, default=32, help=f"image side, one of {SIZES}")
    d.add_argument("--n-images", type=_positive_int, default=None,
                   help="training images (default: the data set's default: shapes 10,000, CelebA 20,000, all of "
                        "CIFAR-10 or of your folder)")
    m = p.add_argument_group("model and optimiser")
    m.add_argument("--base", type=_positive_int, default=64, help="width of G's last / D's first layer (paper: 64)")
    m.add_argument("--z-dim", type=_positive_int, default=100, help="length of the latent vector z")
    m.add_argument("--lr", type=_positive_float, default=2e-4, help="Adam learning rate of both networks (paper)")
    m.add_argument("--beta1", type=float, default=0.5, help="Adam's first-moment decay (paper)")
    m.add_argument("--lr-scaling", choices=("none", "linear", "sqrt"), default="none",
                   help="scale --lr with the global batch relative to --lr-reference-batch (GANs: usually none)")
    m.add_argument("--lr-reference-batch", type=_positive_int, default=64,
                   help="the global batch --lr was chosen for")
    t = p.add_argument_group("training")
    b = t.add_mutually_exclusive_group()
    b.add_argument("--batch-size", type=_positive_int, default=None,
                   help="real images per step on EACH worker (default 64); the global batch is N times this")
    b.add_argument("--global-batch-size", type=_positive_int, default=None,
                   help="real images per step over ALL workers; must divide evenly among them")
    t.add_argument("--epochs", type=_positive_int, default=5, help="passes over the training images")
    t.add_argument("--max-steps", type=_positive_int, default=None, help="stop after this many steps in all "
                   "(counting steps done before a resume); for short tests")
    t.add_argument("--seed", type=int, default=0, help="seed of the weights, the data order and the noise")
    t.add_argument("--sync-bn", action=argparse.BooleanOptionalAction, default=True,
                   help="BatchNorm statistics over the global batch (SyncBatchNorm) instead of each worker's")
    t.add_argument("--amp", choices=("auto", "off", "on"), default="auto",
                   help="mixed precision: 'auto' = on for GPUs, off on CPU; 'on' needs a GPU")
    o = p.add_argument_group("run folder, checkpoints, output")
    o.add_argument("--run-name", default=None, help="run folder name (default: scale_<framework>-<data>-<size>px)")
    o.add_argument("--runs-root", default=None, help="where run folders live (default: $GAN_COURSE_RUNS or runs/ "
                   "in the repository); on several machines, a folder every machine sees")
    o.add_argument("--checkpoint-every", type=_positive_int, default=None,
                   help="also checkpoint every this many steps (default: at the end of each epoch only)")
    o.add_argument("--n-samples", type=_positive_int, default=500,
                   help="images generated at the end (samples.npy; the stand-in's class coverage)")
    o.add_argument("--fresh", action="store_true",
                   help="delete this run's folder and start from scratch (not when torchrun relaunches after a "
                        "failure: that resumes)")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")
    if framework == "torch":
        p.add_argument("--simulate-failure", type=_positive_int, default=None, metavar="STEP",
                       help="testing: the last worker kills itself (SIGKILL) after STEP steps, on torchrun's first "
                            "attempt only, so that torchrun --max-restarts must resume from the checkpoint")
        p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="'auto': a GPU per worker when there is one (nccl), else the CPU (gloo)")
        p.add_argument("--amp-dtype", choices=("float16", "bfloat16"), default="float16",
                       help="autocast dtype on GPU (float16 uses a GradScaler; bfloat16 needs none)")
        p.add_argument("--threads", type=_positive_int, default=None, help="CPU threads per worker "
                       "(torchrun sets OMP_NUM_THREADS=1 for several workers)")
    else:
        p.add_argument("--logical-cpus", type=_positive_int, default=None, metavar="N",
                       help="split the CPU into N logical devices and mirror over them (to test on a laptop)")
        p.add_argument("--strategy", choices=("auto", "mirrored", "multiworker", "default"), default="auto",
                       help="'auto': MultiWorkerMirroredStrategy when TF_CONFIG is set, MirroredStrategy over "
                            "several local devices, else the default (one device)")
    return p


def check_args(parser, args, world_size: int):
    """Validate the arguments for ``world_size`` workers and fill in the derived ones (``batch_size`` per worker,
    ``global_batch_size``, ``lr_used``); errors go through ``parser.error`` (exit status 2, one clear line).

    Example: ``check_args(p, p.parse_args(["--global-batch-size", "128"]), 2).batch_size`` -> ``64``.
    """
    if args.image_size not in SIZES:
        parser.error(f"--image-size must be one of {SIZES} (the DCGAN doubles the side block by block from 4 x 4); "
                     f"got {args.image_size}.")
    if not 0 <= args.beta1 < 1:
        parser.error(f"--beta1 must be in [0, 1); got {args.beta1}.")
    if args.seed < 0:
        parser.error(f"--seed must be >= 0; got {args.seed}.")
    if args.global_batch_size is not None:
        if args.global_batch_size % world_size:
            nearest = world_size * max(1, args.global_batch_size // world_size)
            parser.error(f"--global-batch-size {args.global_batch_size} does not divide among {world_size} workers; "
                         f"use a multiple of {world_size} (e.g. {nearest}), or give --batch-size per worker.")
        args.batch_size = args.global_batch_size // world_size
    elif args.batch_size is None:
        args.batch_size = 64
    args.global_batch_size = args.batch_size * world_size
    args.lr_used = scaled_lr(args.lr, args.global_batch_size, args.lr_reference_batch, args.lr_scaling)
    if args.run_name is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$", args.run_name):
        parser.error(f"--run-name must be a plain folder name (letters, digits, _ . + -); got {args.run_name!r}.")
    if args.data not in ("shapes", "cifar10", "faces") and not os.path.isdir(os.path.expanduser(args.data)):
        parser.error(f"--data must be 'shapes', 'cifar10', 'faces' or an existing folder of images; got {args.data!r}.")
    return args


def scaled_lr(lr: float, global_batch: int, reference_batch: int = 64, rule: str = "none") -> float:
    """The learning rate for a global batch: ``rule`` 'none' keeps ``lr``; 'linear' multiplies it by
    global_batch / reference_batch (Goyal et al. 2017); 'sqrt' by the square root of that ratio.

    Example: ``scaled_lr(2e-4, 512, 64, "linear")`` -> ``0.0016``.
    """
    ratio = global_batch / reference_batch
    factors = {"none": 1.0, "linear": ratio, "sqrt": math.sqrt(ratio)}
    if rule not in factors:
        raise ValueError(f"rule must be 'none', 'linear' or 'sqrt'; got {rule!r}.")
    return lr * factors[rule]


def load_data(args, quiet: bool = False):
    """The training images as uint8 (N, S, S, 3), their labels (stand-in only, else None) and the source name.

    ``quiet`` hides the loaders' one-line reports (workers other than rank 0 print nothing).
    Example: ``x, y, source = load_data(args)``.
    """
    from .. import images

    out = io.StringIO() if quiet else None
    with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
        x, y, source = images.load_images(args.data, size=args.image_size, n=args.n_images, seed=args.seed)
    x = np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)           # (N, S, S, 3), a quarter of float32's memory
    if len(x) < args.global_batch_size:
        raise SystemExit(f"error: {len(x)} training images are fewer than one global batch of "
                         f"{args.global_batch_size} ({args.batch_size} per worker): lower --batch-size or raise "
                         "--n-images.")
    return x, (y if source == "shapes" else None), source


def default_run_name(args, framework: str) -> str:
    """``scale_<framework>-<data>-<size>px`` (a folder of images is called 'folder').

    Example: ``default_run_name(args, "torch")`` -> ``'scale_torch-shapes-32px'``.
    """
    data = args.data if args.data in ("shapes", "cifar10", "faces") else "folder"
    return args.run_name or f"scale_{framework}-{data}-{args.image_size}px"


def run_config(args, world_size: int, source: str, n_images: int, **extra) -> dict:
    """What decides the trajectory of a run (a saved run with another config is not resumed).

    Left out on purpose: ``--epochs`` and ``--max-steps`` (a longer run continues a shorter one: the data order
    and the noise of step s do not depend on them), checkpoint and output options.
    Example: ``run_config(args, 2, "shapes", 10000)["global_batch_size"]``.
    """
    return dict(source=source, n_images=n_images, image_size=args.image_size, base=args.base, z_dim=args.z_dim,
                lr=args.lr_used, beta1=args.beta1, batch_size=args.batch_size, workers=world_size,
                global_batch_size=args.global_batch_size, seed=args.seed, sync_bn=bool(args.sync_bn), **extra)


def save_grid(run, images01, name: str, title: str):
    """Save images (N, S, S, 3) in [0, 1] as a labelled PNG grid in the run folder (atomically, no pyplot).

    Example: ``save_grid(run, fakes, "grid.png", "64 fixed noise vectors, step 400")``.
    """
    from matplotlib.figure import Figure

    from ..plotting import image_grid

    grid = image_grid(images01, nrow=int(math.ceil(math.sqrt(len(images01)))))
    fig = Figure(figsize=(5, 5.3))
    ax = fig.add_subplot()
    ax.imshow(grid)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return run.save_figure(fig, name)


def save_samples(run, samples01, labels, source: str) -> dict:
    """Save the final samples (samples.npy, float32 NHWC in [0, 1]; samples.png) and, on the stand-in, their
    class coverage by lesson 06's detector (the course's yardstick for colour images). Returns the metrics.

    Example: ``save_samples(run, samples, y, "shapes")["coverage"]["classes_covered"]``.
    """
    from .. import images

    samples01 = np.asarray(samples01, np.float32)
    run.save_array("samples.npy", samples01)
    save_grid(run, samples01[:100], "samples.png", f"100 samples ({source})")
    if labels is None:
        return {"coverage": None}
    cov = images.class_coverage(images.detect_shapes(samples01), len(images.shapes_classes()), reference=labels)
    return {"coverage": cov}


# ---- the communication cost model of lesson 11 -------------------------------------------------------------

def ring_allreduce_bytes(n_bytes: float, workers: int) -> float:
    """Bytes each worker sends (and receives) in a ring all-reduce of ``n_bytes``: 2 (N - 1) / N x n_bytes.

    (N - 1) steps of reduce-scatter and (N - 1) of all-gather, each moving 1/N of the buffer.
    Example: ``ring_allreduce_bytes(100e6, 8)`` -> ``175000000.0``.
    """
    return 2 * (workers - 1) / workers * n_bytes


def ring_allreduce_seconds(n_bytes: float, workers: int, bandwidth: float, latency: float = 0.0,
                           messages: int = 1, algorithm: str = "ring") -> float:
    """Time of all-reduces moving ``n_bytes`` in all, in ``messages`` separate calls: bandwidth term
    2 (N - 1) / N x n_bytes / bandwidth (bytes/s per link), plus a latency per sequential step of each call:
    2 (N - 1) steps for a ring, 2 ceil(log2 N) for a tree (what NCCL switches to for many workers; its bandwidth
    term is about the ring's).

    Example: ``ring_allreduce_seconds(36e6, 8, 100e9, 5e-6, messages=3)`` -> about 0.00084 s.
    """
    if workers <= 1:
        return 0.0
    steps = {"ring": 2 * (workers - 1), "tree": 2 * math.ceil(math.log2(workers))}
    if algorithm not in steps:
        raise ValueError(f"algorithm must be 'ring' or 'tree'; got {algorithm!r}.")
    return ring_allreduce_bytes(n_bytes, workers) / bandwidth + messages * steps[algorithm] * latency


def projected_step_seconds(compute_s: float, n_bytes: float, workers: int, bandwidth: float, latency: float = 0.0,
                           messages: int = 1, overlap: float = 0.0, algorithm: str = "ring") -> float:
    """PROJECTED time of one data-parallel step with the per-worker batch fixed (weak scaling): the measured
    compute time plus the part of the all-reduce time not hidden behind it (``overlap`` 0 = none hidden,
    1 = hidden as far as the compute lasts).

    Example: ``projected_step_seconds(7.7e-3, 36e6, 64, 12.5e9, 10e-6, 3)`` -> about 0.0171 s.
    """
    comm = ring_allreduce_seconds(n_bytes, workers, bandwidth, latency, messages, algorithm)
    return compute_s + comm - overlap * min(comm, compute_s)
