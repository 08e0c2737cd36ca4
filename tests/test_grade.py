"""The lecturers' grader (gan_course.tools.grade) on generated submissions of lesson 01's exercise.

What this is: a folder of submissions made from notebooks/exercises/01_information_theory.ipynb
(lesson 01 is framework-free and quick): the solution (its blanks filled with the lesson's own
solution regions, in order), the untouched exercise, half done, a wrong answer in every blank,
a renamed copy of the solution without the generator's stamp, an endless loop in the second
blank, a blank that kills its kernel, a check cell edited to pass the library's function, the
solution saved as MyST markdown, another lesson's exercise, and a file that is not valid JSON.
The grader runs them (quick mode, fresh kernel each, a short time limit) and the test compares
grades.csv with what each submission must give, blank for blank. It also proves that the
submissions are not modified.

What this is not: a test of the checks' hints (tests/test_checks*.py do that).
"""
from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import pytest

from gan_course.tools import grade

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01_information_theory"
EXERCISE = ROOT / "notebooks" / "exercises" / f"{LESSON}.ipynb"
BLANKS = ["entropy", "kl_divergence", "kl_gaussian", "js_divergence"]
TIME_LIMIT_S = 45  # the whole exercise runs in ~10 s on 2 busy cores; the endless loop uses all of it
BLANK = re.compile(r'^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\("Blank:[^\n]*', re.M)
SOLUTION = re.compile(r"^[ \t]*#+\s*BEGIN SOLUTION[ \t]*\n(.*?)^[ \t]*#+\s*END SOLUTION[ \t]*$", re.M | re.S)

pytestmark = [pytest.mark.notebooks, pytest.mark.slow]


def _solutions() -> list[str]:
    return SOLUTION.findall((ROOT / "notebooks" / f"{LESSON}.md").read_text(encoding="utf-8"))


def _filled(fills) -> dict:
    """The exercise with blank k replaced by fills[k]: source text, a function of the indent, or None (kept)."""
    nb = json.loads(EXERCISE.read_text(encoding="utf-8"))
    k = 0

    def fill(match):
        nonlocal k
        f, k = fills[k], k + 1
        if f is None:
            return match.group(0)
        return f(match.group(1)) if callable(f) else f.rstrip("\n")

    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = BLANK.sub(fill, "".join(cell["source"]))
    assert k == len(fills), f"the exercise has {k} blanks, the test filled {len(fills)}"
    return nb


