"""Moved: the exercise generator is now
``python -m gan_course.tools.exercises``.

This module re-exports it, and ``python -m gan_course.exercises`` still runs it, for one release, with a
deprecation note. Use the new name.
"""
import sys

from ._moved import moved

moved("gan_course.exercises", "gan_course.tools.exercises")

from .tools.exercises import (  # noqa: E402,F401
    COMMAND, PLACEHOLDER, __all__, blank_code, blank_markdown, content_hash, edited, exercise_notebook, generate,
    main, render)

if __name__ == "__main__":
    print("note: `python -m gan_course.exercises` is now `python -m gan_course.tools.exercises`; "
          "the old command goes in the next release.", file=sys.stderr)
    sys.exit(main())
