"""gan_course.tools.exercises: the generator on a synthetic lesson, then the rules for the real ones.

Synthetic lesson (in tmp_path): blanks keep their indentation, hidden tests go,
outputs are cleared, a banner is added, output is byte-identical on re-run, an
edited exercise is never overwritten without --force, --check sees any drift.

Real lessons (notebooks/NN_*.md; skipped while there are none): the committed
exercises are up to date, each lesson has >= 3 blanks and ends with a quiz, and
each exercise, executed untouched, fails at a blank or a check, not before.
"""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gan_course.tools.exercises import PLACEHOLDER, blank_code, blank_markdown, exercise_notebook, generate, main

jupytext = pytest.importorskip("jupytext")
ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9]*.md"))

DEMO = '''---
jupytext:
  formats: ipynb,md:myst
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
    jupytext_version: 1.19.6
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# Demo lesson

What is 6 times 7? <!-- BEGIN SOLUTION -->42, of course.<!-- END SOLUTION -->

```{code-cell} ipython3
:tags: [parameters]

import numpy as np
from gan_course.checks import check_entropy
```

```{code-cell} ipython3
def entropy(p):
    """H(p) in nats."""
    # Keep the entries p > 0 and return -sum(p * log p).
    # BEGIN SOLUTION
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))
    # END SOLUTION
```

```{code-cell} ipython3
check_entropy(entropy)
# BEGIN HIDDEN TESTS
assert entropy([1.0]) == 0 and "SECRET" != ""
# END HIDDEN TESTS
```

```{code-cell} ipython3
# BEGIN HIDDEN TESTS
assert "SECRET cell"
# END HIDDEN TESTS
```

```{code-cell} ipython3
# The answer, as a top-level blank.
# BEGIN SOLUTION
answer = 42
# END SOLUTION
```
'''


@pytest.fixture
def lesson(tmp_path):
    shutil.copy(ROOT / "jupytext.toml", tmp_path / "jupytext.toml")
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "notebooks" / "01_demo.md"
    path.write_text(DEMO, encoding="utf-8")
    return path


def _gen(lesson, force=False, check=False):
    out = []

    class Sink:
        def write(self, s):
            out.append(s)

    return generate(notebooks=lesson.parent, force=force, check=check, out=Sink()), "".join(out)


def test_blank_code_keeps_indentation_and_instruction():
    src = "def f(x):\n    # Add one.\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n    # END SOLUTION\n"
    assert blank_code(src) == f"def f(x):\n    # Add one.\n    # YOUR CODE HERE\n    {PLACEHOLDER}"
    top = "# Set x.\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\nprint(x)"
    assert blank_code(top) == f"# Set x.\n# YOUR CODE HERE\n{PLACEHOLDER}\nprint(x)"
    assert blank_code("a = 1\n# BEGIN HIDDEN TESTS\nassert a\n# END HIDDEN TESTS\nb = 2") == "a = 1\nb = 2"


