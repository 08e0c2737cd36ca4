"""Every lesson's quiz, answered wrong and then right in JupyterLab under Chromium.

What this is: to keep the browser tier short, the quizzes do not run inside their
whole lessons: the test generates one notebook that holds ``import gan_course`` and,
for each lesson ``notebooks/NN_*.md`` (a new lesson is included automatically), that
lesson's quiz cell copied verbatim from its source (the lesson's last cell calling
``quiz(``), runs it (Run All) and asserts that no cell shows an error. Then, for each
lesson and for each kind of question its quiz holds (one answer, all that apply, a
number), the first such question is answered wrong and *Check* must say "❌ Not quite";
then answered right and *Check* must say "✅ Correct". The answers come from the same
cell, read here with ``gan_course.quiz.Question``.

What this is not: a test of the quiz logic (tests/test_quiz.py) or of each lesson's run
(nbval runs every lesson).
"""
from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

import pytest

import gan_course.quiz
from gan_course.quiz import Question

from . import _jl
from ._jl import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
FEEDBACK_TIMEOUT_MS = 30_000  # the kernel answers a click; on a busy machine that can take seconds
CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.M | re.S)


def _quiz_cell(lesson: str) -> str:
    cells = [c for c in CODE_CELL.findall((ROOT / "notebooks" / f"{lesson}.md").read_text(encoding="utf-8"))
             if "quiz(" in c]
    assert cells, f"{lesson} has no quiz cell (a cell calling quiz(...))"
    return cells[-1]


def _questions(source: str) -> list[Question]:
    """The questions a quiz cell asks, read by running it with quiz() replaced by a recorder."""
    asked = []
    with mock.patch.object(gan_course.quiz, "quiz", lambda questions, title="Quiz": asked.extend(questions)):
        exec(compile(source, "<quiz cell>", "exec"), {})
    return [Question(q, i + 1) for i, q in enumerate(asked)]


def _wrong(q: Question):
    if q.kind == "single":
        return (q.answer + 1) % len(q.options)
    if q.kind == "multi":
        every = set(range(len(q.options)))
        return every if every != q.answer else {min(q.answer)}
    return q.answer + 10 * max(q.tol, q.rel_tol * abs(q.answer), 1.0)


def _answer(container, q: Question, value) -> None:
    if q.kind == "single":
        container.locator("input[type=radio]").nth(value).check()
    elif q.kind == "multi":
        boxes = container.locator("input[type=checkbox]")
        for i in range(boxes.count()):
            boxes.nth(i).set_checked(i in value)
    else:
        box = container.locator("input[type=text]")
        box.fill(repr(float(value)))
        box.press("Tab")


@pytest.fixture(scope="module")
def quiz_page(lab, browser, tmp_path_factory):
    import nbformat

    cells = [nbformat.v4.new_code_cell("import gan_course")]
    for lesson in LESSONS:
        cells += [nbformat.v4.new_markdown_cell(f"## {lesson}"), nbformat.v4.new_code_cell(_quiz_cell(lesson))]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    name = lab.add("quizzes.ipynb", text=nbformat.writes(nb))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        _jl.open_notebook(page, lab, name)
        _jl.run_all(page)
        errors = _jl.errors(page)
    except Exception:
        page.screenshot(path=str(tmp_path_factory.mktemp("quiz-setup") / "failure.png"))
        raise
    assert errors == [], f"the quiz cells show errors after Run All: {errors}"
    yield page
    context.close()
    lab.stop_kernels(name)


def _cases():
    for lesson in LESSONS:
        questions = _questions(_quiz_cell(lesson))
        seen = set()
        for i, q in enumerate(questions):
            if q.kind not in seen:
                seen.add(q.kind)
                yield pytest.param(lesson, i, id=f"{lesson}-q{i + 1}-{q.kind}")


@pytest.mark.parametrize("lesson, index", list(_cases()))
def test_check_says_wrong_then_right(quiz_page, screenshots, lesson, index):
    from playwright.sync_api import expect

    page = quiz_page
    q = _questions(_quiz_cell(lesson))[index]
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(1 + LESSONS.index(lesson))
    check = cell.get_by_role("button", name="Check", exact=True).nth(index)
    container = check.locator("xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '),"
                              " ' widget-vbox ')][1]")
    feedback = container.locator(":scope > .widget-htmlmath").last
    screenshots.watch(page, container)
    container.scroll_into_view_if_needed()
    expect(container).to_contain_text(f"Question {index + 1}.")

    _answer(container, q, _wrong(q))
    check.click()
    expect(feedback).to_contain_text("❌ Not quite", timeout=FEEDBACK_TIMEOUT_MS)
    _answer(container, q, q.answer)
    check.click()
    expect(feedback).to_contain_text("✅ Correct", timeout=FEEDBACK_TIMEOUT_MS)
    expect(feedback).not_to_contain_text("Not quite")
