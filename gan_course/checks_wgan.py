"""Moved: lesson 08's checks are now in ``gan_course.checks.wgan`` and ``gan_course.checks.wgan_torch``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved, with_framework

moved(__name__, "gan_course.checks.wgan and gan_course.checks.wgan_torch")

from .checks.wgan import (  # noqa: E402
    CRITIC_LOSS_CASES, alpha_problem, critic_loss_diagnoses, critic_loss_grads, critic_loss_reference, penalty_cases,
    penalty_problem, tanh_critic_grads, tanh_critic_params)
from .checks.wgan import check_critic_loss as _critic_loss  # noqa: E402
from .checks.wgan_torch import check_clip_weights, check_critic, check_gradient_penalty  # noqa: E402

check_critic_loss = with_framework(_critic_loss, "torch")  # this module was the PyTorch twin's

__all__ = ["CRITIC_LOSS_CASES", "critic_loss_reference", "critic_loss_grads", "critic_loss_diagnoses",
           "tanh_critic_params", "tanh_critic_grads", "alpha_problem", "penalty_problem", "penalty_cases",
           "check_critic_loss", "check_clip_weights", "check_gradient_penalty", "check_critic"]
