"""The quiz at the end of each lesson: multiple-choice and numeric questions.

``quiz([...])`` takes a list of question dicts and shows them:

* in a live kernel, as an ipywidgets form (radio buttons, check boxes or a text
  box per question, a *Check* button, feedback saying right or wrong and why);
* without a kernel (the book site, GitHub), as static HTML: the questions, the
  options, and each answer with its explanation folded in a ``<details>``.

Question dicts::

    {"question": "markdown", "options": ["a", "b"], "answer": 1, "explain": "why"}   # one answer
    {"question": "...", "options": [...], "answer": [0, 2], "explain": "..."}      # all that apply
    {"question": "...", "answer": 0.4, "tol": 0.01, "unit": "bits", "explain": "..."}  # numeric

Numeric answers accept ``tol`` (absolute) and/or ``rel_tol``; with neither, 1% relative.
What it is not: a grader; nothing is recorded or sent anywhere.
"""
from __future__ import annotations

import html
import math
import numbers
import re

__all__ = ["Question", "Quiz", "quiz"]

_KEYS = {"question", "options", "answer", "explain", "tol", "rel_tol", "unit"}
_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$\n]+\$)", re.S)


def _md(text: str) -> str:
    """Tiny markdown to HTML: paragraphs, `code`, **bold**, *italic*; $math$ left for MathJax."""
    out = []
    for i, part in enumerate(_MATH.split(text)):
        part = html.escape(part, quote=False)
        if i % 2 == 0:
            part = re.sub(r"`([^`]+)`", r"<code>\1</code>", part)
            part = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", part)
            part = re.sub(r"(?<![*\w])\*(?!\s)(.+?)\*(?![*\w])", r"<i>\1</i>", part)
        out.append(part)
    return "</p><p>".join(re.split(r"\n\s*\n", "".join(out).strip()))


