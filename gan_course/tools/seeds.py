"""Rerun a lesson's training with several seeds and report mean ± sd of its numbers (a benchmark).

Usage::

    python -m gan_course.tools.seeds --seeds 5 04_vanilla_gan_pytorch
    python -m gan_course.tools.seeds --seeds 5 05_conditional_gan_pytorch --require "class_accuracy>=0.9"
    python -m gan_course.tools.seeds --seeds 2 --quick 04_vanilla_gan_pytorch   # what CI runs
    python -m gan_course.tools.seeds --seed-list 0 1 06_dcgan_pytorch --set n_codes=3   # one change, measured

For each seed s (0, 1, ..., N-1, or ``--seed-list``) the lesson ``notebooks/<lesson>.md`` is
executed top to bottom in a fresh kernel, with one cell ``seed = s`` injected right after its
``parameters`` cell (papermill's way), and with its run folders under
``runs/_seeds/<lesson>/seed-<s>/`` (so seeds never touch the lesson's own run). Cells tagged
``seeds-skip`` (optional experiments that the headline numbers do not need) are left out.
A seed whose run already finished is reloaded, not retrained, so an interrupted sweep resumes.
``--set NAME=VALUE`` (a Python literal; NAME must be a setting of the parameters cell) changes
one or more settings in every seed, to measure one change over seeds: such a sweep lives in
``runs/_seeds/<lesson>-NAME=VALUE/`` and writes ``runs/<lesson>-NAME=VALUE/seeds.json``, so it
never mixes with the lesson's own seeds.

Every number in the ``metrics.json`` of every run folder the lesson wrote is collected (nested
dicts flattened as ``quality.fid``), and ``runs/<lesson>/seeds.json`` gets, per number, its
values per seed and their mean, sd (n - 1), min and max; ``--require`` adds how many seeds meet
each condition (and all of them together). One table is printed.

What it is not: a test. Full-mode sweeps take minutes per seed; CI runs it in quick mode only.
"""
from __future__ import annotations

import argparse
import ast
import json
import math
import operator
import os
import pathlib
import re
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
QUOTES = "'\""  # stripped from string values in folder names
_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt, "==": operator.eq}
_REQUIRE = re.compile(r"^\s*([\w.:\-/]+?)\s*(>=|<=|==|>|<)\s*(-?[\d.eE+-]+)\s*$")  # names as in seeds.json: "run:key.sub"


def find_lesson(name: str) -> pathlib.Path:
    """The lesson source whose file name contains ``name`` (exactly one). Example: ``find_lesson("04_vanilla_gan_pytorch")``."""
    found = [p for p in sorted((ROOT / "notebooks").glob("[0-9]*.md")) if name in p.stem]
    exact = [p for p in found if p.stem == name]
    if exact:
        return exact[0]
    if len(found) != 1:
        raise SystemExit(f"{name!r} matches {len(found)} lessons ({', '.join(p.stem for p in found) or 'none'}): "
                         "give the notebook's name, e.g. 04_vanilla_gan_pytorch.")
    return found[0]


def seeded_notebook(md: pathlib.Path, seed: int, param: str = "seed", settings: dict | None = None):
    """The lesson as a notebook with ``<param> = seed`` (and ``NAME = VALUE`` for each of ``settings``,
    values as Python source) injected after its parameters cell, without the cells tagged ``seeds-skip``.
    Example: ``seeded_notebook(find_lesson("04"), 3, settings={"num_epochs": "10"})``.
    """
    import jupytext
    import nbformat

    nb = jupytext.read(md)
    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise SystemExit(f"{md.name} has no cell tagged 'parameters' to override.")
    for name in (param, *(settings or {})):
        if not re.search(rf"^{re.escape(name)}\s*=", nb.cells[index].source, re.M):
            raise SystemExit(f"{md.name}'s parameters cell has no `{name} = ...` line.")
    nb.cells = [c for c in nb.cells if "seeds-skip" not in c.get("metadata", {}).get("tags", [])]
    lines = [f"{param} = {seed!r}"] + [f"{name} = {value}" for name, value in (settings or {}).items()]
    injected = nbformat.v4.new_code_cell("# injected by gan_course.tools.seeds\n" + "\n".join(lines))
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, injected)
    return nb


