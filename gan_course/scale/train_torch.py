"""Lesson 06's DCGAN as a script: one CPU, one GPU, N GPUs on one machine, or several machines (PyTorch).

Launch (every option: ``--help``; more in ``gan_course/scale/README.md``)::

    python -m gan_course.scale.train_torch --data shapes --epochs 5                # one process, CPU or one GPU
    torchrun --nproc_per_node=8 -m gan_course.scale.train_torch --data faces --image-size 64 --epochs 20
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 --rdzv_id=dcgan1 \\
             --max-restarts=3 -m gan_course.scale.train_torch --data faces --image-size 64 --runs-root /shared/runs

What N workers do (DistributedDataParallel, DDP). Every worker holds a full copy of G and D and reads its
own 1/N of each global batch (``DistributedSampler``, re-shuffled each epoch by ``set_epoch``). A GAN step has
two optimisers and two backward passes, so the gradients are averaged across workers (an all-reduce) twice:
D's after the discriminator loss, and G's (plus D's, computed on the way and thrown away) after the generator
loss. All workers then apply the same averaged update and stay identical. The process group uses ``nccl``
between GPUs and ``gloo`` between CPU processes, chosen automatically (``--device`` overrides).

BatchNorm is where a GAN notices data parallelism: each worker would normalise with its own batch's
statistics. ``--sync-bn`` (the default) uses ``SyncBatchNorm`` (PyTorch's on GPUs; on CPU
``gan_course.scale.syncbn``), and then N workers with batch B compute the same losses as one process with batch
N x B -- lesson 11 and ``tests/test_scale.py`` measure it. Batch and learning rate for N workers:
``gan_course.scale.common`` (global batch = per-worker batch x N; the linear-scaling rule; why GANs keep the
paper's lr).

Only rank 0 writes: the run folder (``gan_course.runs.Run``), ``checkpoint.pt`` (atomically), the fixed-noise
``grid.png`` after each epoch, ``history.npy`` (per step: D loss, G loss, D(x), D(G(z)), global means),
``samples.npy`` / ``samples.png`` and ``metrics.json`` (throughput, seconds per epoch, coverage on the stand-in).
Resume: a relaunch with the same arguments continues from the last checkpoint; the data order of an epoch and the
noise of a step depend only on the seed, the epoch and the step, so nothing is lost or repeated, and
``torchrun --max-restarts=K`` relaunches every worker by itself when any of them dies. Mixed precision
(``torch.autocast`` + ``GradScaler``) is on for GPUs and off on CPU (``--amp``).
"""
from __future__ import annotations

import inspect
import math
import os
import signal
import sys
import time

import gan_course  # noqa: F401  (first: makes the torch / TensorFlow import order safe)
import numpy as np
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, TensorDataset
from tqdm.auto import tqdm

from gan_course import dcgan_torch
from gan_course.gan_torch import discriminator_loss, generator_loss, train_step
from gan_course.scale import common
from gan_course.scale.syncbn import convert_sync_batchnorm

__all__ = ["main", "amp_train_step", "noise", "setup"]


def amp_train_step(real, z, G, D, opt_G, opt_D, scaler_G, scaler_D, dtype=torch.float16):
    """Lesson 04's ``train_step`` under ``torch.autocast`` with a ``GradScaler`` per network (GPU only).

    The same D step then G step; float16 gradients are scaled up before backward so small ones do not
    underflow, and unscaled (a step with inf/NaN is skipped) by ``scaler.step``. Returns the same (4,) tensor.
    Example: ``amp_train_step(real, z, G, D, opt_G, opt_D, torch.amp.GradScaler(), torch.amp.GradScaler())``.
    """
    with torch.autocast("cuda", dtype=dtype):
        fake = G(z)                                              # (B, 3, S, S)
        real_logits = D(real)                                    # (B, 1)
        fake_logits = D(fake.detach())
        d_loss = discriminator_loss(real_logits, fake_logits)    # BCE on logits: autocast computes it in float32
    opt_D.zero_grad(set_to_none=True)
    scaler_D.scale(d_loss).backward()
    scaler_D.step(opt_D)
    scaler_D.update()
    with torch.autocast("cuda", dtype=dtype):
        g_loss = generator_loss(D(fake))
    opt_G.zero_grad(set_to_none=True)
    scaler_G.scale(g_loss).backward()
    scaler_G.step(opt_G)
    scaler_G.update()
    with torch.no_grad():
        return torch.stack([d_loss.float(), g_loss.float(), torch.sigmoid(real_logits.float()).mean(),
                            torch.sigmoid(fake_logits.float()).mean()])


