"""What the benchmarks share: the timing loop and the names of the hardware (``train_speed.py``,
``dcgan_speed.py``), and the JSON-lines record of a result (``gan04_recipes.py``, ``gan06_code.py``,
``gan08_mnist.py``). Each script keeps its own networks, loops and command line."""
from __future__ import annotations

import json
import pathlib
import platform
import statistics
import time


def cpu_name() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one). Example: ``cpu_name()`` -> ``'AMD EPYC ...'``."""
    try:
        with open("/proc/cpuinfo") as fh:
            return next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def gpu_available() -> bool:
    """True when PyTorch is installed and sees a CUDA GPU. Example: ``gpu_available()`` -> ``False``."""
    try:
        import torch

        return torch.cuda.is_available()
    except ModuleNotFoundError:
        return False


def steps(step, batches):
    """A ``run(n)`` for :func:`measure` that calls ``step(*batch)`` on the next n batches of an endless iterator.

    Example: ``measure({"lesson": steps(train_step, itertools.cycle(batches))}, 64, 4, 5)``.
    """
    def run(n):
        for _ in range(n):
            step(*next(batches))
    return run


def measure(variants, batch_size, seconds, rounds, chunk=5, sync=lambda: None) -> dict:
    """Images per second per variant, the median over ``rounds`` rounds of ``seconds`` each.

    ``variants``: name -> ``run(n)``, which runs n training steps of ``batch_size`` real images. Steps run in
    chunks of ``chunk`` (``sync()`` after each, e.g. ``torch.cuda.synchronize``); one chunk per variant first, as
    warm-up (tracing, allocator, first Adam steps), is not timed; the variants alternate who goes first.
    Example: ``measure({"lesson": run_a, "plain": run_b}, 64, seconds=4, rounds=5)`` -> ``{"lesson": 1650.0, ...}``.
    """
    results = {name: [] for name in variants}
    for run in variants.values():
        run(chunk)
        sync()
    for r in range(rounds):
        order = list(variants.items())
        for name, run in (order if r % 2 == 0 else order[::-1]):
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                run(chunk)
                sync()
                n += chunk
            results[name].append(n * batch_size / (time.perf_counter() - start))
    return {name: statistics.median(v) for name, v in results.items()}


def record(script: str, result: dict) -> pathlib.Path:
    """Print ``result`` as one JSON line and append it to ``runs/_benchmarks/<script>.jsonl``; returns that path.

    Example: ``record("gan08_mnist", {"fid": 1.40})`` -> ``.../runs/_benchmarks/gan08_mnist.jsonl``.
    """
    line = json.dumps(result)
    print(line, flush=True)
    out = pathlib.Path(__file__).resolve().parents[1] / "runs" / "_benchmarks" / f"{script}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        fh.write(line + "\n")
    return out