def flatten(metrics: dict, prefix: str = "") -> dict:
    """Every finite number in a metrics dict, nested keys joined with dots (bools and the config left out).

    Example: ``flatten({"a": 1, "b": {"c": 2.5}, "config": {...}})`` -> ``{"a": 1.0, "b.c": 2.5}``.
    """
    out = {}
    for key, value in metrics.items():
        if key == "config" or isinstance(value, bool):
            continue
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, (int, float)) and math.isfinite(value):
            out[f"{prefix}{key}"] = float(value)
    return out


def collect(seed_root: pathlib.Path) -> dict:
    """{name: number} from every metrics.json under ``seed_root``; names are prefixed by the run
    folder when the lesson wrote several. Example: ``collect(pathlib.Path("runs/_seeds/04/seed-0"))``.
    """
    files = sorted(p for p in seed_root.rglob("metrics.json") if "_kept" not in p.parts)
    numbers = {}
    for path in files:
        prefix = "" if len(files) == 1 else path.parent.relative_to(seed_root).as_posix().replace("/", ".") + ":"
        for key, value in flatten(json.loads(path.read_text())).items():
            numbers[prefix + key] = value
    return numbers


def summarise(per_seed: dict, require=()) -> dict:
    """Mean, sd (n - 1), min, max and the values of each number over seeds, and how many seeds
    meet each requirement. Example: ``summarise({0: {"acc": 0.9}, 1: {"acc": 0.92}})["numbers"]["acc"]["mean"]``.
    """
    names = sorted({k for values in per_seed.values() for k in values})
    numbers = {}
    for name in names:
        vals = [per_seed[s][name] for s in per_seed if name in per_seed[s]]
        mean = sum(vals) / len(vals)
        sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)) if len(vals) > 1 else float("nan")
        numbers[name] = {"mean": mean, "sd": sd, "min": min(vals), "max": max(vals), "n": len(vals),
                         "values": {str(s): per_seed[s][name] for s in per_seed if name in per_seed[s]}}
    checks = {}
    for text in require:
        name, op, bound = parse_requirement(text)
        ok = [s for s, values in per_seed.items() if name in values and _OPS[op](values[name], bound)]
        checks[text] = {"seeds_passing": len(ok), "of": len(per_seed), "passing": [str(s) for s in ok]}
        if name not in numbers:  # a misspelt or unprefixed name must not read as "0 of N seeds"
            near = [n for n in numbers if n.split(":")[-1] == name.split(":")[-1]] or sorted(numbers)[:5]
            checks[text]["missing"] = f"no seed reported {name!r}; names here include {', '.join(near)}"
    if require:
        every = [s for s in per_seed if all(str(s) in checks[t]["passing"] for t in require)]
        checks["all of the above"] = {"seeds_passing": len(every), "of": len(per_seed), "passing": [str(s) for s in every]}
    return {"numbers": numbers, "requirements": checks}


def parse_requirement(text: str):
    """``"accuracy>=0.9"`` -> ``("accuracy", ">=", 0.9)``; a clear error otherwise."""
    match = _REQUIRE.match(text)
    if not match:
        raise SystemExit(f"--require {text!r}: write NAME OP NUMBER, e.g. 'accuracy>=0.9' (OP one of >= <= > < ==).")
    return match.group(1), match.group(2), float(match.group(3))


