"""Moved: lesson 07's checks are now in ``gan_course.checks.pathologies``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved

moved(__name__, "gan_course.checks.pathologies")

from .checks.pathologies import (  # noqa: E402
    check_add_instance_noise, check_discriminator_loss, check_mode_coverage, check_pearson_chi2)

__all__ = ["check_add_instance_noise", "check_discriminator_loss", "check_mode_coverage", "check_pearson_chi2"]
