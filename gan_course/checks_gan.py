"""Moved: lesson 04's checks are now in ``gan_course.checks.gan``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved, with_framework

moved(__name__, "gan_course.checks.gan")

from .checks.gan import check_discriminator_loss as _d, check_generator_loss as _g, check_train_step as _t  # noqa: E402

check_discriminator_loss = with_framework(_d, "torch")  # the old default
check_generator_loss = with_framework(_g, "torch")
check_train_step = with_framework(_t, "torch")

__all__ = ["check_discriminator_loss", "check_generator_loss", "check_train_step"]
