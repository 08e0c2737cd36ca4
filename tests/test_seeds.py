"""gan_course.tools.seeds: rerun a lesson with several seeds, collect its metrics, mean ± sd."""
import json
import math
import textwrap

import pytest
from _lessons import MYST_HEADER

import gan_course  # noqa: F401  (import-order guard first)
from gan_course.tools import seeds

LESSON = MYST_HEADER + textwrap.dedent('''
    # A tiny lesson

    ```{code-cell} ipython3
    :tags: [parameters]
    seed = 0
    scale = 1.0
    ```

    ```{code-cell} ipython3
    import gan_course
    from gan_course.runs import Run
    run = Run("tiny", config=dict(seed=seed))
    run.save_metrics(finished=True, score=scale * (10.0 + seed), quality={"fid": 2.0 * seed}, note="text", ok=True)
    ```

    ```{code-cell} ipython3
    :tags: [seeds-skip]
    raise RuntimeError("an optional experiment the sweep leaves out")
    ```
    ''')


def test_flatten_and_summarise():
    assert seeds.flatten({"a": 1, "b": {"c": 2.5}, "config": {"x": 1}, "ok": True, "s": "x", "n": float("nan")}) == \
        {"a": 1.0, "b.c": 2.5}
    s = seeds.summarise({0: {"acc": 0.90, "worst": 0.7}, 1: {"acc": 0.94, "worst": 0.85}, 2: {"acc": 0.92}},
                        ["acc>=0.91", "worst>=0.8"])
    acc = s["numbers"]["acc"]
    assert acc["n"] == 3 and math.isclose(acc["mean"], 0.92) and math.isclose(acc["sd"], 0.02)
    assert (acc["min"], acc["max"]) == (0.90, 0.94) and s["numbers"]["worst"]["n"] == 2
    assert s["requirements"]["acc>=0.91"]["seeds_passing"] == 2
    assert s["requirements"]["all of the above"]["passing"] == ["1"]
    with pytest.raises(SystemExit, match="NAME OP NUMBER"):
        seeds.parse_requirement("accuracy is high")
    assert seeds.parse_requirement("04_x-first:quality.fid<=3") == ("04_x-first:quality.fid", "<=", 3.0)
    runs = seeds.summarise({0: {"04_x:quality.fid": 2.0, "04_x-first:quality.fid": 9.0}}, ["quality.fid<=3"])
    assert "04_x:quality.fid" in runs["requirements"]["quality.fid<=3"]["missing"]


def test_a_seeded_run_injects_the_seed_skips_tagged_cells_and_collects(tmp_path):
    md = tmp_path / "99_tiny.md"
    md.write_text(LESSON)
    nb = seeds.seeded_notebook(md, 3)
    assert nb.cells[2].source == "# injected by gan_course.tools.seeds\nseed = 3"
    assert not any("optional experiment" in c.source for c in nb.cells)
    per_seed = {}
    for s in (1, 2):
        seeds.run_seed(md, s, tmp_path / f"seed-{s}", quick=True, timeout=120, param="seed")
        per_seed[s] = seeds.collect(tmp_path / f"seed-{s}")
    assert per_seed == {1: {"score": 11.0, "quality.fid": 2.0}, 2: {"score": 12.0, "quality.fid": 4.0}}
    summary = seeds.summarise(per_seed)
    assert summary["numbers"]["score"]["mean"] == 11.5
    assert "score" in seeds.table(summary)


def test_set_changes_a_setting_in_every_seed_and_names_its_own_sweep(tmp_path):
    md = tmp_path / "99_tiny.md"
    md.write_text(LESSON)
    settings = dict([seeds.parse_setting("scale=2.0")])
    nb = seeds.seeded_notebook(md, 3, settings=settings)
    assert nb.cells[2].source == "# injected by gan_course.tools.seeds\nseed = 3\nscale = 2.0"
    seeds.run_seed(md, 1, tmp_path / "seed-1", quick=True, timeout=120, param="seed", settings=settings)
    assert seeds.collect(tmp_path / "seed-1") == {"score": 22.0, "quality.fid": 2.0}
    assert seeds.sweep_name("06_dcgan_pytorch", {"n_codes": "3"}, quick=False) == "06_dcgan_pytorch-n_codes=3"
    assert seeds.sweep_name("06_x", {"upsample": "'resize'"}, quick=True) == "06_x-upsample=resize-quick"
    assert seeds.sweep_name("06_x", {}, quick=False) == "06_x"
    assert seeds.parse_setting(" upsample = 'transposed' ") == ("upsample", "'transposed'")
    for bad in ("n_codes", "n_codes=three", "2x=1", "=3"):
        with pytest.raises(SystemExit, match="NAME=VALUE"):
            seeds.parse_setting(bad)
    with pytest.raises(SystemExit, match="no `n_codes = ...` line"):
        seeds.seeded_notebook(md, 0, settings={"n_codes": "3"})


@pytest.mark.slow
def test_command_line_in_quick_mode_on_a_training_lesson(tmp_path, monkeypatch, capsys):
    """What CI runs: two seeds of lesson 04 (PyTorch) in quick mode; seeds.json beside the lesson's run."""
    pytest.importorskip("torch")
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path))
    assert seeds.main(["--seeds", "2", "--quick", "04_vanilla_gan_pytorch"]) == 0
    out = json.loads((tmp_path / "04_vanilla_gan_pytorch-quick" / "seeds.json").read_text())
    assert out["seeds"] == [0, 1] and out["mode"] == "quick"
    assert out["numbers"] and all(v["n"] == 2 for v in out["numbers"].values())
    assert (tmp_path / "_seeds" / "04_vanilla_gan_pytorch-quick" / "seed-1").is_dir()
    assert "mean ± sd" in capsys.readouterr().out