@pytest.mark.parametrize("src, message", [
    ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside the SOLUTION region opened on line 1"),
    ("x = 1\n# END SOLUTION", "line 2: '# END SOLUTION' without a matching"),
    ("# BEGIN SOLUTION\nx = 1", "line 1: '# BEGIN SOLUTION' is never closed"),
    ("# BEGIN HIDDEN TESTS\nx = 1\n# END SOLUTION", "without a matching"),
])
def test_blank_code_refuses_unbalanced_markers(src, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        blank_code(src, "lesson.md, cell 3")


def test_blank_markdown():
    assert blank_markdown("A: <!-- BEGIN SOLUTION -->\n42\n<!-- END SOLUTION -->.") == "A: _Write your answer here._."
    with pytest.raises(ValueError, match="unbalanced"):
        blank_markdown("A: <!-- BEGIN SOLUTION --> 42")


def test_generator_writes_a_paired_exercise(lesson):
    code, out = _gen(lesson)
    assert code == 0 and "wrote" in out
    md, ipynb = lesson.parent / "exercises" / "01_demo.md", lesson.parent / "exercises" / "01_demo.ipynb"
    text = md.read_text(encoding="utf-8")
    for gone in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "SECRET", "np.sum(p * np.log(p))", "42"):
        assert gone not in text
    instruction = "    # Keep the entries p > 0 and return -sum(p * log p).\n"
    assert f"{instruction}    # YOUR CODE HERE\n    {PLACEHOLDER}\n" in text
    assert f"# The answer, as a top-level blank.\n# YOUR CODE HERE\n{PLACEHOLDER}\n" in text
    assert "What is 6 times 7? _Write your answer here._" in text and ":tags: [parameters]" in text
    nb = nbformat.read(ipynb, as_version=4)
    banner = nb.cells[0]
    assert banner.source.startswith("# Exercises: Demo lesson\n\nExercise version of *Demo lesson*, generated from "
                                    "`notebooks/01_demo.md` by `python -m gan_course.tools.exercises`")
    assert "Work on a copy" in banner.source and len(banner.metadata.gan_course.generated_sha256) == 64
    assert nb.cells[1].source.startswith("# Demo lesson")
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code_cells) == 4  # the cell holding only hidden tests is gone
    assert all(c.outputs == [] and c.execution_count is None for c in code_cells)
    assert "md:myst" in nb.metadata.jupytext.formats
    paired = jupytext.read(md)
    assert [(c.cell_type, c.source) for c in paired.cells] == [(c.cell_type, c.source) for c in nb.cells]


def test_output_is_deterministic(lesson):
    _gen(lesson)
    files = sorted((lesson.parent / "exercises").iterdir())
    first = {p.name: p.read_bytes() for p in files}
    for p in files:
        p.unlink()
    _gen(lesson)
    assert {p.name: p.read_bytes() for p in files} == first
    code, out = _gen(lesson)
    assert code == 0 and out.startswith("up to date:")


@pytest.mark.parametrize("suffix", [".ipynb", ".md"])
def test_an_edited_exercise_is_never_overwritten(lesson, suffix):
    _gen(lesson)
    path = lesson.parent / "exercises" / f"01_demo{suffix}"
    nb = jupytext.read(path)
    blank = next(c for c in nb.cells if PLACEHOLDER in c.source)
    blank.source = blank.source.replace(PLACEHOLDER, "return 0.0  # my attempt")
    jupytext.write(nb, path)
    mine = path.read_bytes()
    lesson.write_text(DEMO.replace("Demo lesson", "Demo lesson, revised"), encoding="utf-8")
    code, out = _gen(lesson)
    assert code == 1 and path.read_bytes() == mine
    assert "NOT overwritten: " in out and f"01_demo{suffix} was edited after it was generated" in out
    assert "--force" in out and "_mine" in out
    other = path.with_suffix(".md" if suffix == ".ipynb" else ".ipynb")
    assert "revised" not in other.read_text(encoding="utf-8")  # nothing of the pair was written
    code, out = _gen(lesson, force=True)
    assert code == 0 and "my attempt" not in path.read_text(encoding="utf-8") and "revised" in path.read_text()


def test_outputs_alone_do_not_count_as_edits(lesson):
    _gen(lesson)
    path = lesson.parent / "exercises" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="ran it\n")]
    nb.cells[2].execution_count = 1
    nbformat.write(nb, path)
    assert _gen(lesson)[0] == 0 and "ran it" not in path.read_text(encoding="utf-8")


def test_check_detects_drift(lesson):
    assert _gen(lesson, check=True)[0] == 1  # nothing generated yet
    _gen(lesson)
    assert _gen(lesson, check=True) == (0, "")
    lesson.write_text(DEMO.replace("6 times 7", "7 times 6"), encoding="utf-8")
    code, out = _gen(lesson, check=True)
    assert code == 1 and "out of date: " in out and "+What is 7 times 6?" in out and "python -m gan_course" in out
    assert not (lesson.parent / "exercises" / "01_demo.md").read_text(encoding="utf-8").count("7 times 6")
    _gen(lesson)
    stale = lesson.parent / "exercises" / "02_gone.md"  # left behind by a lesson that was renamed
    stale.write_text((lesson.parent / "exercises" / "01_demo.md").read_text(encoding="utf-8")
                     .replace("notebooks/01_demo.md", "notebooks/02_gone.md"), encoding="utf-8")
    code, out = _gen(lesson, check=True)
    assert code == 1 and "stale: " in out and "02_gone.md" in out


