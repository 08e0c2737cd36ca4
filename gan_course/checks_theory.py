"""Moved: lesson 03's checks are now in ``gan_course.checks.gan_theory``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved

moved(__name__, "gan_course.checks.gan_theory")

from .checks.gan_theory import (  # noqa: E402
    check_generator_loss, check_jsd_from_value, check_optimal_discriminator, check_value_function)

__all__ = ["check_optimal_discriminator", "check_value_function", "check_jsd_from_value", "check_generator_loss"]
