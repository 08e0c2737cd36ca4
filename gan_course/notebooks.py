"""Moved: the notebook re-execution tool is now
``python -m gan_course.tools.notebooks``.

This module re-exports it, and ``python -m gan_course.notebooks`` still runs it, for one release, with a
deprecation note. Use the new name.
"""
import sys

from ._moved import moved

moved("gan_course.notebooks", "gan_course.tools.notebooks")

from .tools.notebooks import (  # noqa: E402,F401
    ROOT, __all__, coalesce_streams, final_lines, keep_cell_ids, lessons, main, sync_and_execute)

if __name__ == "__main__":
    print("note: `python -m gan_course.notebooks` is now `python -m gan_course.tools.notebooks`; "
          "the old command goes in the next release.", file=sys.stderr)
    sys.exit(main())
