"""Deprecated name of ``gan_course.env`` (seeding, device, quick/full budgets, ``doctor()``).

Kept for one release so that notebooks saved before 0.2 still run; import from
``gan_course.env`` (or simply ``gan_course``: ``from gan_course import budget``).
"""
import warnings as _warnings

from .env import *  # noqa: F401,F403
from .env import _TRUE, budget, data_home, device, doctor, environment_report, is_offline, is_quick, seed_everything  # noqa: F401

_warnings.warn("gan_course.run was renamed gan_course.env (run *folders* are gan_course.runs); "
               "the old name goes in the next release.", DeprecationWarning, stacklevel=2)


def __getattr__(name):
    if name == "QUICK":  # was a constant frozen at import time; now read when asked
        return is_quick()
    raise AttributeError(f"module 'gan_course.run' has no attribute {name!r}")
