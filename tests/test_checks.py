"""gan_course.checks: each check passes a correct answer and names each common wrong one.

The wrong implementations below are written the way a student would write them
(not derived from the reference), and each must get the hint meant for it.
Correct answers come from scipy where it has the function (an outside reference).
"""
import math

import numpy as np
import pytest
from scipy import special, stats

from gan_course import checks
from gan_course.checks import CheckFailed, Diagnosis, run_checks


def _a(*xs):
    return [np.asarray(x, dtype=float) for x in xs]


# ---- correct implementations (scipy where possible) -----------------------------------------

def entropy(p):
    return float(stats.entropy(np.asarray(p, float)))


def cross_entropy(p, q):
    return float(stats.entropy(p) + stats.entropy(p, q))  # H(p, q) = H(p) + KL(p || q)


def kl_divergence(p, q):
    return float(np.sum(special.rel_entr(*_a(p, q))))


def js_divergence(p, q):
    p, q = _a(p, q)
    m = (p + q) / 2
    return 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)


def kl_gaussian(mu1, sigma1, mu2, sigma2):
    return math.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


def one_hot(labels, num_classes=10):
    out = np.zeros((len(labels), num_classes), dtype=np.float32)
    out[np.arange(len(labels)), labels] = 1
    return out


CORRECT = [(checks.check_entropy, entropy), (checks.check_cross_entropy, cross_entropy),
           (checks.check_kl_divergence, kl_divergence), (checks.check_js_divergence, js_divergence),
           (checks.check_kl_gaussian, kl_gaussian), (checks.check_to_tanh_range, lambda x: 2 * x - 1),
           (checks.check_channels_first, lambda x: np.moveaxis(x, -1, 1)), (checks.check_one_hot, one_hot)]


@pytest.mark.parametrize("check, fn", CORRECT, ids=lambda x: getattr(x, "__name__", ""))
def test_correct_answer_passes_with_one_line(check, fn, capsys):
    check(fn)
    out = capsys.readouterr().out.strip()
    name = check.__name__.removeprefix("check_")
    assert out.startswith(f"✅ {name}: ") and out.endswith(" checks passed.") and "\n" not in out
    n, m = out.split(": ")[1].split(" ")[0].split("/")
    assert n == m and int(n) >= 3


# ---- wrong implementations, each with the words its hint must contain -----------------------

def _naive_kl(p, q):
    p, q = _a(p, q)
    return np.sum(p * np.log(p / q))


def _masked_kl(p, q):
    p, q = _a(p, q)
    s = (p > 0) & (q > 0)
    return np.sum(p[s] * np.log(p[s] / q[s]))


def _blank(*args):
    raise NotImplementedError("Blank: write this part yourself (see the comment above), then run the check below.")


def _boom(*args):
    return {}["missing"]


WRONG = {
    "entropy": [
        (_blank, "not filled in yet"),
        (_boom, "raised KeyError: 'missing'\nfor input p=[0.1, 0.6, 0.3]"),
        (lambda p: None, "returned None"),
        (lambda p: "0.9", "should return a number"),
        (lambda p: [entropy(p), 0], "shape (2,)"),
        (lambda p: -special.xlogy(p, p), "shape (3,)"),
        (lambda p: float(stats.entropy(p, base=2)), "bits"),
        (lambda p: -sum(x * math.log2(x) for x in p if x > 0), "np.log2"),
        (lambda p: float(stats.entropy(p, base=10)), "log base 10"),
        (lambda p: float(np.sum(special.xlogy(p, p))), "Wrong sign"),
        (lambda p: -np.sum(np.asarray(p) * np.log(p)), "0 log 0"),
        (lambda p: -sum(x * np.log(x) for x in p), "0 log 0"),
    ],
    "cross_entropy": [
        (lambda p, q: cross_entropy(p, q) / math.log(2), "bits"),
        (lambda p, q: cross_entropy(q, p), "swapped"),
        (lambda p, q: -cross_entropy(p, q), "Wrong sign"),
        (lambda p, q: entropy(p), "entropy H(p)"),
        (kl_divergence, "KL(p || q) = H(p, q) - H(p)"),
        (lambda p, q: -np.sum(np.asarray(p) * np.log(q)), "0 log 0"),
        (lambda p, q: -np.sum(special.xlogy(p, np.asarray(q) + 1e-12)), "infinite"),
    ],
    "kl_divergence": [
        (_blank, "not filled in yet"),
        (lambda p, q: kl_divergence(p, q) / math.log(2), "bits"),
        (lambda p, q: float(np.sum(special.rel_entr(q, p))), "swapped"),
        (lambda p, q: float(np.sum(special.xlogy(p, np.asarray(q) / p))), "Wrong sign"),
        (cross_entropy, "cross-entropy"),
        (_naive_kl, "0 log 0"),
        (_masked_kl, "infinite"),
        (lambda p, q: np.sum(special.rel_entr(p, np.asarray(q) + 1e-10)), "infinite"),
        (lambda p, q: special.rel_entr(p, q), "shape (3,)"),
        (lambda p, q: np.sum(np.array(p) * np.log(np.array(p) / q)) if not isinstance(p, list)
         else sum(p * np.log(p / q)), "np.asarray(p"),
    ],
    "js_divergence": [
        (lambda p, q: js_divergence(p, q) / math.log(2), "bits"),
        (lambda p, q: kl_divergence(p, (np.asarray(p) + q) / 2) + kl_divergence(q, (np.asarray(p) + q) / 2),
         "missing the 1/2"),
        (kl_divergence, "plain KL(p || q)"),
        (lambda p, q: (kl_divergence(p, q) + kl_divergence(q, p)) / 2, "symmetrised KL"),
        (lambda p, q: kl_divergence(p, (np.asarray(p) + q) / 2) / 2, "only half"),
        (lambda p, q: (kl_divergence(p, np.add(p, q)) + kl_divergence(q, np.add(p, q))) / 2, "m = (p + q) / 2"),
        (lambda p, q: -js_divergence(p, q), "Wrong sign"),
        (lambda p, q: (_naive_kl(p, (np.asarray(p) + q) / 2) + _naive_kl(q, (np.asarray(p) + q) / 2)) / 2,
         "0 log 0"),
    ],
    "kl_gaussian": [
        (_blank, "not filled in yet"),
        (lambda m1, s1, m2, s2: math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2), "- 1/2"),
        (lambda m1, s1, m2, s2: kl_gaussian(m2, s2, m1, s1), "swapped"),
        (lambda m1, s1, m2, s2: kl_gaussian(m1, s1, m2, s2) / math.log(2), "bits"),
        (lambda m1, s1, m2, s2: -kl_gaussian(m1, s1, m2, s2), "Wrong sign"),
        (lambda m1, v1, m2, v2: 0.5 * math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / (2 * v2) - 0.5, "variance"),
        (lambda m1, s1, m2, s2: math.log(s2 / s1) + (s1 + (m1 - m2) ** 2) / (2 * s2) - 0.5, "variance"),
        (lambda m1, s1, m2, s2: math.log(s2**2 / s1**2) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5,
         "variance ratio without its 1/2"),
        (lambda m1, s1, m2, s2: math.log(s1 / s2) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5, "upside down"),
        (lambda m1, s1, m2, s2: math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / s2**2 - 0.5, "denominator"),
    ],
    "to_tanh_range": [
        (lambda x: 2 * x, "did not shift"), (lambda x: 2 * (x - 1), "Brackets"), (lambda x: 1 - 2 * x, "Flipped"),
        (lambda x: (x + 1) / 2, "inverse map"), (lambda x: 3 * x - 1, "do not run from -1 to 1"),
        (lambda x: (2 * x - 1).ravel(), "shape"),
    ],
    "channels_first": [
        (lambda x: np.transpose(x, (0, 3, 2, 1)), "W comes before H"),
        (lambda x: x.reshape(x.shape[0], x.shape[3], x.shape[1], x.shape[2]), "reshape"),
        (lambda x: np.transpose(x, (0, 2, 3, 1)), "other way"),
        (lambda x: np.transpose(x), "should return an array of shape (2, 3, 4, 4)"),
    ],
    "one_hot": [
        (lambda labels, num_classes=10: one_hot(labels, 10), "num_classes argument"),
        (lambda labels, num_classes=10: one_hot(labels, num_classes).T, "One row per example"),
        (lambda labels, num_classes=10: one_hot(np.asarray(labels) - 1, num_classes), "one column off"),
    ],
}
CASES = [(name, fn, words) for name, wrongs in WRONG.items() for fn, words in wrongs]