def parse_setting(text: str):
    """``"n_codes=3"`` -> ``("n_codes", "3")`` (the value checked to be a Python literal); a clear error otherwise."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    try:
        ast.literal_eval(value)
        ok = bool(sep) and name.isidentifier()
    except (ValueError, SyntaxError):
        ok = False
    if not ok:
        raise SystemExit(f"--set {text!r}: write NAME=VALUE with a Python literal, e.g. n_codes=3 or upsample='resize'.")
    return name, value


def sweep_name(stem: str, settings: dict, quick: bool) -> str:
    """The folder name of a sweep: ``06_dcgan_pytorch-n_codes=3-quick`` for ``{"n_codes": "3"}`` in quick mode."""
    return stem + "".join(f"-{k}={v.strip(QUOTES)}" for k, v in settings.items()) + ("-quick" if quick else "")


def run_seed(md: pathlib.Path, seed: int, seed_root: pathlib.Path, quick: bool, timeout: int, param: str,
             settings: dict | None = None) -> float:
    """Execute the seeded lesson with its runs under ``seed_root``; return the seconds it took."""
    from nbclient import NotebookClient

    nb = seeded_notebook(md, seed, param, settings)
    env = {"GAN_COURSE_QUICK": "1" if quick else "0", "GAN_COURSE_RUNS": str(seed_root),
           "GAN_COURSE_TEXT_PROGRESS": "1", "TQDM_MININTERVAL": "30", "MPLBACKEND": "Agg"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(md.parent)}}).execute()
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return time.perf_counter() - start


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.4g}"


def table(summary: dict, names=None) -> str:
    """The summary as aligned text lines: name, mean ± sd, [min, max], n."""
    rows = [(k, v) for k, v in summary["numbers"].items() if names is None or k in names]
    width = max([len(k) for k, _ in rows] + [6])
    lines = [f"{'number':<{width}}  mean ± sd            [min, max]           n"]
    for name, v in rows:
        lines.append(f"{name:<{width}}  {_fmt(v['mean']) + ' ± ' + _fmt(v['sd']):<20} "
                     f"[{_fmt(v['min'])}, {_fmt(v['max'])}]".ljust(width + 44) + f" {v['n']}")
    for text, c in summary["requirements"].items():
        lines.append(f"{text}: {c['missing']}" if "missing" in c else f"{text}: {c['seeds_passing']} of {c['of']} seeds")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", help="the lesson's notebook name, e.g. 04_vanilla_gan_pytorch")
    parser.add_argument("--seeds", type=int, default=5, help="number of seeds: 0 .. N-1 (default 5)")
    parser.add_argument("--seed-list", type=int, nargs="+", help="these seeds instead of 0 .. N-1")
    parser.add_argument("--quick", action="store_true", help="GAN_COURSE_QUICK=1 (what CI runs)")
    parser.add_argument("--require", nargs="+", default=[], metavar="NAME>=X", help="count the seeds meeting each")
    parser.add_argument("--param", default="seed", help="the parameter to set (default: seed)")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell (default 3600)")
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", dest="settings",
                        help="change settings of the parameters cell in every seed (a sweep of its own)")
    args = parser.parse_args(argv)
    seeds = args.seed_list or list(range(args.seeds))
    if not seeds or any(s < 0 for s in seeds):
        parser.error("give at least one seed, each >= 0")
    requirements = [parse_requirement(t) and t for t in args.require]
    md = find_lesson(args.lesson)
    settings = dict(parse_setting(t) for t in args.settings)

    from gan_course.fileio import atomic_write_text
    from gan_course.runs import runs_root

    root = runs_root()
    name = sweep_name(md.stem, settings, args.quick)
    per_seed, seconds = {}, {}
    for seed in seeds:
        seed_root = root / "_seeds" / name / f"seed-{seed}"
        print(f"{md.stem}: seed {seed} ({'quick' if args.quick else 'full'} mode), runs in {seed_root} ...", flush=True)
        seconds[seed] = run_seed(md, seed, seed_root, args.quick, args.timeout, args.param, settings)
        per_seed[seed] = collect(seed_root)
        print(f"  done in {seconds[seed]:.0f} s; {len(per_seed[seed])} numbers", flush=True)
    summary = summarise(per_seed, requirements)
    from gan_course.env import environment_report

    env = environment_report(frameworks=False)
    out = {"lesson": md.stem, "mode": "quick" if args.quick else "full", "seeds": seeds, "settings": settings,
           "command": "python -m gan_course.tools.seeds " + " ".join(argv if argv is not None else sys.argv[1:]),
           "date": time.strftime("%Y-%m-%d %H:%M"), "cpu_count": env["cpu_count"],
           "notebook_seconds": {str(s): round(t, 1) for s, t in seconds.items()}, **summary}
    path = atomic_write_text(root / name / "seeds.json", json.dumps(out, indent=2, sort_keys=True))
    print(table(summary))
    print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
