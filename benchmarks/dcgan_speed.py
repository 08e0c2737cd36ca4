"""Training speed of lesson 06's DCGAN step, in both twins, against plain idiomatic loops of the same networks.

Usage::

    .venv/bin/python benchmarks/dcgan_speed.py            # the GPU when there is one, else the CPU (~3 min on 2 cores)
    .venv/bin/python benchmarks/dcgan_speed.py --quick    # smoke run: tiny networks, one short round (~1 min)
    .venv/bin/python benchmarks/dcgan_speed.py --device cpu --base 64 --threads 1

Prints a markdown table: real images per second through one training step (a discriminator step on B real
and B generated images, then a generator step), 32 x 32 colour images, batch size 64, the lesson's DCGAN
(``--base`` = the width of the first discriminator / last generator layer; the lesson trains with 32).

* PyTorch ``lesson``: ``gan_course.dcgan_torch`` (``make_generator``, ``make_discriminator``, ``init_weights``,
  ``train_step``), called as the lesson's loop calls it (fresh normal noise, then the step);
  ``plain``: the PyTorch DCGAN tutorial's loop written here from scratch, the same layers in one
  ``nn.Sequential`` each, ``nn.BCEWithLogitsLoss`` and ``.detach()``.
* Keras ``lesson``: ``gan_course.dcgan_keras`` (``make_generator``, ``make_discriminator``, ``train_step``)
  compiled with ``tf.function`` as in the lesson; ``plain``: the keras.io DCGAN example's way, a
  ``keras.Model`` subclass with its own ``train_step``, trained by ``fit()`` (the same layers and the same
  algorithm: the lesson's step scores real and generated batches separately, so the subclass does too;
  keras.io concatenates them, which changes what BatchNorm sees). ``fit()`` may compile with XLA
  (``jit_compile="auto"``: on a GPU, not on a CPU); the table says which.

Data loading is left out (batches already on the device / a ``tf.data`` pipeline over batches in memory).
Warm-up steps (tracing, allocator, first Adam steps) are excluded. Variants alternate in ``--rounds`` rounds of
``--seconds`` each and the median round is reported. Each framework runs in its own process.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys

import numpy as np

from _harness import cpu_name, gpu_available, measure  # benchmarks/_harness.py


def _real_batches(batch_size, image_size, n_batches=16):
    """Stand-in images (gan_course.images.shapes) in [-1, 1], NHWC, as a list of batches."""
    from gan_course.images import shapes

    x = shapes(batch_size * n_batches, size=image_size, seed=0) * 2 - 1  # (N, S, S, 3)
    return [x[i:i + batch_size] for i in range(0, len(x), batch_size)]


# ---- PyTorch ----------------------------------------------------------------------------------

def torch_worker(args):
    import gan_course
    import torch
    from torch import nn

    from gan_course import dcgan_torch as lesson

    if args.threads:
        torch.set_num_threads(args.threads)
    dev = torch.device("cuda" if args.device == "gpu" else "cpu")
    B, Z, S, base = args.batch_size, args.z_dim, args.image_size, args.base
    batches = [torch.from_numpy(b).permute(0, 3, 1, 2).contiguous().to(dev)  # (B, 3, S, S)
               for b in _real_batches(B, S)]

    gan_course.seed_everything(0)
    G = lesson.make_generator(Z, S, base).apply(lesson.init_weights).to(dev)
    D = lesson.make_discriminator(S, base).apply(lesson.init_weights).to(dev)
    opt_G = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    lesson_batches = itertools.cycle(batches)

    def lesson_run(n):
        for _ in range(n):
            lesson.train_step(next(lesson_batches), torch.randn(B, Z, device=dev), G, D, opt_G, opt_D)

    # plain: written from scratch, the way the PyTorch DCGAN tutorial writes it (z as (B, Z, 1, 1))
    levels = int(np.log2(S)) - 3
    c, g_layers = base * 2 ** levels, []
    g_layers += [nn.ConvTranspose2d(Z, c, 4, 1, 0, bias=False), nn.BatchNorm2d(c), nn.ReLU(True)]
    for _ in range(levels):
        g_layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
        c //= 2
    netG = nn.Sequential(*g_layers, nn.ConvTranspose2d(c, 3, 4, 2, 1), nn.Tanh()).to(dev)
    c, d_layers = base, [nn.Conv2d(3, base, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
    for _ in range(levels):
        d_layers += [nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False), nn.BatchNorm2d(2 * c), nn.LeakyReLU(0.2, inplace=True)]
        c *= 2
    netD = nn.Sequential(*d_layers, nn.Conv2d(c, 1, 4, 1, 0)).to(dev)

    def weights_init(m):  # the tutorial's initialisation
        if "Conv" in type(m).__name__:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif "BatchNorm" in type(m).__name__:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    netG.apply(weights_init)
    netD.apply(weights_init)
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    ones, zeros = torch.ones(B, device=dev), torch.zeros(B, device=dev)
    plain_batches = itertools.cycle(batches)

    def plain_run(n):
        for _ in range(n):
            real = next(plain_batches)
            netD.zero_grad()
            errD_real = criterion(netD(real).view(-1), ones)
            errD_real.backward()
            fake = netG(torch.randn(B, Z, 1, 1, device=dev))
            errD_fake = criterion(netD(fake.detach()).view(-1), zeros)
            errD_fake.backward()
            optD.step()
            netG.zero_grad()
            errG = criterion(netD(fake).view(-1), ones)
            errG.backward()
            optG.step()

    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    speed = measure({"lesson": lesson_run, "plain": plain_run}, B, args.seconds, args.rounds, sync=sync)
    hardware = torch.cuda.get_device_name(dev) if dev.type == "cuda" else cpu_name()
    return dict(framework="PyTorch", version=f"torch {torch.__version__}", device=args.device, hardware=hardware,
                threads=torch.get_num_threads(), plain="tutorial loop", speed=speed)


# ---- Keras ------------------------------------------------------------------------------------

def keras_worker(args):
    import gan_course

    tf = gan_course.tensorflow()
    import keras

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)

    from gan_course import dcgan_keras as lesson

    B, Z, S, base = args.batch_size, args.z_dim, args.image_size, args.base
    gpus = tf.config.list_physical_devices("GPU")
    if args.device == "gpu" and not gpus:
        raise SystemExit("TensorFlow sees no GPU")
    with tf.device("/GPU:0" if args.device == "gpu" else "/CPU:0"):
        reals = np.stack(_real_batches(B, S)).astype(np.float32)  # (batches, B, S, S, 3)
        dataset = tf.data.Dataset.from_tensor_slices(reals).repeat().prefetch(tf.data.AUTOTUNE)
        gan_course.seed_everything(0)
        G, D = lesson.make_generator(Z, S, base), lesson.make_discriminator(S, base)
        opt_G, opt_D = keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5)
        opt_G.build(G.trainable_variables)
        opt_D.build(D.trainable_variables)

        @tf.function  # as in the lesson: fresh noise and the step, compiled with the networks bound
        def lesson_step(real):
            return lesson.train_step(real, tf.random.normal((B, Z)), G, D, opt_G, opt_D)

        lesson_batches = iter(dataset)

        def lesson_run(n):
            for _ in range(n):
                out = lesson_step(next(lesson_batches))
            out.numpy()  # wait for the last step

        # plain: the keras.io DCGAN example's structure, a Model subclass with train_step, trained by fit()
        class GAN(keras.Model):
            def __init__(self, discriminator, generator, latent_dim):
                super().__init__()
                self.discriminator, self.generator, self.latent_dim = discriminator, generator, latent_dim

            def compile(self, d_optimizer, g_optimizer, loss_fn):
                super().compile()
                self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

            def train_step(self, real_images):
                batch = tf.shape(real_images)[0]
                z = tf.random.normal((batch, self.latent_dim))
                fake = self.generator(z, training=True)
                with tf.GradientTape() as tape:
                    real_out = self.discriminator(real_images, training=True)
                    fake_out = self.discriminator(fake, training=True)
                    d_loss = (self.loss_fn(tf.ones_like(real_out), real_out)
                              + self.loss_fn(tf.zeros_like(fake_out), fake_out))
                grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
                self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
                with tf.GradientTape() as tape:
                    out = self.discriminator(self.generator(z, training=True), training=True)
                    g_loss = self.loss_fn(tf.ones_like(out), out)
                grads = tape.gradient(g_loss, self.generator.trainable_weights)
                self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
                return {"d_loss": d_loss, "g_loss": g_loss}

        gan = GAN(make_plain_discriminator(keras, S, base), make_plain_generator(keras, Z, S, base), Z)
        gan.compile(keras.optimizers.Adam(2e-4, beta_1=0.5), keras.optimizers.Adam(2e-4, beta_1=0.5),
                    keras.losses.BinaryCrossentropy(from_logits=True))

        def plain_run(n):  # one fit() "epoch" of n steps; fit() has a fixed cost per call, hence chunks of 50
            gan.fit(dataset, epochs=1, steps_per_epoch=n, verbose=0)

        speed = measure({"lesson": lesson_run, "plain": plain_run}, B, args.seconds, args.rounds, chunk=50)
    hardware = (tf.config.experimental.get_device_details(gpus[0]).get("device_name", "GPU")
                if args.device == "gpu" else cpu_name())
    return dict(framework="Keras", version=f"keras {keras.__version__}, tensorflow {tf.__version__}",
                device=args.device, hardware=hardware,
                threads=tf.config.threading.get_intra_op_parallelism_threads() or "default",
                plain=f"Model.train_step + fit (jit_compile={gan.jit_compile})", speed=speed)


def make_plain_generator(keras, Z, S, base):
    """The lesson's generator written out flat, as the keras.io example writes one (one Sequential)."""
    init, gamma = keras.initializers.RandomNormal(0.0, 0.02), keras.initializers.RandomNormal(1.0, 0.02)
    levels = int(np.log2(S)) - 3
    c = base * 2 ** levels
    layers = [keras.Input((Z,)), keras.layers.Reshape((1, 1, Z)),
              keras.layers.Conv2DTranspose(c, 4, padding="valid", use_bias=False, kernel_initializer=init),
              keras.layers.BatchNormalization(gamma_initializer=gamma), keras.layers.ReLU()]
    for _ in range(levels):
        c //= 2
        layers += [keras.layers.Conv2DTranspose(c, 4, strides=2, padding="same", use_bias=False,
                                                kernel_initializer=init),
                   keras.layers.BatchNormalization(gamma_initializer=gamma), keras.layers.ReLU()]
    layers += [keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same", kernel_initializer=init,
                                            activation="tanh")]
    return keras.Sequential(layers, name="plain_generator")


