"""Lesson 11's checks (``gan_course.checks.scale``): the right answers pass, each known mistake gets its hint,
and the global-moments reference equals numpy on the concatenated batch."""
import numpy as np
import pytest

import gan_course  # noqa: F401
from gan_course.checks import CheckFailed
from gan_course.checks import scale as checks


def test_global_moments_reference_is_numpy_on_the_whole_batch():
    rng = np.random.default_rng(0)
    parts = [rng.normal(3, 2, size=(n, 4)) for n in (3, 7, 12)]
    counts = np.array([len(p) for p in parts], float)
    got = checks._global_reference(counts, np.stack([p.mean(0) for p in parts]), np.stack([p.var(0) for p in parts]))
    whole = np.concatenate(parts)
    np.testing.assert_allclose(got, np.stack([whole.mean(0), whole.var(0)]), rtol=1e-12)


def _right_moments(counts, means, variances):
    w = counts[:, None] / counts.sum()
    mean = (w * means).sum(0)
    return mean, (w * (variances + (means - mean) ** 2)).sum(0)


@pytest.mark.parametrize("check, right", [
    (checks.check_global_moments, _right_moments),
    (checks.check_ring_allreduce_bytes, lambda b, n: 2 * (n - 1) / n * b),
    (checks.check_gan_step_bytes, lambda g, d: 4 * (2 * d + g)),
])
def test_right_answers_pass(check, right, capsys):
    check(right)
    assert "✅" in capsys.readouterr().out


@pytest.mark.parametrize("check, wrong, hint", [
    (checks.check_global_moments, lambda c, m, v: (m.mean(0), v.mean(0)), "weight each worker by its count"),
    (checks.check_global_moments,
     lambda c, m, v: ((c[:, None] * m).sum(0) / c.sum(), (c[:, None] * v).sum(0) / c.sum()), "add how far its mean"),
    (checks.check_global_moments, lambda c, m, v: (_right_moments(c, m, v)[0],
                                                   _right_moments(c, m, v)[1] * c.sum() / (c.sum() - 1)), "unbiased"),
    (checks.check_ring_allreduce_bytes, lambda b, n: (n - 1) / n * b, "only half of the ring"),
    (checks.check_ring_allreduce_bytes, lambda b, n: 2 * (n - 1) * b, "1/N of the buffer"),
    (checks.check_ring_allreduce_bytes, lambda b, n: 2 * b, "one worker sends nothing"),
    (checks.check_gan_step_bytes, lambda g, d: 4 * (g + d), "twice per step"),
    (checks.check_gan_step_bytes, lambda g, d: 2 * d + g, "4 bytes"),
    (checks.check_gan_step_bytes, lambda g, d: 4 * (2 * g + d), "Swapped"),
])
def test_known_mistakes_get_their_hint(check, wrong, hint):
    with pytest.raises(CheckFailed, match=hint):
        check(wrong)


def test_a_blank_says_so():
    def blank(*args):
        raise NotImplementedError

    with pytest.raises(CheckFailed, match="global_moments"):
        checks.check_global_moments(blank)
