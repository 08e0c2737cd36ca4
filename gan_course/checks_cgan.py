"""Moved: lesson 05's checks are now in ``gan_course.checks.cgan``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved, with_framework

moved(__name__, "gan_course.checks.cgan")

from .checks.cgan import (  # noqa: E402
    check_cgan_discriminator_loss as _l, check_condition as _c, check_sample_digit as _s)

check_condition = with_framework(_c, "torch")  # the old default
check_cgan_discriminator_loss = with_framework(_l, "torch")
check_sample_digit = with_framework(_s, "torch")

__all__ = ["check_condition", "check_cgan_discriminator_loss", "check_sample_digit"]
