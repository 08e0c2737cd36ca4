"""Moved: lesson 06's Keras checks are now in ``gan_course.checks.dcgan_keras``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved

moved(__name__, "gan_course.checks.dcgan_keras")

from .checks.dcgan_keras import check_discriminator_block, check_generator, check_generator_block  # noqa: E402

check_g_block = check_generator_block  # the old Keras names
check_d_block = check_discriminator_block

__all__ = ["check_g_block", "check_d_block", "check_generator_block", "check_discriminator_block", "check_generator"]
