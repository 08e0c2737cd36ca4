"""Every "lesson NN" that a lesson, an exercise, a quiz, the README or the book mentions exists.

A forward reference to a lesson that is only planned sends a student looking for a notebook that is
not there. References are found in prose, code comments and quiz text alike: "lesson 09",
"Lesson 10", "lessons 04–06" (every number of the range), "lessons 07 and 08".
"""
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
MENTION = re.compile(r"\b[Ll]essons?\s+(\d{2}(?:\s*(?:[–-]|,|and|or|to)\s*\d{2})*)")
NUMBER = re.compile(r"\d{2}")
RANGE = re.compile(r"(\d{2})\s*[–-]\s*(\d{2})")
SOURCES = sorted([*ROOT.glob("notebooks/*.md"), *ROOT.glob("notebooks/exercises/*.md"), ROOT / "README.md",
                  *ROOT.glob("gan_course/**/*.py")])


def existing_lessons() -> set:
    return {p.name[:2] for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md")}


def mentioned(text: str) -> set:
    """Lesson numbers mentioned in ``text``: ``mentioned("lessons 04–06 and 08")`` -> {"04", "05", "06", "08"}."""
    found = set()
    for match in MENTION.finditer(text):
        group = match.group(1)
        for a, b in RANGE.findall(group):
            found.update(f"{n:02d}" for n in range(int(a), int(b) + 1))
        found.update(NUMBER.findall(group))
    return found


def test_mentions_are_parsed():
    assert mentioned("see lesson 04, and Lessons 07 and 08; lessons 02–04 or lesson 10") == \
        {"02", "03", "04", "07", "08", "10"}
    assert mentioned("seed 004 and 2024 lessons") == set()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_mentioned_lesson_exists(path):
    missing = sorted(mentioned(path.read_text(encoding="utf-8")) - existing_lessons())
    assert not missing, (f"{path.relative_to(ROOT)} mentions lesson(s) {', '.join(missing)}, which do not exist "
                         "(yet): reword the reference, or add the lesson.")