def test_blanking_that_breaks_python_is_reported(lesson):
    broken = DEMO.replace("# BEGIN SOLUTION\nanswer = 42", "if True:\n# BEGIN SOLUTION\n    answer = 42")
    lesson.write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match=r"notebooks/01_demo.md, cell 6: after blanking, the cell is not valid"):
        exercise_notebook(lesson)


def test_command_line(lesson, capsys):
    for command in ("gan_course.tools.exercises", "gan_course.exercises"):  # the old name: one more release
        run = subprocess.run([sys.executable, "-m", command, "--check", "--notebooks", str(lesson.parent)],
                             capture_output=True, text=True)
        assert run.returncode == 1 and "01_demo.md (missing)" in run.stdout
        assert ("is now `python -m gan_course.tools.exercises`" in run.stderr) == (command == "gan_course.exercises")
    where = ["--notebooks", str(lesson.parent)]
    assert main(["01", *where]) == 0 and main(["--check", *where]) == 0
    assert main(["01_demo", "--force", *where]) == 0
    assert main(["07", *where]) == 2 and "lesson '07': no match" in capsys.readouterr().err


# ---- executing an untouched exercise ---------------------------------------------------------

def _first_error(nb, cwd):
    """Execute ``nb`` until its first error; return (cell, error output) or (None, None)."""
    nbclient = pytest.importorskip("nbclient")
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=False,
                                     resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError:
        pass
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                return cell, out
    return None, None


def _assert_fails_at_a_blank(nb, cwd, name):
    cell, err = _first_error(nb, cwd)
    assert cell is not None, f"{name}: ran to the end untouched; its blanks do not fail"
    at_blank = PLACEHOLDER in cell.source or re.search(r"\bcheck_\w+\(", cell.source)
    tb = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(err.traceback))[-1500:]
    assert at_blank and err.ename in ("NotImplementedError", "CheckFailed"), (
        f"{name}: the first error is not at a blank or a check but here:\n{cell.source}\n--- {err.ename}\n{tb}")


def test_untouched_synthetic_exercise_fails_at_its_first_blank(lesson, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    nb = exercise_notebook(lesson)
    _assert_fails_at_a_blank(nb, lesson.parent, "01_demo")
    assert "not filled in yet" in "\n".join(next(
        o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error").traceback)


def test_an_error_before_the_first_blank_is_reported_with_its_cell(lesson):
    lesson.write_text(DEMO.replace("import numpy as np\n", "import numpy as np\nnp.load('missing.npy')\n"),
                      encoding="utf-8")
    with pytest.raises(AssertionError, match=r"(?s)not at a blank or a check but here:\n.*np.load.*FileNotFoundError"):
        _assert_fails_at_a_blank(exercise_notebook(lesson), lesson.parent, "01_demo")


# ---- the rules for the real lessons ----------------------------------------------------------

needs_lessons = pytest.mark.skipif(not LESSONS, reason="no lessons notebooks/NN_*.md yet")


@needs_lessons
def test_committed_exercises_are_up_to_date(capsys):
    assert generate(notebooks=ROOT / "notebooks", check=True) == 0, capsys.readouterr().out


@needs_lessons
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_three_blanks_and_ends_with_a_quiz(lesson):
    nb = jupytext.read(lesson)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    regions = sum(len(re.findall(r"^\s*#+\s*BEGIN SOLUTION\s*$", s, re.M)) for s in code)
    assert regions >= 3, f"{lesson.name}: {regions} '# BEGIN SOLUTION' regions; every lesson needs at least 3"
    assert any("quiz(" in s for s in code[-3:]), f"{lesson.name}: no quiz( call among its last code cells"


@needs_lessons
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_untouched_exercise_fails_at_a_blank(lesson, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_QUICK", "1")
    cwd = ROOT / "notebooks" / "exercises"
    cwd.mkdir(exist_ok=True)
    _assert_fails_at_a_blank(exercise_notebook(lesson), cwd, f"exercises/{lesson.stem}")
