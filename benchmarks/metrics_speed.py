"""Time to compute lesson 10's metrics for 5,000 generated vs 5,000 real digits, against torchmetrics and prdc.

Usage::

    .venv/bin/python benchmarks/metrics_speed.py              # ~1-2 min on 2 cores
    .venv/bin/python benchmarks/metrics_speed.py --repeats 1  # one timing per entry
    .venv/bin/python benchmarks/metrics_speed.py --threads 1  # on a machine shared with other jobs

"Real": the 5,000 digits of the offline MNIST subset (train 4,000 + test 1,000). "Generated": the same digits
with Gaussian pixel noise (sd 0.2, clipped), so every metric has something to measure. Timed, the median of
``--repeats`` runs each, on the same arrays:

* features: ``gan_course.features`` (numpy MLP, 128 features) for all 10,000 images; the extractor's one-off
  training time is read from its cache (``train_seconds``);
* ``frechet_distance`` vs torchmetrics ``FrechetInceptionDistance(feature=<identity module>)`` fed the same
  float64 features (update + compute);
* ``kid`` (100 subsets of 1,000) vs torchmetrics ``KernelInceptionDistance`` (same subsets and size);
* ``prdc`` (k = 5) vs ``prdc.compute_prdc`` (k = 5);
* ours only: ``fid_extrapolated`` (6 sample sizes), ``classifier_score``, ``class_coverage``,
  ``memorisation`` (pixel distances to the 4,000 training digits), and ``quality.evaluate`` end to end
  (reference features cached, as in a lesson after its first call).

Prints one JSON line: wall-clock seconds per entry (``ours_s``, ``theirs_s``), CPU seconds of the process
(``cpu_s``: the sum over its threads, a steadier measure on a machine shared with other jobs), the load
average while it ran, and the values each library returned.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

import gan_course  # noqa: F401  -- first (see gan_course._imports)
from _harness import cpu_name  # benchmarks/_harness.py


CPU = {}  # entry -> median CPU seconds of this process (all its threads) per call


def timed(fn, repeats, name=None):
    """(median wall seconds, last value) of ``repeats`` calls; the median CPU seconds go to ``CPU[name]``."""
    times, cpu, value = [], [], None
    for _ in range(repeats):
        tic, cpu0 = time.perf_counter(), time.process_time()
        value = fn()
        times.append(time.perf_counter() - tic)
        cpu.append(time.process_time() - cpu0)
    if name:
        CPU[name] = round(statistics.median(cpu), 3)
    return round(statistics.median(times), 3), value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="BLAS and torch threads (0: the libraries' default)")
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)

    from gan_course import metrics as M
    from gan_course.data import mnist
    from gan_course.features import feature_extractor
    from gan_course.quality import evaluate

    x_train, _ = mnist("train", source="subset", verbose=False)
    x_test, _ = mnist("test", source="subset", verbose=False)
    real = np.concatenate([x_train, x_test])                                          # (5000, 28, 28)
    fake = np.clip(real + 0.2 * np.random.default_rng(0).standard_normal(real.shape), 0, 1).astype(np.float32)
    net = feature_extractor()
    out = {"n_real": len(real), "n_fake": len(fake), "cpu": cpu_name(), "cores": os.cpu_count(),
           "threads": args.threads or "default", "python": platform.python_version(), "numpy": np.__version__,
           "extractor_train_seconds": net.info.get("train_seconds"), "extractor_accuracy": net.accuracy}
    t, (f_real, f_fake) = timed(lambda: (net.features(real), net.features(fake)), args.repeats, "features")
    out["features_s"] = t
    t, probs = timed(lambda: net.probs(fake), args.repeats, "probs")
    out["probs_s"] = t
    seconds, values = {}, {}
    seconds["fid"], values["fid"] = timed(lambda: M.frechet_distance(f_real, f_fake), args.repeats, "ours.fid")
    seconds["kid"], r = timed(lambda: M.kid(f_real, f_fake, n_subsets=100, subset_size=1000), args.repeats, "ours.kid")
    values["kid"] = r["kid"]
    seconds["prdc"], values["prdc"] = timed(lambda: M.prdc(f_real, f_fake, k=5), args.repeats, "ours.prdc")
    seconds["fid_extrapolated"], r = timed(lambda: M.fid_extrapolated(f_real, f_fake), args.repeats,
                                           "ours.fid_extrapolated")
    values["fid_inf"] = r["fid_inf"]
    seconds["classifier_score"], r = timed(lambda: M.classifier_score(probs), args.repeats, "ours.classifier_score")
    values["classifier_score"] = r["score"]
    seconds["class_coverage"], _ = timed(lambda: M.class_coverage(probs), args.repeats, "ours.class_coverage")
    seconds["memorisation"], r = timed(lambda: M.memorisation(fake, x_train, x_test), args.repeats,
                                       "ours.memorisation")
    values["memorised"] = r["fraction"]
    evaluate(fake[:200])                                                              # reference features cached
    seconds["evaluate"], _ = timed(lambda: evaluate(fake), args.repeats, "ours.evaluate")
    out["ours_s"], out["ours_values"] = seconds, values

    theirs_s, theirs = {}, {}
    try:
        import torch
        from torchmetrics.image.fid import FrechetInceptionDistance
        from torchmetrics.image.kid import KernelInceptionDistance

        if args.threads:
            torch.set_num_threads(args.threads)

        class Identity(torch.nn.Module):
            num_features = f_real.shape[1]

            def forward(self, x):
                return x

        tr, tf_ = torch.from_numpy(f_real), torch.from_numpy(f_fake)

        def torch_metric(metric):
            metric.update(tr, real=True)
            metric.update(tf_, real=False)
            return metric.compute()

        theirs_s["fid"], v = timed(lambda: torch_metric(FrechetInceptionDistance(feature=Identity())), args.repeats,
                                   "torchmetrics.fid")
        theirs["fid"] = float(v)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs_s["kid"], v = timed(lambda: torch_metric(KernelInceptionDistance(
                feature=Identity(), subsets=100, subset_size=1000)), args.repeats, "torchmetrics.kid")
        theirs["kid"] = float(v[0])
        out["torchmetrics"] = __import__("torchmetrics").__version__
    except ImportError as err:
        out["torchmetrics"] = f"not installed ({err})"
    try:
        import contextlib
        import io

        from prdc import compute_prdc

        with contextlib.redirect_stdout(io.StringIO()):  # compute_prdc prints the set sizes
            theirs_s["prdc"], v = timed(lambda: compute_prdc(f_real, f_fake, nearest_k=5), args.repeats, "prdc.prdc")
        theirs["prdc"] = {k: float(x) for k, x in v.items()}
        out["prdc"] = "installed"
    except ImportError as err:
        out["prdc"] = f"not installed ({err})"
    out["theirs_s"], out["theirs_values"] = theirs_s, theirs
    out["cpu_s"], out["load_average"] = CPU, [round(x, 1) for x in os.getloadavg()]
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
