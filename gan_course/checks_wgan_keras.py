"""Moved: lesson 08's Keras checks are now in ``gan_course.checks.wgan_keras``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved, with_framework

moved(__name__, "gan_course.checks.wgan_keras")

from .checks.wgan import check_critic_loss as _critic_loss  # noqa: E402
from .checks.wgan_keras import check_clip_weights, check_critic, check_gradient_penalty  # noqa: E402

check_critic_loss = with_framework(_critic_loss, "keras")  # this module was the Keras twin's

__all__ = ["check_critic_loss", "check_clip_weights", "check_gradient_penalty", "check_critic"]