def _submissions(folder: Path) -> dict[str, dict]:
    """Write the submissions; return what each must grade to: {file: {blank: status}, outcome}."""
    import jupytext
    import nbformat

    sol = _solutions()
    assert len(sol) == len(BLANKS), f"lesson 01 has {len(sol)} solution regions; this test expects {len(BLANKS)}"
    n = len(sol)
    P, F, N = grade.PASSED, grade.FAILED, grade.NOT_REACHED
    write = lambda name, nb: (folder / name).write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")  # noqa: E731

    write("solution.ipynb", _filled(sol))
    write("untouched.ipynb", json.loads(EXERCISE.read_text(encoding="utf-8")))
    write("half.ipynb", _filled(sol[: n // 2] + [None] * (n - n // 2)))
    write("wrong.ipynb", _filled([lambda indent: f"{indent}return 0.123"] * n))
    renamed = _filled(sol)
    renamed["cells"][0]["metadata"].pop("gan_course")  # no stamp: recognised by its check cells
    (folder / "alice").mkdir()
    write("alice/my homework (final).ipynb", renamed)
    write("loop.ipynb", _filled([sol[0], lambda i: f"{i}import time\n{i}while True:\n{i}    time.sleep(0.05)"]
                                + sol[2:]))
    write("crash.ipynb", _filled([sol[0], lambda i: f"{i}import os\n{i}os._exit(1)"] + sol[2:]))
    edited = _filled([None] * n)
    for cell in edited["cells"]:
        if cell["source"] == "check_entropy(entropy)":
            cell["source"] = "check_entropy(info.entropy)  # the library's, not mine"
    write("edited_check.ipynb", edited)
    (folder / "solution_as_text.md").write_text(
        jupytext.writes(nbformat.reads(json.dumps(_filled(sol)), as_version=4), fmt="md:myst"), encoding="utf-8")
    write("wrong_lesson.ipynb", json.loads((ROOT / "notebooks/exercises/00_welcome.ipynb").read_text("utf-8")))
    (folder / "broken.ipynb").write_text('{"cells": [{"cell_type": "code", "sou', encoding="utf-8")

    return {
        "solution.ipynb": ("graded", [P, P, P, P]),
        "untouched.ipynb": ("graded", [F, F, F, F]),
        "half.ipynb": ("graded", [P, P, F, F]),
        "wrong.ipynb": ("graded", [F, F, F, F]),
        "alice/my homework (final).ipynb": ("graded", [P, P, P, P]),
        "loop.ipynb": ("time limit", [P, F, N, N]),
        "crash.ipynb": ("kernel died", [P, F, N, N]),
        "edited_check.ipynb": ("graded", [F, F, F, F]),
        "solution_as_text.md": ("graded", [P, P, P, P]),
        "wrong_lesson.ipynb": ("wrong notebook", [N, N, N, N]),
        "broken.ipynb": ("not a notebook", [N, N, N, N]),
    }


def _digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    expected = _submissions(folder)
    before = _digest(folder)
    out = tmp_path_factory.mktemp("grades")
    code = grade.main([str(folder), "--lesson", "01", "--out", str(out), "--time-limit", str(TIME_LIMIT_S),
                       "--jobs", "2", "--exercises", str(EXERCISE.parent)])
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    return {"code": code, "rows": rows, "expected": expected, "out": out, "folder": folder, "before": before}


def test_every_submission_gets_the_expected_row(graded):
    assert graded["code"] == 0
    rows, expected = graded["rows"], graded["expected"]
    assert sorted(rows) == sorted(expected), "every file must get exactly one row"
    wrong = []
    for name, (outcome, statuses) in expected.items():
        row = rows[name]
        got = (row["outcome"], [row[b] for b in BLANKS])
        if got != (outcome, statuses):
            wrong.append(f"{name}: expected {outcome} {statuses}, got {got}; note: {row['note']}; hints: "
                         + " | ".join(row[f'{b} hint'][:100] for b in BLANKS))
        assert row["passed"] == str(statuses.count(grade.PASSED)), name
    assert not wrong, "\n".join(wrong)


def test_rows_say_what_happened(graded):
    rows = graded["rows"]
    assert all("not filled in" in rows["untouched.ipynb"][f"{b} hint"] for b in BLANKS)
    assert "0.123" in rows["wrong.ipynb"]["entropy hint"]  # the check's hint, recorded
    assert rows["alice/my homework (final).ipynb"]["exercise"] == LESSON
    assert "time limit" in rows["loop.ipynb"]["note"] and "endless loop" in rows["loop.ipynb"]["kl_divergence hint"]
    assert "kernel died" in rows["crash.ipynb"]["note"]
    assert "edited" in rows["edited_check.ipynb"]["note"] and "not filled in" in rows["edited_check.ipynb"]["entropy hint"]
    assert "00_welcome" in rows["wrong_lesson.ipynb"]["note"]
    assert "not valid JSON" in rows["broken.ipynb"]["note"]


def test_summary_and_executed_copies_are_written(graded):
    text = (graded["out"] / "summary.md").read_text(encoding="utf-8")
    # entropy passes in solution, half, renamed, loop, crash and the .md: 6 of 11 submissions
    assert re.search(r"\| entropy \| 6 \| 11 \| 55% \|", text), text
    assert re.search(r"\| js_divergence \| 3 \| 11 \| 27% \|", text), text
    assert "| half.ipynb | 01_information_theory | 2/4 | graded |" in text
    executed = graded["out"] / "executed" / "solution.ipynb"
    outputs = [o for c in json.loads(executed.read_text("utf-8"))["cells"] for o in c.get("outputs", [])]
    assert any("✅ entropy" in "".join(o.get("text", "")) for o in outputs)


def test_submissions_are_never_modified(graded):
    assert _digest(graded["folder"]) == graded["before"]


def test_a_missing_lesson_is_a_usage_error(tmp_path, capsys):
    assert grade.main([str(tmp_path), "--lesson", "99", "--exercises", str(EXERCISE.parent)]) == 2
    assert "no exercise notebook for lesson '99'" in capsys.readouterr().err