def _number(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise TypeError(f"{what} must be a finite number, got {x!r}.")
    return float(x)


class Question:
    """One validated question; ``check(answer)`` returns ``(ok, feedback)``.

    Example: ``Question({"question": "1+1?", "answer": 2, "tol": 0}).check("2")`` -> ``(True, "✅ Correct. ...")``.
    """

    def __init__(self, spec: dict, number: int = 1):
        where = f"quiz question {number}"
        if not isinstance(spec, dict):
            raise TypeError(f"{where} must be a dict with keys 'question', 'answer', 'explain' "
                            f"(and 'options' for multiple choice), got {type(spec).__name__}.")
        missing = [k for k in ("question", "answer") if k not in spec]
        if missing:
            raise ValueError(f"{where} is missing the key(s) {missing}; it has {sorted(spec)}.")
        unknown = sorted(set(spec) - _KEYS)
        if unknown:
            raise ValueError(f"{where} has unknown key(s) {unknown} (a typo?); allowed: {sorted(_KEYS)}.")
        if not isinstance(spec["question"], str) or not spec["question"].strip():
            raise TypeError(f"{where}: 'question' must be a non-empty string (markdown).")
        self.number, self.text = number, spec["question"]
        self.explain, self.unit = str(spec.get("explain", "")), str(spec.get("unit", ""))
        answer = spec["answer"]
        if "options" in spec:
            opts = spec["options"]
            if not isinstance(opts, (list, tuple)) or len(opts) < 2 or not all(isinstance(o, str) for o in opts):
                raise TypeError(f"{where}: 'options' must be a list of at least 2 strings, got {opts!r}.")
            self.options = list(opts)
            self.kind = "multi" if isinstance(answer, (list, tuple, set)) else "single"
            picks = sorted(answer) if self.kind == "multi" else [answer]
            if not picks or len(set(picks)) != len(picks):
                raise ValueError(f"{where}: the answer list must be non-empty without repeats, got {answer!r}.")
            for a in picks:
                if isinstance(a, bool) or not isinstance(a, int) or not 0 <= a < len(opts):
                    raise ValueError(f"{where}: answer {a!r} is not an option index; with {len(opts)} options "
                                     f"use 0..{len(opts) - 1} (0 is the first option).")
            self.answer = set(picks) if self.kind == "multi" else answer
        else:
            self.kind, self.options = "numeric", []
            self.answer = _number(answer, f"{where}: 'answer' (no 'options', so a numeric question)")
            self.tol = _number(spec.get("tol", 0.0), f"{where}: 'tol'")
            self.rel_tol = _number(spec.get("rel_tol", 0.0 if "tol" in spec else 0.01), f"{where}: 'rel_tol'")
            if self.tol < 0 or self.rel_tol < 0:
                raise ValueError(f"{where}: 'tol' and 'rel_tol' must be >= 0.")

    def solution(self) -> str:
        """The right answer as text. Example: ``"(b) Two bits"`` or ``"0.4 bits (± 0.01)"``."""
        if self.kind == "numeric":
            slack = max(self.tol, self.rel_tol * abs(self.answer))
            return f"{self.answer:g} {self.unit}".strip() + (f" (± {slack:g})" if slack else "")
        picks = sorted(self.answer) if self.kind == "multi" else [self.answer]
        return "; ".join(f"({chr(97 + i)}) {self.options[i]}" for i in picks)

    def check(self, answer) -> tuple[bool, str]:
        """Judge a student's answer: an option index (or list of them), or a number / numeric string.

        Example: ``q.check(1)`` -> ``(False, "❌ Not quite. ...")``.
        """
        why = f" {self.explain}" if self.explain else ""
        if self.kind == "numeric":
            if answer is None or (isinstance(answer, str) and not answer.strip()):
                return False, "Type a number first, then press Check."
            try:
                value = _parse(answer, self.unit)
            except ValueError:
                return False, f"❌ {answer!r} is not a number I can read: type e.g. 0.5, 1e-3 or 1/2."
            ok = math.isclose(value, self.answer, rel_tol=self.rel_tol, abs_tol=self.tol)
            return (True, f"✅ Correct: {self.solution()}.{why}") if ok else \
                (False, f"❌ Not quite: {value:g} is not it. Try again, or show the answer.")
        if self.kind == "multi":
            picks = set() if answer is None else {answer} if isinstance(answer, int) else set(answer)
            if not picks:
                return False, "Tick every option you think is right, then press Check."
            if picks == self.answer:
                return True, f"✅ Correct: {self.solution()}.{why}"
            right, wrong = len(picks & self.answer), len(picks - self.answer)
            return False, (f"❌ Not quite: {right} of your ticks are right and {wrong} wrong; "
                           f"{len(self.answer)} options are right in all. Try again.")
        if answer is None:
            return False, "Pick an option first, then press Check."
        if isinstance(answer, str) and answer in self.options:
            answer = self.options.index(answer)
        if answer == self.answer:
            return True, f"✅ Correct: {self.solution()}.{why}"
        return False, "❌ Not quite. Try again, or show the answer."

    def html(self) -> str:
        """Static HTML: question, options, and the answer folded in a <details>."""
        head = f"<p><b>Question {self.number}.</b> {_md(self.text)}</p>"
        if self.kind == "numeric":
            body = f"<p><i>Answer with a number{' in ' + html.escape(self.unit) if self.unit else ''}.</i></p>"
        else:
            items = "".join(f"<li>{_md(o)}</li>" for o in self.options)
            note = "<p><i>Select all that apply.</i></p>" if self.kind == "multi" else ""
            body = f'{note}<ol type="a">{items}</ol>'
        expl = f"<p>{_md(self.explain)}</p>" if self.explain else ""
        return (f"{head}{body}<details><summary>Show answer</summary>"
                f"<p><b>{_md(self.solution())}</b></p>{expl}</details>")

    def text_plain(self) -> str:
        lines = [f"Question {self.number}. {self.text}"]
        lines += [f"  ({chr(97 + i)}) {o}" for i, o in enumerate(self.options)]
        return "\n".join(lines)


def _parse(answer, unit: str) -> float:
    if isinstance(answer, numbers.Real) and not isinstance(answer, bool):
        return float(answer)
    s = str(answer).strip()
    if unit and s.endswith(unit):
        s = s[: -len(unit)].strip()
    num, _, den = s.partition("/")
    return float(num) / float(den) if den else float(num)


class Quiz:
    """A list of questions, shown as a widget in a kernel and as HTML anywhere else.

    Example: ``Quiz([{"question": "2+2?", "answer": 4, "tol": 0}])``.
    """

    def __init__(self, questions, title: str = "Quiz"):
        if not isinstance(questions, (list, tuple)) or not questions:
            raise TypeError(f"quiz() takes a non-empty list of question dicts, got {questions!r:.80}.")
        self.title = title
        self.questions = [Question(q, i + 1) for i, q in enumerate(questions)]
        self._widget, self.controls = None, []

    def html(self) -> str:
        return f"<div class='gan-course-quiz'><h4>{html.escape(self.title)}</h4>" + \
            "".join(q.html() for q in self.questions) + "</div>"

    def __repr__(self) -> str:
        body = "\n\n".join(q.text_plain() for q in self.questions)
        answers = "\n".join(f"  {q.number}. {q.solution()}" for q in self.questions)
        return f"{self.title}\n\n{body}\n\nAnswers:\n{answers}"

    def widget(self):
        """The live ipywidgets form (built once). Example: ``Quiz(qs).widget()``."""
        if self._widget is None:
            import ipywidgets as w

            boxes = [w.HTML(f"<h4>{html.escape(self.title)}</h4>")]
            for q in self.questions:
                if q.kind == "single":
                    inp = w.RadioButtons(options=[(o, i) for i, o in enumerate(q.options)], value=None,
                                         layout=w.Layout(width="auto"))
                    read = lambda inp=inp: inp.value  # noqa: E731
                elif q.kind == "multi":
                    ticks = [w.Checkbox(description=o, value=False, indent=False) for o in q.options]
                    inp = w.VBox(ticks)
                    read = lambda ticks=ticks: [i for i, t in enumerate(ticks) if t.value]  # noqa: E731
                else:
                    inp = w.Text(placeholder=f"a number{' in ' + q.unit if q.unit else ''}")
                    read = lambda inp=inp: inp.value  # noqa: E731
                check, show, feedback = w.Button(description="Check"), w.Button(description="Show answer"), w.HTMLMath()
                check.on_click(lambda _, q=q, read=read, fb=feedback: setattr(fb, "value", _md(q.check(read())[1])))
                show.on_click(lambda _, q=q, fb=feedback: setattr(
                    fb, "value", _md(f"Answer: {q.solution()}. {q.explain}")))
                self.controls.append({"input": inp, "check": check, "show": show, "feedback": feedback})
                boxes.append(w.VBox([w.HTMLMath(f"<b>Question {q.number}.</b> {_md(q.text)}"), inp,
                                     w.HBox([check, show]), feedback]))
            self._widget = w.VBox(boxes)
        return self._widget

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": repr(self), "text/html": self.html()}
        try:
            view = self.widget()._repr_mimebundle_()
        except ImportError:  # no ipywidgets: the static view is all there is
            return bundle
        bundle.update({k: v for k, v in view.items() if k != "text/plain"})
        return bundle


def quiz(questions, title: str = "Quiz") -> None:
    """Validate and display a quiz: a widget in a kernel, HTML on the book site and GitHub.

    Example: ``quiz([{"question": "H of a fair coin, in bits?", "answer": 1, "tol": 0.01, "unit": "bits"}])``.
    """
    shown = Quiz(questions, title)
    try:
        from IPython.display import display
    except ImportError:
        print(repr(shown))
        return
    display(shown)
