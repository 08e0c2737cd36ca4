"""Lesson 06's DCGAN as a script, Keras twin: one device, every GPU of a machine, or several machines.

Launch (every option: ``--help``; more in ``gan_course/scale/README.md``)::

    python -m gan_course.scale.train_keras --data shapes --epochs 5                 # one device
    python -m gan_course.scale.train_keras --data faces --image-size 64            # all local GPUs: MirroredStrategy
    python -m gan_course.scale.train_keras --logical-cpus 2 --epochs 1             # two logical CPUs: for testing

``tf.distribute.MirroredStrategy`` is data parallelism inside ONE process: a replica of G and D on each local
device, each global batch split among them (``experimental_distribute_dataset``), and the optimiser all-reduces
the gradients -- Keras sums them over replicas and divides each replica's loss by the number of replicas, so the
sum is the gradient of the global mean (lesson 04's ``train_step`` runs unchanged inside ``strategy.run``).
``--sync-bn`` (default) sets ``synchronized=True`` on every BatchNormalization layer: statistics over the
global batch, as PyTorch's SyncBatchNorm. On a CPU there is one device; ``--logical-cpus N`` splits it into N
(``tf.config.set_logical_device_configuration``) to try the strategy on a laptop.

Several machines: ``MultiWorkerMirroredStrategy``. Start this same command on every machine, each with a
``TF_CONFIG`` naming all workers and its own index, e.g. on the first of two::

    TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}' \\
        python -m gan_course.scale.train_keras --data faces --image-size 64 --runs-root /shared/runs

(``tests/test_scale.py`` runs two such workers on localhost.) Worker 0 is the *chief*: it writes the run folder
(``--runs-root`` must be a folder every machine sees, because every worker restores from the chief's checkpoint);
the others save their (collective) checkpoints into a temporary folder that is deleted. Unlike torchrun,
TensorFlow does not relaunch a dead worker: your cluster manager (Kubernetes, Slurm) restarts the job, and the
relaunched job resumes from the last checkpoint.

Mixed precision: ``mixed_float16`` with a ``LossScaleOptimizer`` on GPUs, off on CPU (``--amp``). The run folder
(``gan_course.runs.Run``) holds the checkpoint (``checkpoint/``), ``history.npy``, ``grid.png``,
``samples.npy``/``samples.png`` and ``metrics.json`` as in ``train_torch``.
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import tempfile
import time

import gan_course  # noqa: F401  (first: makes the torch / TensorFlow import order safe)
import numpy as np

from gan_course import _imports
from gan_course.scale import common

__all__ = ["main", "make_strategy", "amp_train_step", "batch_norm_layers"]


def make_strategy(args, parser):
    """Split the CPU into logical devices if asked, then choose the strategy: MultiWorkerMirroredStrategy when
    TF_CONFIG is set, MirroredStrategy over several local devices, else the default one-device strategy.

    Must run before TensorFlow touches a device. Returns ``(tf, strategy, kind)``.
    Example: ``tf, strategy, kind = make_strategy(args, parser)``.
    """
    tf = _imports.tensorflow()
    if args.logical_cpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        wanted = [tf.config.LogicalDeviceConfiguration()] * args.logical_cpus
        current = tf.config.get_logical_device_configuration(cpu)
        if current is None or len(current) != args.logical_cpus:  # (a second main() in one process: already set)
            try:
                tf.config.set_logical_device_configuration(cpu, wanted)
            except RuntimeError:
                parser.error(f"--logical-cpus {args.logical_cpus}: TensorFlow's devices were already set up in this "
                             f"process ({len(current or [1])} CPU device(s)); start a new process.")
    gpus = tf.config.list_physical_devices("GPU")               # (listing physical devices starts no runtime)
    kind = args.strategy
    if kind == "auto":
        several = len(gpus) > 1 or (not gpus and (args.logical_cpus or 1) > 1)
        kind = "multiworker" if os.environ.get("TF_CONFIG") else ("mirrored" if several else "default")
    if kind == "multiworker":  # before anything starts TensorFlow's runtime: its collectives are set up at start
        if not os.environ.get("TF_CONFIG"):
            parser.error("--strategy multiworker needs TF_CONFIG (the cluster's workers and this one's index); "
                         "see python -m gan_course.scale.train_keras --help.")
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    elif kind == "mirrored":
        devices = [d.name for d in tf.config.list_logical_devices("GPU")] or \
            [d.name for d in tf.config.list_logical_devices("CPU")]
        if len(devices) < 2:
            parser.error(f"--strategy mirrored needs 2 or more devices; this machine has {devices}. On a CPU, add "
                         "--logical-cpus 2.")
        cross = None if gpus else tf.distribute.ReductionToOneDevice()   # NCCL between GPUs; CPUs reduce on one
        strategy = tf.distribute.MirroredStrategy(devices, cross_device_ops=cross)
    else:
        strategy = tf.distribute.get_strategy()
    if args.amp == "on" and not gpus:
        parser.error("--amp on needs a GPU (mixed_float16); on CPU use --amp off or auto.")
    return tf, strategy, kind


def batch_norm_layers(model) -> list:
    """Every BatchNormalization layer inside a (nested) Keras model. Example: ``len(batch_norm_layers(G))``."""
    import keras

    found = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        found += batch_norm_layers(layer)
    return found


def amp_train_step(real, z, G, D, opt_G, opt_D):
    """Lesson 04's ``train_step`` for ``LossScaleOptimizer``s (mixed_float16): each loss is scaled before its
    gradient (``opt.scale_loss``) and the optimiser unscales. Returns the same (4,) tensor.

    Example: ``strategy.run(amp_train_step, args=(real, z, G, D, opt_G, opt_D))``.
    """
    from gan_course.gan_keras import discriminator_loss, generator_loss

    tf = _imports.tensorflow()
    fake = G(z, training=True)
    with tf.GradientTape() as tape:
        real_logits = D(real, training=True)
        fake_logits = D(fake, training=True)
        d_loss = discriminator_loss(real_logits, fake_logits)
        scaled = opt_D.scale_loss(d_loss)
    grads = tape.gradient(scaled, D.trainable_variables)
    opt_D.apply_gradients(zip(grads, D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = generator_loss(D(G(z, training=True), training=True))
        scaled = opt_G.scale_loss(g_loss)
    grads = tape.gradient(scaled, G.trainable_variables)
    opt_G.apply_gradients(zip(grads, G.trainable_variables))
    f32 = lambda t: tf.cast(t, tf.float32)  # noqa: E731
    return tf.stack([f32(d_loss), f32(g_loss), tf.reduce_mean(tf.sigmoid(f32(real_logits))),
                     tf.reduce_mean(tf.sigmoid(f32(fake_logits)))])


def _is_chief(strategy, kind) -> bool:
    if kind != "multiworker":
        return True
    resolver = strategy.cluster_resolver
    return resolver.task_type in (None, "chief") or (resolver.task_type == "worker" and resolver.task_id == 0
                                                     and "chief" not in resolver.cluster_spec().as_dict())


def main(argv=None) -> int:
    """Parse the arguments, train, write the run folder (chief only); returns 0.

    Example: ``main(["--logical-cpus", "2", "--epochs", "1"])``.
    """
    parser = common.build_parser("keras")
    args = parser.parse_args(argv)
    tf, strategy, kind = make_strategy(args, parser)
    replicas = strategy.num_replicas_in_sync
    common.check_args(parser, args, replicas)
    import keras

    from gan_course import dcgan_keras
    from gan_course.gan_keras import train_step

    chief = _is_chief(strategy, kind)
    gpus = tf.config.list_logical_devices("GPU")
    amp = bool(gpus) and args.amp != "off"
    if amp:
        keras.mixed_precision.set_global_policy("mixed_float16")
    x, labels, source = common.load_data(args, quiet=not chief)                       # uint8 (N, S, S, 3)
    config = common.run_config(args, replicas, source, len(x), framework="keras", amp="mixed_float16" if amp else "off")
    name = common.default_run_name(args, "keras")
    run = None
    if chief:
        from gan_course.runs import Run
        run = Run(name, config=config, root=args.runs_root, force=args.fresh)

    gan_course.seed_everything(args.seed)
    with strategy.scope():                                       # variables created here are mirrored
        G = dcgan_keras.make_generator(args.z_dim, args.image_size, args.base)
        D = dcgan_keras.make_discriminator(args.image_size, args.base)
        opt_G = keras.optimizers.Adam(learning_rate=args.lr_used, beta_1=args.beta1)
        opt_D = keras.optimizers.Adam(learning_rate=args.lr_used, beta_1=args.beta1)
        if amp:
            opt_G, opt_D = keras.optimizers.LossScaleOptimizer(opt_G), keras.optimizers.LossScaleOptimizer(opt_D)
        opt_G.build(G.trainable_variables)
        opt_D.build(D.trainable_variables)
        step_var = tf.Variable(0, dtype=tf.int64, trainable=False)
    sync_bn = bool(args.sync_bn and replicas > 1)
    for layer in batch_norm_layers(G) + batch_norm_layers(D):
        layer.synchronized = sync_bn                             # statistics all-reduced over the replicas
    n_params = {"G": int(sum(np.prod(v.shape) for v in G.trainable_variables)),
                "D": int(sum(np.prod(v.shape) for v in D.trainable_variables))}

    tmp_dir = None
    if run is not None:
        save, restore = run.keras_checkpoint(G=G, D=D, opt_G=opt_G, opt_D=opt_D, step=step_var)
        restored = restore()
    else:  # a non-chief worker: restores from the chief's folder, saves into a throw-away one (saving is collective)
        ckpt = tf.train.Checkpoint(G=G, D=D, opt_G=opt_G, opt_D=opt_D, step=step_var)
        from gan_course.runs import runs_root

        chief_dir = os.path.join(args.runs_root or str(runs_root()),
                                 name + ("-quick" if gan_course.is_quick() else ""), "checkpoint")
        latest = tf.train.latest_checkpoint(chief_dir)
        restored = latest is not None and bool(ckpt.restore(latest).expect_partial())
        tmp_dir = tempfile.mkdtemp(prefix="gan_course_worker_ckpt_")
        manager = tf.train.CheckpointManager(ckpt, tmp_dir, max_to_keep=1)
        save = manager.save
    step = int(step_var.numpy())
    history, seconds = [], 0.0
    if restored and run is not None and run.file("history.npy").exists():
        history = list(run.load_array("history.npy")[:step])
        seconds = float(run.metrics().get("seconds", 0.0))

    gb, spe = args.global_batch_size, len(x) // args.global_batch_size
    total = args.epochs * spe if args.max_steps is None else min(args.max_steps, args.epochs * spe)
    images_ds = tf.data.Dataset.from_tensor_slices(x)

    def epoch_data(epoch, skip):
        """The distributed batches of one epoch: a permutation fixed by (seed, epoch), the noise of each step
        fixed by (seed, step), both split among the replicas; the first ``skip`` batches left out (resume)."""
        ds = images_ds.shuffle(len(x), seed=args.seed + epoch, reshuffle_each_iteration=False)
        ds = ds.batch(gb, drop_remainder=True)
        steps = tf.data.Dataset.range(epoch * spe, (epoch + 1) * spe)
        ds = tf.data.Dataset.zip((ds, steps)).skip(skip).map(
            lambda img, s: (tf.cast(img, tf.float32) / 127.5 - 1.0,                           # (GB, S, S, 3)
                            tf.random.stateless_normal((gb, args.z_dim), seed=tf.stack([args.seed, s]))))
        return strategy.experimental_distribute_dataset(ds.prefetch(2))

    step_fn = amp_train_step if amp else train_step              # lesson 04's step, unchanged, without AMP
    weights = tf.constant([1.0, 1.0, 1.0 / replicas, 1.0 / replicas])

    @tf.function
    def distributed_step(real, z):
        per_replica = strategy.run(step_fn, args=(real, z, G, D, opt_G, opt_D))
        # Keras divided each replica's losses by the number of replicas: their sum is the global mean;
        # the D(x) and D(G(z)) means are averaged
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None) * weights

    fixed_z = tf.random.stateless_normal((64, args.z_dim), seed=(args.seed, 1))
    if chief:
        print(f"{kind} strategy: {replicas} replica(s) x batch {args.batch_size} = global batch {gb}; lr "
              f"{args.lr_used:.3g} (--lr-scaling {args.lr_scaling}); synchronized BatchNorm "
              f"{'on' if sync_bn else 'off'}; mixed precision {'mixed_float16' if amp else 'off'}; {len(x):,} images "
              f"({source}), {spe} steps per epoch")
        state_now = ("no checkpoint, training from step 0" if not restored else f"resuming after step {step} of {total}"
                     if step < total else f"finished run reloaded (step {step} of {total})")
        print(f"runs: {run.path} -- {state_now}")
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=step, desc=f"{replicas} replica(s)", unit="step",
               disable=not chief or args.no_progress)
    start_step, warmup = step, min(5, max(0, (total - step) // 4))
    timed_steps, timed_seconds, t0 = 0, 0.0, None
    while step < total:
        epoch, skip = divmod(step, spe)
        tic = time.perf_counter()
        for real, z in epoch_data(epoch, skip):
            if step == start_step + warmup:
                t0 = time.perf_counter()
            stats = distributed_step(real, z).numpy()            # (4,): global means
            history.append(stats)
            step += 1
            if t0 is not None:
                timed_steps += 1
            bar.update(1)
            if step % 20 == 0:
                bar.set_postfix(D_loss=f"{stats[0]:.3f}", G_loss=f"{stats[1]:.3f}")
            end_of_epoch = step % spe == 0
            if end_of_epoch or step == total or (args.checkpoint_every and step % args.checkpoint_every == 0):
                now = time.perf_counter()
                seconds += now - tic
                if t0 is not None:
                    timed_seconds += now - t0
                step_var.assign(step)
                save()
                if chief:
                    run.save_array("history.npy", np.stack(history))
                    run.save_metrics(finished=False, steps=step, seconds=seconds)
                    if end_of_epoch:
                        fakes = (G(fixed_z, training=False).numpy().astype(np.float32) + 1) / 2
                        common.save_grid(run, np.clip(fakes, 0, 1), "grid.png",
                                         f"64 fixed noise vectors after epoch {step // spe} (step {step})")
                tic = time.perf_counter()
                t0 = tic if t0 is not None else None
            if step >= total:
                break
    bar.close()
    if tmp_dir is not None:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    if not chief:
        return 0
    if step == start_step:  # a finished run, relaunched
        if run.metrics().get("finished"):  # keep what it measured
            print("nothing to train: its metrics.json and samples are kept.")
            return 0
        # its last checkpoint was written, then the job died before its metrics: write them now
        print("finished checkpoint without final metrics (the run was stopped after its last step): writing them.")
    z = tf.random.stateless_normal((args.n_samples, args.z_dim), seed=(args.seed, 2))
    samples = np.concatenate([G(z[i:i + 256], training=False).numpy().astype(np.float32)
                              for i in range(0, args.n_samples, 256)])
    out = common.save_samples(run, np.clip((samples + 1) / 2, 0, 1), labels, source)
    ips = timed_steps * gb / timed_seconds if timed_steps and timed_seconds else None
    hist = np.stack(history) if history else np.full((1, 4), math.nan)
    hardware = (f"{replicas} x {gpus[0].name}" if gpus else
                f"{replicas} logical CPU device(s) on {os.cpu_count()} cores")
    m = run.save_metrics(
        finished=step >= args.epochs * spe, framework="keras", tensorflow=tf.__version__, keras=keras.__version__,
        strategy=kind, replicas=replicas, workers=replicas, device="gpu" if gpus else "cpu", hardware=hardware,
        amp="mixed_float16" if amp else "off", sync_bn=sync_bn, batch_size=args.batch_size, global_batch_size=gb,
        lr=args.lr_used, steps=step, steps_per_epoch=spe, epochs=step / spe, seconds=seconds,
        steps_timed=timed_steps, seconds_timed=timed_seconds, images_per_second=ips,
        images_per_second_per_worker=None if ips is None else ips / replicas,
        seconds_per_epoch=None if ips is None else spe * gb / ips, params=n_params,
        **{k: float(v) for k, v in zip(["d_loss", "g_loss", "d_real", "d_fake"], hist[-1])}, **out)
    cov = m.get("coverage")
    print(f"done: step {step} of {total} ({m['epochs']:.2f} epochs) in {seconds:.1f} s; "
          + (f"{ips:,.0f} images/s ({ips / replicas:,.0f} per replica); " if ips else "")
          + (f"stand-in classes covered {cov['classes_covered']}/12; " if cov else "") + f"run folder {run.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
