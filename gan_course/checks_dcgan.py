"""Moved: lesson 06's checks are now in ``gan_course.checks.convarith`` and ``gan_course.checks.dcgan_torch``.

This module re-exports them for one release, so students' saved exercise copies keep working, and
warns (DeprecationWarning) where it is imported. Import from the new path instead.
"""
from ._moved import moved

moved(__name__, "gan_course.checks.convarith and gan_course.checks.dcgan_torch")

from .checks.convarith import (  # noqa: E402
    check_conv_output_size, check_conv_transpose_output_size, check_output_sizes, check_transposed_conv)
from .checks.dcgan_torch import check_discriminator_block, check_generator, check_generator_block  # noqa: E402

__all__ = ["check_conv_output_size", "check_conv_transpose_output_size", "check_output_sizes",
           "check_transposed_conv", "check_generator_block", "check_discriminator_block", "check_generator"]
