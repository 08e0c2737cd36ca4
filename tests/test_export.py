"""The code a lesson shows is the code gan_course exports (d2l's #@save; nbdev's regenerate, then diff).

``python -m gan_course.tools.export`` writes every ``#@save gan_course.<module>`` cell of the lessons
into its module, below the module's hand-written top. Here: the committed modules equal a fresh
generation (this fails, never skips, when the lessons or a module went missing), then the generator's
rules on a synthetic lesson and package.
"""
import io
import subprocess
import sys
from pathlib import Path

import pytest
from _lessons import MYST_HEADER

from gan_course.tools import export

ROOT = Path(__file__).resolve().parents[1]


def test_exported_modules_match_the_lessons():
    cells = export.saved_cells(ROOT / "notebooks")
    assert len(cells) >= 10, f"expected the lessons' #@save cells, found modules {sorted(cells)}"
    out = io.StringIO()
    assert export.generate(notebooks=ROOT / "notebooks", package=ROOT / "gan_course", check=True, out=out) == 0, (
        out.getvalue())


# ---- the generator on a synthetic lesson ---------------------------------------------------------

HEADER = MYST_HEADER + """
# Demo
"""
TOP = '''"""The demo module: its hand-written top."""
import math

from .base import helper  # noqa: F401  (a re-export that must stay)

__all__ = ["double", "circle", "helper"]
'''


def _cell(code):
    return f"\n```{{code-cell}} ipython3\n{code}\n```\n"


@pytest.fixture
def demo(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "gan_course").mkdir()
    lesson = tmp_path / "notebooks" / "01_demo.md"
    lesson.write_text(HEADER + _cell('#@save gan_course.demo\ndef double(x):\n    """Twice x."""\n    return 2 * x')
                      + _cell("x = double(3)")
                      + _cell('#@save gan_course.demo\ndef circle(r):\n    """Area."""\n    return math.pi * r**2'),
                      encoding="utf-8")
    module = tmp_path / "gan_course" / "demo.py"
    module.write_text(TOP + "\n\ndef double(x):\n    return x + x  # an old hand copy\n", encoding="utf-8")
    (tmp_path / "gan_course" / "base.py").write_text("def helper():\n    return 1\n", encoding="utf-8")
    return lesson, module


def _run(lesson, check=False):
    out = io.StringIO()
    code = export.generate(notebooks=lesson.parent, package=lesson.parent.parent / "gan_course", check=check, out=out)
    return code, out.getvalue()


def test_writes_the_cells_below_the_hand_written_top(demo):
    lesson, module = demo
    code, said = _run(lesson, check=True)
    assert code == 1 and "out of date: " in said and "return x + x" in said  # a short diff
    assert _run(lesson) == (0, f"wrote {module} from 2 cell(s)\n")
    text = module.read_text(encoding="utf-8")
    marker = export.MARKER.format(sources="notebooks/01_demo.md")
    assert text == (TOP + "\n\n" + marker + "\n\n\n" + 'def double(x):\n    """Twice x."""\n    return 2 * x\n\n\n'
                    'def circle(r):\n    """Area."""\n    return math.pi * r**2\n')
    assert _run(lesson, check=True) == (0, "")
    assert _run(lesson) == (0, "")  # nothing to write: the file is left alone


def test_the_generated_module_works(demo):
    lesson, module = demo
    _run(lesson)
    text = module.read_text(encoding="utf-8").replace("from .base import helper", "helper = None")
    namespace = {}
    exec(compile(text, str(module), "exec"), namespace)  # the cells run on the top's imports (math)
    assert namespace["double"](4) == 8 and namespace["circle"](1.0) == pytest.approx(3.14159, rel=1e-5)


def test_editing_the_lesson_changes_only_the_generated_part(demo):
    lesson, module = demo
    _run(lesson)
    module.write_text(module.read_text(encoding="utf-8").replace("import math\n", "import math\nimport os\n"),
                      encoding="utf-8")  # a new hand-written import above the marker stays
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("return 2 * x", "return x * 2"), encoding="utf-8")
    code, said = _run(lesson, check=True)
    assert code == 1 and "-    return 2 * x" in said and "+    return x * 2" in said
    _run(lesson)
    text = module.read_text(encoding="utf-8")
    assert "import os\n" in text and "return x * 2" in text and "return 2 * x" not in text


def test_fails_without_cells_or_without_the_module(demo, tmp_path):
    lesson, module = demo
    module.unlink()
    code, said = _run(lesson, check=True)
    assert code == 1 and "missing: " in said and "demo.py" in said
    assert _run(lesson)[0] == 2  # nothing to write below: the top is hand-written
    lesson.write_text(HEADER + _cell("x = 1"), encoding="utf-8")
    code, said = _run(lesson, check=True)
    assert code == 1 and "No '#@save gan_course.<module>' cells" in said


def test_a_module_nobody_exports_to_any_more_is_stale(demo):
    lesson, module = demo
    _run(lesson)
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("#@save gan_course.demo", "#@save gan_course.other"),
                      encoding="utf-8")
    (module.parent / "other.py").write_text('"""Other."""\nimport math\n', encoding="utf-8")
    code, said = _run(lesson, check=True)
    assert code == 1 and f"stale: {module}" in said


def test_a_malformed_save_line_is_an_error(demo):
    lesson, _ = demo
    lesson.write_text(HEADER + _cell("#@save demo\ndef f():\n    pass"), encoding="utf-8")
    code, said = _run(lesson, check=True)
    assert code == 2 and "write '#@save gan_course.<module>'" in said


def test_command_line():
    run = subprocess.run([sys.executable, "-m", "gan_course.tools.export", "--check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
