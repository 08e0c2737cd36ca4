"""The README opens with the two commands, and CI runs exactly the second one."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _readme_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S)
    return [b.strip() for b in blocks[:2]]


def test_readme_opens_with_start_and_test_commands():
    start, test = _readme_commands()
    for cmd in (start, test):
        assert cmd.startswith("python3 -m venv .venv && .venv/bin/pip install -e"), cmd
        assert "\n" not in cmd, "each command is one line a newcomer can paste"
    assert "jupyter lab notebooks" in start
    assert "pytest" in test


def test_ci_runs_the_readme_test_command():
    _, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1].strip() == test, ".ci/run must call the README's test command verbatim"
