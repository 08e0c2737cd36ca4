"""gan_course.quiz: answers are judged right, bad question dicts are refused clearly,
and the displayed object reads without a kernel (HTML) and works with one (widget)."""
import pytest

from gan_course.quiz import Question, Quiz, quiz

MC = {"question": "Which is **symmetric**?", "options": ["KL", "JSD", "cross-entropy"], "answer": 1,
      "explain": "JSD compares both with the mixture."}
MULTI = {"question": "Which are always >= 0?", "options": ["KL", "log p", "JSD", "-H"], "answer": [0, 2],
         "explain": "Divergences are never negative."}
NUM = {"question": "Entropy of a fair 8-sided die?", "answer": 3.0, "tol": 0.01, "unit": "bits",
       "explain": "log2 8 = 3."}


def test_single_choice():
    q = Question(MC)
    assert q.kind == "single"
    ok, feedback = q.check(1)
    assert ok and feedback.startswith("✅") and "JSD compares" in feedback
    assert q.check("JSD")[0]  # the option's text works too
    ok, feedback = q.check(0)
    assert not ok and feedback.startswith("❌") and "JSD compares" not in feedback
    assert q.check(None) == (False, "Pick an option first, then press Check.")


def test_multiple_answers_need_exactly_the_right_set():
    q = Question(MULTI)
    assert q.kind == "multi"
    assert q.check([2, 0])[0] and q.check((0, 2))[0]
    ok, feedback = q.check([0])
    assert not ok and "1 of your ticks are right and 0 wrong; 2 options are right" in feedback
    assert not q.check([0, 1, 2])[0]
    assert not q.check([])[0]


@pytest.mark.parametrize("answer, ok", [(3, True), (3.009, True), ("3", True), (" 3.0 bits", True), ("6/2", True),
                                        (2.98, False), ("4", False), ("three", False), ("", False), (None, False)])
def test_numeric_tolerance_and_parsing(answer, ok):
    assert Question(NUM).check(answer)[0] is ok


def test_numeric_relative_tolerance_and_default():
    assert Question({"question": "c?", "answer": 3e8, "rel_tol": 1e-3}).check(2.9995e8)[0]
    assert not Question({"question": "c?", "answer": 3e8, "rel_tol": 1e-3}).check(2.99e8)[0]
    default = Question({"question": "x?", "answer": 0.5})  # neither tol given: 1% relative
    assert default.check(0.504)[0] and not default.check(0.51)[0]
    assert Question({"question": "x?", "answer": -0.5, "tol": 1e-9}).check("-0.5")[0]


@pytest.mark.parametrize("spec, message", [
    ("What?", r"quiz question 1 must be a dict"),
    ({"options": ["a", "b"], "answer": 0}, r"missing the key\(s\) \['question'\]"),
    ({"question": "q", "options": ["a", "b"]}, r"missing the key\(s\) \['answer'\]"),
    ({**MC, "answer": 3}, r"answer 3 is not an option index; with 3 options use 0\.\.2"),
    ({**MC, "answer": -1}, r"answer -1 is not an option index"),
    ({**MC, "answer": True}, r"not an option index"),
    ({**MULTI, "answer": [0, 0]}, r"without repeats"),
    ({**MULTI, "answer": []}, r"non-empty"),
    ({**MC, "options": ["only one"]}, r"at least 2 strings"),
    ({**MC, "explaination": "typo"}, r"unknown key\(s\) \['explaination'\]"),
    ({"question": "q", "answer": "0.4"}, r"'answer' .* must be a finite number"),
    ({**NUM, "tol": -1}, r"must be >= 0"),
    ({"question": "  ", "answer": 1}, r"'question' must be a non-empty string"),
])
def test_bad_questions_are_refused_with_a_clear_message(spec, message):
    with pytest.raises((TypeError, ValueError), match=message):
        Question(spec)


def test_quiz_validates_every_question_and_numbers_them():
    with pytest.raises(ValueError, match="quiz question 2: answer 5"):
        Quiz([MC, {**MC, "answer": 5}])
    with pytest.raises(TypeError, match="non-empty list"):
        Quiz([])


def test_mimebundle_reads_without_a_kernel():
    bundle = Quiz([MC, MULTI, NUM])._repr_mimebundle_()
    page = bundle["text/html"]
    assert "Which is <b>symmetric</b>?" in page and "Entropy of a fair 8-sided die?" in page
    assert "<li>cross-entropy</li>" in page and "Select all that apply" in page
    assert page.count("<details>") == 3 and "(b) JSD" in page and "3 bits (± 0.01)" in page
    assert "JSD compares both with the mixture." in page.split("<details>")[1]  # explanation folded away
    assert "Question 3. Entropy of a fair 8-sided die?" in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle  # the live view, for a kernel


def test_widget_checks_answers():
    shown = Quiz([MC, MULTI, NUM])
    shown.widget()
    single, multi, numeric = shown.controls
    single["input"].value = 1
    single["check"].click()
    assert "✅" in single["feedback"].value
    multi["input"].children[0].value = True
    multi["check"].click()
    assert "❌" in multi["feedback"].value
    numeric["input"].value = "2.5"
    numeric["check"].click()
    assert "❌" in numeric["feedback"].value
    numeric["show"].click()
    assert "3 bits" in numeric["feedback"].value


def test_quiz_displays_itself(capsys):
    assert quiz([NUM]) is None
    assert "Entropy of a fair 8-sided die?" in capsys.readouterr().out  # outside IPython: plain text