@pytest.mark.parametrize("name, fn, words", CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)])
def test_wrong_answer_gets_its_hint(name, fn, words, capsys):
    with pytest.raises(CheckFailed) as info:
        getattr(checks, f"check_{name}")(fn)
    assert words in str(info.value), f"expected a hint mentioning {words!r}, got:\n{info.value}"
    assert capsys.readouterr().out == ""  # no pass line
    assert info.value.__context__ is None or info.value.__suppress_context__  # no chained traceback


def test_passing_the_call_instead_of_the_function():
    with pytest.raises(CheckFailed, match=r"without calling it"):
        checks.check_entropy(entropy([0.5, 0.5]))


def test_render_traceback_is_just_the_hint():
    err = CheckFailed("kl_divergence", "Arguments swapped.\nFor p=[1, 0]: ...")
    assert isinstance(err, AssertionError)
    assert err._render_traceback_() == ["❌ kl_divergence: not yet right.", "Arguments swapped.", "For p=[1, 0]: ..."]


def test_run_checks_is_generic_and_accepts_tensor_like_results(capsys):
    class Tensor:  # quacks like a torch tensor; checks.py never imports torch
        def __init__(self, v):
            self.v = v

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return np.asarray(self.v)

    run_checks("double", lambda x: Tensor(2 * x), [(1.0,), (np.arange(3.0),)], lambda x: 2 * x, argnames=["x"])
    assert capsys.readouterr().out.strip() == "✅ double: 2/2 checks passed."
    halve = Diagnosis("You halved instead of doubling.", wrong=lambda x: x / 2)
    with pytest.raises(CheckFailed, match=r"You halved instead of doubling\.\nFor x=1: expected 2, your"):
        run_checks("double", lambda x: x / 2, [(1.0,)], lambda x: 2 * x, [halve], argnames=["x"])
    with pytest.raises(CheckFailed, match=r"Not quite \(1 of 1 cases differ\)"):
        run_checks("double", lambda x: x + 5, [(1.0,)], lambda x: 2 * x, [halve], argnames=["x"])


def test_hint_is_shown_without_traceback_in_a_real_kernel(tmp_path):
    """Jupyter shows CheckFailed as the hint lines only (IPython calls _render_traceback_)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nfrom gan_course.checks import check_entropy"),
        nbformat.v4.new_code_cell("def entropy(p):\n    p = np.asarray(p)\n    return -np.sum(p * np.log2(p))"),
        nbformat.v4.new_code_cell("check_entropy(entropy)")])
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True,
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    (err,) = [o for o in nb.cells[2].outputs if o.output_type == "error"]
    assert err.ename == "CheckFailed"
    assert err.traceback[0] == "❌ entropy: not yet right."
    assert "bits" in err.traceback[1]
    text = "\n".join(err.traceback)
    assert "Traceback" not in text and "File " not in text and "checks.py" not in text
