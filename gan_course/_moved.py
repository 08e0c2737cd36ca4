"""Old import paths kept for one release: each old module warns once, naming the new path.

``gan_course.checks_gan`` and its siblings (now ``gan_course.checks.<module>``) and the lecturer's
tools ``gan_course.exercises`` / ``gan_course.notebooks`` (now ``gan_course.tools.*``) are thin
re-exports that call ``moved``. Students' saved exercise copies import the old paths, so they keep
working. What it is not: a place for new code; delete the old modules and this one in the next release.
"""
from __future__ import annotations

import functools
import sys
import warnings

__all__ = ["moved", "with_framework"]


def moved(old: str, new: str) -> None:
    """Emit a DeprecationWarning that ``old`` is now ``new``, pointing at the line that imported ``old``.

    Example (in an old module): ``moved(__name__, "gan_course.checks.gan")``.
    """
    # stacklevel 3 is the frame above the old module; warnings itself steps over importlib's bootstrap
    # frames, so only importlib.import_module's own frame (a plain file) has to be counted here.
    level, frame = 3, sys._getframe(1).f_back
    while frame is not None:
        name = frame.f_code.co_filename
        if "importlib" in name and "_bootstrap" in name:
            frame = frame.f_back
        elif frame.f_globals.get("__name__", "") == "importlib":
            frame, level = frame.f_back, level + 1
        else:
            break
    warnings.warn(f"{old} has moved to {new}; import from {new} (the old name goes in the next release).",
                  DeprecationWarning, stacklevel=level)


def with_framework(check, framework: str):
    """``check`` with ``framework`` as the default it had at its old path (the new one asks for it).

    Example: ``check_critic_loss = with_framework(wgan.check_critic_loss, "keras")``.
    """
    @functools.wraps(check)
    def old_check(fn, framework=framework):
        return check(fn, framework=framework)

    return old_check
