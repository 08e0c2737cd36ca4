"""Training speed of lesson 04's GAN step, in both twins, against plain loops of the same networks.

Usage::

    .venv/bin/python benchmarks/train_speed.py            # CPU, and the GPU too when there is one
    .venv/bin/python benchmarks/train_speed.py --device cpu --seconds 3 --rounds 2

Prints one JSON line per framework and device, e.g.::

    {"framework": "torch", "device": "cpu", "images_per_s": 1650, "plain_images_per_s": 1630, ...}

What is measured: real images per second through one training step (one discriminator step on B real
and B generated images, then one generator step), batch size 64, the lesson's MLPs (seed 000's sizes,
80,000 weights each; ``--sizes seed003`` for seed 003's, 1.5 million weights each).

* ``lesson``: the lesson's own code, imported from ``gan_course.gan_torch`` / ``gan_course.gan_keras``
  (``sample_noise``, ``make_generator``, ``make_discriminator``, ``train_step``), called the way the
  lesson's loop calls it (fresh noise, then the step);
* ``plain``: an idiomatic loop written here from scratch, same layers and the same algorithm
  (PyTorch: ``nn.BCEWithLogitsLoss`` and ``.detach()``; Keras: two ``GradientTape``s inside one
  ``tf.function``); the lesson's step should be within 10 % of it;
* ``naive`` (Keras only): seed 001's loop, ``G.predict`` plus three ``train_on_batch`` calls per step.

Data loading is left out (PyTorch: batches already on the device; Keras: a ``tf.data`` pipeline over
batches already in memory), so the numbers compare the steps themselves. Variants alternate in ``--rounds`` rounds of ``--seconds`` each and the
median round is reported, which evens out a machine whose load changes. Each framework runs in its
own process (``--worker``), so the two never compete for threads. A full run takes about 2 minutes.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys

import numpy as np

from _harness import cpu_name, gpu_available, measure, steps  # benchmarks/_harness.py

SIZES = {  # the lesson's default networks, and seed 003's larger ones (--sizes seed003)
    "seed000": dict(z_dim=20, g_hidden=(100,), d_hidden=(100,), dropout=0.5),
    "seed003": dict(z_dim=100, g_hidden=(256, 512, 1024), d_hidden=(1024, 512, 256), dropout=0.3),
}


def _real_batches(batch_size, n=4000):
    from gan_course.data import mnist

    x, _ = mnist("train", n=n, value_range=(-1, 1), verbose=False)  # (N, 28, 28) in [-1, 1]
    order = np.random.default_rng(0).permutation(len(x))
    return [x[order[i:i + batch_size]] for i in range(0, len(x) - batch_size + 1, batch_size)]


# ---- PyTorch ----------------------------------------------------------------------------------

def torch_worker(args):
    import gan_course
    import torch
    from torch import nn

    from gan_course import gan_torch as lesson

    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device("cuda" if args.device == "gpu" else "cpu")
    B = args.batch_size
    batches = [(torch.from_numpy(b[:, None]).to(dev),) for b in _real_batches(B)]  # (B, 1, 28, 28)

    size = SIZES[args.sizes]
    Z = size["z_dim"]
    gan_course.seed_everything(0)
    G = lesson.make_generator(Z, size["g_hidden"]).to(dev)
    D = lesson.make_discriminator(size["d_hidden"], size["dropout"]).to(dev)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))

    def lesson_step(real):
        z = lesson.sample_noise(B, Z, "uniform", dev)
        return lesson.train_step(real, z, G, D, opt_G, opt_D)

    # plain: written from scratch, the way a PyTorch tutorial (the DCGAN one) writes it
    g_layers, width = [], Z
    for h in size["g_hidden"]:
        g_layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
        width = h
    netG = nn.Sequential(*g_layers, nn.Linear(width, 784), nn.Tanh()).to(dev)
    d_layers, width = [], 784
    for h in size["d_hidden"]:
        d_layers += [nn.Linear(width, h), nn.LeakyReLU(0.2), nn.Dropout(size["dropout"])]
        width = h
    netD = nn.Sequential(*d_layers, nn.Linear(width, 1)).to(dev)
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(B, 1, device=dev), torch.zeros(B, 1, device=dev)

    def plain_step(real):
        real = real.view(B, -1)
        fake = netG(torch.rand(B, Z, device=dev) * 2 - 1)
        optD.zero_grad()
        errD = criterion(netD(real), ones) + criterion(netD(fake.detach()), zeros)
        errD.backward()
        optD.step()
        optG.zero_grad()
        errG = criterion(netD(fake), ones)
        errG.backward()
        optG.step()
        return errD.detach(), errG.detach()

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    speed = measure({"lesson": steps(lesson_step, itertools.cycle(batches)),
                     "plain": steps(plain_step, itertools.cycle(batches))}, B, args.seconds, args.rounds, sync=sync)
    hardware = torch.cuda.get_device_name(dev) if dev.type == "cuda" else cpu_name()
    return dict(framework="torch", version=torch.__version__, device=args.device, hardware=hardware,
                cpu_count=os.cpu_count(), threads=torch.get_num_threads(), speed=speed)


# ---- Keras ------------------------------------------------------------------------------------

def keras_worker(args):
    import gan_course

    tf = gan_course.tensorflow()
    import keras

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    from gan_course import gan_keras as lesson

    B = args.batch_size
    gpus = tf.config.list_physical_devices("GPU")
    if args.device == "gpu" and not gpus:
        raise SystemExit("TensorFlow sees no GPU")
    with tf.device("/GPU:0" if args.device == "gpu" else "/CPU:0"):
        reals = np.stack(_real_batches(B))[..., None]  # (steps, B, 28, 28, 1)
        dataset = tf.data.Dataset.from_tensor_slices(reals).repeat().prefetch(tf.data.AUTOTUNE)  # (B, 28, 28, 1)
        size = SIZES[args.sizes]
        Z = size["z_dim"]
        gan_course.seed_everything(0)
        G = lesson.make_generator(Z, size["g_hidden"])
        D = lesson.make_discriminator(size["d_hidden"], size["dropout"])
        opt_G, opt_D = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
        opt_G.build(G.trainable_variables)
        opt_D.build(D.trainable_variables)

        @tf.function  # as in the lesson: fresh noise and the step, compiled with the networks bound
        def lesson_step(real):
            return lesson.train_step(real, lesson.sample_noise(B, Z, "uniform"), G, D, opt_G, opt_D)

        # plain: written from scratch, the way the TensorFlow tutorials write a custom GAN step
        dense = keras.layers.Dense
        netG = keras.Sequential([keras.Input((Z,))] + [x for h in size["g_hidden"] for x in (
            dense(h), keras.layers.LeakyReLU(0.2))] + [dense(784, activation="tanh"), keras.layers.Reshape((28, 28, 1))])
        netD = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten()] + [x for h in size["d_hidden"] for x in (
            dense(h), keras.layers.LeakyReLU(0.2), keras.layers.Dropout(size["dropout"]))] + [dense(1)])
        optG, optD = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
        optG.build(netG.trainable_variables)
        optD.build(netD.trainable_variables)
        bce = keras.losses.BinaryCrossentropy(from_logits=True)

        @tf.function
        def plain_step(real):
            z = tf.random.uniform((B, Z), -1.0, 1.0)
            fake = netG(z, training=True)
            with tf.GradientTape() as tape:
                real_out, fake_out = netD(real, training=True), netD(fake, training=True)
                d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
            optD.apply_gradients(zip(tape.gradient(d_loss, netD.trainable_variables), netD.trainable_variables))
            with tf.GradientTape() as tape:
                out = netD(netG(z, training=True), training=True)
                g_loss = bce(tf.ones_like(out), out)
            optG.apply_gradients(zip(tape.gradient(g_loss, netG.trainable_variables), netG.trainable_variables))
            return d_loss, g_loss

        # naive: seed 001's loop (predict + train_on_batch every step). In Keras 3 `trainable` is read when a
        # model trains, so D must be unfrozen for its own train_on_batch and frozen for the combined model's.
        nG, nD = lesson.make_generator(Z, size["g_hidden"]), lesson.make_discriminator(size["d_hidden"], size["dropout"])
        nD.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss=bce)
        nD.trainable = False
        combined = keras.Sequential([nG, nD])
        combined.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss=bce)
        ones, zeros = np.ones((B, 1), np.float32), np.zeros((B, 1), np.float32)
        rng = np.random.default_rng(0)
        numpy_batches = itertools.cycle([(b,) for b in reals])

        def naive_step(real):
            z = rng.uniform(-1, 1, (B, Z)).astype(np.float32)
            fake = nG.predict(z, verbose=0)
            nD.trainable = True
            nD.train_on_batch(real, ones)
            nD.train_on_batch(fake, zeros)
            nD.trainable = False
            return combined.train_on_batch(z, ones)

        speed = measure({"lesson": steps(lesson_step, ((real,) for real in dataset)),
                         "plain": steps(plain_step, ((real,) for real in dataset))}, B, args.seconds, args.rounds)
        speed.update(measure({"naive": steps(naive_step, numpy_batches)}, B, args.seconds, 1))
    hardware = (tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
                if args.device == "gpu" else cpu_name())
    return dict(framework="keras", version=f"keras {keras.__version__}, tensorflow {tf.__version__}",
                device=args.device, hardware=hardware, cpu_count=os.cpu_count(),
                threads=tf.config.threading.get_intra_op_parallelism_threads() or "default", speed=speed)


# ---- driver -----------------------------------------------------------------------------------

def _line(result, batch_size, sizes):
    s = result.pop("speed")
    line = {"framework": result["framework"], "device": result["device"], "images_per_s": round(s["lesson"]),
            "plain_images_per_s": round(s["plain"]), "ratio_to_plain": round(s["lesson"] / s["plain"], 3)}
    if "naive" in s:
        line.update(naive_images_per_s=round(s["naive"]), speedup_over_naive=round(s["lesson"] / s["naive"], 1))
    line.update(batch_size=batch_size, sizes=sizes, **{k: v for k, v in result.items() if k not in line})
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="torch,keras", help="comma-separated: torch, keras")
    parser.add_argument("--device", choices=["cpu", "gpu", "all"], default="all",
                        help="all = the CPU, and the GPU when there is one")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--sizes", choices=sorted(SIZES), default="seed000",
                        help="network sizes: the lesson's (seed000) or seed 003's larger ones")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per variant per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of alternating variants (median reported)")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads per framework (0: the framework's default). On a machine shared with "
                             "other jobs, PyTorch's default threads spin-wait and slow down badly: try 1")
    parser.add_argument("--worker", choices=["torch", "keras"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        result = (torch_worker if args.worker == "torch" else keras_worker)(args)
        print("RESULT " + json.dumps(result))
        return 0
    devices = ["cpu", "gpu"] if args.device == "all" else [args.device]
    if args.device == "all" and not gpu_available():
        devices = ["cpu"]
    for device in devices:
        for framework in args.frameworks.split(","):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
            if device == "cpu":
                env["CUDA_VISIBLE_DEVICES"] = ""  # keep TensorFlow (and torch) off the GPU
            cmd = [sys.executable, __file__, "--worker", framework, "--device", device, "--batch-size",
                   str(args.batch_size), "--sizes", args.sizes, "--seconds", str(args.seconds),
                   "--rounds", str(args.rounds), "--threads", str(args.threads)]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            found = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
            if done.returncode or not found:
                print(json.dumps({"framework": framework, "device": device,
                                  "error": (done.stderr.strip().splitlines() or ["no output"])[-1]}), flush=True)
                continue
            print(json.dumps(_line(json.loads(found[-1][7:]), args.batch_size, args.sizes)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
