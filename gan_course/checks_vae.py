"""Moved: lesson 02's checks are now in ``gan_course.checks.vae``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved

moved(__name__, "gan_course.checks.vae")

from .checks.vae import check_kl_to_standard_normal, check_reparameterize, check_vae_loss  # noqa: E402

__all__ = ["check_reparameterize", "check_kl_to_standard_normal", "check_vae_loss"]
