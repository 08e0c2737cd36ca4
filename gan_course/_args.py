"""Argument checks shared by the data loaders: one clear ValueError, named after the argument."""
from __future__ import annotations

import numpy as np


def whole(name: str, value, minimum: int = 1) -> int:
    """``value`` as an int if it is a whole number >= ``minimum``, else a ValueError naming ``name``.

    Example: ``whole("size", 64, 4)`` -> ``64``; ``whole("n", 2.5)`` raises.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return int(value)