def make_plain_discriminator(keras, S, base):
    """The lesson's discriminator written out flat (one Sequential)."""
    init, gamma = keras.initializers.RandomNormal(0.0, 0.02), keras.initializers.RandomNormal(1.0, 0.02)
    levels = int(np.log2(S)) - 3
    c = base
    layers = [keras.Input((S, S, 3)), keras.layers.Conv2D(c, 4, strides=2, padding="same", kernel_initializer=init),
              keras.layers.LeakyReLU(0.2)]
    for _ in range(levels):
        c *= 2
        layers += [keras.layers.Conv2D(c, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init),
                   keras.layers.BatchNormalization(gamma_initializer=gamma), keras.layers.LeakyReLU(0.2)]
    layers += [keras.layers.Conv2D(1, 4, padding="valid", kernel_initializer=init), keras.layers.Flatten()]
    return keras.Sequential(layers, name="plain_discriminator")


# ---- driver -----------------------------------------------------------------------------------

def _table(rows):
    lines = ["| framework | device | lesson (images/s) | plain (images/s) | lesson / plain | plain loop |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['framework']} | {r['device']} | error: {r['error']} | | | |")
            continue
        s = r["speed"]
        lines.append(f"| {r['framework']} | {r['device']} ({r['hardware']}) | {s['lesson']:,.0f} | {s['plain']:,.0f} "
                     f"| {s['lesson'] / s['plain']:.3f} | {r['plain']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="torch,keras", help="comma-separated: torch, keras")
    parser.add_argument("--device", choices=["auto", "cpu", "gpu"], default="auto",
                        help="auto = the GPU when there is one, else the CPU")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--base", type=int, default=32, help="width of D's first / G's last hidden layer")
    parser.add_argument("--z-dim", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per variant per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of alternating variants (median reported)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per framework (0: the default)")
    parser.add_argument("--quick", action="store_true", help="smoke run: base 8, one round of 0.5 s")
    parser.add_argument("--worker", choices=["torch", "keras"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.base, args.seconds, args.rounds = 8, 0.5, 1
    if args.worker:
        result = (torch_worker if args.worker == "torch" else keras_worker)(args)
        print("RESULT " + json.dumps(result))
        return 0
    device = args.device if args.device != "auto" else ("gpu" if gpu_available() else "cpu")
    print(f"DCGAN training step, {args.image_size}x{args.image_size}x3, batch {args.batch_size}, base {args.base}, "
          f"z_dim {args.z_dim}; {args.rounds} round(s) of {args.seconds:g} s per variant, median; "
          f"{os.cpu_count()} CPU cores\n", flush=True)
    rows = []
    for framework in args.frameworks.split(","):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # PyTorch's OpenMP threads spin badly on a shared CPU
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # gan_course importable, installed or not
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        if device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = ""  # keep TensorFlow (and torch) off the GPU
        cmd = [sys.executable, __file__, "--worker", framework, "--device", device]
        for flag in ("batch_size", "image_size", "base", "z_dim", "seconds", "rounds", "threads"):
            cmd += ["--" + flag.replace("_", "-"), str(getattr(args, flag))]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        found = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if done.returncode or not found:
            rows.append({"framework": framework, "device": device,
                         "error": (done.stderr.strip().splitlines() or ["no output"])[-1]})
            continue
        rows.append(json.loads(found[-1][7:]))
        print(json.dumps(rows[-1]), flush=True)
    print()
    print(_table(rows))
    return 1 if any("error" in r for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