def noise(step: int, seed: int, global_batch: int, z_dim: int, rank: int, batch: int) -> torch.Tensor:
    """This worker's slice of the global batch's noise at ``step`` (on the CPU): (batch, z_dim).

    The whole (global_batch, z_dim) block depends only on (seed, step), so N workers together draw exactly
    the noise one process draws, and a resumed run draws what the interrupted one would have.
    Example: ``noise(0, 0, 128, 100, rank=1, batch=64).shape`` -> ``(64, 100)``.
    """
    g = torch.Generator().manual_seed(seed * 1_000_003 + step)
    return torch.randn(global_batch, z_dim, generator=g)[rank * batch:(rank + 1) * batch]


def setup(args, parser):
    """Read torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE), choose the device and the backend
    (nccl for GPUs, gloo for CPUs) and join the process group when there are several workers.

    Returns a dict: rank, local_rank, world, device, backend. Example: ``ctx = setup(args, parser)``.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA GPU here; use --device cpu (or auto).")
    use_cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    if use_cuda:
        if local_rank >= torch.cuda.device_count():
            parser.error(f"worker LOCAL_RANK={local_rank} but this machine has {torch.cuda.device_count()} GPU(s): "
                         "give torchrun --nproc_per_node <= the number of GPUs (or --device cpu).")
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
        torch.backends.cudnn.benchmark = True                    # fixed shapes: let cuDNN pick the fastest kernels
    else:
        device, backend = torch.device("cpu"), "gloo"
    if args.amp == "on" and not use_cuda:
        parser.error("--amp on needs a GPU (autocast + GradScaler); on CPU use --amp off or auto.")
    if args.simulate_failure is not None and "TORCHELASTIC_RESTART_COUNT" not in os.environ:
        parser.error("--simulate-failure needs torchrun (it kills a worker on torchrun's first attempt only, "
                     "and torchrun --max-restarts relaunches it): torchrun --nproc_per_node=2 --max-restarts=1 ...")
    if world > 1:
        # torchrun's store outlives a restart; keys of the dead attempt (a dead worker's address) must not be read
        # by the next one, so each attempt works under its own prefix (older torch did this itself)
        store, rank, world = next(dist.rendezvous("env://", rank, world))
        attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")
        bind = use_cuda and "device_id" in inspect.signature(dist.init_process_group).parameters
        kw = {"device_id": device} if bind else {}               # nccl: bind this process to its GPU up front
        dist.init_process_group(backend, store=dist.PrefixStore(f"gan_course_attempt_{attempt}", store), rank=rank,
                                world_size=world, **kw)
    return dict(rank=rank, local_rank=local_rank, world=world, device=device, backend=backend)


def _hardware(device, world):
    if device.type == "cuda":
        return f"{world} x {torch.cuda.get_device_name(device)}"
    return f"{world} CPU process(es), {torch.get_num_threads()} torch thread(s) each, {os.cpu_count()} cores"


class _Clock:
    """Seconds spent in training steps, read between device synchronisations (GPU work is asynchronous)."""

    def __init__(self, device):
        self.device, self.seconds, self.steps, self._t, self._n = device, 0.0, 0, None, 0

    def start(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self._t, self._n = time.perf_counter(), 0

    def tick(self):
        self._n += 1

    def stop(self):
        if self._t is None:
            return
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        self.seconds += time.perf_counter() - self._t
        self.steps += self._n
        self._t = None


def _counting_hook(counter):
    """A DDP communication hook: the default all-reduce, counting bytes into counter[0] and calls into counter[1]."""
    from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

    def hook(state, bucket):
        buf = bucket.buffer()
        counter[0] += buf.numel() * buf.element_size()
        counter[1] += 1
        return allreduce_hook(state, bucket)

    return hook


def main(argv=None) -> int:
    """Parse the arguments, train, write the run folder; returns 0. Example: ``main(["--epochs", "1"])``."""
    parser = common.build_parser("torch")
    args = parser.parse_args(argv)
    world, rank = int(os.environ.get("WORLD_SIZE", "1")), int(os.environ.get("RANK", "0"))
    if rank != 0:  # one copy of an argument error is enough: the other workers exit quietly
        parser.print_usage = lambda file=None: None
        parser.exit = lambda status=0, message=None: sys.exit(status)
    common.check_args(parser, args, world)
    ctx = setup(args, parser)
    try:
        train(args, ctx)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


def train(args, ctx) -> None:
    """The training loop of ``main`` (``args`` checked by ``common.check_args``, ``ctx`` from ``setup``)."""
    rank, world, device = ctx["rank"], ctx["world"], ctx["device"]
    main_rank = rank == 0
    if args.threads:
        torch.set_num_threads(args.threads)
    amp = device.type == "cuda" and args.amp != "off"
    amp_dtype = getattr(torch, args.amp_dtype)

    # data: rank 0 first (it may download), then the others from the cache
    if world > 1 and not main_rank:
        dist.barrier()
    x, labels, source = common.load_data(args, quiet=not main_rank)  # uint8 (N, S, S, 3)
    if world > 1 and main_rank:
        dist.barrier()
    config = common.run_config(args, world, source, len(x), framework="torch", amp=args.amp_dtype if amp else "off")
    run = None
    if main_rank:
        from gan_course.runs import Run
        restarted = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0")) > 0   # a relaunch resumes, never wipes
        run = Run(common.default_run_name(args, "torch"), config=config, root=args.runs_root,
                  force=args.fresh and not restarted)

    gan_course.seed_everything(args.seed)
    G = dcgan_torch.make_generator(args.z_dim, args.image_size, args.base).apply(dcgan_torch.init_weights)
    D = dcgan_torch.make_discriminator(args.image_size, args.base).apply(dcgan_torch.init_weights)
    n_params = {"G": sum(p.numel() for p in G.parameters()), "D": sum(p.numel() for p in D.parameters())}
    if world > 1 and args.sync_bn:
        G, D = convert_sync_batchnorm(G, device.type), convert_sync_batchnorm(D, device.type)
    G, D = G.to(device), D.to(device)
    opt_G = torch.optim.Adam(G.parameters(), lr=args.lr_used, betas=(args.beta1, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=args.lr_used, betas=(args.beta1, 0.999))
    use_scaler = amp and amp_dtype == torch.float16
    scaler_G, scaler_D = (torch.amp.GradScaler("cuda", enabled=use_scaler) for _ in range(2))

    # resume: rank 0 reads the last checkpoint and every worker gets it
    state = [run.load_torch(map_location="cpu") if main_rank else None]
    if world > 1:
        dist.broadcast_object_list(state, src=0)
    ckpt, step, seconds, history, pending = state[0], 0, 0.0, [], []   # history: CPU rows; pending: on the device
    if ckpt is not None:
        for obj, key in [(G, "G"), (D, "D"), (opt_G, "opt_G"), (opt_D, "opt_D"), (scaler_G, "scaler_G"),
                         (scaler_D, "scaler_D")]:
            obj.load_state_dict(ckpt[key])
        step, seconds, history = int(ckpt["step"]), float(ckpt["seconds"]), list(ckpt["history"].unbind(0))
    G_net, D_net = G, D                                          # the plain networks, for checkpoints and samples
    bytes_sent = [0, 0]                                          # gradient bytes all-reduced, all-reduce calls
    if world > 1:  # broadcast_buffers=False: BatchNorm buffers are kept in step by SyncBatchNorm (or stay per worker)
        kw = dict(device_ids=[device.index] if device.type == "cuda" else None)
        kw["forward_sync_buffers" if "forward_sync_buffers" in inspect.signature(DDP).parameters
           else "broadcast_buffers"] = False                     # the name changed in torch 2.14
        G, D = DDP(G, **kw), DDP(D, **kw)
        G.register_comm_hook(None, _counting_hook(bytes_sent))
        D.register_comm_hook(None, _counting_hook(bytes_sent))

    dataset = TensorDataset(torch.from_numpy(x).permute(0, 3, 1, 2).contiguous())    # uint8 (N, 3, S, S)
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=True, seed=args.seed,
                                 drop_last=True)                 # this worker's 1/N of a fresh permutation per epoch
    loader = DataLoader(dataset, sampler=BatchSampler(sampler, args.batch_size, drop_last=True), batch_size=None,
                        pin_memory=device.type == "cuda")        # one gather per batch
    steps_per_epoch = len(loader.sampler)
    total = args.epochs * steps_per_epoch if args.max_steps is None else min(args.max_steps,
                                                                             args.epochs * steps_per_epoch)
    fixed_z = torch.randn(64, args.z_dim, generator=torch.Generator().manual_seed(args.seed + 1)).to(device)
    if main_rank:
        print(f"{world} worker(s) [{ctx['backend']}, {_hardware(device, world)}] x batch {args.batch_size} = global "
              f"batch {args.global_batch_size}; lr {args.lr_used:.3g} (--lr-scaling {args.lr_scaling}); "
              f"SyncBatchNorm {'on' if args.sync_bn and world > 1 else 'off'}; mixed precision "
              f"{args.amp_dtype if amp else 'off'}; {len(x):,} images ({source}), {steps_per_epoch} steps per epoch")
        state_now = ("no checkpoint, training from step 0" if ckpt is None else f"resuming after step {step} of {total}"
                     if step < total else f"finished run reloaded (step {step} of {total})")
        print(f"runs: {run.path} -- {state_now}")

    def flush_history():
        """Move the per-step stats kept on the device to the CPU list (one transfer, not one per step)."""
        if pending:
            history.extend(torch.stack(pending).cpu().unbind(0))
            pending.clear()
        return torch.stack(history) if history else torch.zeros(0, 4)

    def save_checkpoint(seconds_total):
        hist = flush_history()
        run.save_torch(G=G_net.state_dict(), D=D_net.state_dict(), opt_G=opt_G.state_dict(),
                       opt_D=opt_D.state_dict(), scaler_G=scaler_G.state_dict(), scaler_D=scaler_D.state_dict(),
                       step=step, seconds=seconds_total, history=hist)
        run.save_array("history.npy", hist.numpy())

    def fixed_grid(title):
        G_net.eval()
        with torch.no_grad():
            fakes = ((G_net(fixed_z) + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).float().cpu().numpy()
        G_net.train()
        common.save_grid(run, fakes, "grid.png", title)

    restarts = int(os.environ.get("TORCHELASTIC_RESTART_COUNT", "0"))
    warmup = min(5, max(0, (total - step) // 4))                 # first steps of this attempt: not timed
    steady, clock = _Clock(device), _Clock(device)
    bar = tqdm(total=total, initial=step, desc=f"rank 0 of {world}", unit="step",
               disable=not main_rank or args.no_progress)
    start_step = step
    clock.start()
    while step < total:
        epoch, skip = divmod(step, steps_per_epoch)
        sampler.set_epoch(epoch)                                 # a new permutation, the same on every worker
        for i, (real,) in enumerate(loader):
            if i < skip:                                         # resumed mid-epoch: these batches are done
                continue
            if step == start_step + warmup:
                steady.start()
            real = real.to(device, non_blocking=True).float().div_(127.5).sub_(1)   # (B, 3, S, S) in [-1, 1]
            z = noise(step, args.seed, args.global_batch_size, args.z_dim, rank, args.batch_size).to(device)
            if amp:
                stats = amp_train_step(real, z, G, D, opt_G, opt_D, scaler_G, scaler_D, amp_dtype)
            else:
                stats = train_step(real, z, G, D, opt_G, opt_D)  # lesson 04's step, unchanged
            if world > 1:
                dist.all_reduce(stats)                           # (4,): means over the global batch
                stats /= world
            pending.append(stats)
            step += 1
            clock.tick()
            if step > start_step + warmup:
                steady.tick()
            bar.update(1)
            if main_rank and step % 20 == 0:
                bar.set_postfix(D_loss=f"{float(stats[0]):.3f}", G_loss=f"{float(stats[1]):.3f}")
            end_of_epoch = step % steps_per_epoch == 0
            if end_of_epoch or step == total or (args.checkpoint_every and step % args.checkpoint_every == 0):
                clock.stop()
                steady.stop()
                if main_rank:
                    save_checkpoint(seconds + clock.seconds)   # with the time trained so far
                    if end_of_epoch:
                        fixed_grid(f"64 fixed noise vectors after epoch {step // steps_per_epoch} (step {step})")
                clock.start()
                if step > start_step + warmup:
                    steady.start()
            if (args.simulate_failure == step and rank == world - 1 and restarts == 0):
                print(f"[rank {rank}] --simulate-failure: killing this worker (SIGKILL) after step {step}",
                      file=sys.stderr, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
            if step >= total:
                break
    clock.stop()
    steady.stop()
    bar.close()
    seconds += clock.seconds
    if not main_rank:
        return
    if step == start_step:  # a finished run, relaunched
        if run.metrics().get("finished"):  # keep what it measured
            print("nothing to train: its metrics.json and samples are kept.")
            return
        # its last checkpoint was written, then the job died before its metrics: write them now
        print("finished checkpoint without final metrics (the run was stopped after its last step): writing them.")

    # rank 0: samples, coverage, metrics
    G_net.eval()
    gen = torch.Generator().manual_seed(args.seed + 2)
    with torch.no_grad():
        z = torch.randn(args.n_samples, args.z_dim, generator=gen).to(device)
        samples = torch.cat([(G_net(zb) + 1) / 2 for zb in z.split(256)]).clamp(0, 1)
    samples = samples.permute(0, 2, 3, 1).float().cpu().numpy()                        # (n, S, S, 3) in [0, 1]
    out = common.save_samples(run, samples, labels, source)
    hist = flush_history().numpy()
    ips = steady.steps * args.global_batch_size / steady.seconds if steady.steps and steady.seconds else None
    finished = step >= args.epochs * steps_per_epoch
    m = run.save_metrics(
        finished=finished, framework="torch", torch=torch.__version__, workers=world, backend=ctx["backend"],
        device=device.type, hardware=_hardware(device, world), amp=args.amp_dtype if amp else "off",
        sync_bn=bool(args.sync_bn and world > 1), batch_size=args.batch_size, global_batch_size=args.global_batch_size,
        lr=args.lr_used, steps=step, steps_per_epoch=steps_per_epoch, epochs=step / steps_per_epoch,
        seconds=seconds, restarts=restarts, steps_timed=steady.steps, seconds_timed=steady.seconds,
        images_per_second=ips, images_per_second_per_worker=None if ips is None else ips / world,
        seconds_per_epoch=None if ips is None else steps_per_epoch * args.global_batch_size / ips,
        allreduce_bytes_per_step=(bytes_sent[0] / (step - start_step) if step > start_step else None) if world > 1 else 0,
        allreduce_calls_per_step=(bytes_sent[1] / (step - start_step) if step > start_step else None) if world > 1 else 0,
        params=n_params, **{k: float(v) for k, v in zip(["d_loss", "g_loss", "d_real", "d_fake"],
                                                        hist[-1] if len(hist) else [math.nan] * 4)}, **out)
    cov = m.get("coverage")
    print(f"done: step {step} of {total} ({m['epochs']:.2f} epochs) in {seconds:.1f} s of training; "
          + (f"{ips:,.0f} images/s ({ips / world:,.0f} per worker); " if ips else "")
          + (f"stand-in classes covered {cov['classes_covered']}/12; " if cov else "") + f"run folder {run.path}")


if __name__ == "__main__":
    sys.exit(main())
